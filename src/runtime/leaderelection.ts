import { errorMessage, isConflict } from '../kube/errors.js';
import { microTime, type Lease, type LeaseSpec } from '../kube/lease.js';
import { newLease, renewedSpec, takenSpec } from './leaserecord.js';
import { beforeDeadline, systemClock, type Clock } from './clock.js';
import { electionTimings, type ElectionTimings, type ElectorLog, type LeaderElectorOptions, type LostReason, type WriteVerdict } from './electionoptions.js';

export type { ElectorLog, LeaderElectorOptions, LostReason, WriteVerdict } from './electionoptions.js';

/** The Lease as last read or written, and when (on the local clock) its record last changed. */
interface Observation {
  record: string;
  at: number;
  lease: Lease;
}

type Attempt = 'acquired' | 'held-by-other' | 'failed';

const quiet: ElectorLog = { info: () => undefined, warn: () => undefined, debug: () => undefined };

/**
 * Leader election on a coordination.k8s.io/v1 Lease, with client-go's semantics:
 *
 * - standby: every retryPeriod (jittered) read the Lease; take it when it does not exist (create),
 *   when holderIdentity is empty (released) or when its record has not changed for its
 *   leaseDurationSeconds, measured on the local clock from when this replica saw it change, so
 *   clocks of different replicas never need to agree;
 * - every write is optimistic: a create that finds the Lease exists, or an update with a stale
 *   resourceVersion, gets 409 and means another replica won;
 * - leader: renew every retryPeriod; if no renewal succeeds within renewDeadline (counted from the
 *   renewTime last written), or the Lease turns out to name someone else, stop leading. renewDeadline
 *   is shorter than leaseDuration, so the old leader has stopped before any standby may take over;
 * - release(): a leader that shuts down writes holderIdentity "" and leaseDurationSeconds 1, so a
 *   standby takes over on its next attempt instead of waiting out the lease.
 */
