import { z } from 'zod';

/**
 * CEL validation rules (x-kubernetes-validations) that the API server evaluates at admission, next to
 * the zod checks the operator applies to what it reads. A rule's message is the one zod gives, so a
 * user reads the same words whether `kubectl apply` refuses the spec or the operator does.
 */
export interface CelRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  fieldPath?: string;
}

export const VALIDATIONS = 'x-kubernetes-validations';

/** A CEL raw string literal; the patterns used here contain no quote. */
export function celRaw(text: string): string {
  if (text.includes("'")) throw new Error(`cannot quote ${text} as a CEL raw string`);
  return `r'${text}'`;
}

/** A CEL string literal for plain text. */
export function celString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * A string that must match `pattern`, refused with `message` in words. A plain `pattern` in the CRD
 * would show the user the regular expression instead.
 */
export function matching(pattern: RegExp, message: string, maxLength: number): z.ZodString {
  return matchingAll([[pattern, message]], maxLength);
}

/** A string that must match every pattern, each refused with its own message. */
export function matchingAll(rules: readonly (readonly [RegExp, string])[], maxLength: number): z.ZodString {
  let schema = z.string().max(maxLength);
  for (const [pattern, message] of rules) schema = schema.refine((s) => pattern.test(s), message);
  return schema.meta({ [VALIDATIONS]: rules.map(([pattern, message]) => ({ rule: `self.matches(${celRaw(pattern.source)})`, message })) });
}
