import { API_VERSION, KIND, MANAGED_SELECTOR } from '../api/names.js';
import type { Logger } from 'winston';
import type { ReleaseKnowledge } from '../config.js';
import { evaluateCluster } from '../audit/evaluate.js';
import type { Finding, ServerVersion } from '../audit/types.js';
import type { ApiClient } from '../kube/client.js';
import type { EventRecorder } from '../kube/events.js';
import { CACHED_TYPES, compact, compactManaged, managedCache, MANAGED_TYPES, METADATA_ONLY_PLURALS, NAMESPACE, SCOPED_PLURALS, SECURITY_BASELINE } from '../kube/resources.js';
import { ConfigMapData } from './configmapdata.js';
import type { Metrics } from '../observability/metrics.js';
import type { Manager } from '../runtime/manager.js';
import { Emitter, type Source } from '../runtime/source.js';
import { auditController } from './audit.js';
import { trackScope } from './auditscope.js';
import { AuditStore } from './auditstore.js';
import { BaselineRegistry, trackBaselines } from './baselines.js';
import { BaselineStatusController } from './baselinestatus.js';
import { DriftLogs, recordDrift } from './drift.js';
import { enforcementController, type EnforcementDeps } from './enforcement.js';
import { finalizerController } from './finalizer.js';
import { guardController } from './guard.js';
import { PolicyReportDiscovery } from './policyreports.js';
import { recordLoss } from './losses.js';
import { ResultStore } from './results.js';
import { rolloutController } from './rollout/controller.js';
import { RolloutGates } from './rollout/gates.js';
import { RevisionStore } from './rollout/revisions.js';

export interface OperatorDeps {
  client: ApiClient;
  log: Logger;
  metrics: Metrics;
  events: EventRecorder;
  concurrency: number;
  operatorNamespace: string | undefined;
  /** CL-001's knowledge of Kubernetes releases; undefined: the build-time default. */
  releases?: ReleaseKnowledge | undefined;
}

/** What the controllers hand each other: the baselines, per-namespace results and audits, drift. */
interface Shared {
  baselines: BaselineRegistry;
  baselineChanges: ReturnType<typeof trackBaselines>;
  /** Baselines whose status is due. */
  changed: Emitter<string>;
  statusDue: (baseline: string) => void;
  results: ResultStore;
  audits: AuditStore;
  drift: DriftLogs;
}

/**
 * The operator's controllers on one manager: the caches they share, the state they hand each other
 * (baselines, per-namespace results and audits, drift), and who hears whom.
 */
export function addControllers(manager: Manager, deps: OperatorDeps): void {
  const { client, log, metrics, events } = deps;
  const { caches, clock } = manager;
  addCaches(manager);
  const shared = sharedState(manager, deps);
  const { baselines, baselineChanges, changed, results } = shared;
  const reportsChanged = new Emitter<string>();
  const reports = new PolicyReportDiscovery({ client, caches, clock, log, changed: reportsChanged });
  const clusterFindings = watchCluster(manager, deps, reports);

  // Revisions live in the operator's namespace; run outside a cluster (no POD_NAMESPACE), in default.
  const revisions = new RevisionStore(caches, deps.operatorNamespace ?? 'default');
  const gates = new RolloutGates((baseline, revision) => revisions.data(baseline, revision));
  const rollout = rolloutController({ client, log, caches, clock, metrics, events, baselines, baselineChanges, results, resultsChanged: changed, revisions, gates, statusDue: shared.statusDue });
  const enforcement = enforcementController({
    ...enforcementCallbacks(deps, shared, caches),
    client,
    caches,
    baselines,
    baselineChanges,
    results,
    operatorNamespace: deps.operatorNamespace,
    clock,
    concurrency: deps.concurrency,
    rendition: (winner, namespace, existing, ns) => gates.rendition(winner, namespace, existing, ns),
    rolloutReleased: rollout.released,
  });
  // Status first: it counts the first pass from the moment the others start.
  manager.addRunnable(
    new BaselineStatusController({
      ...shared,
      client,
      log,
      metrics,
      clock,
      caches,
      enforced: enforcement.reconciled,
      clusterFindings,
      events,
      rollout: (baseline) => rollout.status(baseline),
    }),
  );
  manager.add(rollout.spec);
  manager.add(finalizerController({ client, caches, baselines, baselineChanges, released: enforcement.released }));
  manager.add(guardController({ client, caches, baselines, baselineChanges, operatorNamespace: deps.operatorNamespace }));
  manager.add(enforcement.spec);
  manager.add(auditFor(manager, deps, shared, { reports, reportsChanged, enforced: enforcement.reconciled }));
}

