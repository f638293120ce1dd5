import type { Logger } from 'winston';
import { API_VERSION, KIND } from '../api/names.js';
import { annotationIndex, applyExemptions } from '../audit/exemptions.js';
import { OMITTED_ANNOTATION, POLICY_REPORT_NAME, policyReportContent } from '../audit/policyreport.js';
import type { Finding } from '../audit/types.js';
import type { ApiClient } from '../kube/client.js';
import { contentDigest } from '../kube/digest.js';
import type { EventRecorder } from '../kube/events.js';
import { apply, remove } from '../kube/operations.js';
import { POLICY_REPORT } from '../kube/resources.js';
import { managedLabels, ownerReference } from '../render/objects.js';
import type { ValidBaseline } from '../render/selection.js';
import type { CacheView } from '../runtime/caches.js';
import { auditConfig, gatherAuditInput } from './auditinput.js';
import type { ConfigMapData } from './configmapdata.js';
import { reduceFindings, type AuditStore } from './auditstore.js';
import type { BaselineRegistry } from './baselines.js';
import type { ResultStore } from './results.js';
import type { Source } from '../runtime/source.js';
import { evaluateNamespaceInSlices, TimeSlicer } from './slices.js';

export interface AuditorDeps {
  client: ApiClient;
  log: Logger;
  caches: CacheView;
  baselines: BaselineRegistry;
  results: ResultStore;
  audits: AuditStore;
  events: EventRecorder;
  now: () => Date;
  /** True when the wgpolicyk8s.io PolicyReport CRD is served. */
  reportsEnabled: () => boolean;
  /** One per audit: when evaluation steps aside for the event loop. Default: every 10 ms. */
  slicer?: () => TimeSlicer;
  /** ConfigMap data on demand; without it, the data the cache holds (tests). */
  configMaps?: ConfigMapData;
  /**
   * The caches keep only namespaces some baseline selects: one just selected is audited once they
   * hold it whole (listed), not before, when a half-listed namespace would report wrong findings.
   */
  scope?: { holds(namespace: string): boolean; listed: Source<string> };
}

/** The check that reads ConfigMap data: when a baseline disables it, none is read. */
const CONFIGMAP_DATA_CHECK = 'SEC-001';

/** Hears of each PolicyReport write, for the log. */
type Wrote = (what: string, meta: Record<string, unknown>) => void;

/** Events per namespace and pass: a namespace full of new findings must not flood the API server. */
const MAX_EVENTS_PER_PASS = 10;

function findingKey(f: Finding): string {
  return `${f.checkId}/${f.resource.kind}/${f.resource.name}`;
}

/**
 * Audits one namespace against the baseline that wins it, in either mode: gather from the caches,
 * evaluate the pure checks, apply exemptions, then record the result for status and metrics, write
 * the PolicyReport when its results changed, and send an Event for each finding that opened.
 */
export class Auditor {
  /** Failing findings per namespace at the last audit, to tell which ones are new. */
  private readonly open = new Map<string, Set<string>>();
  /** The content digest each namespace's report should have, as last written or found. */
  private readonly reported = new Map<string, string>();

  constructor(private readonly deps: AuditorDeps) {}

