import type { Logger } from 'winston';
import type { SecurityBaselineStatus } from '../api/status.js';
import { errorMessage, isNotFound } from '../kube/errors.js';
import { deepEqual } from './equality.js';
import type { Clock } from './clock.js';
import { OutageLog } from './outage.js';

export interface StatusWriterDeps {
  clock: Clock;
  log: Logger;
  /** Computes the status now; undefined when the baseline no longer exists. */
  compute: (baseline: string) => { status: SecurityBaselineStatus; current: SecurityBaselineStatus | undefined } | undefined;
  write: (baseline: string, patch: Record<string, unknown>) => Promise<void>;
  onWritten?: (baseline: string, status: SecurityBaselineStatus) => void;
  /** Minimum time between two writes of one baseline's status. */
  intervalMs?: number;
  /** Status writes in flight at once, across all baselines. */
  maxInFlight?: number;
}

/**
 * Coalesces status updates: however many namespaces change, a baseline's status is written at most
 * once per interval, and not at all when nothing changed. One baseline never has two writes in
 * flight (two merge patches racing could land in the wrong order and leave the older status), and
 * only a few writes are in flight at once, so a thousand baselines changing together queue here,
 * each computed when its turn comes, instead of piling up as requests.
 */
export class StatusWriter {
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

  constructor(private readonly deps: StatusWriterDeps) {
    this.intervalMs = deps.intervalMs ?? 1000;
    this.maxInFlight = deps.maxInFlight ?? 8;
    this.failures = new OutageLog(deps.log, deps.clock, 'status write');
  }

  schedule(baseline: string): void {
    if (this.stopped) return;
    if (this.writing.has(baseline)) {
      this.again.add(baseline);
      return;
    }
    if (this.timers.has(baseline) || this.due.has(baseline)) return;
    const since = this.deps.clock.now() - (this.lastWrite.get(baseline) ?? -Infinity);
    const delay = Math.max(0, this.intervalMs - since);
    this.timers.set(
      baseline,
      this.deps.clock.setTimeout(() => {
        this.timers.delete(baseline);
        this.due.add(baseline);
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
    for (const baseline of this.due) {
      if (this.stopped || this.writing.size >= this.maxInFlight) return;
      this.due.delete(baseline);
      const p = this.flush(baseline).finally(() => {
        this.writing.delete(baseline);
        if (this.again.delete(baseline)) this.schedule(baseline);
        this.pump();
      });
      this.writing.set(baseline, p);
    }
  }

  private async flush(baseline: string): Promise<void> {
    const computed = this.deps.compute(baseline);
    if (computed === undefined) return;
    const { status, current } = computed;
    if (current !== undefined && deepEqual(stripUndefined(status), stripUndefined(current))) return;
    this.lastWrite.set(baseline, this.deps.clock.now());
    try {
      await this.deps.write(baseline, mergePatchFor(status, current));
      this.failures.recovered(baseline);
      this.deps.onWritten?.(baseline, status);
    } catch (err) {
      if (isNotFound(err)) {
        this.failures.recovered(baseline);
        return;
      }
      this.failures.failed(baseline, errorMessage(err), this.intervalMs);
      this.again.add(baseline);
    }
  }
}

/** A JSON merge patch that also removes top-level status keys the new status no longer has. */
export function mergePatchFor(next: SecurityBaselineStatus, current: SecurityBaselineStatus | undefined): Record<string, unknown> {
  const patch: Record<string, unknown> = { ...stripUndefined(next) };
  for (const key of Object.keys(current ?? {})) {
    if (!(key in patch)) patch[key] = null;
  }
  return patch;
}

function stripUndefined<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
