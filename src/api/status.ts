import { z } from 'zod';
import { rolloutStatusSchema } from './rollout.js';

/** Status is an output: the operator writes it, users and tools (kstatus, Argo CD) read it. */

export const conditionSchema = z
  .object({
    type: z.string().max(316).describe('Ready, Reconciling or Stalled.'),
    status: z.enum(['True', 'False', 'Unknown']).describe('True, False or Unknown.'),
    observedGeneration: z.int().min(0).optional().describe('The generation this condition describes.'),
    lastTransitionTime: z.string().describe('RFC 3339 time of the last change of status.'),
    reason: z.string().max(1024).describe('A CamelCase reason, e.g. Enforced, InvalidSpec.'),
    message: z.string().max(32768).describe('What a person needs to know, naming the field or namespaces involved.'),
  })
  .strict();

export const namespaceCountsSchema = z
  .object({
    selected: z.int().min(0).describe('Namespaces this baseline selects and wins.'),
    enforced: z.int().min(0).describe('Selected namespaces whose generated objects all match the spec.'),
    conflicted: z.int().min(0).describe('Namespaces this baseline selects but loses to another baseline.'),
    excluded: z.int().min(0).optional().describe('Namespaces whose labels match the selector but that spec.excludeNamespaces (or the always-excluded system namespaces) leave out.'),
    compliant: z.int().min(0).optional().describe('Selected namespaces with no failing check.'),
  })
  .strict();

/** At most this many example writes on a status: enough to see what Enforce would do, bounded whatever the namespace count. */
export const MAX_PLANNED_EXAMPLES = 10;

export const plannedChangeSchema = z
  .object({
    verb: z.enum(['create', 'update', 'delete']).describe('create, update (an object or the Namespace\'s Pod Security labels) or delete.'),
    namespace: z.string().max(63).describe('Where Enforce would write.'),
    kind: z.string().max(63).describe('The kind of the object (Namespace for its Pod Security labels).'),
    name: z.string().max(253).describe('The object.'),
  })
  .strict();

export const plannedChangesSchema = z
  .object({
    namespaces: z.int().min(0).describe('Namespaces where Enforce would write something.'),
    create: z.int().min(0).describe('Objects Enforce would create.'),
    update: z.int().min(0).describe('Objects Enforce would change back to the spec.'),
    delete: z.int().min(0).describe('Objects Enforce would remove.'),
    examples: z
      .array(plannedChangeSchema)
      .max(MAX_PLANNED_EXAMPLES)
      .optional()
      .describe(`Some of those writes (at most ${MAX_PLANNED_EXAMPLES}), namespaces in name order; posture diff lists them all, with a diff for each update.`),
  })
  .strict();

export const driftRecordSchema = z
  .object({
    time: z.string().describe('When the operator saw the change.'),
    namespace: z.string().max(63).describe('Where the object lives.'),
    kind: z.string().max(63).describe('The kind of the changed object (Namespace for its Pod Security labels).'),
    name: z.string().max(253).describe('The changed object.'),
    change: z.enum(['Modified', 'Deleted']).describe('Modified or Deleted.'),
    by: z.string().max(128).describe('The field manager that changed it, as fieldManager="kubectl-edit" (a name the client chooses, not a person), or unknown: the API does not record who deletes an object or removes a label.'),
  })
  .strict();

export const driftStatusSchema = z
  .object({
    detected: z.int().min(0).describe('Managed objects found changed or deleted by someone else since the baseline was created.'),
    repaired: z.int().min(0).describe('Of those, how many the operator put back.'),
    lastDetected: z.string().optional().describe('When the last drift was seen.'),
    recent: z.array(driftRecordSchema).max(10).describe('The last 10 drift records, newest first.'),
  })
  .strict();

export const conflictSchema = z
  .object({
    baseline: z.string().max(253).describe('The other baseline that selects the same namespaces.'),
    won: z.boolean().describe('True when this baseline wins those namespaces, false when it loses them.'),
    namespaces: z.int().min(0).describe('How many namespaces both baselines select.'),
    examples: z.array(z.string().max(63)).max(5).describe('Up to 5 of those namespaces.'),
  })
  .strict();

export const summarySchema = z
  .object({
    pass: z.int().min(0).describe('Check results that passed, over every selected namespace.'),
    fail: z.int().min(0).describe('Check results that failed.'),
    warn: z.int().min(0).describe('Check results that warn.'),
    error: z.int().min(0).describe('Checks that could not be evaluated.'),
    skip: z.int().min(0).describe('Check results skipped: exempted or not applicable.'),
    annotationSkips: z
      .int()
      .min(0)
      .optional()
      .describe('Of skip, those exempted by an annotation on the resource (posture.dev/exempt, Polaris, kube-score), which whoever edits the resource can write, rather than by the baseline.'),
  })
  .strict();

export const findingSchema = z
  .object({
    check: z.string().max(32).describe('The check id, e.g. WL-002 (docs/checks.md).'),
    title: z.string().max(128).describe('What the check asks for.'),
    severity: z.enum(['critical', 'high', 'medium', 'low', 'info']).describe('The check\'s severity.'),
    namespaces: z.int().min(0).describe('How many selected namespaces fail it.'),
    examples: z.array(z.string().max(63)).max(3).describe('Up to 3 of those namespaces.'),
  })
  .strict();

export const securityBaselineStatusSchema = z
  .object({
    observedGeneration: z.int().min(0).optional().describe('The generation the status describes.'),
    conditions: z
      .array(conditionSchema)
      .max(8)
      .optional()
      .describe('Ready, Reconciling and Stalled, as kstatus and Argo CD read them.')
      .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] }),
    namespaces: namespaceCountsSchema.optional().describe('How many namespaces the baseline selects, enforces and loses to another baseline.'),
    complianceScore: z.int().min(0).max(100).optional().describe('0..100: the severity-weighted share of passed check results (README, Audit).'),
    summary: summarySchema.optional().describe('Check results over every selected namespace, as a PolicyReport summary.'),
    findings: z.array(findingSchema).max(20).optional().describe('The failing checks, most severe first, each with a few example namespaces (at most 20).'),
    drift: driftStatusSchema.optional().describe('Changes made to managed objects by anyone but the operator.'),
    conflicts: z.array(conflictSchema).max(10).optional().describe('Other baselines that select the same namespaces (at most 10).'),
    plannedChanges: plannedChangesSchema
      .optional()
      .describe('In Audit mode: what Enforce would write now. Absent in Enforce mode.'),
    rollout: rolloutStatusSchema.optional().describe('The staged rollout of the latest change (spec.rollout, docs/rollout.md).'),
  })
  .strict();

export type Condition = z.output<typeof conditionSchema>;
export type NamespaceCounts = z.output<typeof namespaceCountsSchema>;
export type Finding = z.output<typeof findingSchema>;
export type DriftRecord = z.output<typeof driftRecordSchema>;
export type DriftStatus = z.output<typeof driftStatusSchema>;
export type Conflict = z.output<typeof conflictSchema>;
export type PlannedChanges = z.output<typeof plannedChangesSchema>;
export type PlannedChange = z.output<typeof plannedChangeSchema>;
export type SecurityBaselineStatus = z.output<typeof securityBaselineStatusSchema>;
