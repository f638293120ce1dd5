import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'winston';
import { API_VERSION, BASELINE_LABEL, KIND, MANAGED_BY_LABEL, MANAGED_BY_VALUE, POD_SECURITY_ANNOTATION } from '../api/names.js';
import type { DriftRecord } from '../api/status.js';
import { clusterFindingsFor, evaluateCluster } from '../audit/evaluate.js';
import type { Finding, ServerVersion } from '../audit/types.js';
import type { KubeClient } from '../kube/client.js';
import { errorMessage, isNotFound } from '../kube/errors.js';
import type { EventRecorder } from '../kube/events.js';
import { patchStatus } from '../kube/operations.js';
import { MANAGED_TYPES, POLICY_REPORT, SECURITY_BASELINE, type ManagedType, type ResourceType } from '../kube/resources.js';
import type { Metrics } from '../observability/metrics.js';
import type { CachedObject } from './auditinput.js';
import { Auditor } from './auditor.js';
import { aggregateAudits, AuditStore, reduceFindings } from './auditstore.js';
import { BaselineRegistry, type SecurityBaselineObject } from './baselines.js';
import { Caches } from '../runtime/caches.js';
import { systemClock, type Clock } from '../runtime/clock.js';
import { DriftLogs } from './drift.js';
import { reconcileFinalizer } from './finalizer.js';
import type { InformerEvent } from '../runtime/informer.js';
import { OutageLog } from '../runtime/outage.js';
import { OwnWrites } from '../runtime/ownwrites.js';
import { ownerUid, type ExistingObject } from './plan.js';
import { reconcileNamespace, type ReconcilerDeps } from './reconciler.js';
import { ResultStore } from './results.js';
import { computeStatus } from './status.js';
import { StatusWriter } from '../runtime/statuswriter.js';
import { WorkQueue } from '../runtime/workqueue.js';

export interface OperatorOptions {
  kubeConfig: KubeConfig;
  client: KubeClient;
  log: Logger;
  metrics: Metrics;
  events: EventRecorder;
  concurrency: number;
  operatorNamespace: string | undefined;
  clock?: Clock;
}

/**
 * Work queue keys: a namespace name (enforce), `audit/<namespace>` (audit, debounced), or
 * `baseline/<name>` (its finalizer). '/' never occurs in a namespace or baseline name.
 */
const BASELINE_KEY = 'baseline/';
const AUDIT_KEY = 'audit/';
const FINALIZER_RECHECK_MS = 1000;
/** A namespace whose caches lag behind the operator's own write looks again after this, if no event came first. */
const OWN_WRITE_RECHECK_MS = 1000;
/** A burst of changes in a namespace (a rollout, say) is audited once. */
const AUDIT_DEBOUNCE_MS = 500;

/**
 * Wires informers to the work queue and the queue to the reconcilers. Level-triggered: every event
 * only enqueues a key; a reconcile re-reads the caches.
 */
export class Operator {
  private readonly clock: Clock;
  private readonly queue: WorkQueue;
  private readonly registry = new BaselineRegistry();
  private readonly results: ResultStore;
  private readonly audits: AuditStore;
  private readonly drift = new DriftLogs();
  private readonly statusWriter: StatusWriter;
  private readonly caches: Caches;
  private readonly auditor: Auditor;
  private readonly workers: Promise<void>[] = [];
  /** Reconcile failures, logged as one outage: an unreachable API server fails every queued key. */
  private readonly failures: OutageLog;
  /** Writes whose watch events the caches have not seen yet: a reconcile then would read stale objects. */
  private readonly ownWrites = new OwnWrites();
  /** Per baseline, the namespaces not yet reconciled since its spec last changed. */
  private readonly firstPass = new Map<string, Set<string>>();
  /** Check series last exported per baseline, so a check that stops failing leaves the gauge. */
  private readonly findingSeries = new Map<string, Set<string>>();
  private clusterFindings: Finding[] = [];
  private reportsEnabled = false;
  private synced = false;
  private leading = false;
  private stopping = false;

