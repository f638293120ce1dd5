import { z } from 'zod';
import { celRaw, VALIDATIONS } from './cel.js';
import { limitRangeRules } from './limitrules.js';
import { isWithinQuantityRange, MAX_QUANTITY, QUANTITY_REGEX_SOURCE } from './quantity.js';

/** ResourceQuota and LimitRange parts of the spec, with the cross-field rules a user gets wrong. */

export const QUANTITY_MESSAGE = 'must be a quantity such as 500m or 2Gi (exponents at most two digits)';
const SPEC_QUANTITY = new RegExp(QUANTITY_REGEX_SOURCE);

export const quantitySchema = z
  .string()
  .max(64)
  .refine((q) => SPEC_QUANTITY.test(q), QUANTITY_MESSAGE)
  .meta({ [VALIDATIONS]: [{ rule: `self.matches(${celRaw(QUANTITY_REGEX_SOURCE)})`, message: QUANTITY_MESSAGE }] })
  // Only the operator checks the range (InvalidSpec): the pattern already keeps it cheap to parse.
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
const QUALIFIED_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

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

export const QUOTA_NAME_MESSAGE = 'must be a standard quota resource name such as requests.cpu, limits.memory or pods, or a qualified name such as count/deployments.apps';
const MAX_QUOTA_RESOURCES = 64;
const STANDARD_LIST = [...STANDARD_QUOTA_RESOURCES].map((n) => `'${n}'`).join(', ');
const QUALIFIED_QUOTA_NAME = `${DNS_SUBDOMAIN.source.slice(0, -1)}/${QUALIFIED_NAME.source.slice(1)}`;
/** isQuotaResourceName in CEL, for one key k. */
const QUOTA_NAME_CEL = `(k in [${STANDARD_LIST}] || k.startsWith('hugepages-') || k.startsWith('requests.hugepages-') || (size(k) <= 253 && k.matches(${celRaw(QUALIFIED_QUOTA_NAME)})))`;

const resourceName = z.string().min(1).max(253).refine(isQuotaResourceName, QUOTA_NAME_MESSAGE);

export const resourceQuotaSpecSchema = z
  .object({
    hard: z
      .record(resourceName, quantitySchema)
      .describe('The ResourceQuota posture-quota: hard limits per resource, e.g. requests.cpu, limits.memory, pods.')
      .meta({
        maxProperties: MAX_QUOTA_RESOURCES,
        [VALIDATIONS]: [
          { rule: 'size(self) > 0', message: 'hard must set at least one resource' },
          // A map's keys have no schema in a CRD, so the key rule is written over the map.
          // Static: a message naming the bad key would cost more than the API server allows.
          { rule: `self.all(k, ${QUOTA_NAME_CEL})`, message: `every key ${QUOTA_NAME_MESSAGE}` },
        ],
      }),
  })
  .strict()
  .superRefine((q, ctx) => {
    const count = Object.keys(q.hard).length;
    if (count === 0) ctx.addIssue({ code: 'custom', path: ['hard'], message: 'hard must set at least one resource' });
    if (count > MAX_QUOTA_RESOURCES) ctx.addIssue({ code: 'custom', path: ['hard'], message: `hard may set at most ${MAX_QUOTA_RESOURCES} resources` });
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
  .strict()
  .meta({ [VALIDATIONS]: limitRangeRules() });

export type ResourceQuotaSpec = z.output<typeof resourceQuotaSpecSchema>;
export type LimitRangeSpec = z.output<typeof limitRangeSpecSchema>;
type Resources = NonNullable<LimitRangeSpec['default']>;

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

