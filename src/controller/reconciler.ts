import type { Logger } from 'winston';
import { BASELINE_LABEL, MANAGED_BY_LABEL, POD_SECURITY_ANNOTATION, PROTECTED_LABEL, REVISION_LABEL } from '../api/names.js';
import { MAX_PLANNED_EXAMPLES, type DriftRecord, type PlannedChange } from '../api/status.js';
import type { ApiClient } from '../kube/client.js';
import type { FieldsEntry } from '../kube/managedfields.js';
import { apply, mergePatch } from '../kube/operations.js';
import { NAMESPACE, resourceTypeOf } from '../kube/resources.js';
import { renderNamespace } from '../render/index.js';
import { renderNamespaceLabels } from '../render/namespace.js';
import { revisionOf } from '../render/revision.js';
import { selectBaseline, type ValidBaseline } from '../render/selection.js';
import type { BaselineRegistry } from './baselines.js';
import { actionTarget, driftRecord } from './driftrecord.js';
import { grantActions, grantsMessage, ungrantable, withoutGrants, type GrantableBaselines, type Ungrantable } from './grants.js';
import { ownerUid, planNamespace, type Action, type ExistingNamespace, type ExistingObject } from './plan.js';
import { lossesOf, rememberedOwners, type LossCause, type NamespaceResult, type ResultStore } from './results.js';
import { applyNamespaceLabels, execute, type Answer, type Gate } from './writes.js';

export { withoutNewProtectedMark } from './writes.js';

/** The namespace fields a reconcile reads from the cache. */
export interface NamespaceObject {
  metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string>; deletionTimestamp?: unknown; managedFields?: FieldsEntry[] };
  status?: { phase?: string };
}

/** The field manager that keeps Pod Security labels of an orphaned namespace once the operator lets go. */
export const ORPHANED_FIELD_MANAGER = 'posture-orphaned';

export interface ReconcilerDeps {
  client: ApiClient;
  log: Logger;
  baselines: BaselineRegistry;
  results: ResultStore;
  getNamespace: (name: string) => NamespaceObject | undefined;
  /** Managed objects (our label) in one namespace, from the informer caches. */
  managedIn: (namespace: string) => readonly ExistingObject[];
  operatorNamespace: string | undefined;
  now: () => Date;
  /** Called when a namespace that was in sync drifted; repaired says whether it was put back. */
  onDrift: (baseline: string, record: DriftRecord, repaired: boolean) => void;
  /** Called when a namespace cannot be enforced (terminal failure), to report it for that namespace. */
  onFailed?: (baseline: string, namespace: string, error: string) => void;
  /**
   * Called when a baseline that won this namespace no longer does, before anything of it is
   * removed: its labels no longer match, it excludes the namespace, or another baseline outranks it.
   */
  onLost?: (baseline: string, namespace: string, cause: LossCause, winner: string | undefined) => void;
  /** The baseline named by the namespace's PolicyReport, if one is cached: a mark an Audit-mode baseline leaves. */
  reportOwner?: (namespace: string) => string | undefined;
  /** Called after objects of an orphaning baseline were released, so its finalizer can be cleared. */
  onReleased: (baseline: string) => void;
  /** Called with what the API server stored for each write into a namespace (undefined: deleted). */
  onWritten?: (namespace: string, plural: string, name: string, answer: Answer | undefined) => void;
  /** Called when this reconcile's writes brought the namespace to its baseline, after the last one. */
  onCompleted?: (namespace: string) => void;
  /** The bound on requests in flight, shared by every reconcile. */
  gate?: Gate;
  /** Baselines whose grants were accepted lately: not dry-run again in every new namespace. */
  grantable?: GrantableBaselines;
  /** Every write sent, for the log. */
  wrote?: (what: string, meta: Record<string, unknown>) => void;
  /** The winner as written here: at an earlier revision while a staged rollout has not reached the namespace. */
  rendition?: (winner: ValidBaseline, namespace: string, existing: readonly ExistingObject[], ns: ExistingNamespace) => ValidBaseline;
}

