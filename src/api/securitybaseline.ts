import { z } from 'zod';
import { labelSelectorSchema } from './labelselector.js';

/**
 * The SecurityBaseline spec. This zod schema is the single source of truth: the operator parses
 * every object with it, and `npm run generate` derives the CRD's OpenAPI schema from it.
 */

const namespacePattern = /^[a-z0-9*?]([-a-z0-9*?]*[a-z0-9*?])?$/;

export const policyTypeSchema = z.enum(['Ingress', 'Egress']);

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
  })
  .strict();

export const securityBaselineSpecSchema = z
  .object({
    mode: z
      .enum(['Enforce', 'Audit'])
      .default('Enforce')
      .describe('Enforce writes and repairs the generated objects. Audit writes nothing into namespaces and reports what Enforce would create or repair.'),
    priority: z
      .int()
      .min(0)
      .max(1_000_000)
      .default(100)
      .describe('When several baselines select one namespace, the highest priority wins, then the name that sorts first. The others report a conflict for that namespace.'),
    namespaceSelector: labelSelectorSchema.describe('Selects the namespaces this baseline covers, by their labels. {} selects every namespace.'),
    excludeNamespaces: z
      .array(
        z
          .string()
          .min(1)
          .max(63)
          .regex(namespacePattern, 'must be a namespace name, optionally with * and ? globs'),
      )
      .max(256)
      .default([])
      .describe('Namespace names or globs (* and ?) never covered. kube-system, kube-public, kube-node-lease and the operator\'s own namespace are always excluded.'),
    networkPolicy: networkPolicySpecSchema
      .prefault({})
      .describe('NetworkPolicies written into every selected namespace.'),
  })
  .strict();

export type SecurityBaselineSpec = z.output<typeof securityBaselineSpecSchema>;
export type Mode = SecurityBaselineSpec['mode'];
export type PolicyType = z.output<typeof policyTypeSchema>;
