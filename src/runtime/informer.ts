import type { Logger } from 'winston';
import type { KubeRequest, WatchClient } from '../kube/client.js';
import { ApiError, errorMessage } from '../kube/errors.js';
import { collectionPath, type ResourceType } from '../kube/paths.js';
import { systemClock, type Clock } from './clock.js';
import { OutageLog } from './outage.js';
import type { Handler } from './source.js';
import { WatchLines } from '../kube/watchlines.js';
import { listPages, METADATA_WATCH } from './listpages.js';
import type { NamespaceScope } from './scope.js';
import { ScopeKeeper } from './scopekeeper.js';

const RESTART_BASE_MS = 500;
const RESTART_MAX_MS = 30_000;
/** The API server ends each watch after this (spread so that watches do not all restart at once). */
const WATCH_TIMEOUT_S = 300;

/** The fields of a cached object the informer itself reads. */
export interface InformerObject {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
}

export interface InformerOptions {
  /** Only objects with these labels (managed objects: ours). */
  labelSelector?: string;
  /** Only metadata: the objects' contents never reach the process. */
  metadataOnly?: boolean;
  clock?: Clock;
  onWatchEnd?: (code: string) => void;
  transform?: (object: unknown) => unknown;
  /** Shared by the informers of one operator, so an API server outage is logged once, not per informer. */
  outage?: OutageLog;
  /**
   * Only objects of namespaces in this scope are kept (cluster-scoped ones always): others are
   * dropped as they arrive, unprojected. See ScopeKeeper for namespaces entering and leaving it.
   */
  scope?: NamespaceScope;
  /** A namespace that entered the scope has been listed: the cache holds all of it. */
  onNamespaceListed?: (namespace: string) => void;
}

interface WatchEvent {
  type?: string;
  object?: unknown;
}

/**
 * A cache of one resource type kept current by list and watch, with no client library in between:
 * lists are paged (limit/continue) and each page projected before the next is asked for, watch
 * events are projected as they arrive, and nothing keeps a whole response. A 410 Gone lists again;
 * any other failure restarts with exponential backoff, reset once a list succeeds or a watch is
 * accepted, and is reported to an OutageLog, which logs an outage a few times, not once per retry.
 */
export class Informer<T extends InformerObject> {
  private readonly clock: Clock;
  private readonly outage: OutageLog;
  private readonly transform: (object: unknown) => unknown;
  private readonly onWatchEnd: (code: string) => void;
  /** namespace ('' for cluster-scoped objects) -> name -> object. */
  private readonly store = new Map<string, Map<string, T>>();
  private readonly handlers: Handler<T>[] = [];
  private markSynced: () => void = () => undefined;
  private readonly firstList: Promise<void>;
  private latest = '';
  private listed = false;
  private stopped = true;
  private abort = new AbortController();
  private restartDelayMs = RESTART_BASE_MS;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private readonly keeper: ScopeKeeper<T> | undefined;

  constructor(
    readonly type: ResourceType,
    private readonly client: WatchClient,
    log: Logger,
    private readonly options: InformerOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.outage = options.outage ?? new OutageLog(log, this.clock);
    this.transform = options.transform ?? ((o: unknown): unknown => o);
    this.onWatchEnd = options.onWatchEnd ?? ((): void => undefined);
    this.firstList = new Promise((resolve) => {
      this.markSynced = resolve;
    });
    this.keeper = options.scope === undefined ? undefined : this.scopeKeeper(options.scope);
  }

  private scopeKeeper(scope: NamespaceScope): ScopeKeeper<T> {
    const list = async (namespace: string): Promise<{ objects: Map<string, T>; resourceVersion: string }> => {
      const objects = new Map<string, T>();
      const resourceVersion = await this.pages(collectionPath(this.type, namespace), (o) => objects.set(o.metadata?.name ?? '', o));
      return { objects, resourceVersion };
    };
    const failed = (namespace: string, err: unknown, delay: number): void => {
      this.outage.failed(`${this.type.plural} in ${namespace}`, errorMessage(err), delay);
    };
    const { onNamespaceListed: onListed } = this.options;
    const started = (): boolean => this.loop !== undefined && !this.stopped;
    return new ScopeKeeper<T>({ scope, clock: this.clock, store: this.store, emit: this.emit.bind(this), list, started, failed, ...(onListed === undefined ? {} : { onListed }) });
  }

  /** The cache holds every object of this namespace (always, for an informer without a scope). */
  holdsNamespace(namespace: string): boolean {
    return this.keeper?.holds(namespace) ?? true;
  }

  on(handler: Handler<T>): void {
    this.handlers.push(handler);
  }

  /** Resolves once a first list has filled the cache, restarting through errors until then. */
  async start(): Promise<void> {
    if (this.loop === undefined) {
      this.stopped = false;
      this.abort = new AbortController();
      this.loop = this.run();
    }
    await this.firstList;
  }

  /** The resourceVersion of the last list or watch event this cache has taken in ('' before the first list). */
  get resourceVersion(): string {
    return this.latest;
  }

  get(name: string, namespace?: string): T | undefined {
    return this.store.get(namespace ?? '')?.get(name);
  }

  list(namespace?: string): readonly T[] {
    if (namespace !== undefined) return [...(this.store.get(namespace)?.values() ?? [])];
    const out: T[] = [];
    for (const objects of this.store.values()) for (const o of objects.values()) out.push(o);
    return out;
  }

