import type { Logger } from 'winston';
import type { SecurityBaselineStatus } from '../api/status.js';
import { clusterFindingsFor } from '../audit/evaluate.js';
import type { Finding } from '../audit/types.js';
import { API_VERSION, KIND } from '../api/names.js';
import type { ApiClient } from '../kube/client.js';
import type { EventRecorder } from '../kube/events.js';
import { patchStatus } from '../kube/operations.js';
import { MANAGED_TYPES, NAMESPACE, SECURITY_BASELINE } from '../kube/resources.js';
import type { Metrics } from '../observability/metrics.js';
import { namesOf, type CacheView } from '../runtime/caches.js';
import type { Clock } from '../runtime/clock.js';
import { watchFor, watchMapped, type Runnable, type Watch } from '../runtime/controller.js';
import type { Source } from '../runtime/source.js';
import { StatusWriter } from '../runtime/statuswriter.js';
import { aggregateAudits, reduceFindings, type AuditStore } from './auditstore.js';
import type { BaselineChange, BaselineRegistry, SecurityBaselineObject } from './baselines.js';
import type { DriftLogs } from './drift.js';
import type { ResultStore } from './results.js';
import { Reason } from './conditions.js';
import { computeStatus } from './status.js';
import { withRollout } from './rollout/status.js';
import type { RolloutStatus } from '../api/rollout.js';

/** How long after a start a stored status waits for every namespace to be audited again (10,000 took 23 s). */
export const AUDIT_HOLD_MS = 120_000;

export interface BaselineStatusDeps {
  client: ApiClient;
  log: Logger;
  metrics: Metrics;
  clock: Clock;
  caches: CacheView;
  baselines: BaselineRegistry;
  baselineChanges: Source<BaselineChange>;
  results: ResultStore;
  audits: AuditStore;
  drift: DriftLogs;
  /** Baselines whose namespace results, audits or drift changed. */
  changed: Source<string>;
  /** Namespaces the enforcement controller just reconciled. */
  enforced: Source<string>;
  /** The cluster-level findings (CL-001), known once the caches have synced. */
  clusterFindings: () => readonly Finding[];
  /** Where a baseline that comes to cover nothing says so. */
  events?: EventRecorder;
  /** status.rollout of a baseline with a staged rollout (controller/rollout). */
  rollout?: (baseline: string) => RolloutStatus | undefined;
}

/**
 * Baseline status: keyed by baseline, it aggregates the per-namespace results and audits into the
 * status subresource and the per-baseline gauges. Its queue is a StatusWriter, which writes one
 * baseline at most about once a second and only when the status changed, so a thousand namespaces
 * changing cost one write. Status waits for a first pass over every namespace after a spec change.
 */
export class BaselineStatusController implements Runnable {
  readonly name = 'baseline-status';
  readonly watches: readonly Watch<string>[];
  private readonly writer: StatusWriter<SecurityBaselineStatus>;
  /** Per baseline, the namespaces not yet reconciled since its spec last changed. */
  private readonly firstPass = new Map<string, Set<string>>();
  /** Check series last exported per baseline, so a check that stops failing leaves the gauge. */
  private readonly findingSeries = new Map<string, Set<string>>();
  private started = false;
  /** Until then, after a start, a stored status stands while a namespace is still to be audited again. */
  private auditsHeldUntil: number | undefined;
  /** The namespaces there at the start: only their audits hold a stored status (new ones are news). */
  private presentAtStart = new Set<string>();

  constructor(private readonly deps: BaselineStatusDeps) {
    const { client, clock, log, metrics, baselineChanges } = deps;
    this.writer = new StatusWriter({
      clock,
      log,
      compute: (name) => this.compute(name),
      write: (name, patch) => patchStatus(client, SECURITY_BASELINE, name, patch),
      onWritten: (name) => {
        metrics.lastReconcile.set({ baseline: name }, clock.now() / 1000);
      },
    });
    this.watches = [
      watchFor(SECURITY_BASELINE.plural, baselineChanges, (change) => change.name),
      // A spec change or a deletion can move namespaces between baselines: every status follows.
      watchMapped('securitybaselines (spec changes)', baselineChanges, (event, change) => {
        if (event === 'delete') this.forget(change.name);
        else if (change.specChanged) {
          this.startFirstPass(change.name);
          // Its drift counters exist at zero from now on, so the first drift is an increase.
          deps.metrics.initBaseline(change.name, MANAGED_TYPES.map((t) => t.kind));
        }
        return change.specChanged ? deps.baselines.names() : [];
      }),
      watchMapped('namespace results, audits and drift', deps.changed, (_event, baseline) => [baseline]),
      watchMapped('namespaces (enforced)', deps.enforced, (_event, namespace) => this.evaluated(namespace)),
    ];
    for (const watch of this.watches) {
      watch.connect((name) => {
        if (this.started) this.writer.schedule(name);
      });
    }
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.auditsHeldUntil = this.deps.clock.now() + AUDIT_HOLD_MS;
    this.presentAtStart = new Set(namesOf(this.deps.caches.list(NAMESPACE.plural)));
    for (const name of this.deps.baselines.names()) {
      this.startFirstPass(name);
      this.writer.schedule(name);
    }
  }

  async stop(): Promise<void> {
    await this.writer.stop();
  }

  private startFirstPass(baseline: string): void {
    const names = namesOf(this.deps.caches.list(NAMESPACE.plural));
    this.firstPass.set(baseline, new Set(names));
  }

  /** A namespace was reconciled: it no longer holds back any baseline's first pass. Returns the baselines now complete. */
  private evaluated(namespace: string): string[] {
    const complete: string[] = [];
    for (const [baseline, pending] of this.firstPass) {
      if (!pending.delete(namespace)) continue;
      if (pending.size === 0) {
        this.firstPass.delete(baseline);
        complete.push(baseline);
      }
    }
    return complete;
  }