  /** wrote hears of each PolicyReport write, for the log. */
  async audit(namespace: string, wrote: Wrote = () => undefined): Promise<void> {
    const { caches, baselines, results, audits, now } = this.deps;
    const result = results.get(namespace);
    // Not reconciled yet (just after a start): its reconcile schedules the audit, with the winner known.
    if (result === undefined && caches.get('namespaces', namespace) !== undefined) return;
    const winner = result?.winner;
    const known = winner === undefined ? undefined : baselines.get(winner);
    if (known === undefined || !known.parsed.ok || caches.get('namespaces', namespace) === undefined) {
      audits.delete(namespace);
      this.open.delete(namespace);
      this.reported.delete(namespace);
      this.deps.configMaps?.forget(namespace);
      if (await this.removeReport(namespace)) wrote('deleted', { resource: POLICY_REPORT.plural, name: POLICY_REPORT_NAME });
      return;
    }
    if (this.deps.scope?.holds(namespace) === false) return;
    const baseline = known.parsed.baseline;
    const slicer = this.deps.slicer?.() ?? new TimeSlicer();
    const input = gatherAuditInput(caches, namespace, auditConfig(baseline.spec.audit, baseline.spec.podSecurity?.enforce), await this.configMapData(namespace, baseline));
    const at = now();
    // In slices, and a yield between the steps after it, each a pass over every finding: a change
    // that lands meanwhile enqueues this namespace again, as for any reconcile.
    await slicer.yieldNow();
    const evaluated = await evaluateNamespaceInSlices(input, slicer);
    const findings = applyExemptions(evaluated, {
      specExemptions: baseline.spec.audit.exemptions,
      annotationPolicy: { mode: baseline.spec.audit.annotationExemptions, checks: baseline.spec.audit.annotationExemptChecks },
      now: at,
      workloadAnnotations: annotationIndex(input),
      namespace,
    });
    await slicer.yieldNow();
    audits.set(namespace, reduceFindings(baseline.name, findings));
    this.recordOpened(namespace, findings);
    if (!this.deps.reportsEnabled()) return;
    await slicer.yieldNow();
    await this.writeReport(namespace, baseline, findings, at, wrote, slicer);
  }

  private async writeReport(namespace: string, baseline: ValidBaseline, findings: readonly Finding[], at: Date, wrote: Wrote, slicer: TimeSlicer): Promise<void> {
    const { caches } = this.deps;
    const { content, omitted } = policyReportContent(namespace, findings, at);
    // Building a large report and digesting it are each tens of milliseconds: not in one go.
    await slicer.yieldNow();
    const current = caches.get(POLICY_REPORT.plural, POLICY_REPORT_NAME, namespace);
    const currentOwner = current?.metadata?.labels?.['posture.dev/baseline'];
    const currentOmitted = current?.metadata?.annotations?.[OMITTED_ANNOTATION];
    // The live report's own content, digested when it was cached, against what it should say.
    const digest = contentDigest({ ...content });
    this.reported.set(namespace, digest);
    if (current?.['contentDigest'] === digest && currentOwner === baseline.name && currentOmitted === (omitted > 0 ? String(omitted) : undefined)) return;
    await apply(this.deps.client, {
      apiVersion: POLICY_REPORT.apiVersion,
      kind: POLICY_REPORT.kind,
      metadata: {
        name: POLICY_REPORT_NAME,
        namespace,
        labels: managedLabels(baseline.name),
        ...(omitted > 0 ? { annotations: { [OMITTED_ANNOTATION]: String(omitted) } } : {}),
        ownerReferences: [ownerReference(baseline)],
      },
      ...content,
    });
    wrote('applied', { resource: POLICY_REPORT.plural, name: POLICY_REPORT_NAME, failing: findings.filter((f) => f.result === 'fail').length });
  }

  forget(namespace: string): void {
    this.open.delete(namespace);
    this.reported.delete(namespace);
    this.deps.configMaps?.forget(namespace);
  }

  private async configMapData(namespace: string, baseline: ValidBaseline): Promise<ReadonlyMap<string, Readonly<Record<string, string>> | undefined> | undefined> {
    const reader = this.deps.configMaps;
    if (reader === undefined) return undefined;
    if (baseline.spec.audit.disabledChecks.includes(CONFIGMAP_DATA_CHECK)) return new Map();
    return reader.read(namespace, this.deps.caches.list('configmaps', namespace));
  }

  /** Whether an event shows the namespace's report changed or gone by someone else's hand. */
  reportTampered(namespace: string, event: 'add' | 'update' | 'delete', object: Record<string, unknown> & { metadata?: { name?: string } }): boolean {
    const expected = this.reported.get(namespace);
    if (expected === undefined || object.metadata?.name !== POLICY_REPORT_NAME) return false;
    return event === 'delete' || object['contentDigest'] !== expected;
  }

