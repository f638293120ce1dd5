import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../../../src/api/names.js';
import { compactManaged, managedCache, MANAGED_TYPES } from '../../../src/kube/resources.js';
import type { CacheReader, CachedObject } from '../../../src/runtime/caches.js';
import { Emitter, type Source } from '../../../src/runtime/source.js';

const MANAGED = new Map(MANAGED_TYPES.map((t) => [t.plural, t]));

/**
 * The shared caches as a controller sees them, held in memory: set() and remove() emit events. As in
 * the operator, an object of a managed kind labelled ours is in two caches: the kind's (what the
 * audit reads) and the managed cache of that kind (projected as planning reads it).
 */
export class MemoryCaches implements CacheReader {
  private readonly objects = new Map<string, Map<string, CachedObject>>();
  private readonly emitters = new Map<string, Emitter<CachedObject>>();
  private readonly versions = new Map<string, string>();

  set(plural: string, object: CachedObject): void {
    const type = MANAGED.get(plural);
    if (type !== undefined) {
      if (object.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE) this.set(managedCache(plural), compactManaged(type, object) as CachedObject);
      else this.remove(managedCache(plural), object.metadata?.name ?? '', object.metadata?.namespace);
    }
    const byKey = this.byPlural(plural);
    const key = keyOf(object.metadata?.namespace, object.metadata?.name ?? '');
    const event = byKey.has(key) ? 'update' : 'add';
    byKey.set(key, object);
    const rv = (object.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
    if (rv !== undefined) this.versions.set(plural, rv);
    this.emitter(plural).emit(event, object);
  }

  remove(plural: string, name: string, namespace?: string): void {
    if (MANAGED.has(plural)) this.remove(managedCache(plural), name, namespace);
    const byKey = this.byPlural(plural);
    const object = byKey.get(keyOf(namespace, name));
    if (object === undefined) return;
    byKey.delete(keyOf(namespace, name));
    this.emitter(plural).emit('delete', object);
  }

  /** Says the cache of a resource has observed up to this resourceVersion. */
  observed(plural: string, resourceVersion: string): void {
    if (MANAGED.has(plural)) this.versions.set(managedCache(plural), resourceVersion);
    this.versions.set(plural, resourceVersion);
  }

  list(plural: string, namespace?: string): readonly CachedObject[] {
    const all = [...this.byPlural(plural).values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata?.namespace === namespace);
  }

  get(plural: string, name: string, namespace?: string): CachedObject | undefined {
    return this.byPlural(plural).get(keyOf(namespace, name)) ?? this.byPlural(plural).get(keyOf(undefined, name));
  }

  source(plural: string): Source<CachedObject> {
    const emitter = this.emitter(plural);
    return { on: (handler) => { emitter.on(handler); }, list: () => this.list(plural) };
  }

  resourceVersion(plural: string): string | undefined {
    return this.versions.get(plural);
  }

  private byPlural(plural: string): Map<string, CachedObject> {
    let m = this.objects.get(plural);
    if (m === undefined) this.objects.set(plural, (m = new Map<string, CachedObject>()));
    return m;
  }

  private emitter(plural: string): Emitter<CachedObject> {
    let e = this.emitters.get(plural);
    if (e === undefined) this.emitters.set(plural, (e = new Emitter<CachedObject>()));
    return e;
  }
}

function keyOf(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}
