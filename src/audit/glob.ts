/**
 * The one wildcard matcher: `*` (any run of characters, also none) and `?` (one character);
 * everything else is literal. Every glob in the API (excludeNamespaces, exemption namespaces,
 * secretReadAllowlist) is matched here.
 *
 * Tenants choose the strings matched (namespace names, subject names of any length), so this never
 * goes through a regular expression, which backtracks exponentially on `*a*a*a*b`. It walks the
 * value once with two pointers and remembers only the last `*`: on a mismatch it retries from the
 * character after the one that last `*` absorbed. Work is at most |pattern| x |value|, and both are
 * bounded: patterns by the schema (MAX_GLOB_STARS, length), values by MAX_GLOB_SUBJECT.
 */

/** The longest string ever compared with a pattern; longer values match no pattern. */
export const MAX_GLOB_SUBJECT = 1024;

/** The most `*` a pattern may hold (the CRD schema and zod refuse more). */
export const MAX_GLOB_STARS = 4;

/** A regular expression the CRD uses to refuse patterns with more than MAX_GLOB_STARS stars. */
export const GLOB_STARS_PATTERN = `^[^*]*(\\*[^*]*){0,${MAX_GLOB_STARS}}$`;

export function countStars(pattern: string): number {
  let n = 0;
  for (const ch of pattern) if (ch === '*') n++;
  return n;
}

export function globMatch(pattern: string, value: string): boolean {
  if (value.length > MAX_GLOB_SUBJECT) return false;
  let p = 0;
  let v = 0;
  let star = -1; // index in pattern of the last `*` seen
  let resume = 0; // index in value where that `*` stopped absorbing
  while (v < value.length) {
    const pc = pattern[p];
    if (pc === '*') {
      star = p++;
      resume = v;
    } else if (pc !== undefined && (pc === '?' || pc === value[v])) {
      p++;
      v++;
    } else if (star >= 0) {
      p = star + 1;
      v = ++resume;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}