  private forget(baseline: string): void {
    const { metrics } = this.deps;
    this.deps.drift.forget(baseline);
    this.firstPass.delete(baseline);
    metrics.forgetBaseline(baseline, MANAGED_TYPES.map((t) => t.kind));
    metrics.complianceScore.remove({ baseline });
    for (const series of this.findingSeries.get(baseline) ?? []) {
      const [check = '', severity = ''] = series.split('/');
      metrics.findings.remove({ baseline, check, severity });
    }
    this.findingSeries.delete(baseline);
  }

  private compute(name: string): { status: SecurityBaselineStatus; current: SecurityBaselineStatus | undefined } | undefined {
    const { caches, baselines, results, audits, drift, clock } = this.deps;
    const object = caches.get(SECURITY_BASELINE.plural, name) as SecurityBaselineObject | undefined;
    if (object === undefined) return undefined;
    const known = baselines.get(name);
    const generation = object.metadata?.generation ?? 0;
    const pendingNamespaces = this.firstPass.get(name)?.size ?? 0;
    // After a restart the stored status already describes this generation: keep it until the
    // first pass is complete, and every namespace audited again, rather than write partial counts
    // (and write them back again).
    if ((pendingNamespaces > 0 || this.awaitingAudits(name)) && object.status?.observedGeneration === generation) return { status: object.status, current: object.status };
    const won = audits.forBaseline(name).filter(([ns]) => results.get(ns)?.winner === name);
    // The cluster-level findings (CL-001) count once in each baseline's audit.
    const clusterFindings = this.deps.clusterFindings();
    const cluster = known?.parsed.ok === true ? clusterFindingsFor(clusterFindings, known.parsed.baseline.spec.audit, new Date(clock.now())) : clusterFindings;
    const audit = aggregateAudits([...won, ...(won.length > 0 ? [['', reduceFindings(name, cluster)] as const] : [])]);
    const computed = computeStatus({
      name,
      generation,
      mode: known?.parsed.ok === true ? known.parsed.baseline.spec.mode : undefined,
      invalidSpec: known?.parsed.ok === false ? known.parsed.error : undefined,
      results: results.forBaseline(name),
      previous: object.status,
      drift: drift.peek(name)?.status() ?? object.status?.drift,
      pendingNamespaces,
      audit: { ...audit, audited: won.length, compliant: won.filter(([, a]) => a.failing.length === 0).length },
      now: new Date(clock.now()),
    });
    const status = withRollout(computed, this.deps.rollout?.(name), object.status, generation, new Date(clock.now()));
    this.exportMetrics(name, status.namespaces, status.complianceScore, won.map(([, a]) => a.failing));
    this.announceNothingCovered(name, object, status);
    return { status, current: object.status };
  }

  /**
   * After a start, whether a namespace this baseline won before it has no audit yet: audits live in
   * memory, so a restart audits every namespace again, and a summary over part of them is not what
   * is stored. Namespaces created since do not hold it (their counts are news), and the hold is
   * bounded in time: a namespace whose audit keeps failing does not hold the status for ever.
   */
  private awaitingAudits(name: string): boolean {
    const { results, audits, clock } = this.deps;
    if (this.auditsHeldUntil === undefined || clock.now() > this.auditsHeldUntil) {
      this.presentAtStart.clear();
      return false;
    }
    return results.forBaseline(name).some(([ns, r]) => r.winner === name && audits.get(ns) === undefined && this.presentAtStart.has(ns));
  }

  /** A baseline that comes to cover nothing says so once, as a Warning event, per cause. */
  private announceNothingCovered(name: string, object: SecurityBaselineObject, status: SecurityBaselineStatus): void {
    const now = status.conditions?.find((c) => c.type === 'Compliant');
    const before = object.status?.conditions?.find((c) => c.type === 'Compliant')?.reason;
    const uid = object.metadata?.uid;
    if (now === undefined || uid === undefined || now.reason === before) return;
    if (now.reason !== Reason.NoNamespaces && now.reason !== Reason.LostAllNamespaces) return;
    this.deps.events?.record({ apiVersion: API_VERSION, kind: KIND, name, uid }, 'Warning', now.reason, 'Evaluate', now.message);
  }

  /** Gauges follow the computed status, written or not, so a restart exports them at once. */
  private exportMetrics(baseline: string, counts: Record<string, number | undefined> | undefined, score: number | undefined, failing: readonly (readonly { checkId: string; severity: string }[])[]): void {
    const { metrics } = this.deps;
    for (const [state, value] of Object.entries(counts ?? {})) if (value !== undefined) metrics.namespaces.set({ baseline, state }, value);
    // No score for a baseline that covers nothing: 100 would read as healthy.
    if (score === undefined) metrics.complianceScore.remove({ baseline });
    else metrics.complianceScore.set({ baseline }, score);
    const perCheck = new Map<string, number>();
    for (const list of failing) for (const f of list) perCheck.set(`${f.checkId}/${f.severity}`, (perCheck.get(`${f.checkId}/${f.severity}`) ?? 0) + 1);
    for (const series of this.findingSeries.get(baseline) ?? []) {
      if (perCheck.has(series)) continue;
      const [check = '', severity = ''] = series.split('/');
      metrics.findings.remove({ baseline, check, severity });
    }
    for (const [series, count] of perCheck) {
      const [check = '', severity = ''] = series.split('/');
      metrics.findings.set({ baseline, check, severity }, count);
    }
    this.findingSeries.set(baseline, new Set(perCheck.keys()));
  }
}
