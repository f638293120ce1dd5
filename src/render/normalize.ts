import { canonicalQuantity, isQuantity } from '../api/quantity.js';

/*
 * Rewrite the quantities of a ResourceQuota or LimitRange into exact values (never expanded, since
 * tenants can write any exponent into the live objects), so "1024Mi" as rendered and "1Gi" as
 * stored compare equal. The kind registry (src/kube/kinds.ts) names each kind's normaliser.
 */

export function normalizeQuota(content: Record<string, unknown>): Record<string, unknown> {
  const spec = content.spec as { hard?: Record<string, unknown> } | undefined;
  return { ...content, spec: { ...spec, hard: quantities(spec?.hard) } };
}

export function normalizeLimitRange(content: Record<string, unknown>): Record<string, unknown> {
  const spec = content.spec as { limits?: Record<string, unknown>[] } | undefined;
  const limits = (spec?.limits ?? []).map((item) => {
    const out: Record<string, unknown> = { ...item };
    for (const key of ['default', 'defaultRequest', 'max', 'min', 'maxLimitRequestRatio']) {
      if (item[key] !== undefined) out[key] = quantities(item[key] as Record<string, unknown>);
    }
    return out;
  });
  return { ...content, spec: { ...spec, limits } };
}

function quantities(map: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (map === undefined) return undefined;
  return Object.fromEntries(
    Object.entries(map).map(([k, v]) => [k, typeof v === 'string' && isQuantity(v) ? canonicalQuantity(v) : v]),
  );
}