  constructor(private readonly options: OperatorOptions) {
    const { kubeConfig, client, log, metrics, events } = options;
    const clock = (this.clock = options.clock ?? systemClock);
    this.failures = new OutageLog(log, clock, 'reconcile');
    this.queue = new WorkQueue({
      clock,
      onDequeue: (ms) => {
        metrics.workqueueLatency.observe(ms / 1000);
      },
    });
    this.statusWriter = new StatusWriter({
      clock,
      log,
      compute: (name) => (this.leading ? this.computeStatus(name) : undefined),
      write: (name, patch) => patchStatus(client, SECURITY_BASELINE, name, patch),
      onWritten: (name) => {
        metrics.lastReconcile.set({ baseline: name }, clock.now() / 1000);
      },
    });
    const scheduleStatus = (baseline: string): void => {
      this.statusWriter.schedule(baseline);
    };
    this.results = new ResultStore(scheduleStatus);
    this.audits = new AuditStore(scheduleStatus);
    this.caches = new Caches({ kubeConfig, client, log, metrics, clock });
    this.caches.on((type, event, object) => {
      this.onCacheEvent(type, event, object);
    });
    this.auditor = new Auditor({
      client,
      log,
      caches: this.caches,
      baselines: this.registry,
      results: this.results,
      audits: this.audits,
      events,
      now: () => new Date(clock.now()),
      reportsEnabled: () => this.reportsEnabled,
    });
  }

  /** Starts the caches and waits until they are synced. Standby replicas stop here, warm. */
  async startCaches(): Promise<void> {
    const { log, client } = this.options;
    this.reportsEnabled = await servesPolicyReports(client);
    if (this.reportsEnabled) this.caches.add(POLICY_REPORT);
    else log.info('the PolicyReport CRD (wgpolicyk8s.io/v1alpha2) is not installed: no PolicyReports are written; restart after installing it');
    const [version] = await Promise.all([client.request<ServerVersion>({ verb: 'get', resource: 'version', method: 'GET', path: '/version' }), this.caches.start()]);
    this.clusterFindings = evaluateCluster({ version, now: new Date(this.clock.now()) });
    for (const b of this.caches.list(SECURITY_BASELINE.plural)) this.registry.upsert(b);
    this.synced = true;
    log.info('caches synced', { objects: this.caches.counts(), kubernetes: version.gitVersion });
  }

  /** Starts reconciling: only the leader calls this, so only the leader writes. */
  startWorkers(): void {
    if (!this.synced) throw new Error('startWorkers before startCaches');
    if (this.workers.length > 0) return;
    this.leading = true;
    for (const b of this.caches.list(SECURITY_BASELINE.plural)) {
      const name = b.metadata?.name;
      if (name === undefined) continue;
      this.queue.add(BASELINE_KEY + name);
      this.startFirstPass(name);
    }
    this.enqueueAllNamespaces();
    for (let i = 0; i < this.options.concurrency; i++) this.workers.push(this.runWorker());
  }

  /** Caches, then workers: for a single replica without leader election. */
  async start(): Promise<void> {
    await this.startCaches();
    this.startWorkers();
  }

  get isSynced(): boolean {
    return this.synced;
  }

