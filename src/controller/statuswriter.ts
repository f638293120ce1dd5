import type { Logger } from 'winston';
import type { SecurityBaselineStatus } from '../api/status.js';
import { errorMessage, isNotFound } from '../kube/errors.js';
import { deepEqual } from '../render/equality.js';
import type { Clock } from './clock.js';

export interface StatusWriterDeps {
  clock: Clock;
  log: Logger;
  /** Computes the status now; undefined when the baseline no longer exists. */
  compute: (baseline: string) => { status: SecurityBaselineStatus; current: SecurityBaselineStatus | undefined } | undefined;
  write: (baseline: string, patch: Record<string, unknown>) => Promise<void>;
  onWritten?: (baseline: string, status: SecurityBaselineStatus) => void;
  /** Minimum time between two writes of one baseline's status. */
  intervalMs?: number;
}

/**
 * Coalesces status updates: however many namespaces change, a baseline's status is written at most
 * once per interval, and not at all when nothing changed.
 */
export class StatusWriter {
  private readonly intervalMs: number;
  private readonly lastWrite = new Map<string, number>();
  private readonly timers = new Map<string, unknown>();
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly deps: StatusWriterDeps) {
    this.intervalMs = deps.intervalMs ?? 1000;
  }

  schedule(baseline: string): void {
    if (this.stopped || this.timers.has(baseline)) return;
    const since = this.deps.clock.now() - (this.lastWrite.get(baseline) ?? -Infinity);
    const delay = Math.max(0, this.intervalMs - since);
    this.timers.set(
      baseline,
      this.deps.clock.setTimeout(() => {
        this.timers.delete(baseline);
        const p = this.flush(baseline).finally(() => this.inFlight.delete(p));
        this.inFlight.add(p);
      }, delay),
    );
  }

  /** Stops scheduling and waits for writes already sent. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) this.deps.clock.clearTimeout(t);
    this.timers.clear();
    await Promise.all(this.inFlight);
  }

  private async flush(baseline: string): Promise<void> {
    const computed = this.deps.compute(baseline);
    if (computed === undefined) return;
    const { status, current } = computed;
    if (current !== undefined && deepEqual(stripUndefined(status), stripUndefined(current))) return;
    this.lastWrite.set(baseline, this.deps.clock.now());
    try {
      await this.deps.write(baseline, mergePatchFor(status, current));
      this.deps.onWritten?.(baseline, status);
    } catch (err) {
      if (isNotFound(err)) return;
      this.deps.log.warn('status write failed; retrying', { baseline, error: errorMessage(err) });
      this.schedule(baseline);
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
