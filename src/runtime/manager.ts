import type { Logger } from 'winston';
import type { ApiClient, WatchClient } from '../kube/client.js';
import { errorMessage } from '../kube/errors.js';
import type { LeaseStore } from '../kube/lease.js';
import type { Metrics } from '../observability/metrics.js';
import { Caches } from './caches.js';
import { systemClock, type Clock } from './clock.js';
import { Controller, type ControllerMetrics, type ControllerSpec, type Runnable } from './controller.js';
import { LeaderElector, type LostReason } from './leaderelection.js';
import { OutageLog } from './outage.js';
import { ALWAYS_OPEN, WriteGate } from './writegate.js';

export interface ManagerOptions {
  client: WatchClient;
  log: Logger;
  metrics: Metrics;
  clock?: Clock;
  /** Without it this replica leads as soon as its caches are synced. */
  leaderElection?: {
    store: LeaseStore;
    identity: string;
    /** Leadership was lost (not released): the process must stop writing at once. */
    onLost(reason: LostReason): void;
    /** The election itself failed (a bug, not an API error: those it retries). */
    onFailed(err: unknown): void;
  };
}

/**
 * Owns what the controllers share: the informer caches, leader election, the readiness the health
 * probe reports and the queue metrics. Starts in order (caches, then, once leading, every runnable
 * in the order added) and stops in reverse (runnables finish what they hold, then the caches).
 */
export class Manager {
  readonly caches: Caches;
  readonly clock: Clock;
  /**
   * The client controllers and the event recorder write through: each write is sent only while
   * this replica leads and its lease cannot have expired (see LeaderElector.mayWrite).
   */
  readonly writer: ApiClient;
  private readonly runnables: Runnable[] = [];
  private readonly controllers: Controller<unknown>[] = [];
  private readonly before: (() => Promise<void>)[] = [];
  private readonly synced: (() => Promise<void>)[] = [];
  private readonly failures: OutageLog;
  private readonly controllerMetrics: ControllerMetrics;
  private readonly elector: LeaderElector | undefined;
  private isReady = false;
  private leading = false;
  private stopping = false;

  constructor(private readonly options: ManagerOptions) {
    const { client, log, metrics } = options;
    const clock = (this.clock = options.clock ?? systemClock);
    const onWatchEnd = (resource: string, code: string): void => {
      metrics.kubeRequests.inc({ verb: 'watch', resource, code });
    };
    this.caches = new Caches({ client, log, clock, onWatchEnd });
    metrics.observeCaches(() => this.caches.counts());
    this.failures = new OutageLog(log, clock, 'reconcile');
    this.controllerMetrics = {
      dequeued: (ms) => {
        metrics.workqueueLatency.observe(ms / 1000);
      },
      reconciled: (result, seconds, controller) => {
        metrics.reconciles.inc({ controller, result });
        metrics.reconcileDuration.observe(seconds);
      },
      queueChanged: () => {
        metrics.workqueueDepth.set(this.controllers.reduce((n, c) => n + c.length, 0));
      },
    };
    const election = options.leaderElection;
    this.elector =
      election === undefined
        ? undefined
        : new LeaderElector({
            store: election.store,
            identity: election.identity,
            log,
            clock,
            onStartedLeading: () => {
              this.lead();
            },
            onStoppedLeading: (reason) => {
              metrics.leader.set(0);
              election.onLost(reason);
            },
          });
    this.writer = new WriteGate(client, this.elector ?? ALWAYS_OPEN, {
      refused: (req, reason) => {
        metrics.writesFenced.inc({ verb: req.verb, resource: req.resource, reason });
        log.warn('write not sent: this replica may no longer lead', { verb: req.verb, path: req.path, reason });
      },
      sending: (req) => {
        log.debug('write', { verb: req.verb, path: req.path });
      },
    });
  }

  /** Builds a controller with the shared queue metrics and outage log; it starts when this replica leads. */
  add<K>(spec: ControllerSpec<K>): Controller<K> {
    const controller = new Controller(spec, { clock: this.clock, log: this.options.log, failures: this.failures, metrics: this.controllerMetrics });
    this.controllers.push(controller);
    this.runnables.push(controller);
    return controller;
  }

  /** Something else to start when leading and stop on shutdown (a status writer, say). */
  addRunnable(runnable: Runnable): void {
    this.runnables.push(runnable);
  }

  /** Runs before the caches start: discovery that decides which informers to add. */
  beforeStart(hook: () => Promise<void>): void {
    this.before.push(hook);
  }

  /** Runs after the caches have synced and before this replica is Ready. */
  onSynced(hook: () => Promise<void>): void {
    this.synced.push(hook);
  }

  /** Ready: caches synced. A standby is Ready too, so it can take over warm. */
  get isSynced(): boolean {
    return this.isReady;
  }

  get identity(): string | undefined {
    return this.elector?.identity;
  }

  /** How long a replica that lost by renew deadline may take to stop before a standby takes over. */
  get stepDownBudgetMs(): number {
    return this.elector?.stepDownBudgetMs ?? 0;
  }

  /** Syncs the caches, then leads at once (no election) or competes for the Lease. */
  async start(): Promise<void> {
    const { log } = this.options;
    for (const hook of this.before) await hook();
    await this.caches.start();
    for (const hook of this.synced) await hook();
    this.isReady = true;
    log.info('caches synced', { objects: this.caches.counts() });
    if (this.stopping) return;
    if (this.elector === undefined) {
      this.lead();
      log.info('ready', { leaderElection: false });
      return;
    }
    log.info('ready; caches synced, competing for the lease');
    this.elector.run().catch((err: unknown) => {
      log.error('leader election failed', { error: errorMessage(err) });
      this.options.leaderElection?.onFailed(err);
    });
  }

  /** Stops taking work; in-flight reconciles and writes finish; then the watches stop. Keeps the Lease. */
  async stop(): Promise<void> {
    this.stopping = true;
    // Controllers first, together: their last reconciles may still hand work to the other runnables.
    await Promise.all(this.controllers.map((c) => c.stop()));
    for (const r of [...this.runnables].reverse()) if (!this.controllers.includes(r as Controller<unknown>)) await r.stop();
    await this.caches.stop();
  }

  /** Hands the Lease over (after stop), so a standby starts at once instead of after the lease duration. */
  async release(): Promise<void> {
    await this.elector?.release();
    this.options.metrics.leader.set(0);
  }

  private lead(): void {
    // Shutting down: release() hands the Lease straight back.
    if (this.leading || this.stopping) return;
    this.leading = true;
    for (const r of this.runnables) r.start();
    this.options.metrics.leader.set(1);
  }
}