  /** Stops taking work, lets in-flight reconciles finish, waits for status writes, stops the watches. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.queue.shutDown();
    await Promise.all(this.workers);
    await this.statusWriter.stop();
    await this.caches.stop();
  }

  private async runWorker(): Promise<void> {
    const { log, metrics } = this.options;
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      metrics.workqueueDepth.set(this.queue.length);
      const end = metrics.reconcileDuration.startTimer();
      try {
        await this.process(key);
        this.queue.forget(key);
        this.failures.recovered(key);
        metrics.reconciles.inc({ result: 'success' });
      } catch (err) {
        metrics.reconciles.inc({ result: 'error' });
        if (!this.stopping && !isNotFound(err)) {
          const retryInMs = this.queue.addRateLimited(key);
          log.debug('reconcile failed; retrying', { key, retryInMs, error: errorMessage(err) });
          this.failures.failed(key, errorMessage(err), retryInMs);
        }
      } finally {
        end();
        this.queue.done(key);
      }
      // A reconcile that finds nothing to write never waits on I/O, and a queue of 10,000 such keys
      // would then run as one long chain of microtasks: let timers and sockets (the health probe) in.
      await yieldToEventLoop();
    }
  }

  private async process(key: string): Promise<void> {
    if (key.startsWith(BASELINE_KEY)) {
      await this.reconcileBaseline(key.slice(BASELINE_KEY.length));
    } else if (key.startsWith(AUDIT_KEY)) {
      await this.auditor.audit(key.slice(AUDIT_KEY.length));
    } else {
      if (this.ownWrites.isBehind(key, (plural) => this.caches.resourceVersion(plural), this.clock.now())) {
        // The watch event of our own last write is on its way and queues the namespace again.
        this.queue.addAfter(key, OWN_WRITE_RECHECK_MS);
        return;
      }
      await reconcileNamespace(this.reconcilerDeps(), key);
      this.evaluated(key);
      this.scheduleAudit(key);
    }
  }

  private scheduleAudit(namespace: string): void {
    this.queue.addAfter(AUDIT_KEY + namespace, AUDIT_DEBOUNCE_MS);
  }

  private startFirstPass(baseline: string): void {
    const names = this.caches.list('namespaces').flatMap((ns) => (ns.metadata?.name === undefined ? [] : [ns.metadata.name]));
    this.firstPass.set(baseline, new Set(names));
  }

  /** A namespace was reconciled: it no longer holds back any baseline's first pass. */
  private evaluated(namespace: string): void {
    for (const [baseline, pending] of this.firstPass) {
      if (!pending.delete(namespace)) continue;
      if (pending.size === 0) {
        this.firstPass.delete(baseline);
        this.statusWriter.schedule(baseline);
      }
    }
  }

  private async reconcileBaseline(name: string): Promise<void> {
    const outcome = await reconcileFinalizer({ client: this.options.client, baselines: this.registry, isReleased: (n, uid) => this.isReleased(n, uid) }, name);
    if (outcome === 'waiting') this.queue.addAfter(BASELINE_KEY + name, FINALIZER_RECHECK_MS);
  }

  private isReleased(name: string, uid: string): boolean {
    for (const type of MANAGED_TYPES) {
      if (this.caches.list(type.plural).some((o) => isManaged(o) && ownerUid(toExisting(type, o)) === uid)) return false;
    }
    return !this.caches.list('namespaces').some((ns) => ns.metadata?.annotations?.[POD_SECURITY_ANNOTATION] === name);
  }

  private reconcilerDeps(): ReconcilerDeps {
    const { client, log, operatorNamespace } = this.options;
    return {
      client,
      log,
      baselines: this.registry,
      results: this.results,
      operatorNamespace,
      now: () => new Date(this.clock.now()),
      getNamespace: (name) => this.caches.get('namespaces', name),
      managedIn: (namespace) => this.managedIn(namespace),
      onDrift: (baseline, record, repaired) => {
        this.onDrift(baseline, record, repaired);
      },
      onReleased: (baseline) => {
        this.queue.add(BASELINE_KEY + baseline);
      },
      onWritten: (namespace, plural, resourceVersion) => {
        this.ownWrites.record(namespace, plural, resourceVersion, this.clock.now());
      },
    };
  }

