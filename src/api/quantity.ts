/**
 * Kubernetes resource quantities ("500m", "16Gi", "1e3"), compared exactly by value. The API server
 * rewrites quantities into canonical form ("1024Mi" is stored as "1Gi"), so the operator compares
 * them by value, never by spelling.
 *
 * A quantity is held as coefficient x 10^exponent and never expanded: "1e100000000" is the
 * coefficient 1 and the exponent 100000000, so neither a baseline author nor a tenant who edits a
 * live LimitRange can make the operator build a number with a hundred million digits.
 */
const STRICT = /^(?<sign>[+-]?)(?<num>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?<suffix>Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$/;

const BINARY: Record<string, bigint> = { Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };
const DECIMAL_EXPONENT: Record<string, bigint> = { n: -9n, u: -6n, m: -3n, '': 0n, k: 3n, M: 6n, G: 9n, T: 12n, P: 15n, E: 18n };

/**
 * The largest magnitude a spec quantity may have: 2^63-1, the cap (maxAllowed) the API server's
 * resource.Quantity applies to binary quantities and the largest value it holds as an int64. Larger
 * decimal quantities are kept by the API server as arbitrary-precision numbers that it expands when
 * it formats or compares them (1e100000000 as a ResourceQuota spins kube-apiserver), so the
 * schema refuses them.
 */
export const MAX_QUANTITY = '9223372036854775807';

/** The most exponent digits the CRD admits (e99); the value bound above is checked by the operator. */
export const MAX_EXPONENT_DIGITS = 2;

/** The regular expression the CRD uses for quantity strings: the API server's, with a bounded exponent. */
export const QUANTITY_REGEX_SOURCE = STRICT.source.replace(/\?<\w+>/g, '').replace('[0-9]+)?$', `[0-9]{1,${MAX_EXPONENT_DIGITS}})?$`);

/** Longer strings are not treated as quantities at all (a spec quantity is at most 64 characters). */
const MAX_QUANTITY_LENGTH = 256;

/** Whether the API server would parse this as a quantity (any exponent), within a length bound. */
export function isQuantity(value: string): boolean {
  return value.length <= MAX_QUANTITY_LENGTH && STRICT.test(value);
}

/** ±coefficient x 10^exponent; the coefficient has no trailing zeros, zero is 0 x 10^0. */
interface Decimal {
  negative: boolean;
  coefficient: bigint;
  exponent: bigint;
}

function trimmed(negative: boolean, coefficient: bigint, exponent: bigint): Decimal {
  if (coefficient === 0n) return { negative: false, coefficient: 0n, exponent: 0n };
  let c = coefficient;
  let e = exponent;
  while (c % 10n === 0n) {
    c /= 10n;
    e += 1n;
  }
  return { negative, coefficient: c, exponent: e };
}

function digitCount(n: bigint): bigint {
  return BigInt(n.toString().length);
}

/** Parsed without expansion; below a nano-unit rounds away from zero, as the API server does. */
function decompose(value: string): Decimal {
  const m = value.length <= MAX_QUANTITY_LENGTH ? STRICT.exec(value) : null;
  if (m?.groups === undefined) throw new Error(`not a quantity: "${value.slice(0, 64)}"`);
  const { sign = '', num = '0', suffix = '' } = m.groups;
  const [whole = '0', fraction = ''] = num.split('.');
  let coefficient = BigInt(`${whole === '' ? '0' : whole}${fraction}`);
  let exponent = -BigInt(fraction.length);
  const binary = BINARY[suffix];
  const decimal = DECIMAL_EXPONENT[suffix];
  if (binary !== undefined) coefficient *= binary;
  else if (decimal !== undefined) exponent += decimal;
  else exponent += BigInt(suffix.slice(1));
  const d = trimmed(sign === '-', coefficient, exponent);
  if (d.coefficient === 0n || d.exponent >= -9n) return d;
  const shift = -9n - d.exponent;
  // More places to drop than the coefficient has digits: the value is under one nano-unit.
  if (shift > digitCount(d.coefficient)) return trimmed(d.negative, 1n, -9n);
  const divisor = 10n ** shift;
  return trimmed(d.negative, (d.coefficient + divisor - 1n) / divisor, -9n);
}

/** Compares magnitudes: by order of magnitude first, so only numbers of similar size are aligned. */
function compareMagnitude(a: Decimal, b: Decimal): number {
  if (a.coefficient === 0n || b.coefficient === 0n) return a.coefficient === b.coefficient ? 0 : a.coefficient === 0n ? -1 : 1;
  const orderA = digitCount(a.coefficient) + a.exponent;
  const orderB = digitCount(b.coefficient) + b.exponent;
  if (orderA !== orderB) return orderA < orderB ? -1 : 1;
  // Same order: the exponents differ by less than the longer coefficient's digit count.
  const low = a.exponent < b.exponent ? a.exponent : b.exponent;
  const ca = a.coefficient * 10n ** (a.exponent - low);
  const cb = b.coefficient * 10n ** (b.exponent - low);
  return ca < cb ? -1 : ca > cb ? 1 : 0;
}

function compareDecimal(a: Decimal, b: Decimal): number {
  const signA = a.coefficient === 0n ? 0 : a.negative ? -1 : 1;
  const signB = b.coefficient === 0n ? 0 : b.negative ? -1 : 1;
  if (signA !== signB) return signA < signB ? -1 : 1;
  const m = compareMagnitude(a, b);
  return signA < 0 ? -m : m;
}

/** Compares two quantities by value: -1, 0 or 1. Never expands an exponent. */
export function compareQuantities(a: string, b: string): number {
  return compareDecimal(decompose(a), decompose(b));
}

const MAX = decompose(MAX_QUANTITY);

/** Whether the magnitude is within MAX_QUANTITY (the spec's bound). */
export function isWithinQuantityRange(value: string): boolean {
  return compareMagnitude(decompose(value), MAX) <= 0;
}

/** An exact spelling of the value that is equal for equal values ("1Gi" and "1024Mi" alike). */
export function canonicalQuantity(value: string): string {
  const d = decompose(value);
  return `${d.negative ? '-' : ''}${d.coefficient.toString()}e${d.exponent.toString()}`;
}

/** The value in nano-units (10^-9), exactly; only for quantities within MAX_QUANTITY. */
export function parseQuantity(value: string): bigint {
  const d = decompose(value);
  if (compareMagnitude(d, MAX) > 0) throw new RangeError(`quantity "${value.slice(0, 64)}" is above ${MAX_QUANTITY}`);
  const nanos = d.coefficient * 10n ** (d.exponent + 9n);
  return d.negative ? -nanos : nanos;
}
