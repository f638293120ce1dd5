import { canonicalQuantity, isQuantity } from '../api/quantity.js';

/**
 * Rewrites the quantities of a ResourceQuota or LimitRange into exact values (never expanded, since
 * tenants can write any exponent into the live objects), so "1024Mi" as rendered
 * and "1Gi" as stored compare equal. Other kinds pass through unchanged.
 */
export function normalizeContent(kind: string, content: Record<string, unknown>): Record<string, unknown> {
  if (kind === 'ResourceQuota') {
    const spec = content.spec as { hard?: Record<string, unknown> } | undefined;
    return { ...content, spec: { ...spec, hard: quantities(spec?.hard) } };
  }
  if (kind === 'LimitRange') {
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
  return content;
}

function quantities(map: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (map === undefined) return undefined;
  return Object.fromEntries(
    Object.entries(map).map(([k, v]) => [k, typeof v === 'string' && isQuantity(v) ? canonicalQuantity(v) : v]),
  );
}
