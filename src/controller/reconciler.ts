import type { Logger } from 'winston';
import { BASELINE_LABEL, MANAGED_BY_LABEL, POD_SECURITY_ANNOTATION, PROTECTED_LABEL, REVISION_LABEL } from '../api/names.js';
import { MAX_PLANNED_EXAMPLES, type DriftRecord, type PlannedChange } from '../api/status.js';
import type { ApiClient } from '../kube/client.js';
import { ApiError, errorMessage, isTerminal } from '../kube/errors.js';
import type { FieldsEntry } from '../kube/managedfields.js';
import { apply, mergePatch, remove, replace } from '../kube/operations.js';
import { NAMESPACE, resourceTypeOf } from '../kube/resources.js';
import { renderNamespace } from '../render/index.js';
import { renderNamespaceLabels, type DesiredNamespaceLabels } from '../render/namespace.js';
import { toManifest, type DesiredObject } from '../render/objects.js';
import { revisionOf } from '../render/revision.js';
import { selectBaseline, type ValidBaseline } from '../render/selection.js';
import type { BaselineRegistry } from './baselines.js';
import { driftRecord } from './driftrecord.js';
import { grantActions, grantsMessage, ungrantable, withoutGrants } from './grants.js';
import { isInSync, ownerUid, planNamespace, type Action, type ExistingNamespace, type ExistingObject } from './plan.js';
import { lossesOf, rememberedOwners, type LossCause, type NamespaceResult, type ResultStore } from './results.js';

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
  /** Called with the resourceVersion the API server gave each object the reconcile wrote into a namespace. */
  onWritten?: (namespace: string, plural: string, resourceVersion: string | undefined) => void;
  /** Every write sent, for the log. */
  wrote?: (what: string, meta: Record<string, unknown>) => void;
  /** The winner as written here: at an earlier revision while a staged rollout has not reached the namespace. */
  rendition?: (winner: ValidBaseline, namespace: string, existing: readonly ExistingObject[], ns: ExistingNamespace) => ValidBaseline;
}

type Written = (plural: string, name: string, change: string, resourceVersion: string | undefined) => void;

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
  const labels = ns.metadata?.labels ?? {};
  const annotations = ns.metadata?.annotations ?? {};
  const { winner, losers, excluded } = selectBaseline(deps.baselines.selectable(), { name, labels }, deps.operatorNamespace);
  const existing = deps.managedIn(name);
  const frozen = deps.baselines.frozen();
  const written = winner === undefined || deps.rendition === undefined ? winner : deps.rendition(winner, name, existing, { labels, annotations });
  let actions = planNamespace({
    namespace: name,
    desired: written === undefined ? [] : renderNamespace(written, name),
    desiredLabels: renderNamespaceLabels(written),
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
    ...(written === undefined ? {} : { revision: revisionOf(written.spec) }),
  };

  const previous = deps.results.get(name);
  // A baseline leaving the namespace is said before anything of it is removed; on the first
  // reconcile since a start, also one it left while the operator was down (its marks are still here).
  const remembered = previous === undefined ? rememberedOwners([...existing.map((e) => e.metadata.labels?.[BASELINE_LABEL]), annotations[POD_SECURITY_ANNOTATION], deps.reportOwner?.(name)]) : [];
  const losses = lossesOf(previous, remembered, result, (b) => deps.baselines.selectable().some((v) => v.name === b));
  for (const loss of losses) deps.onLost?.(loss.baseline, name, loss.cause, result.winner);
  if (losses.length > 0) deps.results.set(name, result);
  const drifted = actions.length > 0 && previous?.inSync === true && previous.winner === result.winner && previous.generation === result.generation;
  const driftRecords = drifted && winner !== undefined ? actions.map((a) => driftRecord(a, name, deps.now(), labels, ns.metadata?.managedFields)) : [];
  for (const r of driftRecords) if (winner !== undefined) deps.onDrift(winner.name, r, false);

  await releaseOrphans(deps, name, existing, { labels, annotations });

  if (winner?.spec.mode === 'Audit' || actions.length === 0) {
    deps.results.set(name, result);
    return;
  }
  // All or nothing: a baseline whose Roles and RoleBindings cannot all be granted gets none of
  // them; the protective objects are written all the same.
  let refusedGrants: string | undefined;
  const grants = grantActions(actions);
  if (winner !== undefined && grants.length > 0) {
    const refused = await ungrantable(deps.client, grants, winner.spec, (role) => existing.some((e) => e.kind === 'Role' && e.metadata.name === role));
    if (refused.length > 0) {
      refusedGrants = grantsMessage(refused);
      actions = withoutGrants(actions);
    }
  }
  const failure = await execute(deps.client, actions, labels[PROTECTED_LABEL], (plural, object, change, rv) => {
    if (rv !== undefined) deps.onWritten?.(name, plural, rv);
    deps.wrote?.(change, { resource: plural, name: object, namespace: name, resourceVersion: rv });
  });
  const error = [refusedGrants, failure].filter((e) => e !== undefined).join('\n');
  if (error !== '') {
    deps.log.error('cannot enforce namespace', { namespace: name, baseline: result.winner, error });
    deps.results.set(name, { ...result, error });
    if (result.winner !== undefined) deps.onFailed?.(result.winner, name, error);
    return;
  }
  for (const r of driftRecords) if (winner !== undefined) deps.onDrift(winner.name, r, true);
  deps.results.set(name, { ...result, inSync: true, planned: { create: 0, update: 0, delete: 0 } });
}

