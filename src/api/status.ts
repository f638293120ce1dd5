import { z } from 'zod';

/** Status is an output: the operator writes it, users and tools (kstatus, Argo CD) read it. */

export const conditionSchema = z
  .object({
    type: z.string().max(316).describe('Ready, Reconciling or Stalled.'),
    status: z.enum(['True', 'False', 'Unknown']),
    observedGeneration: z.int().min(0).optional(),
    lastTransitionTime: z.string().describe('RFC 3339 time of the last change of status.'),
    reason: z.string().max(1024).describe('A CamelCase reason, e.g. Enforced, InvalidSpec.'),
    message: z.string().max(32768),
  })
  .strict();

export const namespaceCountsSchema = z
  .object({
    selected: z.int().min(0).describe('Namespaces this baseline selects and wins.'),
    enforced: z.int().min(0).describe('Selected namespaces whose generated objects all match the spec.'),
    conflicted: z.int().min(0).describe('Namespaces this baseline selects but loses to another baseline.'),
  })
  .strict();

export const plannedChangesSchema = z
  .object({
    namespaces: z.int().min(0).describe('Namespaces where Enforce would write something.'),
    create: z.int().min(0).describe('Objects Enforce would create.'),
    update: z.int().min(0).describe('Objects Enforce would change back to the spec.'),
    delete: z.int().min(0).describe('Objects Enforce would remove.'),
  })
  .strict();

export const securityBaselineStatusSchema = z
  .object({
    observedGeneration: z.int().min(0).optional().describe('The generation the status describes.'),
    conditions: z
      .array(conditionSchema)
      .max(8)
      .optional()
      .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] }),
    namespaces: namespaceCountsSchema.optional(),
    plannedChanges: plannedChangesSchema
      .optional()
      .describe('In Audit mode: what Enforce would write now. Absent in Enforce mode.'),
  })
  .strict();

export type Condition = z.output<typeof conditionSchema>;
export type NamespaceCounts = z.output<typeof namespaceCountsSchema>;
export type PlannedChanges = z.output<typeof plannedChangesSchema>;
export type SecurityBaselineStatus = z.output<typeof securityBaselineStatusSchema>;