  /** How many objects the cache holds. */
  get size(): number {
    let n = 0;
    for (const objects of this.store.values()) n += objects.size;
    return n;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.wake?.();
    await this.keeper?.stop();
    await this.loop;
    this.loop = undefined;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        if (!this.listed) await this.relist();
        await this.watch();
      } catch (err) {
        if (this.abort.signal.aborted) return;
        if (err instanceof ApiError && err.code === 410) {
          // The resourceVersion is too old to watch from (or a continue token expired): list again.
          this.listed = false;
          continue;
        }
        await this.backOff(err);
      }
    }
  }

  private async backOff(err: unknown): Promise<void> {
    const delay = this.restartDelayMs;
    this.restartDelayMs = Math.min(RESTART_MAX_MS, delay * 2);
    this.outage.failed(this.type.plural, errorMessage(err), delay);
    await new Promise<void>((resolve) => {
      const handle = this.clock.setTimeout(resolve, delay);
      this.wake = (): void => {
        this.clock.clearTimeout(handle);
        resolve();
      };
    });
    this.wake = undefined;
  }

  /** A list succeeded or a watch was accepted: the next failure starts the backoff again. */
  private recovered(): void {
    this.restartDelayMs = RESTART_BASE_MS;
    this.outage.recovered(this.type.plural);
  }

  private query(extra: Record<string, string>): Record<string, string> {
    const q: Record<string, string> = { ...extra };
    if (this.options.labelSelector !== undefined) q.labelSelector = this.options.labelSelector;
    return q;
  }

  /**
   * Page by page, each page projected before the next is asked for. Then the cache becomes the
   * list: objects not in it are deleted, new ones added, changed ones updated, each with its event.
   */
  private async relist(): Promise<void> {
    const fresh = new Map<string, Map<string, T>>();
    this.keeper?.relistStarted();
    let resourceVersion: string;
    try {
      resourceVersion = await this.pages(collectionPath(this.type), (o) => {
        const ns = o.metadata?.namespace ?? '';
        let objects = fresh.get(ns);
        if (objects === undefined) fresh.set(ns, (objects = new Map<string, T>()));
        objects.set(o.metadata?.name ?? '', o);
      });
    } catch (err) {
      this.keeper?.relistEnded(false);
      throw err;
    }
    this.recovered();
    const old = new Map(this.store);
    this.store.clear();
    for (const [ns, objects] of fresh) this.store.set(ns, objects);
    this.latest = resourceVersion;
    this.listed = true;
    for (const [ns, objects] of fresh) {
      const before = old.get(ns);
      for (const [name, o] of objects) {
        const was = before?.get(name);
        before?.delete(name);
        if (was === undefined) this.emit('add', o);
        else if (was.metadata?.resourceVersion !== o.metadata?.resourceVersion) this.emit('update', o);
      }
    }
    for (const objects of old.values()) for (const o of objects.values()) this.emit('delete', o);
    this.keeper?.relistEnded(true);
    this.markSynced();
  }

  /** The objects of a collection in scope, projected, page by page; returns the list's resourceVersion. */
  private async pages(path: string, take: (o: T) => void): Promise<string> {
    const list = { client: this.client, type: this.type, path, query: this.query({}), metadataOnly: this.options.metadataOnly === true };
    return listPages(list, (item) => {
      if (this.keeper?.keeps((item as InformerObject).metadata?.namespace) === false) return;
      take(this.transform(item) as T);
    });
  }

  /** One watch from the last resourceVersion until the API server ends it; events applied as they come. */
  private async watch(): Promise<void> {
    const query = this.query({ watch: 'true', allowWatchBookmarks: 'true', resourceVersion: this.latest, timeoutSeconds: String(WATCH_TIMEOUT_S + Math.floor(Math.random() * WATCH_TIMEOUT_S)) });
    const req: KubeRequest = { verb: 'watch', resource: this.type.plural, method: 'GET', path: collectionPath(this.type), query };
    if (this.options.metadataOnly === true) req.accept = METADATA_WATCH;
    let code = 'error';
    try {
      const stream = await this.client.stream(req, this.abort.signal);
      code = '200';
      this.recovered();
      const lines = new WatchLines();
      for await (const chunk of stream.body) {
        for (const line of lines.push(chunk)) this.apply(JSON.parse(line) as WatchEvent);
      }
    } catch (err) {
      if (err instanceof ApiError) code = String(err.code);
      if (!this.stopped) throw err;
    } finally {
      this.onWatchEnd(code);
    }
  }

  private apply(event: WatchEvent): void {
    if (event.type === 'ERROR') {
      const status = event.object as { code?: number; reason?: string; message?: string } | undefined;
      throw new ApiError(status?.code ?? 500, status?.reason ?? 'Unknown', status?.message ?? 'watch error', 'GET', collectionPath(this.type));
    }
    const raw = event.object as InformerObject | undefined;
    const rv = raw?.metadata?.resourceVersion;
    // Out of scope: dropped before the projection, only its resourceVersion taken.
    if (event.type === 'BOOKMARK' || this.keeper?.keeps(raw?.metadata?.namespace) === false) {
      if (rv !== undefined) this.latest = rv;
      return;
    }
    if (event.type !== 'ADDED' && event.type !== 'MODIFIED' && event.type !== 'DELETED') return;
    const o = this.transform(raw) as T;
    const ns = o.metadata?.namespace ?? '';
    const name = o.metadata?.name ?? '';
    let objects = this.store.get(ns);
    const known = objects?.has(name) === true;
    if (event.type === 'DELETED') {
      this.keeper?.deleted(ns, name, rv);
      objects?.delete(name);
      if (objects?.size === 0) this.store.delete(ns);
    } else {
      if (objects === undefined) this.store.set(ns, (objects = new Map<string, T>()));
      objects.set(name, o);
    }
    if (rv !== undefined) this.latest = rv;
    this.emit(event.type === 'DELETED' ? 'delete' : known ? 'update' : 'add', o);
  }

  private emit(event: 'add' | 'update' | 'delete', o: T): void {
    for (const handler of this.handlers) handler(event, o);
  }
}
