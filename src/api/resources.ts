import { z } from 'zod';
import { compareQuantities, isQuantity, isWithinQuantityRange, MAX_QUANTITY, QUANTITY_REGEX_SOURCE } from './quantity.js';

/** ResourceQuota and LimitRange parts of the spec, with the cross-field rules a user gets wrong. */

const SPEC_QUANTITY = new RegExp(QUANTITY_REGEX_SOURCE);

export const quantitySchema = z
  .string()
  .max(64)
  .regex(SPEC_QUANTITY, 'must be a quantity such as 500m, 2, 16Gi (exponents at most two digits)')
  .refine((q) => !SPEC_QUANTITY.test(q) || isWithinQuantityRange(q), `must be at most ${MAX_QUANTITY} (2^63-1, the largest quantity the API server holds exactly)`)
  .describe(`A Kubernetes quantity, e.g. 500m, 2, 16Gi; at most ${MAX_QUANTITY}.`);

/** What the API server tracks in a ResourceQuota without a domain prefix (IsStandardQuotaResourceName). */
const STANDARD_QUOTA_RESOURCES = new Set([
  'cpu', 'memory', 'ephemeral-storage',
  'requests.cpu', 'requests.memory', 'requests.storage', 'requests.ephemeral-storage',
  'limits.cpu', 'limits.memory', 'limits.ephemeral-storage',
  'pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets', 'persistentvolumeclaims', 'configmaps',
  'services.nodeports', 'services.loadbalancers',
]);
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/**
 * A name the API server accepts in a ResourceQuota's hard: a standard one, a huge page one, or one
 * with a domain prefix (count/deployments.apps, requests.nvidia.com/gpu). Anything else (a typo such
 * as pod or requests.cpus) is refused when the quota is written, after the other objects were.
 */
export function isQuotaResourceName(name: string): boolean {
  const slash = name.indexOf('/');
  if (slash < 0) return STANDARD_QUOTA_RESOURCES.has(name) || name.startsWith('hugepages-') || name.startsWith('requests.hugepages-');
  const prefix = name.slice(0, slash);
  const rest = name.slice(slash + 1);
  return prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix) && rest.length <= 63 && QUALIFIED_NAME.test(rest);
}

const resourceName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-zA-Z0-9]([-a-zA-Z0-9._/]*[a-zA-Z0-9])?$/, 'must be a resource name such as requests.cpu')
  .refine(isQuotaResourceName, 'must be a standard quota resource (pods, requests.cpu, limits.memory, ...) or a qualified name such as count/deployments.apps');

export const resourceQuotaSpecSchema = z
  .object({
    hard: z
      .record(resourceName, quantitySchema)
      .describe('The ResourceQuota posture-quota: hard limits per resource, e.g. requests.cpu, limits.memory, pods.')
      .meta({ 'x-kubernetes-validations': [{ rule: 'size(self) > 0', message: 'hard must set at least one resource' }] }),
  })
  .strict()
  .superRefine((q, ctx) => {
    if (Object.keys(q.hard).length === 0) ctx.addIssue({ code: 'custom', path: ['hard'], message: 'hard must set at least one resource' });
  });

const computeResources = z
  .object({
    cpu: quantitySchema.optional(),
    memory: quantitySchema.optional(),
    'ephemeral-storage': quantitySchema.optional(),
  })
  .strict();

export const limitRangeSpecSchema = z
  .object({
    default: computeResources.optional().describe('Limits given to containers that set none.'),
    defaultRequest: computeResources.optional().describe('Requests given to containers that set none.'),
    max: computeResources.optional().describe('The most a container may ask for.'),
    min: computeResources.optional().describe('The least a container may ask for.'),
  })
  .strict();

export type ResourceQuotaSpec = z.output<typeof resourceQuotaSpecSchema>;
export type LimitRangeSpec = z.output<typeof limitRangeSpecSchema>;
type Resources = NonNullable<LimitRangeSpec['default']>;
type ResourceKey = keyof Resources;
const KEYS: readonly ResourceKey[] = ['cpu', 'memory', 'ephemeral-storage'];

interface Issue {
  path: (string | number)[];
  message: string;
}

/**
 * The LimitRange as the API server will store it: default falls back to max, defaultRequest to
 * default. Rendering this form keeps the object equal to what is read back.
 */
export function effectiveLimits(lr: LimitRangeSpec): LimitRangeSpec {
  const def: Resources = { ...lr.max, ...lr.default };
  const defReq: Resources = { ...def, ...lr.defaultRequest };
  const out: LimitRangeSpec = {};
  if (Object.keys(def).length > 0) out.default = def;
  if (Object.keys(defReq).length > 0) out.defaultRequest = defReq;
  if (lr.max !== undefined) out.max = lr.max;
  if (lr.min !== undefined) out.min = lr.min;
  return out;
}

function ordered(issues: Issue[], lower: Resources | undefined, upper: Resources | undefined, lowerName: string, upperName: string): void {
  for (const key of KEYS) {
    const lo = lower?.[key];
    const hi = upper?.[key];
    if (lo === undefined || hi === undefined || !isQuantity(lo) || !isQuantity(hi)) continue;
    if (compareQuantities(lo, hi) > 0) issues.push({ path: ['limitRange', lowerName, key], message: `${lo} is above ${upperName}.${key} ${hi}` });
  }
}

/**
 * LimitRange defaults must sit inside min and max, and inside the quota, or every pod that relies on
 * them is rejected. Paths are relative to spec.
 */
export function limitRangeIssues(lr: LimitRangeSpec, quota: ResourceQuotaSpec | undefined): Issue[] {
  const issues: Issue[] = [];
  const eff = effectiveLimits(lr);
  ordered(issues, lr.defaultRequest, eff.default, 'defaultRequest', 'default');
  ordered(issues, lr.default, lr.max, 'default', 'max');
  ordered(issues, lr.defaultRequest, lr.max, 'defaultRequest', 'max');
  ordered(issues, lr.min, eff.defaultRequest, 'min', 'defaultRequest');
  ordered(issues, lr.min, lr.max, 'min', 'max');
  if (quota !== undefined) {
    for (const key of ['cpu', 'memory'] as const) {
      const limitQuota = quota.hard[`limits.${key}`];
      const requestQuota = quota.hard[`requests.${key}`] ?? quota.hard[key];
      const def = eff.default?.[key];
      const req = eff.defaultRequest?.[key];
      if (def !== undefined && limitQuota !== undefined && compareQuantities(def, limitQuota) > 0) {
        issues.push({ path: ['limitRange', 'default', key], message: `${def} is above resourceQuota.hard["limits.${key}"] ${limitQuota}` });
      }
      if (req !== undefined && requestQuota !== undefined && compareQuantities(req, requestQuota) > 0) {
        issues.push({ path: ['limitRange', 'defaultRequest', key], message: `${req} is above the quota's requests.${key} ${requestQuota}` });
      }
    }
  }
  return issues;
}
