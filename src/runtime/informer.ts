import { ListWatch, Watch, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'winston';
import type { ApiClient } from '../kube/client.js';
import { errorMessage } from '../kube/errors.js';
import { collectionPath, type ResourceType } from '../kube/resources.js';
import { systemClock, type Clock } from './clock.js';
import { OutageLog } from './outage.js';
import type { Handler } from './source.js';

const RESTART_BASE_MS = 500;
const RESTART_MAX_MS = 30_000;

/** Objects per list page. */
export const LIST_PAGE_SIZE = 500;
/**
 * Kinds whose objects a tenant can make 1 MB each (ConfigMaps): a page of 500 would be half a
 * gigabyte in flight; 5 is 5 MB at most.
 */
const LARGE_OBJECT_PAGE_SIZE = 5;
const LARGE_OBJECT_KINDS = new Set(['configmaps', 'secrets']);

/**
 * A cache of one resource type kept current by list and watch. client-node's ListWatch relists on
 * 410 Gone but stops for good on any other error; this restarts it with exponential backoff, reset
 * only once a list succeeds or a watch is accepted, and reports failures to an OutageLog, which logs
 * an outage a few times, not once per retry.
 */
export class Informer<T extends KubernetesObject> {
  private readonly listWatch: ListWatch<T>;
  private readonly clock: Clock;
  private markSynced: () => void = () => undefined;
  private readonly firstList: Promise<void>;
  private stopped = false;
  private restartDelayMs = RESTART_BASE_MS;
  private restartTimer: unknown;
  private readonly outage: OutageLog;

  constructor(
    readonly type: ResourceType,
    kubeConfig: KubeConfig,
    client: ApiClient,
    log: Logger,
    options: {
      labelSelector?: string;
      clock?: Clock;
      onWatchEnd?: (code: string) => void;
      transform?: (object: unknown) => unknown;
      /** Shared by the informers of one operator, so an API server outage is logged once, not per informer. */
      outage?: OutageLog;
    } = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.outage = options.outage ?? new OutageLog(log, this.clock);
    this.firstList = new Promise((resolve) => {
      this.markSynced = resolve;
    });
    const transform = options.transform ?? ((o: unknown): unknown => o);
    const watch = new CountingWatch(kubeConfig, options.onWatchEnd ?? ((): void => undefined), transform, () => {
      this.recovered();
    });
    const listFn = async (): Promise<KubernetesListObject<T>> => {
      // Page by page (limit/continue), each page compacted before the next is asked for: a
      // namespace full of large objects never sits in memory as one response. An expired continue
      // token (410) fails the list, and ListWatch starts it again from the first page.
      const items: T[] = [];
      let page: KubernetesListObject<T> | undefined;
      let next: string | undefined;
      do {
        const query: Record<string, string> = { limit: String(LARGE_OBJECT_KINDS.has(type.plural) ? LARGE_OBJECT_PAGE_SIZE : LIST_PAGE_SIZE) };
        if (options.labelSelector !== undefined) query.labelSelector = options.labelSelector;
        if (next !== undefined) query.continue = next;
        page = await client.request<KubernetesListObject<T>>({ verb: 'list', resource: type.plural, method: 'GET', path: collectionPath(type), query });
        for (const item of page.items) items.push(transform(item) as T);
        page.items = [];
        // The raw JSON's field, which client-node's type calls _continue.
        const token = (page.metadata as { continue?: string } | undefined)?.continue;
        next = token === undefined || token === '' ? undefined : token;
      } while (next !== undefined);
      const result: KubernetesListObject<T> = { ...page, items };
      this.recovered();
      // ListWatch fills its cache right after this returns; resolve after that.
      queueMicrotask(() => {
        this.markSynced();
      });
      return result;
    };
    this.listWatch = new ListWatch<T>(collectionPath(type), watch, listFn, false, options.labelSelector);
    // Not reset on ListWatch's 'connect': it fires before each attempt, so a failing watch would be
    // retried every RESTART_BASE_MS for as long as an outage lasts.
    this.listWatch.on('error', (err: unknown) => {
      this.onError(err);
    });
  }

  on(handler: Handler<T>): void {
    this.listWatch.on('add', (o) => {
      handler('add', o);
    });
    this.listWatch.on('update', (o) => {
      handler('update', o);
    });
    this.listWatch.on('delete', (o) => {
      handler('delete', o);
    });
  }

  /** Resolves once a first list has filled the cache, restarting through errors until then. */
  async start(): Promise<void> {
    await this.listWatch.start();
    await this.firstList;
  }

  /** The resourceVersion of the last list or watch event this cache has taken in ('' before the first list). */
  get resourceVersion(): string {
    return this.listWatch.latestResourceVersion();
  }

  get(name: string, namespace?: string): T | undefined {
    return this.listWatch.get(name, namespace);
  }

  list(namespace?: string): readonly T[] {
    return this.listWatch.list(namespace);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.clock.clearTimeout(this.restartTimer);
    await this.listWatch.stop();
  }

  /** A list succeeded or a watch was accepted: the next failure starts the backoff again. */
  private recovered(): void {
    this.restartDelayMs = RESTART_BASE_MS;
    this.outage.recovered(this.type.plural);
  }

  private onError(err: unknown): void {
    if (this.stopped) return;
    const delay = this.restartDelayMs;
    this.restartDelayMs = Math.min(RESTART_MAX_MS, delay * 2);
    this.outage.failed(this.type.plural, errorMessage(err), delay);
    this.restartTimer = this.clock.setTimeout(() => {
      this.listWatch.start().catch((e: unknown) => {
        this.onError(e);
      });
    }, delay);
  }
}

/**
 * A Watch that transforms each object before the cache sees it, reports each watch request when it
 * ends, with its status code, for posture_kube_requests_total (a watch is long-lived, so it is
 * counted when it closes), and says when the API server accepted a watch (HTTP 200).
 */
class CountingWatch extends Watch {
  constructor(
    kubeConfig: KubeConfig,
    private readonly onWatchEnd: (code: string) => void,
    private readonly transform: (object: unknown) => unknown,
    private readonly onAccepted: () => void,
  ) {
    super(kubeConfig);
  }

  override async watch(...[path, query, callback, done]: Parameters<Watch['watch']>): ReturnType<Watch['watch']> {
    const transformed = (phase: string, apiObj: unknown, watchObj?: unknown): void => {
      // ERROR and BOOKMARK events carry a Status or a bare metadata, which must reach the cache as is.
      callback(phase, phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED' ? this.transform(apiObj) : apiObj, watchObj);
    };
    const state = { ended: false };
    const controller = await super.watch(path, query, transformed, (err: unknown) => {
      state.ended = true;
      this.onWatchEnd(watchCode(err));
      done(err);
    });
    // Watch.watch resolves once the response headers are in; a refused watch has ended by then.
    if (!state.ended) this.onAccepted();
    return controller;
  }
}

function watchCode(err: unknown): string {
  if (err === null || err === undefined) return '200';
  const code = (err as { statusCode?: unknown }).statusCode;
  return typeof code === 'number' ? String(code) : 'error';
}
