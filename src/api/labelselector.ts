import { z } from 'zod';

/** metav1.LabelSelector, with the rules the API server applies to it written as CEL so they fail at admission. */
export const labelSelectorRequirementSchema = z
  .object({
    key: z.string().min(1).max(317).describe('The label key that the selector applies to.'),
    operator: z
      .enum(['In', 'NotIn', 'Exists', 'DoesNotExist'])
      .describe("How the key relates to the values: In, NotIn, Exists or DoesNotExist."),
    values: z
      .array(z.string().max(63))
      .max(64)
      .optional()
      .describe('Label values; non-empty for In and NotIn, empty for Exists and DoesNotExist.'),
  })
  .strict()
  .superRefine((req, ctx) => {
    const needsValues = req.operator === 'In' || req.operator === 'NotIn';
    const count = req.values?.length ?? 0;
    if (needsValues && count === 0) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: `values must be non-empty when operator is ${req.operator}` });
    }
    if (!needsValues && count > 0) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: `values must be empty when operator is ${req.operator}` });
    }
  })
  .meta({
    'x-kubernetes-validations': [
      {
        rule: "self.operator in ['In', 'NotIn'] ? (has(self.values) && size(self.values) > 0) : (!has(self.values) || size(self.values) == 0)",
        message: 'values must be non-empty for In and NotIn, and empty for Exists and DoesNotExist',
        fieldPath: '.values',
      },
    ],
  });

export const labelSelectorSchema = z
  .object({
    matchLabels: z
      .record(z.string().min(1).max(317), z.string().max(63))
      .optional()
      .describe('Labels that must all be present with these exact values.'),
    matchExpressions: z
      .array(labelSelectorRequirementSchema)
      .max(32)
      .optional()
      .describe('Label requirements that must all hold.'),
  })
  .strict();

export type LabelSelector = z.infer<typeof labelSelectorSchema>;