/** What one reconcile decided for a namespace before any write: the winner, the writes, the result. */
interface Pass {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  winner: ValidBaseline | undefined;
  existing: readonly ExistingObject[];
  actions: Action[];
  result: NamespaceResult;
}

/** Drift found in this pass: reported when found, repaired as each write is answered. */
interface Drift {
  /** A write was answered: the object it put back, if it had drifted, counts as repaired. */
  written(plural: string, object: string): void;
  /** What is still unrepaired, kept in the result so a retry does not report it again. */
  pending(): Pick<NamespaceResult, 'driftPending'>;
}

/**
 * Brings one namespace to its baseline: gather from the caches, decide in pure code, then send only
 * the writes that differ. Throws on a retryable failure so the queue backs off; terminal failures
 * are recorded in the result (and so in status) and not retried.
 */
export async function reconcileNamespace(deps: ReconcilerDeps, name: string): Promise<void> {
  const ns = deps.getNamespace(name);
  if (ns === undefined || ns.metadata?.deletionTimestamp !== undefined || ns.status?.phase === 'Terminating') {
    // Gone or going: its objects go with it, and writes into a terminating namespace are refused.
    deps.results.delete(name);
    return;
  }
  const pass = planPass(deps, name, ns);
  const previous = deps.results.get(name);
  const { winner, existing, result } = pass;
  if (previous === undefined ? winner !== undefined && existing.some((e) => e.metadata.labels?.[BASELINE_LABEL] === winner.name) : previous.enforcedBeforeStart === true) {
    result.enforcedBeforeStart = true;
  }
  announceLosses(deps, pass, previous);
  const drift = findDrift(deps, pass, ns, previous);

  await releaseOrphans(deps, name, existing, { labels: pass.labels, annotations: pass.annotations });

  if (winner?.spec.mode === 'Audit' || pass.actions.length === 0 || awaitsOrphanFinalizer(deps, winner)) {
    deps.results.set(name, result);
    return;
  }
  await enforce(deps, pass, drift);
}

/**
 * A baseline that orphans on deletion writes nothing until its finalizer is on: an object written
 * before would be garbage-collected with the baseline if it were deleted meanwhile, against its
 * policy. The finalizer's arrival re-enforces every namespace (a change reconciles read).
 */
function awaitsOrphanFinalizer(deps: ReconcilerDeps, winner: ValidBaseline | undefined): boolean {
  return winner?.spec.deletionPolicy === 'Orphan' && deps.baselines.get(winner.name)?.hasOrphanFinalizer !== true;
}

/** Selection, rendering and the plan against what the caches hold: no request is sent. */
function planPass(deps: ReconcilerDeps, name: string, ns: NamespaceObject): Pass {
  const labels = ns.metadata?.labels ?? {};
  const annotations = ns.metadata?.annotations ?? {};
  const { winner, losers, excluded } = selectBaseline(deps.baselines.selectable(), { name, labels }, deps.operatorNamespace);
  const existing = deps.managedIn(name);
  const frozen = deps.baselines.frozen();
  const rendered = winner === undefined || deps.rendition === undefined ? winner : deps.rendition(winner, name, existing, { labels, annotations });
  const actions = planNamespace({
    namespace: name,
    desired: rendered === undefined ? [] : renderNamespace(rendered, name),
    desiredLabels: renderNamespaceLabels(rendered),
    existing,
    existingNamespace: { labels, annotations },
    frozenOwners: frozen.uids,
    frozenLabelOwners: frozen.names,
  });
  const result: NamespaceResult = {
    winner: winner?.name,
    generation: winner?.generation ?? 0,
    losers: losers.map((l) => l.name),
    ...(excluded.length > 0 ? { excluded: excluded.map((b) => b.name) } : {}),
    inSync: actions.length === 0,
    planned: countActions(actions, name),
    ...(rendered === undefined ? {} : { revision: revisionOf(rendered.spec) }),
  };
  return { name, labels, annotations, winner, existing, actions, result };
}

