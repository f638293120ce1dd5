/**
 * Kubernetes resource quantities ("500m", "16Gi", "1e3"), parsed exactly into nano-units. The API
 * server rewrites quantities into canonical form ("1024Mi" is stored as "1Gi"), so the operator
 * compares them by value, never by spelling.
 */
const STRICT = /^(?<sign>[+-]?)(?<num>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?<suffix>Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$/;

const BINARY: Record<string, bigint> = { Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };
const DECIMAL_EXPONENT: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/** The regular expression the CRD uses for quantity strings (the same one the API server enforces). */
export const QUANTITY_REGEX_SOURCE = STRICT.source.replace(/\?<\w+>/g, '');

export function isQuantity(value: string): boolean {
  return STRICT.test(value);
}

/** The value in nano-units (10^-9), exactly; sub-nano remainders round up as the API server does. */
export function parseQuantity(value: string): bigint {
  const m = STRICT.exec(value);
  if (m?.groups === undefined) throw new Error(`not a quantity: "${value}"`);
  const { sign = '', num = '0', suffix = '' } = m.groups;
  const [whole = '0', fraction = ''] = num.split('.');
  const digits = BigInt(`${whole === '' ? '0' : whole}${fraction}`);
  let exponent = -fraction.length + 9; // to nano-units
  let factor = 1n;
  if (suffix in BINARY) factor = BINARY[suffix] ?? 1n;
  else if (suffix in DECIMAL_EXPONENT) exponent += DECIMAL_EXPONENT[suffix] ?? 0;
  else exponent += Number(suffix.slice(1));
  let nanos = digits * factor;
  if (exponent >= 0) nanos *= 10n ** BigInt(exponent);
  else {
    const divisor = 10n ** BigInt(-exponent);
    nanos = (nanos + divisor - 1n) / divisor;
  }
  return sign === '-' ? -nanos : nanos;
}

/** Compares two quantities by value: negative, zero or positive. */
export function compareQuantities(a: string, b: string): number {
  const d = parseQuantity(a) - parseQuantity(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}
