import { performance } from 'node:perf_hooks';
import type { Logger } from 'winston';
import { errorMessage, isNotFound } from '../kube/errors.js';
import type { Clock } from './clock.js';
import type { OutageLog } from './outage.js';
import { defaultControllerRateLimiter } from './ratelimiter.js';
import type { InformerEvent, Source } from './source.js';
import { WorkQueue } from './workqueue.js';

/** How a controller's typed key travels through its queue, which deduplicates by text. */
export interface KeyCodec<K> {
  encode(key: K): string;
  decode(text: string): K;
}

/** 'for': the kind the controller reconciles; 'owns': kinds it writes; 'maps': anything else. */
export type WatchRole = 'for' | 'owns' | 'maps';

/** One declared watch: a source of events, and how its events become the controller's keys. */
export interface Watch<K> {
  readonly role: WatchRole;
  /** What is watched, as docs and logs name it: a resource plural or a derived source. */
  readonly kind: string;
  connect(enqueue: (key: K, delayMs: number) => void): void;
  /** Keys to enqueue when the controller starts: every object of the kind it reconciles. */
  initial(): readonly K[];
}

/** The kind a controller reconciles: every event enqueues the object's own key, and so does start. */
export function watchFor<K, T>(kind: string, source: Source<T>, keyOf: (object: T) => K | undefined): Watch<K> {
  return {
    role: 'for',
    kind,
    connect: (enqueue) => {
      source.on((_event, object) => {
        const key = keyOf(object);
        if (key !== undefined) enqueue(key, 0);
      });
    },
    initial: () => source.list().flatMap((o) => keyOfList(keyOf(o))),
  };
}

/** A kind the controller writes: an event of one of its objects enqueues the owner's key. */
export function watchOwned<K, T>(kind: string, source: Source<T>, ownerOf: (object: T) => K | undefined): Watch<K> {
  return watchMapped(kind, source, (_event, object) => keyOfList(ownerOf(object)), 0, 'owns');
}

/** Any other source, mapped to keys by a function; delayMs > 0 coalesces a burst into one reconcile. */
export function watchMapped<K, T>(kind: string, source: Source<T>, map: (event: InformerEvent, object: T) => readonly K[], delayMs = 0, role: WatchRole = 'maps'): Watch<K> {
  return {
    role,
    kind,
    connect: (enqueue) => {
      source.on((event, object) => {
        for (const key of map(event, object)) enqueue(key, delayMs);
      });
    },
    initial: () => [],
  };
}

function keyOfList<K>(key: K | undefined): K[] {
  return key === undefined ? [] : [key];
}

/** What a reconcile asks of its queue besides done: to look again after a while. */
export interface Result {
  requeueAfterMs?: number;
}

export interface ReconcileContext {
  /** Carries the controller's name and the key. */
  log: Logger;
  /** A write that changed something: one info line each, and counted in the reconcile's debug line. */
  wrote: (what: string, meta?: Record<string, unknown>) => void;
}

/** A controller as its file declares it. */
export interface ControllerSpec<K> {
  name: string;
  keys: KeyCodec<K>;
  watches: readonly Watch<K>[];
  /** Workers: reconciles of different keys at once (one key is never reconciled twice at once). */
  concurrency: number;
  /** Reconciles one key from the caches. Throwing retries it with backoff; NotFound counts as done. */
  reconcile(key: K, ctx: ReconcileContext): Promise<Result>;
  /** Called when the controller starts (this replica leads), before the initial keys are queued. */
  onStart?(): void;
}

/** What the manager counts across controllers. */
export interface ControllerMetrics {
  dequeued(waitedMs: number): void;
  reconciled(result: 'success' | 'error', seconds: number, controller: string): void;
  queueChanged(): void;
}

export interface ControllerDeps {
  clock: Clock;
  log: Logger;
  /** Shared by every controller: an API server outage fails every key at once, and is logged once. */
  failures: OutageLog;
  metrics?: ControllerMetrics;
}