  private onDrift(baseline: string, record: DriftRecord, repaired: boolean): void {
    const { metrics, log, events } = this.options;
    const driftLog = this.drift.get(baseline, () => (this.caches.get(SECURITY_BASELINE.plural, baseline) as SecurityBaselineObject | undefined)?.status?.drift);
    const what = `${record.kind} ${record.namespace}/${record.name}`;
    const by = record.by === 'unknown' ? '' : ` by ${record.by}`;
    if (!repaired) {
      driftLog.detect(record);
      metrics.driftDetected.inc({ baseline, kind: record.kind });
      log.info('drift detected', { baseline, ...record });
      return;
    }
    driftLog.repair();
    metrics.driftRepaired.inc({ baseline, kind: record.kind });
    const uid = this.registry.get(baseline)?.uid;
    if (uid !== undefined) {
      events.record({ apiVersion: API_VERSION, kind: KIND, name: baseline, uid }, 'Warning', 'DriftRepaired', 'Repair', `${what} was ${record.change.toLowerCase()}${by}; restored`);
    }
    this.statusWriter.schedule(baseline);
  }

  private managedIn(namespace: string): ExistingObject[] {
    return MANAGED_TYPES.flatMap((type) => this.caches.list(type.plural, namespace).filter(isManaged).map((o) => toExisting(type, o)));
  }

  private onCacheEvent(type: ResourceType, event: InformerEvent, object: CachedObject): void {
    const namespace = object.metadata?.namespace;
    const name = object.metadata?.name;
    if (type === SECURITY_BASELINE) {
      if (name !== undefined) this.onBaselineEvent(event, name, object);
      return;
    }
    if (type.plural === 'namespaces') {
      if (name === undefined) return;
      this.queue.add(name);
      if (event === 'delete') {
        this.auditor.forget(name);
        this.ownWrites.forget(name);
      }
      return;
    }
    if (type.plural === 'clusterroles' || type.plural === 'clusterrolebindings') {
      // Rare, and any namespace may bind them: audit them all, once, after the burst.
      if (this.synced) for (const ns of this.caches.list('namespaces')) if (ns.metadata?.name !== undefined) this.scheduleAudit(ns.metadata.name);
      return;
    }
    if (namespace === undefined) return;
    // A managed object's event maps to its namespace's key; every namespaced change re-audits it.
    if (isManaged(object) && MANAGED_TYPES.some((t) => t.plural === type.plural)) this.queue.add(namespace);
    if (type !== POLICY_REPORT || this.auditor.reportTampered(namespace, event, object)) this.scheduleAudit(namespace);
  }

  private onBaselineEvent(event: InformerEvent, name: string, object: SecurityBaselineObject): void {
    if (!this.synced) return;
    if (!this.leading) {
      // A standby keeps its registry warm and does nothing else.
      if (event === 'delete') this.registry.remove(name);
      else this.registry.upsert(object);
      return;
    }
    if (event === 'delete') {
      this.registry.remove(name);
      this.drift.forget(name);
      this.firstPass.delete(name);
      this.forgetMetrics(name);
      this.enqueueAllNamespaces();
      return;
    }
    // Status writes change resourceVersion, not generation: only a spec change (or a deletion
    // starting) re-reconciles the namespaces.
    if (this.registry.upsert(object)) {
      this.startFirstPass(name);
      this.enqueueAllNamespaces();
      this.queue.add(BASELINE_KEY + name);
    }
    this.statusWriter.schedule(name);
  }

  private forgetMetrics(baseline: string): void {
    const { metrics } = this.options;
    metrics.forgetBaseline(baseline, MANAGED_TYPES.map((t) => t.kind));
    metrics.complianceScore.remove({ baseline });
    for (const series of this.findingSeries.get(baseline) ?? []) {
      const [check = '', severity = ''] = series.split('/');
      metrics.findings.remove({ baseline, check, severity });
    }
    this.findingSeries.delete(baseline);
  }

