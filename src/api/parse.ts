import type { z } from 'zod';
import { securityBaselineSpecSchema, type SecurityBaselineSpec } from './securitybaseline.js';

export type SpecResult = { ok: true; spec: SecurityBaselineSpec } | { ok: false; error: string };

/** Formats zod issues as `spec.field.path: message`, so a user sees exactly which field is wrong. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], root = 'spec'): string {
  return issues
    .map((issue) => {
      const path = [root, ...issue.path.map(String)].reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : `${acc}.${part}`));
      const keys = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
      // A map key that fails its schema: say why, as the API server's rule does, not "Invalid key in record".
      const message = issue.code === 'invalid_key' && issue.issues[0] !== undefined ? issue.issues[0].message : issue.message;
      return `${path}: ${message}${keys}`;
    })
    .join('; ');
}

/** Parses a spec as read from the API server. The CRD schema already rejects most bad input; this is the backstop. */
export function parseSpec(spec: unknown): SpecResult {
  const result = securityBaselineSpecSchema.safeParse(spec ?? {});
  return result.success ? { ok: true, spec: result.data } : { ok: false, error: describeIssues(result.error.issues) };
}