/** The audit, which follows enforcement and writes PolicyReports while their API is installed. */
function auditFor(manager: Manager, deps: OperatorDeps, shared: Shared, from: { reports: PolicyReportDiscovery; reportsChanged: Emitter<string>; enforced: Source<string> }): ReturnType<typeof auditController> {
  const { client, log, events } = deps;
  const { caches, clock } = manager;
  return auditController({
    client,
    log,
    caches,
    baselines: shared.baselines,
    results: shared.results,
    audits: shared.audits,
    events,
    now: () => new Date(clock.now()),
    reportsEnabled: () => from.reports.reportsEnabled,
    configMaps: new ConfigMapData(client),
    reportsChanged: from.reportsChanged,
    scope: { holds: (namespace) => caches.holdsNamespace(namespace), listed: caches.namespacesListed },
    concurrency: deps.concurrency,
    enforced: from.enforced,
  });
}

function addCaches(manager: Manager): void {
  const { caches } = manager;
  // Every kind the audit reads, the managed kinds too (a tenant's own NetworkPolicies and RoleBindings
  // are audited), with what the checks read, of the namespaces some baseline selects (trackScope).
  for (const type of CACHED_TYPES) caches.add(type, (o) => compact(type.plural, o), { metadataOnly: METADATA_ONLY_PLURALS.has(type.plural), scoped: SCOPED_PLURALS.has(type.plural) });
  // Our own objects of each managed kind, by label, as planning and drift attribution read them.
  for (const type of MANAGED_TYPES) caches.add(type, (o) => compactManaged(type, o), { name: managedCache(type.plural), labelSelector: MANAGED_SELECTOR });
}

function sharedState(manager: Manager, deps: OperatorDeps): Shared {
  const { caches } = manager;
  const baselines = new BaselineRegistry();
  const baselineChanges = trackBaselines(baselines, caches.source(SECURITY_BASELINE.plural));
  trackScope({ scope: caches.scope, baselines, baselineChanges, namespaces: caches.source(NAMESPACE.plural), operatorNamespace: deps.operatorNamespace });
  const changed = new Emitter<string>();
  const statusDue = (baseline: string): void => {
    changed.emit('update', baseline);
  };
  return { baselines, baselineChanges, changed, statusDue, results: new ResultStore(statusDue), audits: new AuditStore(statusDue), drift: new DriftLogs() };
}

/**
 * The PolicyReport API asked for before the caches start and watched after; the server version
 * once synced, for the cluster-level findings. Answers those findings as they stand.
 */
function watchCluster(manager: Manager, deps: OperatorDeps, reports: PolicyReportDiscovery): () => Finding[] {
  const { client, log } = deps;
  let clusterFindings: Finding[] = [];
  manager.beforeStart(async () => {
    await reports.initial();
  });
  manager.addRunnable(reports);
  manager.onSynced(async () => {
    const version = await client.request<ServerVersion>({ verb: 'get', resource: 'version', method: 'GET', path: '/version' });
    const releases = deps.releases;
    const config = releases === undefined ? undefined : { newestMinor: releases.newestMinor, ...(releases.newestMinorReleased === undefined ? {} : { newestMinorReleased: releases.newestMinorReleased }) };
    clusterFindings = evaluateCluster({ version, now: new Date(manager.clock.now()), ...(config === undefined ? {} : { config }) });
    log.info('kubernetes', { version: version.gitVersion });
  });
  return () => clusterFindings;
}

/** What enforcement reports, and to whom: losses, protection times, drift and failures. */
function enforcementCallbacks(deps: OperatorDeps, shared: Shared, caches: Manager['caches']): Pick<EnforcementDeps, 'onLost' | 'onProtected' | 'onDrift' | 'onFailed'> {
  const { log, metrics, events } = deps;
  const { baselines, results } = shared;
  return {
    onLost: (baseline, namespace, cause, winner) => {
      recordLoss({ log, metrics, events, baselines }, baseline, namespace, cause, winner);
    },
    onProtected: (namespace, seconds) => {
      metrics.namespaceProtected.observe({ baseline: results.get(namespace)?.winner ?? '' }, seconds);
    },
    onDrift: (baseline, record, repaired) => {
      recordDrift({ logs: shared.drift, log, metrics, events, caches, baselines, changed: shared.statusDue }, baseline, record, repaired);
    },
    onFailed: (baseline, namespace, error) => {
      const uid = baselines.get(baseline)?.uid;
      if (uid !== undefined) events.record({ apiVersion: API_VERSION, kind: KIND, name: baseline, uid }, 'Warning', 'ApplyFailed', 'Enforce', `namespace ${namespace}: ${error}`);
    },
  };
}
