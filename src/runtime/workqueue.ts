import { systemClock, type Clock } from './clock.js';
import { ExponentialRateLimiter, type RateLimiter } from './ratelimiter.js';

export interface WorkQueueOptions {
  clock?: Clock;
  /** First retry delay; doubles on each consecutive failure of the same key. Ignored with rateLimiter. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** How long a failed key waits; by default per-key exponential backoff from baseDelayMs to maxDelayMs. */
  rateLimiter?: RateLimiter;
  /** Called with the time a key waited between add and get, for the latency metric. */
  onDequeue?: (waitedMs: number) => void;
}

/**
 * A deduplicating work queue with per-key exponential backoff, after client-go's workqueue: a key is
 * never processed by two workers at once, and a key added while it is processed runs once more after.
 */
export class WorkQueue {
  private readonly clock: Clock;
  private readonly rateLimiter: RateLimiter;
  private readonly onDequeue: (waitedMs: number) => void;
  private readonly queue = new Fifo();
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly addedAt = new Map<string, number>();
  private readonly delayed = new Map<string, { at: number; handle: unknown }>();
  private waiters: ((key: string | undefined) => void)[] = [];
  private idleWaiters: (() => void)[] = [];
  private shuttingDown = false;

  constructor(options: WorkQueueOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.rateLimiter = options.rateLimiter ?? new ExponentialRateLimiter(options.baseDelayMs ?? 5, options.maxDelayMs ?? 60_000);
    this.onDequeue = options.onDequeue ?? ((): void => undefined);
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    this.addedAt.set(key, this.clock.now());
    if (this.processing.has(key)) return;
    const waiter = this.waiters.shift();
    if (waiter !== undefined) this.hand(key, waiter);
    else this.queue.push(key);
  }

  /** Adds the key after a delay; an earlier pending delay for the same key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const at = this.clock.now() + delayMs;
    const pending = this.delayed.get(key);
    if (pending !== undefined && pending.at <= at) return;
    if (pending !== undefined) this.clock.clearTimeout(pending.handle);
    const handle = this.clock.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, delayMs);
    this.delayed.set(key, { at, handle });
  }

  /** Re-adds a key that failed, after the delay its rate limiter gives. Returns the delay used. */
  addRateLimited(key: string): number {
    const delay = this.rateLimiter.when(key);
    this.addAfter(key, delay);
    return delay;
  }

  /** Clears the failure history of a key after it succeeded. */
  forget(key: string): void {
    this.rateLimiter.forget(key);
  }

  /** Resolves with the next key, or undefined once the queue shuts down. */
  get(): Promise<string | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) {
      return new Promise((resolve) => {
        this.hand(key, resolve);
      });
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      const waiter = this.waiters.shift();
      if (waiter !== undefined) this.hand(key, waiter);
      else this.queue.push(key);
    }
    this.notifyIdle();
  }

  get length(): number {
    return this.queue.length;
  }

  /** Keys queued or being processed; delayed retries are not counted. */
  get busy(): number {
    return this.queue.length + this.processing.size;
  }

  /** Stops handing out work; in-flight keys may still call done(). Pending delays are dropped. */
  shutDown(): void {
    this.shuttingDown = true;
    for (const { handle } of this.delayed.values()) this.clock.clearTimeout(handle);
    this.delayed.clear();
    this.queue.clear();
    this.dirty.clear();
    for (const waiter of this.waiters) waiter(undefined);
    this.waiters = [];
    this.notifyIdle();
  }

  /** Resolves when no key is queued or being processed. */
  whenIdle(): Promise<void> {
    if (this.busy === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private hand(key: string, to: (key: string) => void): void {
    this.dirty.delete(key);
    this.processing.add(key);
    const added = this.addedAt.get(key);
    this.addedAt.delete(key);
    if (added !== undefined) this.onDequeue(this.clock.now() - added);
    to(key);
  }

  private notifyIdle(): void {
    if (this.busy !== 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}

/**
 * A FIFO of keys with O(1) push and shift. Array.prototype.shift is O(n): with 20,000 keys queued
 * (10,000 new namespaces and their audits) draining the queue took seconds of CPU in one go.
 */
class Fifo {
  private items: string[] = [];
  private head = 0;

  push(key: string): void {
    this.items.push(key);
  }

  shift(): string | undefined {
    if (this.head >= this.items.length) return undefined;
    const key = this.items[this.head++];
    // Drop the consumed prefix now and then, so memory follows what is queued.
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return key;
  }

  get length(): number {
    return this.items.length - this.head;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}
