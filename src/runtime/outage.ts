import type { Clock } from './clock.js';

/** The two log levels an outage needs; a winston Logger fits. */
export interface OutageLogger {
  warn(message: string, meta: Record<string, unknown>): unknown;
  info(message: string, meta: Record<string, unknown>): unknown;
}

const DEFAULT_INTERVAL_MS = 30_000;
/** Sources named in one line; the rest are counted. */
const MAX_NAMED = 10;

/**
 * Logs an outage that many sources see at once (every informer loses its watch, every queued
 * namespace fails to reconcile, when the API server goes) as one outage: a warning when the first
 * source fails, at most one more per interval while any source still fails, naming the failing
 * sources and counting the failures in between, and one line when the last recovers. So an outage
 * costs a few log lines, not one per source and retry.
 */
export class OutageLog {
  private readonly failing = new Map<string, string>();
  private since: number | undefined;
  private lastLogged = -Infinity;
  private failures = 0;
  private unlogged = 0;

  constructor(
    private readonly log: OutageLogger,
    private readonly clock: Clock,
    private readonly what = 'watch',
    private readonly intervalMs = DEFAULT_INTERVAL_MS,
  ) {}

  /** A source failed and retries after retryInMs. */
  failed(source: string, error: string, retryInMs: number): void {
    const now = this.clock.now();
    const first = this.since === undefined;
    this.since ??= now;
    this.failing.set(source, error);
    this.failures++;
    this.unlogged++;
    if (!first && now - this.lastLogged < this.intervalMs) return;
    const failing = [...this.failing.keys()].sort();
    const meta = { source, error, retryInMs, failing: failing.slice(0, MAX_NAMED), failingCount: failing.length, failures: this.unlogged, outageMs: now - this.since };
    if (first) this.log.warn(`${this.what} failed; retrying with backoff (logged at most every ${this.intervalMs / 1000}s until it recovers)`, meta);
    else this.log.warn(`${this.what} still failing`, meta);
    this.lastLogged = now;
    this.unlogged = 0;
  }

  /** A source works again; the outage ends when no source is failing. */
  recovered(source: string): void {
    if (!this.failing.delete(source) || this.failing.size > 0 || this.since === undefined) return;
    this.log.info(`${this.what} recovered`, { outageMs: this.clock.now() - this.since, failures: this.failures });
    this.since = undefined;
    this.lastLogged = -Infinity;
    this.failures = 0;
    this.unlogged = 0;
  }

  get isFailing(): boolean {
    return this.failing.size > 0;
  }
}
