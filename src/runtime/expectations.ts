import type { CachedObject } from './caches.js';
import { deepEqual } from './equality.js';
import type { InformerEvent } from './source.js';

/** What the operator last wrote to one object, as the cache keeps it, or that it deleted it. */
interface Expected {
  plural: string;
  /** The reconcile key the object belongs to: its namespace (a Namespace's own name). */
  owner: string;
  name: string;
  /** The write's answer, projected as the cache keeps it; undefined: deleted by the operator. */
  object: CachedObject | undefined;
  rv: bigint | undefined;
  /** The cache had not seen this write yet when last looked at: reads take the record instead. */
  pending: boolean;
  at: number;
}

/** An event that arrived while its namespace was being reconciled: judged when the writes are answered. */
interface Held {
  plural: string;
  event: InformerEvent;
  object: CachedObject;
}

/**
 * Expectations, as client-go controllers keep them. Each write's answer is remembered (uid,
 * resourceVersion, the object as the cache will keep it). Until an informer has observed that
 * resourceVersion, a reconcile reads the record instead of the cache, so a cache that has not caught
 * up is never read as "missing" or "changed by someone". An informer event that only echoes the
 * operator's own write (the same resourceVersion, or the same content: a quota's status update by the
 * controller manager) starts no reconcile. Events that arrive while the namespace is being written
 * are held and judged once every write is answered: any that is not an echo starts one more reconcile.
 * Resource versions are compared as integers, as client-go's mutation cache does; one that is not an
 * integer is never waited for.
 */
export class Expectations {
  /** plural/owner/name -> what was written; insertion order is write order (a rewrite moves to the end). */
  private readonly written = new Map<string, Expected>();
  private readonly byOwner = new Map<string, Set<string>>();
  private readonly inFlight = new Map<string, Held[]>();

  /**
   * keepMs: how long a write is remembered, to recognise its echoes (and a cache that has not caught
   * up by then, its watch being down, is trusted again).
   */
  constructor(private readonly keepMs = 60_000) {}

  /** A write the API server answered; answer is the stored object as the cache would keep it. */
  wrote(plural: string, owner: string, name: string, answer: CachedObject, now: number): void {
    this.set({ plural, owner, name, object: answer, rv: parse(versioned(answer).resourceVersion), pending: true, at: now });
  }

  /** An object the operator deleted: its delete event is an echo, and reads no longer see it. */
  deleted(plural: string, owner: string, name: string, now: number): void {
    this.set({ plural, owner, name, object: undefined, rv: undefined, pending: true, at: now });
  }

  /** The namespace's writes start: its events are held until end(). */
  begin(owner: string): void {
    this.inFlight.set(owner, []);
  }

  /** The namespace's writes are answered; true when an event held meanwhile was not the operator's own. */
  end(owner: string): boolean {
    const held = this.inFlight.get(owner) ?? [];
    this.inFlight.delete(owner);
    let foreign = false;
    for (const h of held) if (!this.isEcho(h.plural, owner, h.event, h.object)) foreign = true;
    return foreign;
  }

  /**
   * Whether an informer event should start a reconcile of its namespace. An echo of the operator's
   * own write does not; while the namespace is being written, no event does (end() judges them).
   */
  shouldReconcile(plural: string, owner: string, event: InformerEvent, object: CachedObject, now: number): boolean {
    this.sweep(now);
    const held = this.inFlight.get(owner);
    if (held !== undefined) {
      held.push({ plural, event, object });
      return false;
    }
    return !this.isEcho(plural, owner, event, object);
  }