/** Something the manager starts when this replica leads and stops on shutdown. */
export interface Runnable {
  readonly name: string;
  start(): void;
  stop(): Promise<void>;
}

/**
 * A controller: its own rate-limited queue of typed keys fed by its declared watches, and workers
 * that reconcile one key at a time each. Events only enqueue keys; nothing is queued before start,
 * because start queues every object of the kind it reconciles.
 */
export class Controller<K> implements Runnable {
  private readonly queue: WorkQueue;
  private readonly workers: Promise<void>[] = [];
  private started = false;
  private stopping = false;

  constructor(
    private readonly spec: ControllerSpec<K>,
    private readonly deps: ControllerDeps,
  ) {
    this.queue = new WorkQueue({ clock: deps.clock, rateLimiter: defaultControllerRateLimiter(deps.clock), onDequeue: (ms) => deps.metrics?.dequeued(ms) });
    for (const watch of spec.watches) {
      watch.connect((key, delayMs) => {
        this.enqueue(key, delayMs);
      });
    }
  }

  get name(): string {
    return this.spec.name;
  }

  get watches(): readonly Watch<K>[] {
    return this.spec.watches;
  }

  /** Keys waiting in the queue (not delayed, not being reconciled). */
  get length(): number {
    return this.queue.length;
  }

  enqueue(key: K, delayMs = 0): void {
    if (!this.started) return;
    const text = this.spec.keys.encode(key);
    if (delayMs > 0) this.queue.addAfter(text, delayMs);
    else this.queue.add(text);
  }

  start(): void {
    if (this.started || this.stopping) return;
    this.started = true;
    this.spec.onStart?.();
    for (const watch of this.spec.watches) if (watch.role === 'for') for (const key of watch.initial()) this.enqueue(key);
    for (let i = 0; i < this.spec.concurrency; i++) this.workers.push(this.work());
  }

  /** Stops taking keys and waits for the reconciles in flight. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.queue.shutDown();
    await Promise.all(this.workers);
  }

  /** Resolves when nothing is queued or being reconciled (delayed keys do not count). */
  whenIdle(): Promise<void> {
    return this.queue.whenIdle();
  }

  private async work(): Promise<void> {
    for (;;) {
      const text = await this.queue.get();
      if (text === undefined) return;
      this.deps.metrics?.queueChanged();
      await this.process(text);
      // A reconcile that finds nothing to write never waits on I/O, and a queue of 10,000 such keys
      // would then run as one long chain of microtasks: let timers and sockets (the health probe) in.
      await yieldToEventLoop();
    }
  }

  private async process(text: string): Promise<void> {
    const { failures, metrics } = this.deps;
    const source = `${this.spec.name}/${text}`;
    const log = this.deps.log.child({ controller: this.spec.name, key: text });
    let writes = 0;
    const ctx: ReconcileContext = {
      log,
      wrote: (what, meta) => {
        writes++;
        log.info(what, meta);
      },
    };
    const start = performance.now();
    try {
      const result = await this.spec.reconcile(this.spec.keys.decode(text), ctx);
      this.queue.forget(text);
      failures.recovered(source);
      if (result.requeueAfterMs !== undefined) this.queue.addAfter(text, result.requeueAfterMs);
      metrics?.reconciled('success', (performance.now() - start) / 1000, this.spec.name);
      log.debug('reconciled', { durationMs: Math.round(performance.now() - start), writes, requeueAfterMs: result.requeueAfterMs });
    } catch (err) {
      metrics?.reconciled('error', (performance.now() - start) / 1000, this.spec.name);
      if (!this.stopping && !isNotFound(err)) {
        const retryInMs = this.queue.addRateLimited(text);
        log.debug('reconcile failed; retrying', { retryInMs, writes, error: errorMessage(err) });
        failures.failed(source, errorMessage(err), retryInMs);
      }
    } finally {
      this.queue.done(text);
    }
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** For controllers keyed by one name (a namespace, a cluster-scoped object). */
export const nameKey: KeyCodec<string> = { encode: (name) => name, decode: (text) => text };
