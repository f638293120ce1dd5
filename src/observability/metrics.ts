import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { LoopBusyMonitor } from './loopbusy.js';

const MAX_MANAGERS = 16;
const MAX_MANAGER_LENGTH = 64;

export const NAMESPACE_STATES = ['selected', 'enforced', 'conflicted', 'compliant'] as const;
/** Why a baseline stopped covering a namespace it covered: its labels no longer match, spec.excludeNamespaces, or a higher-priority baseline took it. */
export const LOSS_CAUSES = ['unselected', 'excluded', 'outranked'] as const;
export type LossCause = (typeof LOSS_CAUSES)[number];

/**
 * Every metric the operator exports. Labels stay bounded: no pod names, and namespace names never
 * appear as a label; baselines are few.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly kubeRequests = new Counter({
    name: 'posture_kube_requests_total',
    help: 'Requests the operator sent to the Kubernetes API, by verb, resource and HTTP status code.',
    labelNames: ['verb', 'resource', 'code'] as const,
    registers: [this.registry],
  });

  readonly reconciles = new Counter({
    name: 'posture_reconcile_total',
    help: 'Reconciles, by controller (enforcement, audit, baseline status, ...) and result (success, error).',
    labelNames: ['controller', 'result'] as const,
    registers: [this.registry],
  });

  readonly reconcileDuration = new Histogram({
    name: 'posture_reconcile_duration_seconds',
    help: 'Time one namespace reconcile took.',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly namespaceProtected = new Histogram({
    name: 'posture_namespace_protected_seconds',
    help: "Time from a new namespace's creation to the operator's write that completed its baseline, as the operator observed it, by baseline.",
    labelNames: ['baseline'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  readonly workqueueDepth = new Gauge({
    name: 'posture_workqueue_depth',
    help: 'Namespaces waiting in the work queue.',
    registers: [this.registry],
  });

  readonly workqueueLatency = new Histogram({
    name: 'posture_workqueue_latency_seconds',
    help: 'Time a namespace waited in the work queue before a worker took it.',
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60],
    registers: [this.registry],
  });

  readonly namespaces = new Gauge({
    name: 'posture_namespaces',
    help: 'Namespaces per baseline and state (selected, enforced, conflicted).',
    labelNames: ['baseline', 'state'] as const,
    registers: [this.registry],
  });

  readonly driftDetected = new Counter({
    name: 'posture_drift_detected_total',
    help: 'Managed objects found changed or deleted by someone else, by baseline and kind.',
    labelNames: ['baseline', 'kind'] as const,
    registers: [this.registry],
  });

  readonly driftRepaired = new Counter({
    name: 'posture_drift_repaired_total',
    help: 'Drifted managed objects put back, by baseline and kind.',
    labelNames: ['baseline', 'kind'] as const,
    registers: [this.registry],
  });

  readonly namespacesLost = new Counter({
    name: 'posture_namespaces_lost_total',
    help: 'Namespaces a baseline stopped covering while they existed, by baseline and cause (unselected, excluded, outranked): its protections left them.',
    labelNames: ['baseline', 'cause'] as const,
    registers: [this.registry],
  });

  readonly driftBy = new Counter({
    name: 'posture_drift_by_manager_total',
    help: `Drift detected, by baseline and the field manager that made the change ("unknown" for a deletion, which leaves no trace; at most ${MAX_MANAGERS} names per process, then "other").`,
    labelNames: ['baseline', 'manager'] as const,
    registers: [this.registry],
  });

  /** Field managers seen so far: tenants choose these names, so the label set is capped. */
  private readonly managers = new Set<string>();

  readonly complianceScore = new Gauge({
    name: 'posture_compliance_score',
    help: 'Severity-weighted share of passed audit results, 0..100, per baseline.',
    labelNames: ['baseline'] as const,
    registers: [this.registry],
  });

  readonly findings = new Gauge({
    name: 'posture_findings',
    help: 'Namespaces failing each audit check, per baseline, check and severity.',
    labelNames: ['baseline', 'check', 'severity'] as const,
    registers: [this.registry],
  });

  readonly lastReconcile = new Gauge({
    name: 'posture_last_reconcile_timestamp_seconds',
    help: 'Unix time of the last status write that followed a successful pass over a baseline.',
    labelNames: ['baseline'] as const,
    registers: [this.registry],
  });

  readonly writesFenced = new Counter({
    name: 'posture_writes_fenced_total',
    help: 'Writes not sent because this replica no longer led or its lease could have expired (reason: not-leading, lease-expired).',
    labelNames: ['verb', 'resource', 'reason'] as const,
    registers: [this.registry],
  });

  readonly rolloutNamespaces = new Gauge({
    name: 'posture_rollout_namespaces',
    help: 'Namespaces of a staged rollout (spec.rollout), per baseline and state: updated (at the newest revision), pending (released, being written), waiting (not yet released), failed.',
    labelNames: ['baseline', 'state'] as const,
    registers: [this.registry],
  });

  readonly leader = new Gauge({
    name: 'posture_leader',
    help: '1 on the replica that reconciles (it holds the leader-election Lease, or runs without leader election); 0 on a standby.',
    registers: [this.registry],
  });

  private cacheCounts: () => Record<string, number> = () => ({});

  readonly cacheObjects = new Gauge({
    name: 'posture_cache_objects',
    help: 'Objects held by each informer cache (a kind\'s plural, or <plural>/managed for our own objects of a managed kind): the audit\'s caches hold only namespaces some baseline selects.',
    labelNames: ['cache'] as const,
    registers: [this.registry],
    collect: () => {
      for (const [cache, count] of Object.entries(this.cacheCounts())) this.cacheObjects.set({ cache }, count);
    },
  });

  private readonly loopBusy = new LoopBusyMonitor();

  readonly eventLoopBusyMax = new Gauge({
    name: 'posture_event_loop_busy_max_seconds',
    help: 'The longest the event loop was held since the last scrape, in CPU time of the main thread (nodejs_eventloop_lag_max_seconds is wall time, and grows when the node gives the process no CPU).',
    registers: [this.registry],
    collect: () => {
      this.eventLoopBusyMax.set(this.loopBusy.takeMaxMs() / 1000);
    },
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) {
      collectDefaultMetrics({ register: this.registry });
      this.loopBusy.start();
    }
    // Error rates and alerts need the series before the first error, not from it.
    for (const result of ['success', 'error']) this.reconciles.inc({ result }, 0);
  }

  /**
   * Creates a baseline's drift counters at zero as soon as the baseline is known. A counter that
   * only comes into being at its first increment starts at 1, and Prometheus's increase() cannot
   * see that first drift; after every restart or failover it would go unalerted.
   */
  initBaseline(baseline: string, kinds: readonly string[]): void {
    for (const kind of kinds) {
      this.driftDetected.inc({ baseline, kind }, 0);
      this.driftRepaired.inc({ baseline, kind }, 0);
    }
    for (const cause of LOSS_CAUSES) this.namespacesLost.inc({ baseline, cause }, 0);
  }

  /** Where posture_cache_objects reads its counts from, at each scrape. */
  observeCaches(counts: () => Record<string, number>): void {
    this.cacheCounts = counts;
  }

  /** Counts a drift under who made it, keeping the label bounded (a name, capped in number and length). */
  countDriftBy(baseline: string, manager: string): void {
    // Status and events show a manager as fieldManager="kubectl-edit"; the label is the bare name.
    const name = /^fieldManager="(.*)"$/.exec(manager)?.[1] ?? manager;
    let label = name.replace(/[^\w.:/@-]/g, '_').slice(0, MAX_MANAGER_LENGTH);
    if (!this.managers.has(label)) {
      if (this.managers.size >= MAX_MANAGERS) label = 'other';
      else this.managers.add(label);
    }
    this.driftBy.inc({ baseline, manager: label });
  }

  /** Drops every series of a deleted baseline, so dashboards do not show ghosts. */
  forgetBaseline(baseline: string, kinds: readonly string[]): void {
    for (const state of NAMESPACE_STATES) this.namespaces.remove({ baseline, state });
    for (const kind of kinds) {
      this.driftDetected.remove({ baseline, kind });
      this.driftRepaired.remove({ baseline, kind });
    }
    for (const cause of LOSS_CAUSES) this.namespacesLost.remove({ baseline, cause });
    this.lastReconcile.remove({ baseline });
    for (const manager of [...this.managers, 'other']) this.driftBy.remove({ baseline, manager });
  }
}
