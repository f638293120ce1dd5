import type { CelRule } from './cel.js';
import { compareQuantities, isQuantity } from './quantity.js';
import type { LimitRangeSpec, ResourceQuotaSpec } from './resources.js';

/**
 * The order LimitRange values must keep, among themselves and against the quota, or every pod that
 * relies on a default is refused. One table gives both the CEL rules the API server checks at
 * admission and the operator's own check, so both say the same words.
 */

type Path = readonly string[];

interface Bound {
  /** Path below spec of the value that must be the smaller. */
  lower: Path;
  /** Candidates for the larger value; the first one set is used. */
  upper: readonly Path[];
  /** The bound applies only while these are unset (a LimitRange falls back to them). */
  unset?: readonly Path[];
  /** Why `lower` is compared at all, when it only stands in for an unset value. */
  because?: string;
}

const KEYS = ['cpu', 'memory', 'ephemeral-storage'] as const;
const PAIRS = [
  ['defaultRequest', 'default'],
  ['default', 'max'],
  ['defaultRequest', 'max'],
  ['min', 'defaultRequest'],
  ['min', 'default'],
  ['min', 'max'],
] as const;

function limitRangeBounds(): Bound[] {
  return PAIRS.flatMap(([lo, hi]) => KEYS.map((k) => ({ lower: ['limitRange', lo, k], upper: [['limitRange', hi, k]] })));
}

function quotaBounds(): Bound[] {
  return (['cpu', 'memory'] as const).flatMap((k): Bound[] => {
    const limits = [['resourceQuota', 'hard', `limits.${k}`]];
    const requests = [['resourceQuota', 'hard', `requests.${k}`], ['resourceQuota', 'hard', k]];
    const lr = (field: string): Path => ['limitRange', field, k];
    return [
      { lower: lr('default'), upper: limits },
      { lower: lr('max'), upper: limits, unset: [lr('default')], because: `it is also the default limit while limitRange.default.${k} is unset` },
      { lower: lr('defaultRequest'), upper: requests },
      { lower: lr('default'), upper: requests, unset: [lr('defaultRequest')], because: `it is also the default request while limitRange.defaultRequest.${k} is unset` },
      {
        lower: lr('max'),
        upper: requests,
        unset: [lr('defaultRequest'), lr('default')],
        because: `it is also the default request while limitRange.default.${k} and defaultRequest.${k} are unset`,
      },
    ];
  });
}

/** How a user names a value: limitRange.max.cpu, resourceQuota.hard["limits.cpu"]. */
function label(path: Path): string {
  return path[1] === 'hard' ? `${path[0]}.hard["${path[2]}"]` : path.join('.');
}

function message(b: Bound, upperPath: Path, upper: string, lower: string): string {
  const why = b.because === undefined ? '' : `${b.because}, so it `;
  return `${why}must be at most ${label(upperPath)} (${upper}), found ${lower}`;
}

function valueAt(root: unknown, path: Path): string | undefined {
  let node = root;
  for (const part of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return typeof node === 'string' ? node : undefined;
}

interface Issue {
  path: (string | number)[];
  message: string;
}

/** The operator's check of the same table. Paths are relative to spec. */
export function limitRangeIssues(lr: LimitRangeSpec, quota: ResourceQuotaSpec | undefined): Issue[] {
  const spec = { limitRange: lr, resourceQuota: quota };
  const issues: Issue[] = [];
  for (const b of [...limitRangeBounds(), ...quotaBounds()]) {
    if ((b.unset ?? []).some((p) => valueAt(spec, p) !== undefined)) continue;
    const lower = valueAt(spec, b.lower);
    const upperPath = b.upper.find((p) => valueAt(spec, p) !== undefined);
    const upper = upperPath === undefined ? undefined : valueAt(spec, upperPath);
    if (lower === undefined || upperPath === undefined || upper === undefined || !isQuantity(lower) || !isQuantity(upper)) continue;
    if (compareQuantities(lower, upper) > 0) issues.push({ path: [...b.lower], message: message(b, upperPath, upper, lower) });
  }
  return issues;
}

// CEL, with `root` standing for the object the rule sits on and `skip` leading parts of each path.

/** CRD CEL escapes - in property names as __dash__. */
const field = (name: string): string => name.replace(/-/g, '__dash__');

function access(root: string, path: Path): string {
  return path.reduce((acc, part, i) => (path[i - 1] === 'hard' ? `${acc}['${part}']` : `${acc}.${field(part)}`), root);
}

function isSet(root: string, path: Path): string {
  return path
    .map((part, i) => {
      const parent = access(root, path.slice(0, i));
      return path[i - 1] === 'hard' ? `'${part}' in ${parent}` : `has(${parent}.${field(part)})`;
    })
    .join(' && ');
}

/** A fieldPath in JSON path form: .limitRange.default.cpu, ['ephemeral-storage'] where needed. */
function fieldPath(path: Path): string {
  return path.map((p) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(p) ? `.${p}` : `['${p}']`)).join('');
}

function celRule(b: Bound, skip: number): CelRule {
  const rel = (p: Path): Path => p.slice(skip);
  const lower = access('self', rel(b.lower));
  // The first upper candidate that is set, as a CEL conditional.
  const upper = b.upper
    .slice(0, -1)
    .reduceRight((rest, p) => `(${isSet('self', rel(p))} ? ${access('self', rel(p))} : ${rest})`, access('self', rel(b.upper.at(-1) ?? [])));
  const upperName = b.upper
    .slice(0, -1)
    .reduceRight((rest, p) => `(${isSet('self', rel(p))} ? '${label(p)}' : ${rest})`, `'${label(b.upper.at(-1) ?? [])}'`);
  const applies = [isSet('self', rel(b.lower)), `(${b.upper.map((p) => `(${isSet('self', rel(p))})`).join(' || ')})`, ...(b.unset ?? []).map((p) => `!(${isSet('self', rel(p))})`)];
  const why = b.because === undefined ? '' : `${b.because}, so it `;
  return {
    rule: `!(${applies.join(' && ')}) || !isQuantity(${lower}) || !isQuantity(${upper}) || quantity(${lower}).compareTo(quantity(${upper})) <= 0`,
    messageExpression: `'${why}must be at most ' + ${upperName} + ' (' + ${upper} + '), found ' + ${lower}`,
    fieldPath: fieldPath(rel(b.lower)),
  };
}

/** Rules on spec.limitRange itself. */
export function limitRangeRules(): CelRule[] {
  return limitRangeBounds().map((b) => celRule(b, 1));
}

/** Rules on spec: the LimitRange against the quota. */
export function quotaRules(): CelRule[] {
  return quotaBounds().map((b) => celRule(b, 0));
}
