import { z } from 'zod';
import { GROUP, KIND, PLURAL, SHORT_NAME, SINGULAR, VERSION } from './names.js';
import { securityBaselineSpecSchema } from './securitybaseline.js';
import { securityBaselineStatusSchema } from './status.js';

type JsonSchema = Record<string, unknown>;

function withoutType(member: unknown): unknown {
  if (member === null || typeof member !== 'object' || Array.isArray(member)) return member;
  return Object.fromEntries(Object.entries(member as JsonSchema).filter(([k]) => k !== 'type'));
}

/**
 * Turns zod's OpenAPI 3.0 output into a structural schema the API server accepts: CRDs reject
 * `additionalProperties: false` next to `properties` (unknown fields are pruned instead) and `$schema`.
 */
export function toStructural(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toStructural);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema as JsonSchema)) {
    if (key === '$schema') continue;
    if (key === 'additionalProperties' && value === false) continue;
    // zod writes two patterns on one string as allOf members that repeat the type; structural
    // schemas allow only value validations there.
    if (key === 'allOf' && Array.isArray(value)) {
      out[key] = value.map((member: unknown) => toStructural(withoutType(member)));
      continue;
    }
    out[key] = toStructural(value);
  }
  return out;
}

function openApi(schema: z.ZodType): JsonSchema {
  return toStructural(z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input' })) as JsonSchema;
}

/** The CustomResourceDefinition for SecurityBaseline, derived from the zod schemas. Pure. */
export function securityBaselineCrd(): JsonSchema {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${PLURAL}.${GROUP}` },
    spec: {
      group: GROUP,
      scope: 'Cluster',
      names: { kind: KIND, listKind: `${KIND}List`, plural: PLURAL, singular: SINGULAR, shortNames: [SHORT_NAME] },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Mode', type: 'string', jsonPath: '.spec.mode' },
            { name: 'Ready', type: 'string', jsonPath: ".status.conditions[?(@.type=='Ready')].status" },
            { name: 'Compliant', type: 'string', jsonPath: ".status.conditions[?(@.type=='Compliant')].status" },
            { name: 'Namespaces', type: 'integer', jsonPath: '.status.namespaces.selected', description: 'Namespaces selected and won.' },
            { name: 'Enforced', type: 'integer', jsonPath: '.status.namespaces.enforced', priority: 1 },
            { name: 'Conflicts', type: 'integer', jsonPath: '.status.namespaces.conflicted', priority: 1, description: 'Namespaces selected but lost to a higher-priority baseline.' },
            { name: 'Excluded', type: 'integer', jsonPath: '.status.namespaces.excluded', priority: 1, description: 'Namespaces selected but left out by excludeNamespaces.' },
            { name: 'Score', type: 'integer', jsonPath: '.status.complianceScore' },
            { name: 'Drift', type: 'integer', jsonPath: '.status.drift.detected' },
            { name: 'Rollout', type: 'string', jsonPath: '.status.rollout.phase', description: 'Progressing, Paused, Halted or Complete (docs/rollout.md).' },
            { name: 'Updated', type: 'integer', jsonPath: '.status.rollout.updated', priority: 1, description: 'Namespaces at the latest revision.' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: 'SecurityBaseline keeps every namespace it selects at one security baseline.',
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec: { ...openApi(securityBaselineSpecSchema), description: 'The desired baseline.' },
                status: { ...openApi(securityBaselineStatusSchema), description: 'What the operator observed and did.' },
              },
            },
          },
        },
      ],
    },
  };
}
