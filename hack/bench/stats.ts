// Percentiles and small numeric helpers. Pure.

/**
 * The p-th percentile (0 < p <= 100) by the nearest-rank method: the smallest sample such that at
 * least p% of the samples are at or below it. Always one of the samples, never interpolated; with
 * 100 samples p99 is the second largest. Undefined for no samples.
 */
export function percentile(samples: readonly number[], p: number): number | undefined {
  if (!(p > 0 && p <= 100)) throw new Error(`percentile: p must be in (0, 100], got ${p}`);
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export interface Summary {
  count: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarize(samples: readonly number[]): Summary | undefined {
  if (samples.length === 0) return undefined;
  const pick = (p: number): number => percentile(samples, p) ?? Number.NaN;
  return {
    count: samples.length,
    min: Math.min(...samples),
    p50: pick(50),
    p95: pick(95),
    p99: pick(99),
    max: Math.max(...samples),
    mean: samples.reduce((a, b) => a + b, 0) / samples.length,
  };
}

/** Rounds to a number of decimals; keeps undefined and null as null (for JSON). */
export function round(value: number | null | undefined, decimals: number): number | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

export function mib(bytes: number): number {
  return bytes / (1024 * 1024);
}
