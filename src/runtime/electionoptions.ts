import type { LeaseStore } from '../kube/lease.js';
import type { Clock } from './clock.js';

/**
 * Why a leader stopped leading without being asked to: no renewal within renewDeadline, the Lease
 * names someone else, or a write found the last renewal so old that a standby may already lead
 * (the event loop stalled past the renew deadline, so the renew loop never got to notice).
 */
export type LostReason = 'renew-deadline' | 'lease-taken' | 'lease-expired';

/** Whether this replica may send a write now, and if not, why not. */
export type WriteVerdict = { ok: true } | { ok: false; reason: 'not-leading' | 'lease-expired'; sinceRenewMs?: number };

export interface ElectorLog {
  info(message: string, meta?: Record<string, unknown>): unknown;
  warn(message: string, meta?: Record<string, unknown>): unknown;
  debug(message: string, meta?: Record<string, unknown>): unknown;
}

export interface LeaderElectorOptions {
  store: LeaseStore;
  /** This replica's name in the Lease's holderIdentity (POD_NAME). */
  identity: string;
  clock?: Clock;
  /** How long a standby waits, from when it last saw the Lease change, before taking it over. */
  leaseDurationMs?: number;
  /** How long a leader keeps leading without a successful renewal. */
  renewDeadlineMs?: number;
  /** Time between attempts, to acquire or to renew. */
  retryPeriodMs?: number;
  /**
   * Writes stop this long before the lease could expire: a write sent just inside the bound still
   * has this long to land before a standby may take over. Default leaseDuration - renewDeadline, so
   * a writer stops exactly when its renew loop would give up.
   */
  writeMarginMs?: number;
  /** A standby waits retryPeriod plus up to this factor of it at random (client-go's JitterFactor). */
  jitterFactor?: number;
  random?: () => number;
  log?: ElectorLog;
  onStartedLeading(): void;
  /** Leadership was lost (not released): the caller must stop writing, at once. */
  onStoppedLeading(reason: LostReason): void;
}

export interface ElectionTimings {
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  writeMarginMs: number;
  jitterFactor: number;
}

/** The timings with client-go's defaults, refusing any where a leader could outlive its lease. */
export function electionTimings(options: LeaderElectorOptions): ElectionTimings {
  const leaseDurationMs = options.leaseDurationMs ?? 15_000;
  const renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
  const retryPeriodMs = options.retryPeriodMs ?? 2_000;
  const writeMarginMs = options.writeMarginMs ?? leaseDurationMs - renewDeadlineMs;
  if (options.identity === '') throw new Error('leader election: identity must not be empty');
  if (leaseDurationMs % 1000 !== 0) throw new Error('leader election: leaseDuration must be whole seconds (leaseDurationSeconds)');
  if (!(leaseDurationMs > renewDeadlineMs)) throw new Error('leader election: leaseDuration must be greater than renewDeadline');
  if (!(renewDeadlineMs > retryPeriodMs && retryPeriodMs > 0)) throw new Error('leader election: renewDeadline must be greater than retryPeriod, and retryPeriod positive');
  if (!(writeMarginMs > 0 && writeMarginMs < leaseDurationMs)) throw new Error('leader election: writeMargin must be positive and less than leaseDuration');
  return { leaseDurationMs, renewDeadlineMs, retryPeriodMs, writeMarginMs, jitterFactor: options.jitterFactor ?? 1.2 };
}