export class LeaderElector {
  private readonly clock: Clock;
  private readonly log: ElectorLog;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly writeMarginMs: number;
  private readonly jitterFactor: number;
  private readonly random: () => number;
  private observed: Observation | undefined;
  /** Our last write named us holder, and we have not let go since. */
  private holding = false;
  /** The renewTime of our last successful write, on the local clock. */
  private renewedAt = 0;
  /** The same instant on the monotonic clock: what the write gate measures from. */
  private renewedMono = -Infinity;
  private leading = false;
  private stopped = false;
  private lastHolder: string | undefined;
  private inflight: Promise<Attempt> | undefined;
  private wake: (() => void) | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly options: LeaderElectorOptions) {
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? quiet;
    const timings: ElectionTimings = electionTimings(options);
    ({ leaseDurationMs: this.leaseDurationMs, renewDeadlineMs: this.renewDeadlineMs, retryPeriodMs: this.retryPeriodMs, writeMarginMs: this.writeMarginMs, jitterFactor: this.jitterFactor } = timings);
    this.random = options.random ?? Math.random;
  }

  get identity(): string {
    return this.options.identity;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /**
   * The write gate's question, answered synchronously just before each write: this replica leads,
   * and less than leaseDuration - writeMargin has passed on the monotonic clock since the renewal
   * it last wrote began. The renew loop checks its deadline only when its timer fires, and after
   * an event-loop stall (a long synchronous task, SIGSTOP, a frozen VM) I/O callbacks run before
   * timers do, so a worker can reach its next write before the loop notices that a standby may lead
   * by now. That write is refused here, and leadership is given up at once (onStoppedLeading
   * 'lease-expired'), as client-go does when renewal fails.
   */
  mayWrite(): WriteVerdict {
    if (!this.leading) return { ok: false, reason: 'not-leading' };
    const sinceRenewMs = this.clock.monotonic() - this.renewedMono;
    if (sinceRenewMs < this.leaseDurationMs - this.writeMarginMs) return { ok: true };
    this.lose('lease-expired');
    this.wake?.();
    return { ok: false, reason: 'lease-expired', sinceRenewMs };
  }

  /** How long a leader that just lost by renewDeadline may still take to stop before a standby can take over. */
  get stepDownBudgetMs(): number {
    return this.leaseDurationMs - this.renewDeadlineMs;
  }

  /**
   * Stands by until this replica holds the Lease, calls onStartedLeading, then renews until
   * release() (resolves quietly) or until leadership is lost (calls onStoppedLeading, then resolves).
   */
  run(): Promise<void> {
    this.running ??= this.loop();
    return this.running;
  }

  /** Stops the loop; a holder then hands the Lease back. onStoppedLeading is not called. */
  async release(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    // Let an attempt in flight land first, so the release carries the newest resourceVersion.
    if (this.inflight !== undefined) await beforeDeadline(this.clock, this.inflight, this.clock.now() + this.renewDeadlineMs, 'failed');
    this.leading = false;
    const observed = this.observed;
    if (!this.holding || observed === undefined) return;
    this.holding = false;
    const now = this.clock.now();
    const released: LeaseSpec = {
      holderIdentity: '',
      leaseDurationSeconds: 1,
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: observed.lease.spec?.leaseTransitions ?? 0,
    };
    const write = this.options.store.update({ ...observed.lease, spec: released }).then(
      () => {
        this.log.info('leader election: released the lease', { lease: this.options.store.description, identity: this.identity });
      },
      (err: unknown) => {
        this.log.warn('leader election: could not release the lease; a standby takes over when it expires', { error: errorMessage(err) });
      },
    );
    await beforeDeadline(this.clock, write, now + this.renewDeadlineMs, undefined);
  }

  private async loop(): Promise<void> {
    const { log } = this;
    const lease = this.options.store.description;
    log.info('leader election: standing by', { lease, identity: this.identity });
    for (;;) {
      const outcome = await this.attempt();
      if (this.halted()) return;
      if (outcome === 'acquired') break;
      await this.sleep(this.retryPeriodMs * (1 + this.random() * this.jitterFactor));
      if (this.halted()) return;
    }
    this.leading = true;
    log.info('leader election: became leader', { lease, identity: this.identity, transitions: this.observed?.lease.spec?.leaseTransitions ?? 0 });
    this.options.onStartedLeading();
    for (;;) {
      const deadline = this.renewedAt + this.renewDeadlineMs;
      await this.sleep(Math.max(0, Math.min(this.retryPeriodMs, deadline - this.clock.now())));
      if (this.halted() || !this.isLeading()) return;
      if (this.clock.now() >= deadline) {
        this.lose('renew-deadline');
        return;
      }
      const outcome = await beforeDeadline(this.clock, this.attempt(), deadline, 'failed');
      if (this.halted() || !this.isLeading()) return;
      if (outcome === 'held-by-other') {
        this.lose('lease-taken');
        return;
      }
      if (outcome !== 'acquired') log.warn('leader election: failed to renew the lease', { lease, deadlineInMs: deadline - this.clock.now() });
    }
  }

  /** A method, not the field, so the compiler does not assume it unchanged across an await. */
  private halted(): boolean {
    return this.stopped;
  }

  /** False once leadership was lost, by the loop or by a refused write; never true again in this run. */
  private isLeading(): boolean {
    return this.leading;
  }

  private lose(reason: LostReason): void {
    if (!this.leading) return;
    this.leading = false;
    this.holding = false;
    this.log.warn('leader election: lost the lease', { lease: this.options.store.description, identity: this.identity, reason, holder: this.observed?.lease.spec?.holderIdentity ?? '' });
    this.options.onStoppedLeading(reason);
  }

  private attempt(): Promise<Attempt> {
    const p = this.tryAcquireOrRenew();
    this.inflight = p;
    return p;
  }

  /** One round of client-go's tryAcquireOrRenew. Never throws: API errors are logged and count as 'failed'. */
  private async tryAcquireOrRenew(): Promise<Attempt> {
    if (await this.renewFromLastWrite()) return 'acquired';
    const current = await this.read();
    if (current === 'failed') return 'failed';
    const now = this.clock.now();
    const mono = this.clock.monotonic();
    const { store } = this.options;
    if (current === undefined) return this.claim(() => store.create(newLease(store, this.identity, this.leaseDurationMs, now)), now, mono, 'create');
    this.observe(current);
    const holder = current.spec?.holderIdentity ?? '';
    if (this.heldByOther(current)) return 'held-by-other';
    const outcome = await this.claim(() => store.update({ ...current, spec: takenSpec(current.spec ?? {}, this.identity, this.leaseDurationMs, now) }), now, mono, 'update');
    if (outcome === 'acquired' && holder !== this.identity) this.log.info('leader election: took over the lease', { lease: store.description, from: holder === '' ? '(released)' : holder });
    return outcome;
  }

  /** A leader's fast path: update from what it last wrote, without a read. False sends it to the read. */
  private async renewFromLastWrite(): Promise<boolean> {
    const mine = this.observed;
    if (!this.holding || mine === undefined || mine.at + this.leaseDurationMs <= this.clock.now()) return false;
    const now = this.clock.now();
    const mono = this.clock.monotonic();
    try {
      this.wrote(await this.options.store.update({ ...mine.lease, spec: renewedSpec(mine.lease.spec, this.identity, this.leaseDurationMs, now) }), now, mono);
      return true;
    } catch (err) {
      this.log.debug('leader election: renew from the last write failed; reading the lease', { error: errorMessage(err) });
      return false;
    }
  }

  /** The Lease as the API server has it now: undefined when there is none, 'failed' when it cannot be read. */
  private async read(): Promise<Lease | undefined | 'failed'> {
    try {
      return await this.options.store.get();
    } catch (err) {
      this.log.warn('leader election: cannot read the lease', { lease: this.options.store.description, error: errorMessage(err) });
      return 'failed';
    }
  }

  /** Another replica holds it, and its record changed within its leaseDurationSeconds, as this replica saw it. */
  private heldByOther(current: Lease): boolean {
    const spec = current.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const observedAt = this.observed?.at ?? this.clock.now();
    const expiresAt = observedAt + (spec.leaseDurationSeconds ?? this.leaseDurationMs / 1000) * 1000;
    if (holder === '' || holder === this.identity || expiresAt <= this.clock.now()) return false;
    this.holding = false;
    if (holder !== this.lastHolder) this.log.info('leader election: the lease is held', { lease: this.options.store.description, holder });
    this.lastHolder = holder;
    return true;
  }

  /** Writes this replica in as holder; a 409 means another replica wrote first, and is not an error. */
  private async claim(write: () => Promise<Lease>, now: number, mono: number, verb: 'create' | 'update'): Promise<Attempt> {
    try {
      this.wrote(await write(), now, mono);
      return 'acquired';
    } catch (err) {
      this.holding = false;
      if (isConflict(err)) this.log.debug(`leader election: another replica ${verb === 'create' ? 'created' : 'wrote'} the lease first`);
      else this.log.warn(`leader election: cannot ${verb} the lease`, { lease: this.options.store.description, error: errorMessage(err) });
      return 'failed';
    }
  }

  /** Restarts the expiry clock only when the record changed since we last saw it (as client-go does). */
  private observe(lease: Lease): void {
    const spec = lease.spec ?? {};
    const record = JSON.stringify([spec.holderIdentity ?? '', spec.leaseDurationSeconds, spec.acquireTime, spec.renewTime, spec.leaseTransitions]);
    if (this.observed?.record !== record) this.observed = { record, at: this.clock.now(), lease };
    else this.observed.lease = lease;
  }

  private wrote(lease: Lease, renewTime: number, renewMono: number): void {
    this.observe(lease);
    this.holding = true;
    this.renewedAt = renewTime;
    this.renewedMono = renewMono;
    this.lastHolder = this.identity;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const handle = this.clock.setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        this.clock.clearTimeout(handle);
        this.wake = undefined;
        resolve();
      };
    });
  }
}
