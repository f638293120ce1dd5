import type { CachedObject } from '../runtime/caches.js';

/** creationTimestamp has whole seconds: the true creation lies within the second after it. */
const TIMESTAMP_RESOLUTION_MS = 1000;

/**
 * Times each new namespace from its creation to the operator's write that completed it
 * (posture_namespace_protected_seconds). The start is the creationTimestamp, or, when the operator's
 * watch delivered the namespace within the same second, that moment: closer to the true creation.
 * Only namespaces created while the operator runs are timed, each once; one already there at start
 * would measure how long the operator was away.
 */
export class ProtectionTimer {
  /** namespace -> when its creation is taken to be (ms since the epoch). */
  private readonly pending = new Map<string, number>();

  constructor(private readonly startedAt: number) {}

  /** The namespace appeared in the cache (its ADDED event). */
  added(namespace: CachedObject, now: number): void {
    const name = namespace.metadata?.name;
    const meta: Record<string, unknown> = namespace.metadata ?? {};
    const created = typeof meta.creationTimestamp === 'string' ? Date.parse(meta.creationTimestamp) : NaN;
    if (name === undefined || Number.isNaN(created) || created + TIMESTAMP_RESOLUTION_MS < this.startedAt) return;
    this.pending.set(name, Math.min(now, created + TIMESTAMP_RESOLUTION_MS));
  }

  /** The operator's writes completed the namespace: the seconds since its creation, the first time only. */
  completed(name: string, now: number): number | undefined {
    const start = this.pending.get(name);
    if (start === undefined) return undefined;
    this.pending.delete(name);
    return Math.max(0, now - start) / 1000;
  }

  /** The namespace is gone (or already in sync): nothing to time. */
  forget(name: string): void {
    this.pending.delete(name);
  }

  get size(): number {
    return this.pending.size;
  }
}
