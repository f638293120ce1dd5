import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'winston';
import { API_VERSION, KIND, MANAGED_SELECTOR, POD_SECURITY_ANNOTATION } from '../api/names.js';
import type { DriftRecord } from '../api/status.js';
import type { KubeClient } from '../kube/client.js';
import { errorMessage, isNotFound } from '../kube/errors.js';
import type { EventRecorder } from '../kube/events.js';
import { patchStatus } from '../kube/operations.js';
import { MANAGED_TYPES, NAMESPACE, SECURITY_BASELINE, type ManagedType, type ResourceType } from '../kube/resources.js';
import type { Metrics } from '../observability/metrics.js';
import { BaselineRegistry, type SecurityBaselineObject } from './baselines.js';
import { systemClock, type Clock } from './clock.js';
import { DriftLogs } from './drift.js';
import { reconcileFinalizer } from './finalizer.js';
import { Informer } from './informer.js';
import { ownerUid, type ExistingObject } from './plan.js';
import { reconcileNamespace, type NamespaceObject, type ReconcilerDeps } from './reconciler.js';
import { ResultStore } from './results.js';
import { computeStatus } from './status.js';
import { StatusWriter } from './statuswriter.js';
import { WorkQueue } from './workqueue.js';

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

type Cached = KubernetesObject & Record<string, unknown>;

/** Work queue keys: a namespace name, or this prefix and a baseline name ('/' never occurs in a namespace name). */
const BASELINE_KEY = 'baseline/';
const FINALIZER_RECHECK_MS = 1000;

/**
 * Wires informers to the work queue and the queue to the reconcilers. Level-triggered: every event
 * only enqueues a key (a namespace, or a baseline for its finalizer); a reconcile re-reads the caches.
 */
export class Operator {
  private readonly clock: Clock;
  private readonly queue: WorkQueue;
  private readonly registry = new BaselineRegistry();
  private readonly results: ResultStore;
  private readonly drift = new DriftLogs();
  private readonly statusWriter: StatusWriter;
  private readonly baselineInformer: Informer<SecurityBaselineObject & KubernetesObject>;
  private readonly namespaceInformer: Informer<NamespaceObject & KubernetesObject>;
  private readonly managedInformers: { type: ManagedType; informer: Informer<Cached> }[];
  private readonly workers: Promise<void>[] = [];
  /** Per baseline, the namespaces not yet reconciled since its spec last changed. */
  private readonly firstPass = new Map<string, Set<string>>();
  private synced = false;
  private leading = false;
  private stopping = false;