  /**
   * One type's objects in a namespace as a reconcile must see them: the cache's, with the operator's
   * writes the cache has not observed yet (observedRv: the informer's resourceVersion) put over them.
   */
  view(plural: string, owner: string, cached: readonly CachedObject[], observedRv: string | undefined, now: number): readonly CachedObject[] {
    const keys = this.byOwner.get(owner);
    if (keys === undefined) return cached;
    const observed = parse(observedRv);
    let out: CachedObject[] | undefined;
    for (const key of keys) {
      const e = this.written.get(key);
      if (e === undefined || e.plural !== plural || !e.pending) continue;
      const present = cached.find((o) => o.metadata?.name === e.name);
      if (this.caughtUp(e, present, observed, now)) {
        e.pending = false;
        continue;
      }
      out ??= [...cached];
      out = out.filter((o) => o.metadata?.name !== e.name);
      if (e.object !== undefined) out.push(e.object);
    }
    return out ?? cached;
  }

  /** Stops remembering a namespace's writes (it was deleted). */
  forget(owner: string): void {
    for (const key of this.byOwner.get(owner) ?? []) this.written.delete(key);
    this.byOwner.delete(owner);
  }

  /** Writes remembered. */
  get size(): number {
    return this.written.size;
  }

  private caughtUp(e: Expected, present: CachedObject | undefined, observed: bigint | undefined, now: number): boolean {
    if (now - e.at > this.keepMs) return true;
    if (e.object === undefined) return present === undefined;
    // An uncomparable version is never waited for.
    if (e.rv === undefined) return true;
    return observed !== undefined && observed >= e.rv;
  }

  private isEcho(plural: string, owner: string, event: InformerEvent, object: CachedObject): boolean {
    const meta = versioned(object);
    const e = this.written.get(keyOf(plural, owner, meta.name ?? ''));
    if (e === undefined) return false;
    if (event === 'delete') {
      if (e.object !== undefined) return false;
      // The cache has now seen the operator's own delete.
      e.pending = false;
      return true;
    }
    if (e.object === undefined) return false;
    const uid = versioned(e.object).uid;
    if (uid !== undefined && meta.uid !== undefined && uid !== meta.uid) return false;
    const rv = parse(meta.resourceVersion);
    if (rv !== undefined && rv === e.rv) return true;
    // A newer version with the same content: a status update (the quota's usage), not a change to what we own.
    return deepEqual(comparable(object), comparable(e.object));
  }

  private set(e: Expected): void {
    const key = keyOf(e.plural, e.owner, e.name);
    this.written.delete(key);
    this.written.set(key, e);
    let keys = this.byOwner.get(e.owner);
    if (keys === undefined) this.byOwner.set(e.owner, (keys = new Set<string>()));
    keys.add(key);
    this.sweep(e.at);
  }

  /** Forgets writes older than keepMs; the map is in write order, so only its head is looked at. */
  private sweep(now: number): void {
    for (const [key, e] of this.written) {
      if (now - e.at <= this.keepMs) return;
      this.written.delete(key);
      const keys = this.byOwner.get(e.owner);
      keys?.delete(key);
      if (keys?.size === 0) this.byOwner.delete(e.owner);
    }
  }
}

interface VersionedMeta {
  name?: string | undefined;
  uid?: string | undefined;
  resourceVersion?: string | undefined;
}

function versioned(o: CachedObject): VersionedMeta {
  const m: Record<string, unknown> = o.metadata ?? {};
  return { name: o.metadata?.name, uid: typeof m.uid === 'string' ? m.uid : undefined, resourceVersion: typeof m.resourceVersion === 'string' ? m.resourceVersion : undefined };
}

function keyOf(plural: string, owner: string, name: string): string {
  return `${plural}/${owner}/${name}`;
}

/** An object without what changes on every write or is someone else's (status): what the operator owns in it. */
function comparable(o: CachedObject): unknown {
  // Watch events carry kind and apiVersion, list items may not.
  const rest = omit(o, ['status', 'kind', 'apiVersion', 'metadata']);
  return { ...rest, metadata: omit((o.metadata ?? {}), ['resourceVersion', 'managedFields', 'generation']) };
}

function omit(o: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));
}

function parse(resourceVersion: unknown): bigint | undefined {
  return typeof resourceVersion === 'string' && /^\d{1,30}$/.test(resourceVersion) ? BigInt(resourceVersion) : undefined;
}
