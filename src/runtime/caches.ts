import type { Logger } from 'winston';
import type { WatchClient } from '../kube/client.js';
import type { ResourceType } from '../kube/paths.js';
import type { Clock } from './clock.js';
import { Informer } from './informer.js';
import { OutageLog } from './outage.js';
import { NamespaceScope } from './scope.js';
import { Emitter, type Handler, type Source } from './source.js';

/** A cached object: the API's shape, after the cache's projection. */
export type CachedObject = Record<string, unknown> & {
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { apiVersion?: string; kind?: string; name?: string; uid: string; controller?: boolean }[];
    managedFields?: { manager?: string; operation?: string; time?: string }[];
  };
};

/** Read access to the informer caches, by resource plural; cluster-scoped kinds ignore the namespace. */
/** The names of cached objects (those without one left out): the keys a name-keyed controller queues. */
export function namesOf(objects: readonly CachedObject[]): string[] {
  return objects.flatMap((o) => (o.metadata?.name === undefined ? [] : [o.metadata.name]));
}

export interface CacheView {
  list(plural: string, namespace?: string): readonly CachedObject[];
  get(plural: string, name: string, namespace?: string): CachedObject | undefined;
}

/** What a controller reads and watches: the shared caches, or an in-memory stand-in in unit tests. */
export interface CacheReader extends CacheView {
  source(plural: string): Source<CachedObject>;
  /** The resourceVersion one cache has observed up to; undefined for a type not watched. */
  resourceVersion(plural: string): string | undefined;
}

export interface CachesDeps {
  client: WatchClient;
  log: Logger;
  clock: Clock;
  /** Each watch request as it ends, with its status code, for the request metric. */
  onWatchEnd?: (plural: string, code: string) => void;
}

export interface CacheOptions {
  /** The cache's name, when a type has more than one; default its plural. */
  name?: string;
  /** Only objects with these labels. */
  labelSelector?: string;
  /** Only the objects' metadata reaches the process. */
  metadataOnly?: boolean;
  /** Only objects of namespaces in the caches' scope are kept (see NamespaceScope). */
  scoped?: boolean;
}

/**
 * The shared informer caches, one per resource type, each keeping its objects as its projection
 * makes them. Every controller reads from and watches through these; none runs an informer of its own.
 */
export class Caches implements CacheReader {
  /** By cache name: the type's plural, or the name add() was given. */
  private readonly informers = new Map<string, Informer<CachedObject>>();
  private readonly handlers = new Map<string, Handler<CachedObject>[]>();
  /** One for all informers: an API server outage breaks every watch at once, and is logged once. */
  private readonly outage: OutageLog;
  private started = false;
  /** The namespaces the scoped caches keep objects of; the controllers say which. */
  readonly scope = new NamespaceScope();
  private readonly scoped = new Set<string>();
  private readonly listed = new Emitter<string>();

  constructor(private readonly deps: CachesDeps) {
    this.outage = new OutageLog(deps.log, deps.clock);
  }

  /** Namespaces that entered the scope and that every scoped cache now holds whole. */
  get namespacesListed(): Source<string> {
    return this.listed;
  }

  /** Every scoped cache holds all objects of this namespace: it is in scope and listed. */
  holdsNamespace(namespace: string): boolean {
    for (const name of this.scoped) if (this.informers.get(name)?.holdsNamespace(namespace) === false) return false;
    return this.scoped.size === 0 || this.scope.has(namespace);
  }

  /**
   * Adds an informer for a type; project, when given, is what the cache keeps of each object. A
   * second cache of one type takes a name of its own (the managed objects of a kind, by label).
   */
  add(type: ResourceType, project?: (object: unknown) => unknown, options: CacheOptions = {}): void {
    const name = options.name ?? type.plural;
    if (this.informers.has(name)) return;
    const { client, log, clock, onWatchEnd } = this.deps;
    const informer = new Informer<CachedObject>(type, client, log, {
      clock,
      outage: this.outage,
      ...(project === undefined ? {} : { transform: project }),
      ...((options.labelSelector ?? type.labelSelector) === undefined ? {} : { labelSelector: options.labelSelector ?? type.labelSelector }),
      ...(options.metadataOnly === undefined ? {} : { metadataOnly: options.metadataOnly }),
      ...(options.scoped === true
        ? {
            scope: this.scope,
            onNamespaceListed: (namespace: string) => {
              if (this.holdsNamespace(namespace)) this.listed.emit('update', namespace);
            },
          }
        : {}),
      onWatchEnd: (code) => onWatchEnd?.(type.plural, code),
    });
    if (options.scoped === true) this.scoped.add(name);
    informer.on((event, object) => {
      for (const handler of this.handlers.get(name) ?? []) handler(event, object);
    });
    this.informers.set(name, informer);
  }

  /** The events and objects of one cache (a type's plural, or a name), whether its informer is added before or after. */
  source(plural: string): Source<CachedObject> {
    return {
      on: (handler) => {
        const list = this.handlers.get(plural) ?? [];
        list.push(handler);
        this.handlers.set(plural, list);
      },
      list: () => this.list(plural),
    };
  }

  /**
   * The unscoped caches first (namespaces and baselines among them: the controllers decide the
   * scope from those), then the scoped ones, whose first lists then keep only what is in scope.
   */
  async start(): Promise<void> {
    this.started = true;
    const informers = [...this.informers];
    await Promise.all(informers.filter(([name]) => !this.scoped.has(name)).map(([, i]) => i.start()));
    await Promise.all(informers.filter(([name]) => this.scoped.has(name)).map(([, i]) => i.start()));
  }

  async stop(): Promise<void> {
    this.started = false;
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }

  /** A type that appeared while running (a CRD installed later): its informer starts at once once the others have. */
  async addLive(type: ResourceType, project?: (object: unknown) => unknown, options: CacheOptions = {}): Promise<void> {
    const name = options.name ?? type.plural;
    if (this.informers.has(name)) return;
    this.add(type, project, options);
    if (this.started) await this.informers.get(name)?.start();
  }

  /** A type that went away while running (its CRD removed): its informer stops and its cache empties. */
  async drop(plural: string): Promise<void> {
    const informer = this.informers.get(plural);
    if (informer === undefined) return;
    this.informers.delete(plural);
    await informer.stop();
  }

  list(plural: string, namespace?: string): readonly CachedObject[] {
    const informer = this.informers.get(plural);
    if (informer === undefined) return [];
    return informer.type.namespaced ? informer.list(namespace) : informer.list();
  }

  get(plural: string, name: string, namespace?: string): CachedObject | undefined {
    const informer = this.informers.get(plural);
    if (informer === undefined) return undefined;
    return informer.type.namespaced ? informer.get(name, namespace) : informer.get(name);
  }

  /** The resourceVersion one informer has observed up to; undefined for a cache not kept. */
  resourceVersion(plural: string): string | undefined {
    return this.informers.get(plural)?.resourceVersion;
  }

  counts(): Record<string, number> {
    return Object.fromEntries([...this.informers].map(([plural, i]) => [plural, i.size]));
  }
}
