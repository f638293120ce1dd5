/**
 * Orders two resourceVersions of objects of one resource: negative, zero or positive as a is older,
 * the same or newer; undefined when either is not a resourceVersion as the API server writes them (a
 * positive decimal integer without leading zeros). Kubernetes guarantees this order since 1.35
 * (KEP-5504, client-go's CompareResourceVersion); before that every API server on etcd wrote them so.
 */
export function compareResourceVersions(a: string, b: string): number | undefined {
  const valid = /^[1-9][0-9]*$/;
  if (!valid.test(a) || !valid.test(b)) return undefined;
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** a is known to be newer than b. */
export function isNewer(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  return (compareResourceVersions(a, b) ?? 0) > 0;
}
