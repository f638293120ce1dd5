import { z } from 'zod';

/** spec.guard: admission guard rails the operator generates for this baseline (docs/guardrails.md). */

export const guardActionSchema = z
  .enum(['Deny', 'Warn', 'Off'])
  .describe('Deny refuses the request; Warn admits it with a warning and an audit annotation; Off generates no policy.');

/** Groups that would exempt everyone, which is Off by another name and hides that the guard is off. */
const EVERYONE = ['system:authenticated', 'system:unauthenticated', 'system:serviceaccounts'];

export const guardSpecSchema = z
  .object({
    podsBeforeProtection: guardActionSchema
      .default('Off')
      .describe('Pods in a selected namespace are refused until the operator has written its objects there and marked it protected (label posture.dev/protected).'),
    managedObjects: guardActionSchema
      .default('Off')
      .describe("Changes to the objects this baseline manages, creating objects with the names it manages (posture-*) and writes to the operator's PolicyReports, by anyone but the operator and exemptGroups."),
    namespaceLabels: guardActionSchema
      .default('Off')
      .describe('Removing or changing a label the namespaceSelector selects on, or a Pod Security label this baseline sets, on a selected namespace.'),
    exemptGroups: z
      .array(
        z
          .string()
          .min(1)
          .max(253)
          .refine((g) => !EVERYONE.includes(g), 'would exempt everyone; set the guards Off instead'),
      )
      .max(16)
      .default([])
      .describe('Break glass: members of these groups pass every guard of this baseline, e.g. system:masters. The operator always does.')
      .meta({
        'x-kubernetes-list-type': 'set',
        'x-kubernetes-validations': [
          { rule: "self.all(g, !(g in ['system:authenticated', 'system:unauthenticated', 'system:serviceaccounts']))", message: 'exemptGroups would exempt everyone; set the guards Off instead' },
        ],
      }),
  })
  .strict();

export type GuardSpec = z.output<typeof guardSpecSchema>;
export type GuardAction = z.output<typeof guardActionSchema>;
