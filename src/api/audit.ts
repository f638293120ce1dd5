import { z } from 'zod';
import { CATALOG } from '../audit/catalog.js';
import { GLOB_STARS_PATTERN, MAX_GLOB_STARS, MAX_GLOB_SUBJECT } from '../audit/glob.js';
import { celRaw, matching, matchingAll, VALIDATIONS } from './cel.js';

/** spec.audit: what the audit checks against, and what it leaves out. */

const checkIds = CATALOG.map((c) => c.id) as [string, ...string[]];
export const checkIdSchema = z.enum(checkIds).describe('A check id from docs/checks.md, e.g. WL-010.');

/** Every glob in the API holds a few `*` at most, so matching stays cheap whatever it is matched with. */
export const FEW_STARS: readonly [RegExp, string] = [new RegExp(GLOB_STARS_PATTERN), `must hold at most ${MAX_GLOB_STARS} *`];

const rfc3339 = /^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$/;
const RFC3339_MESSAGE = 'must be an RFC 3339 time such as 2027-03-01T00:00:00Z';

/** The calendar date exists (2027-02-30 does not); Date.parse alone rolls it over into March. */
function isRealTime(s: string): boolean {
  if (!rfc3339.test(s) || Number.isNaN(Date.parse(s))) return false;
  const [y = 0, m = 0, d = 0] = s.slice(0, 10).split('-').map(Number);
  const probe = new Date(Date.UTC(y, m - 1, d));
  return probe.getUTCFullYear() === y && probe.getUTCMonth() === m - 1 && probe.getUTCDate() === d;
}

export const exemptionSchema = z
  .object({
    checks: z
      .array(z.enum([...checkIds, '*']))
      .min(1)
      .max(64)
      .describe('The checks exempted; * for every check.'),
    namespaces: z
      .array(matchingAll([[/^[a-z0-9*?]([-a-z0-9*?]*[a-z0-9*?])?$/, 'must be a namespace name or glob'], FEW_STARS], 63).min(1))
      .max(64)
      .optional()
      .describe(`Namespace names or globs (* and ?, at most ${MAX_GLOB_STARS} *); absent means every namespace the baseline covers.`),
    reason: z.string().min(1).max(256).describe('Why: shown with every skipped result.'),
    expires: z
      .string()
      .max(64)
      .refine(isRealTime, RFC3339_MESSAGE)
      .meta({ [VALIDATIONS]: [{ rule: `self.matches(${celRaw(rfc3339.source)}) && !format.datetime().validate(self).hasValue()`, message: RFC3339_MESSAGE }] })
      .optional()
      .describe('RFC 3339 time after which the exemption no longer applies and is reported as expired.'),
  })
  .strict();

export const auditSpecSchema = z
  .object({
    allowedRegistries: z
      .array(matching(/^[a-z0-9]([-a-z0-9.:]*[a-z0-9])?(\/[-a-z0-9._/]*)?$/, 'must be a registry host, optionally with a path, such as ghcr.io/acme', 253).min(1))
      .max(64)
      .default([])
      .describe('Trusted registries (IMG-003), as a host optionally with a path: registry.example.com, ghcr.io/acme. Empty skips IMG-003.'),
    disabledChecks: z.array(checkIdSchema).max(64).default([]).describe('Checks not evaluated at all.'),
    annotationExemptions: z
      .enum(['Allowed', 'Disabled', 'AllowList'])
      .default('Allowed')
      .describe(
        'Whether annotations on the audited resources (posture.dev/exempt, Polaris, kube-score) may exempt them. Whoever can edit a resource can annotate it, so tenants exempt themselves: Allowed honours them (counted apart in status.summary.annotationSkips), Disabled ignores them, AllowList honours them only for annotationExemptChecks. Ignored annotations are named in the failing result.',
      ),
    annotationExemptChecks: z
      .array(checkIdSchema)
      .max(64)
      .default([])
      .describe('With annotationExemptions: AllowList, the checks an annotation may exempt; * in an annotation means these only.'),
    exemptions: z.array(exemptionSchema).max(64).default([]).describe('Checks skipped in some namespaces, with a reason and an optional expiry.'),
    oidcGroupPrefix: z.string().max(128).optional().describe('RB-007: Group subjects must start with this prefix (the identity provider\'s groups).'),
    secretReadAllowlist: z
      .array(matchingAll([FEW_STARS], 253).min(1))
      .max(64)
      .default([])
      .describe(`RB-003: subjects allowed to read Secrets, as globs over the name (system:serviceaccount:<ns>:<name> for ServiceAccounts), at most ${MAX_GLOB_STARS} * each. Subject names over ${MAX_GLOB_SUBJECT} characters match no entry.`),
    requireCpuLimit: z.boolean().default(false).describe('WL-013: also require limits.cpu.'),
  })
  .strict();

export type AuditSpec = z.output<typeof auditSpecSchema>;