/**
 * A baseline leaving the namespace is said before anything of it is removed; on the first
 * reconcile since a start, also one it left while the operator was down (its marks are still here).
 */
function announceLosses(deps: ReconcilerDeps, pass: Pass, previous: NamespaceResult | undefined): void {
  const { name, existing, annotations, result } = pass;
  const remembered = previous === undefined ? rememberedOwners([...existing.map((e) => e.metadata.labels?.[BASELINE_LABEL]), annotations[POD_SECURITY_ANNOTATION], deps.reportOwner?.(name)]) : [];
  const losses = lossesOf(previous, remembered, result, (b) => deps.baselines.selectable().some((v) => v.name === b));
  for (const loss of losses) deps.onLost?.(loss.baseline, name, loss.cause, result.winner);
  if (losses.length > 0) deps.results.set(name, result);
}

/**
 * Drift: the namespace was at this baseline (or was being repaired to it) and no longer is. Each is
 * reported when found, and repaired as soon as its write is answered, whatever else fails.
 */
function findDrift(deps: ReconcilerDeps, pass: Pass, ns: NamespaceObject, previous: NamespaceResult | undefined): Drift {
  const { name, winner, actions, result } = pass;
  const reported = new Set(previous?.driftPending ?? []);
  const drifted = actions.length > 0 && previous !== undefined && (previous.inSync || reported.size > 0) && previous.winner === result.winner && previous.generation === result.generation;
  const drift = new Map(drifted && winner !== undefined ? actions.map((a) => [actionTarget(a), driftRecord(a, name, deps.now(), pass.labels, ns.metadata?.managedFields)]) : []);
  for (const [target, r] of drift) if (winner !== undefined && !reported.has(target)) deps.onDrift(winner.name, r, false);
  return {
    written: (plural, object) => {
      const repaired = drift.get(`${plural}/${object}`);
      if (repaired === undefined || winner === undefined) return;
      drift.delete(`${plural}/${object}`);
      deps.onDrift(winner.name, repaired, true);
    },
    pending: () => (drift.size > 0 ? { driftPending: [...drift.keys()] } : {}),
  };
}

/** Sends the pass's writes; the result says whether the namespace is now at its baseline, and if not, why. */
async function enforce(deps: ReconcilerDeps, pass: Pass, drift: Drift): Promise<void> {
  const { name, result } = pass;
  const { actions, refusedGrants, grantKey } = await grantableOnly(deps, pass);
  const written = (plural: string, object: string, change: string, answer: Answer | undefined): void => {
    deps.onWritten?.(name, plural, object, answer);
    deps.wrote?.(change, { resource: plural, name: object, namespace: name, resourceVersion: answer?.metadata?.resourceVersion });
    drift.written(plural, object);
  };
  let failure: string | undefined;
  try {
    failure = await execute(deps.client, actions, pass.labels[PROTECTED_LABEL], written, deps.gate);
  } catch (err) {
    // Retried with backoff: what is still unrepaired is remembered, so it is not reported again.
    const pending = drift.pending();
    if (pending.driftPending !== undefined) deps.results.set(name, { ...result, ...pending });
    throw err;
  }
  const error = [refusedGrants, failure].filter((e) => e !== undefined).join('\n');
  if (error !== '') {
    // A write refused after the dry run accepted: the next namespace dry-runs again.
    if (failure !== undefined) deps.grantable?.forget(grantKey);
    deps.log.error('cannot enforce namespace', { namespace: name, baseline: result.winner, error });
    deps.results.set(name, { ...result, error, ...drift.pending() });
    if (result.winner !== undefined) deps.onFailed?.(result.winner, name, error);
    return;
  }
  deps.results.set(name, { ...result, inSync: true, planned: { create: 0, update: 0, delete: 0 } });
  deps.onCompleted?.(name);
}

