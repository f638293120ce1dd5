import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'winston';
import { MANAGED_SELECTOR } from '../api/names.js';
import type { KubeClient } from '../kube/client.js';
import { errorMessage } from '../kube/errors.js';
import { patchStatus } from '../kube/operations.js';
import { MANAGED_TYPES, NAMESPACE, SECURITY_BASELINE, type ResourceType } from '../kube/resources.js';
import type { Metrics } from '../observability/metrics.js';
import { BaselineRegistry, type SecurityBaselineObject } from './baselines.js';
import { systemClock, type Clock } from './clock.js';
import { Informer } from './informer.js';
import type { ExistingObject } from './plan.js';
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
  concurrency: number;
  operatorNamespace: string | undefined;
  clock?: Clock;
}

type Cached = KubernetesObject & { spec?: unknown };

/**
 * Wires informers to the work queue and the queue to the reconciler. Level-triggered: every event
 * only enqueues namespace names; a reconcile re-reads the caches.
 */
export class Operator {
  private readonly queue: WorkQueue;
  private readonly registry = new BaselineRegistry();
  private readonly results: ResultStore;
  private readonly statusWriter: StatusWriter;
  private readonly baselineInformer: Informer<SecurityBaselineObject & KubernetesObject>;
  private readonly namespaceInformer: Informer<NamespaceObject & KubernetesObject>;
  private readonly managedInformers: { type: ResourceType; informer: Informer<Cached> }[];
  private readonly workers: Promise<void>[] = [];
  private synced = false;
  private stopping = false;

  constructor(private readonly options: OperatorOptions) {
    const { kubeConfig, client, log, metrics } = options;
    const clock = options.clock ?? systemClock;
    this.queue = new WorkQueue({
      clock,
      onDequeue: (ms) => {
        metrics.workqueueLatency.observe(ms / 1000);
      },
    });
    this.statusWriter = new StatusWriter({
      clock,
      log,
      compute: (name) => this.computeStatus(name),
      write: (name, patch) => patchStatus(client, SECURITY_BASELINE, name, patch),
      onWritten: (name, status) => {
        metrics.lastReconcile.set({ baseline: name }, clock.now() / 1000);
        const counts = status.namespaces;
        if (counts !== undefined) {
          for (const [state, value] of Object.entries(counts)) metrics.namespaces.set({ baseline: name, state }, value);
        }
      },
    });
    this.results = new ResultStore((baseline) => {
      this.statusWriter.schedule(baseline);
    });
    const watchCounter = (resource: string) => (code: string) => {
      metrics.kubeRequests.inc({ verb: 'watch', resource, code });
    };
    const informer = <T extends KubernetesObject>(type: ResourceType, labelSelector?: string): Informer<T> =>
      new Informer<T>(type, kubeConfig, client, log, { labelSelector, clock, onWatchEnd: watchCounter(type.plural) });

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
      i.on((_event, object) => {
        const ns = object.metadata?.namespace;
        if (ns !== undefined) this.queue.add(ns);
      });
    }
  }

  /** Starts the caches, waits until they are synced, then starts the workers. */
  async start(): Promise<void> {
    const { log, concurrency } = this.options;
    await Promise.all([
      this.baselineInformer.start(),
      this.namespaceInformer.start(),
      ...this.managedInformers.map(({ informer: i }) => i.start()),
    ]);
    this.synced = true;
    log.info('caches synced', {
      baselines: this.baselineInformer.list().length,
      namespaces: this.namespaceInformer.list().length,
    });
    for (const b of this.baselineInformer.list()) this.registry.upsert(b);
    this.enqueueAllNamespaces();
    for (let i = 0; i < concurrency; i++) this.workers.push(this.runWorker());
  }

  get isSynced(): boolean {
    return this.synced;
  }

  /** Stops taking work, lets in-flight reconciles finish, flushes nothing new, stops the watches. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.queue.shutDown();
    await Promise.all(this.workers);
    await this.statusWriter.stop();
    await Promise.all([
      this.baselineInformer.stop(),
      this.namespaceInformer.stop(),
      ...this.managedInformers.map(({ informer: i }) => i.stop()),
    ]);
  }

  private async runWorker(): Promise<void> {
    const { log, metrics } = this.options;
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      metrics.workqueueDepth.set(this.queue.length);
      const end = metrics.reconcileDuration.startTimer();
      try {
        await reconcileNamespace(this.reconcilerDeps(), key);
        this.queue.forget(key);
        metrics.reconciles.inc({ result: 'success' });
      } catch (err) {
        metrics.reconciles.inc({ result: 'error' });
        if (!this.stopping) {
          const retryInMs = this.queue.addRateLimited(key);
          log.warn('reconcile failed; retrying', { namespace: key, retryInMs, error: errorMessage(err) });
        }
      } finally {
        end();
        this.queue.done(key);
      }
    }
  }

  private reconcilerDeps(): ReconcilerDeps {
    const { client, log, metrics, operatorNamespace } = this.options;
    return {
      client,
      log,
      baselines: this.registry,
      results: this.results,
      operatorNamespace,
      getNamespace: (name) => this.namespaceInformer.get(name),
      managedIn: (namespace) => this.managedIn(namespace),
      onDrift: (baseline, kind, repaired) => {
        (repaired ? metrics.driftRepaired : metrics.driftDetected).inc({ baseline, kind });
        if (!repaired) log.info('drift detected', { baseline, kind });
      },
    };
  }

  private managedIn(namespace: string): ExistingObject[] {
    const out: ExistingObject[] = [];
    for (const { type, informer: i } of this.managedInformers) {
      for (const o of i.list(namespace)) {
        const name = o.metadata?.name;
        if (name === undefined) continue;
        // List items carry no kind; stamp it from the informer's type.
        out.push({
          apiVersion: type.apiVersion,
          kind: type.kind,
          metadata: { name, namespace, labels: o.metadata?.labels, ownerReferences: o.metadata?.ownerReferences },
          spec: o.spec,
        });
      }
    }
    return out;
  }

  private onBaselineEvent(event: 'add' | 'update' | 'delete', object: SecurityBaselineObject): void {
    const name = object.metadata?.name;
    if (name === undefined || !this.synced) return;
    if (event === 'delete') {
      this.registry.remove(name);
      this.options.metrics.forgetBaseline(name, MANAGED_TYPES.map((t) => t.kind));
      this.enqueueAllNamespaces();
      return;
    }
    // Status writes change resourceVersion, not generation: only a spec change re-reconciles.
    if (this.registry.upsert(object)) this.enqueueAllNamespaces();
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
    const valid = this.registry.getValid(name);
    const invalid = this.registry.getInvalid(name);
    const status = computeStatus({
      name,
      generation: object.metadata?.generation ?? 0,
      mode: valid?.spec.mode,
      invalidSpec: invalid?.error,
      results: this.results.forBaseline(name),
      previous: object.status,
      now: new Date(this.options.clock?.now() ?? Date.now()),
    });
    return { status, current: object.status };
  }
}
