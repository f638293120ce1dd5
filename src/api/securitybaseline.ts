import { z } from 'zod';
import { auditSpecSchema, FEW_STARS } from './audit.js';
import { matching, matchingAll, VALIDATIONS } from './cel.js';
import { guardSpecSchema } from './guard.js';
import { labelSelectorSchema } from './labelselector.js';
import { limitRangeIssues, quotaRules } from './limitrules.js';
import { rbacSpecSchema } from './rbac.js';
import { rolloutSpecSchema } from './rollout.js';
import { limitRangeSpecSchema, resourceQuotaSpecSchema } from './resources.js';

/**
 * The SecurityBaseline spec. This zod schema is the single source of truth: the operator parses
 * every object with it, and `npm run generate` derives the CRD's OpenAPI schema and docs/api.md from it.
 */

const namespacePattern = /^[a-z0-9*?]([-a-z0-9*?]*[a-z0-9*?])?$/;

export const policyTypeSchema = z.enum(['Ingress', 'Egress']);

export const ingressSourceSchema = z
  .object({
    namespaceSelector: labelSelectorSchema.describe('Namespaces whose pods may connect, e.g. the ingress controller\'s.'),
    podSelector: labelSelectorSchema.optional().describe('Optional: only these pods of those namespaces.'),
  })
  .strict();

export const networkPolicySpecSchema = z
  .object({
    defaultDeny: z
      .array(policyTypeSchema)
      .max(2)
      .default(['Ingress', 'Egress'])
      .describe('Traffic directions denied by default in every selected namespace (posture-default-deny). Empty writes no default-deny policy.')
      .meta({ 'x-kubernetes-list-type': 'set' }),
    allowDNS: z
      .boolean()
      .default(true)
      .describe('Allow egress to kube-dns in kube-system on 53/UDP and 53/TCP (posture-allow-dns). Only written when Egress is denied by default.'),
    allowSameNamespace: z
      .boolean()
      .default(true)
      .describe('Allow traffic between pods of the same namespace, in each denied direction (posture-allow-same-namespace).'),
    allowIngressFrom: z
      .array(ingressSourceSchema)
      .max(16)
      .default([])
      .describe('Ingress allowed from other namespaces, e.g. the ingress controller and monitoring (posture-allow-from-<n>, n from 0). Only written when Ingress is denied by default.'),
  })
  .strict();

export const podSecurityLevelSchema = z.enum(['privileged', 'baseline', 'restricted']);

export const podSecuritySpecSchema = z
  .object({
    enforce: podSecurityLevelSchema.optional().describe('pod-security.kubernetes.io/enforce: pods violating this level are rejected.'),
    warn: podSecurityLevelSchema.optional().describe('pod-security.kubernetes.io/warn: users get a warning.'),
    audit: podSecurityLevelSchema.optional().describe('pod-security.kubernetes.io/audit: violations are recorded in the audit log.'),
    version: matching(/^(latest|v1\.[0-9]+)$/, 'must be latest or a version such as v1.30', 16)
      .default('latest')
      .describe('The Pod Security Standards version pinned with each label (<mode>-version).'),
  })
  .strict();

export const securityBaselineSpecSchema = z
  .object({
    mode: z
      .enum(['Enforce', 'Audit'])
      .default('Enforce')
      .describe('Enforce writes and repairs the generated objects. Audit writes nothing into namespaces and reports what Enforce would create or repair.'),
    deletionPolicy: z
      .enum(['Delete', 'Orphan'])
      .default('Delete')
      .describe('What happens to the generated objects and labels when this baseline is deleted: Delete removes them, Orphan leaves them in place, no longer managed.'),
    priority: z
      .int()
      .min(0)
      .max(1_000_000)
      .default(100)
      .describe('When several baselines select one namespace, the highest priority wins, then the name that sorts first. Both report the conflict.'),
    namespaceSelector: labelSelectorSchema.describe('Selects the namespaces this baseline covers, by their labels. {} selects every namespace.'),
    excludeNamespaces: z
      .array(matchingAll([[namespacePattern, 'must be a namespace name, optionally with * and ? globs'], FEW_STARS], 63).min(1))
      .max(256)
      .default([])
      .describe("Namespace names or globs (* and ?, at most 4 *) never covered. kube-system, kube-public, kube-node-lease and the operator's own namespace are always excluded."),
    networkPolicy: networkPolicySpecSchema.prefault({}).describe('NetworkPolicies written into every selected namespace. No rule written ever allows the cloud metadata address.'),
    resourceQuota: resourceQuotaSpecSchema.optional().describe('The ResourceQuota posture-quota. Absent writes none.'),
    limitRange: limitRangeSpecSchema.optional().describe('The LimitRange posture-limits (type Container). Absent writes none.'),
    podSecurity: podSecuritySpecSchema.optional().describe('Pod Security Admission labels set on every selected namespace. Only the labels set here are owned; absent sets none.'),
    rbac: rbacSpecSchema.optional().describe('Least-privilege Roles and RoleBindings for identity-provider groups.'),
    audit: auditSpecSchema.prefault({}).describe('The audit of everything in the selected namespaces against docs/checks.md. It runs in both modes.'),
    guard: guardSpecSchema
      .optional()
      .describe('Admission guard rails (ValidatingAdmissionPolicies) the operator generates for this baseline. Absent: all Off. See docs/guardrails.md.'),
    rollout: rolloutSpecSchema
      .optional()
      .describe('How a change to what this baseline writes reaches its namespaces: canary first, then waves, with a pause between. Absent: all at once. See docs/rollout.md.'),
  })
  .strict()
  .meta({ [VALIDATIONS]: quotaRules() })
  .superRefine((spec, ctx) => {
    if (spec.limitRange !== undefined) {
      for (const issue of limitRangeIssues(spec.limitRange, spec.resourceQuota)) ctx.addIssue({ code: 'custom', ...issue });
    }
  });

export type SecurityBaselineSpec = z.output<typeof securityBaselineSpecSchema>;
export type Mode = SecurityBaselineSpec['mode'];
export type PolicyType = z.output<typeof policyTypeSchema>;
export type PodSecurityLevel = z.output<typeof podSecurityLevelSchema>;