/**
 * All or nothing: a baseline whose Roles and RoleBindings cannot all be granted gets none of
 * them; the protective objects are written all the same.
 */
async function grantableOnly(deps: ReconcilerDeps, pass: Pass): Promise<{ actions: Action[]; refusedGrants?: string; grantKey: string }> {
  const { winner, existing } = pass;
  const grants = grantActions(pass.actions);
  const grantKey = winner === undefined ? '' : `${winner.uid}/${winner.generation}`;
  if (winner === undefined || grants.length === 0) return { actions: pass.actions, grantKey };
  const dryRun = (): Promise<Ungrantable[]> => ungrantable(deps.client, grants, winner.spec, (role) => existing.some((e) => e.kind === 'Role' && e.metadata.name === role));
  const refused = deps.grantable === undefined ? await dryRun() : await deps.grantable.check(grantKey, deps.now().getTime(), dryRun);
  if (refused.length === 0) return { actions: pass.actions, grantKey };
  return { actions: withoutGrants(pass.actions), refusedGrants: grantsMessage(refused), grantKey };
}

/**
 * deletionPolicy Orphan: objects of a baseline being deleted are handed over instead of pruned. Our
 * labels and ownerReference come off (so neither the garbage collector nor the operator touches them
 * again), and Pod Security labels pass to another field manager before the operator lets go of them.
 */
async function releaseOrphans(deps: ReconcilerDeps, namespace: string, existing: readonly ExistingObject[], ns: ExistingNamespace): Promise<void> {
  const orphaning = deps.baselines.orphaning();
  if (orphaning.length === 0) return;
  const released = new Set<string>();
  for (const baseline of orphaning) {
    for (const object of existing.filter((e) => ownerUid(e) === baseline.uid)) {
      await mergePatch(deps.client, resourceTypeOf(object.apiVersion, object.kind), object.metadata.name, namespace, {
        metadata: { ownerReferences: null, labels: { [MANAGED_BY_LABEL]: null, [BASELINE_LABEL]: null, [REVISION_LABEL]: null } },
      });
      deps.wrote?.('released', { resource: object.kind, name: object.metadata.name, baseline: baseline.name });
      released.add(baseline.name);
    }
    if (ns.annotations[POD_SECURITY_ANNOTATION] === baseline.name) {
      const keep = Object.fromEntries(Object.entries(ns.labels).filter(([k]) => k.startsWith('pod-security.kubernetes.io/')));
      await apply(deps.client, { apiVersion: NAMESPACE.apiVersion, kind: NAMESPACE.kind, metadata: { name: namespace, labels: keep } }, ORPHANED_FIELD_MANAGER);
      await applyNamespaceLabels(deps.client, namespace, { labels: {}, annotations: {} });
      deps.wrote?.('released Pod Security labels', { baseline: baseline.name });
      released.add(baseline.name);
    }
  }
  for (const b of released) deps.onReleased(b);
}

/** Counts of the writes, and the first few as examples (Audit mode shows them on the status). */
export function countActions(actions: readonly Action[], namespace: string): NamespaceResult['planned'] {
  const examples = actions.slice(0, MAX_PLANNED_EXAMPLES).map((a): PlannedChange => {
    switch (a.type) {
      case 'labels':
        return { verb: 'update', namespace, kind: 'Namespace', name: namespace };
      case 'create':
      case 'update':
        return { verb: a.type, namespace, kind: a.object.kind, name: a.object.metadata.name };
      case 'delete':
        return { verb: 'delete', namespace, kind: a.kind, name: a.name };
    }
  });
  return {
    create: actions.filter((a) => a.type === 'create').length,
    update: actions.filter((a) => a.type === 'update' || a.type === 'labels').length,
    delete: actions.filter((a) => a.type === 'delete').length,
    ...(examples.length > 0 ? { examples } : {}),
  };
}