/**
 * Sends the writes in order. A terminal failure (forbidden, invalid) skips the RoleBinding of a Role
 * that failed and carries on with the rest; it is returned for the status. A retryable failure throws.
 */
async function execute(client: ApiClient, actions: readonly Action[], protectedBefore: string | undefined, written: Written): Promise<string | undefined> {
  const failedRoles = new Set<string>();
  let failure: string | undefined;
  for (const action of actions) {
    if (bindsFailedRole(action, failedRoles)) continue;
    try {
      // The protected mark says every object is in place: not after a write that failed.
      await act(client, failure === undefined ? action : withoutNewProtectedMark(action, protectedBefore), written);
    } catch (err) {
      if (!isTerminal(err)) throw err;
      failure ??= errorMessage(err);
      if (action.type !== 'labels' && action.type !== 'delete' && action.object.kind === 'Role') failedRoles.add(action.object.metadata.name);
    }
  }
  return failure;
}

/** After a failed write the mark is not given (nor taken away: the objects it vouched for are still there). */
export function withoutNewProtectedMark(action: Action, before: string | undefined): Action {
  if (action.type !== 'labels' || !(PROTECTED_LABEL in action.desired.labels)) return action;
  const labels = Object.fromEntries(Object.entries(action.desired.labels).filter(([k]) => k !== PROTECTED_LABEL));
  if (before !== undefined) labels[PROTECTED_LABEL] = before;
  return { ...action, desired: { ...action.desired, labels } };
}

function bindsFailedRole(action: Action, failedRoles: ReadonlySet<string>): boolean {
  if (action.type !== 'create' && action.type !== 'update') return false;
  if (action.object.kind !== 'RoleBinding') return false;
  const roleRef = action.object.content.roleRef as { kind?: string; name?: string } | undefined;
  return roleRef?.kind === 'Role' && roleRef.name !== undefined && failedRoles.has(roleRef.name);
}

async function act(client: ApiClient, action: Action, written: Written): Promise<void> {
  switch (action.type) {
    case 'labels':
      written(NAMESPACE.plural, action.namespace, 'labelled', await applyNamespaceLabels(client, action.namespace, action.desired));
      return;
    case 'create':
    case 'update':
      written(resourceTypeOf(action.object.apiVersion, action.object.kind).plural, action.object.metadata.name, `${action.type}d`, await applyObject(client, action.object));
      return;
    case 'delete': {
      const type = resourceTypeOf(action.apiVersion, action.kind);
      await remove(client, type, action.name, action.namespace);
      written(type.plural, action.name, 'deleted', undefined);
      return;
    }
  }
}

type Applied = Record<string, unknown> & { metadata: ExistingObject['metadata'] & { resourceVersion?: string } };

/**
 * A binding's roleRef cannot change. A tenant who created `posture-view` first, bound to `edit`,
 * would keep it forever: the apply is refused as invalid. Such a binding is deleted and created
 * anew. Where the admission fence is installed (config/admission), the operator may not delete an
 * object it does not own, and it cannot adopt this one either (RBAC forbids it to bind a role it
 * does not hold): then this namespace, and only this one, reports what to do.
 */
async function applyOrRecreate(client: ApiClient, object: DesiredObject): Promise<Applied> {
  try {
    return await apply(client, toManifest(object));
  } catch (err) {
    if (!(object.kind === 'RoleBinding' && err instanceof ApiError && err.code === 422 && /roleRef/.test(err.message))) throw err;
    const { name, namespace } = object.metadata;
    try {
      await remove(client, resourceTypeOf(object.apiVersion, object.kind), name, namespace);
    } catch (denied) {
      if (!(denied instanceof ApiError && denied.code === 403)) throw denied;
      throw new ApiError(
        403,
        'Forbidden',
        `RoleBinding ${namespace}/${name} was created by someone else and binds another role; its roleRef cannot change and the operator may not delete it: ` +
          `delete it (kubectl -n ${namespace} delete rolebinding ${name}) and the operator creates it as the baseline says. spec.guard keeps tenants from taking posture-* names.`,
        denied.verb,
        denied.path,
      );
    }
    return await apply(client, toManifest(object));
  }
}

/** Applies an object; returns the resourceVersion it was stored with. */
async function applyObject(client: ApiClient, object: DesiredObject): Promise<string | undefined> {
  const applied = await applyOrRecreate(client, object);
  // Apply cannot remove fields another manager added; replace the object whole when some remain.
  if (!isInSync({ kind: object.kind, metadata: applied.metadata, content: applied }, object)) {
    const replaced = await replace(client, { ...toManifest(object), metadata: { ...object.metadata, resourceVersion: applied.metadata.resourceVersion } });
    return (replaced.metadata as { resourceVersion?: string }).resourceVersion;
  }
  return applied.metadata.resourceVersion;
}

/**
 * Applies only the labels and marker annotation the operator owns on a Namespace. Applying an empty
 * set releases them: server-side apply removes fields a manager stops declaring.
 */
async function applyNamespaceLabels(client: ApiClient, namespace: string, desired: DesiredNamespaceLabels): Promise<string | undefined> {
  const applied = await apply(client, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: desired.labels, annotations: desired.annotations } });
  return applied.metadata.resourceVersion;
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