  /** True when there was one of ours to delete. */
  private async removeReport(namespace: string): Promise<boolean> {
    if (!this.deps.reportsEnabled()) return false;
    const current = this.deps.caches.get(POLICY_REPORT.plural, POLICY_REPORT_NAME, namespace);
    if (current?.metadata?.labels?.['app.kubernetes.io/managed-by'] !== 'posture-operator') return false;
    await remove(this.deps.client, POLICY_REPORT, POLICY_REPORT_NAME, namespace);
    return true;
  }

  /**
   * A FindingOpened event per newly failing result. The first audit of a namespace after a start
   * only learns what is open: a restart does not re-announce every finding.
   */
  private recordOpened(namespace: string, findings: readonly Finding[]): void {
    const failing = findings.filter((f) => f.result === 'fail');
    const before = this.open.get(namespace) ?? this.openInReport(namespace, failing);
    this.open.set(namespace, new Set(failing.map(findingKey)));
    const fresh = failing.filter((f) => !before.has(findingKey(f)));
    const winner = this.deps.results.get(namespace)?.winner;
    const uid = winner === undefined ? undefined : this.deps.baselines.get(winner)?.uid;
    if (fresh.length === 0 || winner === undefined || uid === undefined) return;
    // In the namespace, about the failing object: the namespace's users read it there.
    for (const f of fresh.slice(0, MAX_EVENTS_PER_PASS)) {
      const target = f.resource.kind === 'Namespace' || f.resource.kind === 'Cluster' ? { apiVersion: 'v1', kind: 'Namespace', name: namespace } : { apiVersion: apiVersionOf(f.resource.kind), kind: f.resource.kind, name: f.resource.name };
      this.deps.events.record({ ...target, namespace }, 'Warning', 'FindingOpened', 'Audit', `${f.checkId} (${f.severity}): ${f.message} (baseline ${winner})`);
    }
    // On the baseline, readable by anyone who reads events in default: counts and check ids, no names.
    const checks = [...new Set(fresh.map((f) => `${f.checkId} ${f.severity}`))].sort().slice(0, 10).join(', ');
    this.deps.events.record({ apiVersion: API_VERSION, kind: KIND, name: winner, uid }, 'Warning', 'FindingOpened', 'Audit', `${fresh.length} finding(s) opened in one namespace: ${checks}; the namespace's events name the objects`);
  }

  /**
   * What counts as already announced in a namespace this process has not audited yet: everything
   * failing now when an earlier process audited it (the namespace has our PolicyReport, or, without
   * the PolicyReport API, its baseline's objects were there before this process wrote anything),
   * nothing on its first audit ever.
   */
  private openInReport(namespace: string, failing: readonly Finding[]): Set<string> {
    const hasReport = this.deps.reportsEnabled() && this.deps.caches.get(POLICY_REPORT.plural, POLICY_REPORT_NAME, namespace) !== undefined;
    const auditedBefore = hasReport || this.deps.results.get(namespace)?.enforcedBeforeStart === true;
    return new Set(auditedBefore ? failing.map(findingKey) : []);
  }

}

/** The API version of the kinds findings are about, for the Event's regarding reference. */
function apiVersionOf(kind: string): string {
  const groups: Record<string, string> = {
    Deployment: 'apps/v1', ReplicaSet: 'apps/v1', StatefulSet: 'apps/v1', DaemonSet: 'apps/v1', Job: 'batch/v1', CronJob: 'batch/v1',
    Role: 'rbac.authorization.k8s.io/v1', RoleBinding: 'rbac.authorization.k8s.io/v1', ClusterRole: 'rbac.authorization.k8s.io/v1',
    NetworkPolicy: 'networking.k8s.io/v1', Ingress: 'networking.k8s.io/v1',
  };
  return groups[kind] ?? 'v1';
}
