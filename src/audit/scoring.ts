/** Summaries and scores of findings (pure). */
import type { Finding, Result, Severity } from './types.js';

export type Summary = Record<Result, number>;

/** Counts per result, as PolicyReport `summary{pass,fail,warn,error,skip}`. */
export function summarize(findings: readonly Finding[]): Summary {
  const summary: Summary = { pass: 0, fail: 0, warn: 0, error: 0, skip: 0 };
  for (const f of findings) summary[f.result] += 1;
  return summary;
}

export const SEVERITY_WEIGHTS: Readonly<Record<Severity, number>> = { critical: 10, high: 5, medium: 3, low: 1, info: 0 };

/**
 * Compliance score, 0..100: each evaluated finding weighs by its severity (critical 10, high 5,
 * medium 3, low 1, info 0); score = round(100 * passedWeight / evaluatedWeight).
 * Evaluated = pass, fail and warn (warn counts as not passed); skip (exempted, not applicable) and
 * error (could not evaluate) are left out. 100 when nothing with weight was evaluated.
 */
export function complianceScore(findings: readonly Finding[]): number {
  let passed = 0;
  let evaluated = 0;
  for (const f of findings) {
    if (f.result === 'skip' || f.result === 'error') continue;
    const w = SEVERITY_WEIGHTS[f.severity];
    evaluated += w;
    if (f.result === 'pass') passed += w;
  }
  return evaluated === 0 ? 100 : Math.round((100 * passed) / evaluated);
}

export interface PolarisCounts {
  successes: number;
  warnings: number;
  dangers: number;
}

/**
 * Findings counted the way Polaris counts results: pass = success; fail at critical/high = danger;
 * fail at medium/low and warn = warning; info failures, skip and error are not counted.
 */
export function polarisCounts(findings: readonly Finding[]): PolarisCounts {
  const counts: PolarisCounts = { successes: 0, warnings: 0, dangers: 0 };
  for (const f of findings) {
    if (f.result === 'pass') counts.successes += 1;
    else if (f.result === 'warn') counts.warnings += 1;
    else if (f.result === 'fail' && (f.severity === 'critical' || f.severity === 'high')) counts.dangers += 1;
    else if (f.result === 'fail' && (f.severity === 'medium' || f.severity === 'low')) counts.warnings += 1;
  }
  return counts;
}

/**
 * Polaris' score, floor(100 * 2*pass / (2*pass + warnings + 2*dangers)), computed in the same
 * order as Polaris' CountSummary.GetScore; 0 when nothing was counted, as Polaris returns.
 */
export function polarisScore(counts: PolarisCounts): number {
  const total = counts.successes * 2 + counts.warnings + counts.dangers * 2;
  if (total === 0) return 0;
  return Math.trunc(((counts.successes * 2) / total) * 100);
}
