import { z } from 'zod';
import { celRaw, matching, VALIDATIONS } from './cel.js';

/** What the API server accepts as a label key: an optional DNS subdomain prefix and /, then a name of up to 63 characters. */
export const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
export const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
export const LABEL_KEY_MESSAGE = 'must be a label key such as tier or posture.dev/tier: up to 63 letters, digits, -, _ or ., beginning and ending with a letter or digit, optionally after a DNS prefix and /';
export const LABEL_VALUE_MESSAGE = 'must be a label value: empty, or up to 63 letters, digits, -, _ or ., beginning and ending with a letter or digit';

const labelKey = matching(LABEL_KEY, LABEL_KEY_MESSAGE, 317).min(1);
const labelValue = matching(LABEL_VALUE, LABEL_VALUE_MESSAGE, 63);
const MAX_MATCH_LABELS = 32;

/** metav1.LabelSelector, with the rules the API server applies to it written as CEL so they fail at admission. */
export const labelSelectorRequirementSchema = z
  .object({
    key: labelKey.describe('The label key that the selector applies to.'),
    operator: z
      .enum(['In', 'NotIn', 'Exists', 'DoesNotExist'])
      .describe("How the key relates to the values: In, NotIn, Exists or DoesNotExist."),
    values: z
      .array(labelValue)
      .max(32)
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
      .record(labelKey, labelValue)
      .refine((m) => Object.keys(m).length <= MAX_MATCH_LABELS, `may hold at most ${MAX_MATCH_LABELS} labels`)
      .meta({
        maxProperties: MAX_MATCH_LABELS,
        // A map's keys have no schema in a CRD, so the key rule is written over the map.
        [VALIDATIONS]: [
          {
            rule: `self.all(k, size(k) <= 317 && k.matches(${celRaw(LABEL_KEY.source)}))`,
            // Static: a message naming the bad key would cost more than the API server allows.
            message: `every key ${LABEL_KEY_MESSAGE}`,
          },
        ],
      })
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
