import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'winston';
import type { KubeClient } from '../kube/client.js';
import { AUDITED_TYPES, MANAGED_TYPES, NAMESPACE, SECURITY_BASELINE, type ResourceType } from '../kube/resources.js';
import { compact } from '../kube/transform.js';
import type { Metrics } from '../observability/metrics.js';
import type { CacheView, CachedObject } from '../controller/auditinput.js';
import type { Clock } from './clock.js';
import { Informer, type InformerEvent } from './informer.js';
import { OutageLog } from './outage.js';

export type CacheHandler = (type: ResourceType, event: InformerEvent, object: CachedObject) => void;

/**
 * Every informer the operator runs, one per resource type, each keeping the compact form of its
 * objects. The managed kinds are watched whole (not only our objects), because the audit reads the
 * namespace's other NetworkPolicies, quotas and roles too.
 */
export class Caches implements CacheView {
  private readonly informers = new Map<string, Informer<KubernetesObject & CachedObject>>();
  private readonly handlers: CacheHandler[] = [];
  /** One for all informers: an API server outage breaks every watch at once, and is logged once. */
  private readonly outage: OutageLog;

  constructor(
    private readonly deps: { kubeConfig: KubeConfig; client: KubeClient; log: Logger; metrics: Metrics; clock: Clock },
    types: readonly ResourceType[] = [SECURITY_BASELINE, NAMESPACE, ...MANAGED_TYPES, ...AUDITED_TYPES],
  ) {
    this.outage = new OutageLog(deps.log, deps.clock);
    for (const type of types) this.add(type);
  }

  /** Adds an informer for a type found later (the PolicyReport CRD); start it with start(type). */
  add(type: ResourceType): void {
    if (this.informers.has(type.plural)) return;
    const { kubeConfig, client, log, metrics, clock } = this.deps;
    const informer = new Informer<KubernetesObject & CachedObject>(type, kubeConfig, client, log, {
      clock,
      outage: this.outage,
      transform: type === SECURITY_BASELINE ? undefined : (o) => compact(type.plural, o),
      onWatchEnd: (code) => {
        metrics.kubeRequests.inc({ verb: 'watch', resource: type.plural, code });
      },
    });
    informer.on((event, object) => {
      for (const handler of this.handlers) handler(type, event, object);
    });
    this.informers.set(type.plural, informer);
  }

  /** Every event of every informer, including informers added later. */
  on(handler: CacheHandler): void {
    this.handlers.push(handler);
  }

  async start(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.start()));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }

  has(plural: string): boolean {
    return this.informers.has(plural);
  }

  list(plural: string, namespace?: string): readonly CachedObject[] {
    const informer = this.informers.get(plural);
    if (informer === undefined) return [];
    return informer.type.namespaced ? informer.list(namespace) : informer.list();
  }

  get(plural: string, name: string, namespace?: string): CachedObject | undefined {
    const informer = this.informers.get(plural);
    if (informer === undefined) return undefined;
    return informer.type.namespaced ? informer.get(name, namespace) : informer.get(name);
  }

  /** The resourceVersion one informer has observed up to; undefined for a type not watched. */
  resourceVersion(plural: string): string | undefined {
    return this.informers.get(plural)?.resourceVersion;
  }

  counts(): Record<string, number> {
    return Object.fromEntries([...this.informers].map(([plural, i]) => [plural, i.list().length]));
  }
}
