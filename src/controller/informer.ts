import { ListWatch, Watch, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'winston';
import type { KubeClient } from '../kube/client.js';
import { errorMessage } from '../kube/errors.js';
import { list } from '../kube/operations.js';
import { collectionPath, type ResourceType } from '../kube/resources.js';
import { systemClock, type Clock } from './clock.js';

export type InformerEvent = 'add' | 'update' | 'delete';
export type InformerHandler<T> = (event: InformerEvent, object: T) => void;

const RESTART_BASE_MS = 500;
const RESTART_MAX_MS = 30_000;

/**
 * A cache of one resource type kept current by list and watch. client-node's ListWatch relists on
 * 410 Gone but stops for good on any other error; this restarts it with backoff, and logs an outage
 * once per restart, not once per event.
 */
export class Informer<T extends KubernetesObject> {
  private readonly listWatch: ListWatch<T>;
  private readonly clock: Clock;
  private synced = false;
  private markSynced: () => void = () => undefined;
  private readonly firstList: Promise<void>;
  private stopped = false;
  private restartDelayMs = RESTART_BASE_MS;
  private restartTimer: unknown;

  constructor(
    readonly type: ResourceType,
    kubeConfig: KubeConfig,
    client: KubeClient,
    private readonly log: Logger,
    options: { labelSelector?: string; clock?: Clock; onWatchEnd?: (code: string) => void; transform?: (object: unknown) => unknown } = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.firstList = new Promise((resolve) => {
      this.markSynced = resolve;
    });
    const transform = options.transform ?? ((o: unknown): unknown => o);
    const watch = new CountingWatch(kubeConfig, options.onWatchEnd ?? ((): void => undefined), transform);
    const listFn = async (): ReturnType<typeof list<T>> => {
      const result = await list<T>(client, type, options.labelSelector);
      result.items = result.items.map((item) => transform(item) as T);
      this.synced = true;
      // ListWatch fills its cache right after this returns; resolve after that.
      queueMicrotask(() => {
        this.markSynced();
      });
      return result;
    };
    this.listWatch = new ListWatch<T>(collectionPath(type), watch, listFn, false, options.labelSelector);
    this.listWatch.on('error', (err: unknown) => {
      this.onError(err);
    });
    this.listWatch.on('connect', () => {
      this.restartDelayMs = RESTART_BASE_MS;
    });
  }

  on(handler: InformerHandler<T>): void {
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

  get hasSynced(): boolean {
    return this.synced;
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

  private onError(err: unknown): void {
    if (this.stopped) return;
    const delay = this.restartDelayMs;
    this.restartDelayMs = Math.min(RESTART_MAX_MS, delay * 2);
    this.log.warn('watch failed; restarting', { resource: this.type.plural, retryInMs: delay, error: errorMessage(err) });
    this.restartTimer = this.clock.setTimeout(() => {
      this.listWatch.start().catch((e: unknown) => {
        this.onError(e);
      });
    }, delay);
  }
}

/**
 * A Watch that transforms each object before the cache sees it, and reports each watch request when
 * it ends, with its status code, for posture_kube_requests_total (a watch is long-lived, so it is
 * counted when it closes).
 */
class CountingWatch extends Watch {
  constructor(
    kubeConfig: KubeConfig,
    private readonly onWatchEnd: (code: string) => void,
    private readonly transform: (object: unknown) => unknown,
  ) {
    super(kubeConfig);
  }

  override watch(...[path, query, callback, done]: Parameters<Watch['watch']>): ReturnType<Watch['watch']> {
    const transformed = (phase: string, apiObj: unknown, watchObj?: unknown): void => {
      // ERROR and BOOKMARK events carry a Status or a bare metadata, which must reach the cache as is.
      callback(phase, phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED' ? this.transform(apiObj) : apiObj, watchObj);
    };
    return super.watch(path, query, transformed, (err: unknown) => {
      this.onWatchEnd(watchCode(err));
      done(err);
    });
  }
}

function watchCode(err: unknown): string {
  if (err === null || err === undefined) return '200';
  const code = (err as { statusCode?: unknown }).statusCode;
  return typeof code === 'number' ? String(code) : 'error';
}