  private enqueueAllNamespaces(): void {
    for (const ns of this.caches.list('namespaces')) {
      const name = ns.metadata?.name;
      if (name !== undefined) this.queue.add(name);
    }
    for (const b of this.caches.list(SECURITY_BASELINE.plural)) {
      const name = b.metadata?.name;
      if (name !== undefined) this.statusWriter.schedule(name);
    }
  }

  private computeStatus(name: string): ReturnType<ConstructorParameters<typeof StatusWriter>[0]['compute']> {
    const object = this.caches.get(SECURITY_BASELINE.plural, name) as SecurityBaselineObject | undefined;
    if (object === undefined) return undefined;
    this.registry.upsert(object);
    const known = this.registry.get(name);
    const generation = object.metadata?.generation ?? 0;
    const pendingNamespaces = this.firstPass.get(name)?.size ?? 0;
    // After a restart the stored status already describes this generation: keep it until the
    // first pass is complete rather than write partial counts (and write them back again).
    if (pendingNamespaces > 0 && object.status?.observedGeneration === generation) return { status: object.status, current: object.status };
    const audits = this.audits.forBaseline(name).filter(([ns]) => this.results.get(ns)?.winner === name);
    // The cluster-level findings (CL-001) count once in each baseline's audit.
    const cluster = known?.parsed.ok === true ? clusterFindingsFor(this.clusterFindings, known.parsed.baseline.spec.audit, new Date(this.clock.now())) : this.clusterFindings;
    const audit = aggregateAudits([...audits, ...(audits.length > 0 ? [['', reduceFindings(name, cluster)] as const] : [])]);
    const status = computeStatus({
      name,
      generation,
      mode: known?.parsed.ok === true ? known.parsed.baseline.spec.mode : undefined,
      invalidSpec: known?.parsed.ok === false ? known.parsed.error : undefined,
      results: this.results.forBaseline(name),
      previous: object.status,
      drift: this.drift.peek(name)?.status() ?? object.status?.drift,
      pendingNamespaces,
      audit: { ...audit, audited: audits.length, compliant: audits.filter(([, a]) => a.failing.length === 0).length },
      now: new Date(this.clock.now()),
    });
    this.exportMetrics(name, status.namespaces, audit, audits.map(([, a]) => a.failing));
    return { status, current: object.status };
  }

  /** Gauges follow the computed status, written or not, so a restart exports them at once. */
  private exportMetrics(
    baseline: string,
    counts: Record<string, number | undefined> | undefined,
    audit: ReturnType<typeof aggregateAudits>,
    failing: readonly (readonly { checkId: string; severity: string }[])[],
  ): void {
    const { metrics } = this.options;
    for (const [state, value] of Object.entries(counts ?? {})) if (value !== undefined) metrics.namespaces.set({ baseline, state }, value);
    metrics.complianceScore.set({ baseline }, audit.complianceScore);
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

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function isManaged(o: CachedObject): boolean {
  return o.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE && o.metadata.labels[BASELINE_LABEL] !== undefined;
}

function toExisting(type: ManagedType, o: CachedObject): ExistingObject {
  const meta = o.metadata;
  return {
    apiVersion: type.apiVersion,
    kind: type.kind,
    metadata: {
      name: meta?.name ?? '',
      namespace: meta?.namespace ?? '',
      labels: meta?.labels,
      ownerReferences: meta?.ownerReferences,
      managedFields: meta?.managedFields,
    },
    // List items carry no kind; it comes from the informer's type, the content from its keys.
    content: Object.fromEntries(type.contentKeys.map((k) => [k, o[k]])),
  };
}

async function servesPolicyReports(client: KubeClient): Promise<boolean> {
  try {
    const list = await client.request<{ resources?: { name?: string }[] }>({ verb: 'get', resource: 'discovery', method: 'GET', path: `/apis/${POLICY_REPORT.apiVersion}` });
    return (list.resources ?? []).some((r) => r.name === POLICY_REPORT.plural);
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}
