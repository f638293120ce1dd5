import type { Logger } from 'winston';
import { errorMessage, isNotFound } from '../kube/errors.js';
import { deepEqual } from './equality.js';
import type { Clock } from './clock.js';
import { OutageLog } from './outage.js';

export interface StatusWriterDeps<S extends object> {
  clock: Clock;
  log: Logger;
  /** Computes the status now; undefined when the object no longer exists. */
  compute: (key: string) => { status: S; current: S | undefined } | undefined;
  write: (key: string, patch: Record<string, unknown>) => Promise<void>;
  onWritten?: (key: string, status: S) => void;
  /** Minimum time between two writes of one object's status. */
  intervalMs?: number;
  /** Status writes in flight at once, across all keys. */
  maxInFlight?: number;
}

/**
 * Coalesces status updates: however many namespaces change, an object's status is written at most
 * once per interval, and not at all when nothing changed. One object never has two writes in
 * flight (two merge patches racing could land in the wrong order and leave the older status), and
 * only a few writes are in flight at once, so a thousand objects changing together queue here,
 * each computed when its turn comes, instead of piling up as requests.
 */
export class StatusWriter<S extends object = object> {
  private readonly intervalMs: number;
  private readonly maxInFlight: number;
  private readonly lastWrite = new Map<string, number>();
  private readonly timers = new Map<string, unknown>();
  /** Due, waiting for a free slot, in order. */
  private readonly due = new Set<string>();
  /** Being computed and written. */
  private readonly writing = new Map<string, Promise<void>>();
  /** Scheduled while being written: scheduled again when that write ends. */
  private readonly again = new Set<string>();
  private stopped = false;
  /** Retried every interval while the API server is away: logged as one outage, not once a second. */
  private readonly failures: OutageLog;

  constructor(private readonly deps: StatusWriterDeps<S>) {
    this.intervalMs = deps.intervalMs ?? 1000;
    this.maxInFlight = deps.maxInFlight ?? 8;
    this.failures = new OutageLog(deps.log, deps.clock, 'status write');
  }

  schedule(key: string): void {
    if (this.stopped) return;
    if (this.writing.has(key)) {
      this.again.add(key);
      return;
    }
    if (this.timers.has(key) || this.due.has(key)) return;
    const since = this.deps.clock.now() - (this.lastWrite.get(key) ?? -Infinity);
    const delay = Math.max(0, this.intervalMs - since);
    this.timers.set(
      key,
      this.deps.clock.setTimeout(() => {
        this.timers.delete(key);
        this.due.add(key);
        this.pump();
      }, delay),
    );
  }

  /** Writes in flight now. */
  get inFlight(): number {
    return this.writing.size;
  }

  /** Stops scheduling and waits for writes already sent. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) this.deps.clock.clearTimeout(t);
    this.timers.clear();
    this.due.clear();
    this.again.clear();
    await Promise.all(this.writing.values());
  }

  private pump(): void {
    for (const key of this.due) {
      if (this.stopped || this.writing.size >= this.maxInFlight) return;
      this.due.delete(key);
      const p = this.flush(key).finally(() => {
        this.writing.delete(key);
        if (this.again.delete(key)) this.schedule(key);
        this.pump();
      });
      this.writing.set(key, p);
    }
  }

  private async flush(key: string): Promise<void> {
    const computed = this.deps.compute(key);
    if (computed === undefined) return;
    const { status, current } = computed;
    if (current !== undefined && deepEqual(stripUndefined(status), stripUndefined(current))) return;
    this.lastWrite.set(key, this.deps.clock.now());
    try {
      await this.deps.write(key, mergePatchFor(status, current));
      this.failures.recovered(key);
      this.deps.onWritten?.(key, status);
    } catch (err) {
      if (isNotFound(err)) {
        this.failures.recovered(key);
        return;
      }
      this.failures.failed(key, errorMessage(err), this.intervalMs);
      this.again.add(key);
    }
  }
}

/** A JSON merge patch that also removes top-level status keys the new status no longer has. */
export function mergePatchFor<S extends object>(next: S, current: S | undefined): Record<string, unknown> {
  const patch: Record<string, unknown> = { ...(stripUndefined(next) as Record<string, unknown>) };
  for (const key of Object.keys(current ?? {})) {
    if (!(key in patch)) patch[key] = null;
  }
  return patch;
}

function stripUndefined<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
