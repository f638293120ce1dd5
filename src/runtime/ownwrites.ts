/**
 * The operator's own writes whose watch events the caches may not have yet. A write's answer comes
 * back before its watch event; a reconcile of the same namespace in between (another event queued
 * it) would read the object as it was before the write, see drift that is already repaired, count it
 * and write again. So a namespace waits until every informer it was written through has seen the
 * resourceVersion of that write. Resource versions are compared as integers, as client-go's mutation
 * cache does; one that is not an integer is never waited for.
 */
export class OwnWrites {
  /** namespace -> resource (plural) -> the highest resourceVersion written, and when. */
  private readonly pending = new Map<string, Map<string, { rv: bigint; at: number }>>();

  /** maxWaitMs: a cache that has not caught up by then (its watch is down) is not waited for any longer. */
  constructor(private readonly maxWaitMs = 10_000) {}

  record(namespace: string, plural: string, resourceVersion: string | undefined, now: number): void {
    const rv = parse(resourceVersion);
    if (rv === undefined) return;
    let byResource = this.pending.get(namespace);
    if (byResource === undefined) this.pending.set(namespace, (byResource = new Map<string, { rv: bigint; at: number }>()));
    const known = byResource.get(plural);
    if (known === undefined || rv > known.rv) byResource.set(plural, { rv, at: now });
  }

  /**
   * Whether a cache the namespace was written through is still behind the write. `seen` gives the
   * last resourceVersion an informer observed. Writes the caches have caught up with are forgotten.
   */
  isBehind(namespace: string, seen: (plural: string) => string | undefined, now: number): boolean {
    const byResource = this.pending.get(namespace);
    if (byResource === undefined) return false;
    for (const [plural, { rv, at }] of byResource) {
      const observed = parse(seen(plural));
      if ((observed !== undefined && observed >= rv) || now - at > this.maxWaitMs) byResource.delete(plural);
    }
    if (byResource.size > 0) return true;
    this.pending.delete(namespace);
    return false;
  }

  /** Stops waiting for a namespace (it was deleted, or waited long enough). */
  forget(namespace: string): void {
    this.pending.delete(namespace);
  }

  get size(): number {
    return this.pending.size;
  }
}

function parse(resourceVersion: string | undefined): bigint | undefined {
  return resourceVersion !== undefined && /^\d{1,30}$/.test(resourceVersion) ? BigInt(resourceVersion) : undefined;
}