  constructor(private readonly options: OperatorOptions) {
    const { kubeConfig, client, log, metrics } = options;
    const clock = (this.clock = options.clock ?? systemClock);
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
      onWritten: (name, status) => {
        metrics.lastReconcile.set({ baseline: name }, clock.now() / 1000);
        for (const [state, value] of Object.entries(status.namespaces ?? {})) metrics.namespaces.set({ baseline: name, state }, value);
      },
    });
    this.results = new ResultStore((baseline) => {
      this.statusWriter.schedule(baseline);
    });
    const informer = <T extends KubernetesObject>(type: ResourceType, labelSelector?: string): Informer<T> =>
      new Informer<T>(type, kubeConfig, client, log, {
        labelSelector,
        clock,
        onWatchEnd: (code) => {
          metrics.kubeRequests.inc({ verb: 'watch', resource: type.plural, code });
        },
      });

    this.baselineInformer = informer(SECURITY_BASELINE);
    this.namespaceInformer = informer(NAMESPACE);
    this.managedInformers = MANAGED_TYPES.map((type) => ({ type, informer: informer<Cached>(type, MANAGED_SELECTOR) }));

    this.baselineInformer.on((event, object) => {
      this.onBaselineEvent(event, object);
    });
    this.namespaceInformer.on((_event, object) => {
      const name = object.metadata?.name;
      if (name !== undefined) this.queue.add(name);
    });
    for (const { informer: i } of this.managedInformers) {
      // A managed object's event maps to its namespace's key.
      i.on((_event, object) => {
        const ns = object.metadata?.namespace;
        if (ns !== undefined) this.queue.add(ns);
      });
    }
  }

  /** Starts the caches and waits until they are synced. Standby replicas stop here, warm. */
  async startCaches(): Promise<void> {
    const { log } = this.options;
    await Promise.all([this.baselineInformer.start(), this.namespaceInformer.start(), ...this.managedInformers.map(({ informer: i }) => i.start())]);
    for (const b of this.baselineInformer.list()) this.registry.upsert(b);
    this.synced = true;
    log.info('caches synced', { baselines: this.baselineInformer.list().length, namespaces: this.namespaceInformer.list().length });
  }

  /** Starts reconciling: only the leader calls this, so only the leader writes. */
  startWorkers(): void {
    if (!this.synced) throw new Error('startWorkers before startCaches');
    if (this.workers.length > 0) return;
    this.leading = true;
    for (const b of this.baselineInformer.list()) {
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
    await Promise.all([this.baselineInformer.stop(), this.namespaceInformer.stop(), ...this.managedInformers.map(({ informer: i }) => i.stop())]);
  }

  private async runWorker(): Promise<void> {
    const { log, metrics } = this.options;
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      metrics.workqueueDepth.set(this.queue.length);
      const end = metrics.reconcileDuration.startTimer();
      try {
        if (key.startsWith(BASELINE_KEY)) await this.reconcileBaseline(key.slice(BASELINE_KEY.length));
        else {
          await reconcileNamespace(this.reconcilerDeps(), key);
          this.evaluated(key);
        }
        this.queue.forget(key);
        metrics.reconciles.inc({ result: 'success' });
      } catch (err) {
        metrics.reconciles.inc({ result: 'error' });
        if (!this.stopping && !isNotFound(err)) {
          const retryInMs = this.queue.addRateLimited(key);
          log.warn('reconcile failed; retrying', { key, retryInMs, error: errorMessage(err) });
        }
      } finally {
        end();
        this.queue.done(key);
      }
    }
  }

  private startFirstPass(baseline: string): void {
    const names = this.namespaceInformer.list().flatMap((ns) => (ns.metadata?.name === undefined ? [] : [ns.metadata.name]));
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
    for (const { type, informer: i } of this.managedInformers) {
      if (i.list().some((o) => ownerUid(this.toExisting(type, o)) === uid)) return false;
    }
    return !this.namespaceInformer.list().some((ns) => ns.metadata?.annotations?.[POD_SECURITY_ANNOTATION] === name);
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
      getNamespace: (name) => this.namespaceInformer.get(name),
      managedIn: (namespace) => this.managedIn(namespace),
      onDrift: (baseline, record, repaired) => {
        this.onDrift(baseline, record, repaired);
      },
      onReleased: (baseline) => {
        this.queue.add(BASELINE_KEY + baseline);
      },
    };
  }

  private onDrift(baseline: string, record: DriftRecord, repaired: boolean): void {
    const { metrics, log, events } = this.options;
    const driftLog = this.drift.get(baseline, () => this.baselineInformer.get(baseline)?.status?.drift);
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

  private toExisting(type: ManagedType, o: Cached): ExistingObject {
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

  private managedIn(namespace: string): ExistingObject[] {
    return this.managedInformers.flatMap(({ type, informer: i }) => i.list(namespace).map((o) => this.toExisting(type, o)));
  }

  private onBaselineEvent(event: 'add' | 'update' | 'delete', object: SecurityBaselineObject): void {
    const name = object.metadata?.name;
    if (name === undefined || !this.synced) return;
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
      this.options.metrics.forgetBaseline(name, MANAGED_TYPES.map((t) => t.kind));
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

  private enqueueAllNamespaces(): void {
    for (const ns of this.namespaceInformer.list()) {
      const name = ns.metadata?.name;
      if (name !== undefined) this.queue.add(name);
    }
    for (const b of this.baselineInformer.list()) {
      const name = b.metadata?.name;
      if (name !== undefined) this.statusWriter.schedule(name);
    }
  }

  private computeStatus(name: string): ReturnType<ConstructorParameters<typeof StatusWriter>[0]['compute']> {
    const object = this.baselineInformer.get(name);
    if (object === undefined) return undefined;
    this.registry.upsert(object);
    const known = this.registry.get(name);
    const status = computeStatus({
      name,
      generation: object.metadata?.generation ?? 0,
      mode: known?.parsed.ok === true ? known.parsed.baseline.spec.mode : undefined,
      invalidSpec: known?.parsed.ok === false ? known.parsed.error : undefined,
      results: this.results.forBaseline(name),
      previous: object.status,
      drift: this.drift.peek(name)?.status() ?? object.status?.drift,
      pendingNamespaces: this.firstPass.get(name)?.size ?? 0,
      now: new Date(this.clock.now()),
    });
    return { status, current: object.status };
  }
}
