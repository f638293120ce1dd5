import { PROTECTED_LABEL } from '../api/names.js';
import type { ApiClient } from '../kube/client.js';
import { ApiError, errorMessage, isConflict, isTerminal } from '../kube/errors.js';
import { apply, remove, replace } from '../kube/operations.js';
import { NAMESPACE, resourceTypeOf } from '../kube/resources.js';
import type { DesiredNamespaceLabels } from '../render/namespace.js';
import { toManifest, type DesiredObject } from '../render/objects.js';
import type { InFlight } from '../runtime/inflight.js';
import { isInSync, type Action, type ExistingObject } from './plan.js';

/** The stored object a write returned (undefined for a delete). */
export type Answer = Record<string, unknown> & { metadata?: { name?: string; resourceVersion?: string } };

export type Written = (plural: string, name: string, change: string, answer: Answer | undefined) => void;

/** Runs one request; the reconciler passes the global bound on requests in flight. */
export type Gate = Pick<InFlight, 'run'>;

const UNBOUNDED: Gate = { run: (task) => task() };

/**
 * Sends a namespace's writes in dependency waves: every object at once (with the Pod Security labels,
 * unless the protected mark goes with them), except a RoleBinding to a Role being written, which
 * goes as soon as that Role is answered. The labels that carry the protected mark go after all of
 * them (the mark says every object is in place), then deletes one by one (a RoleBinding before its
 * Role). A terminal failure (forbidden, invalid) skips the RoleBindings of a Role that failed and
 * carries on with the rest; the first, in plan order, is returned for the status. A retryable failure
 * throws once every write sent has been answered, so each answer is recorded.
 */
export async function execute(client: ApiClient, actions: readonly Action[], protectedBefore: string | undefined, written: Written, gate: Gate = UNBOUNDED): Promise<string | undefined> {
  const failures: { index: number; err: unknown }[] = [];
  const run = async (action: Action, index: number): Promise<boolean> => {
    try {
      await gate.run(() => act(client, action, written));
      return true;
    } catch (err) {
      failures.push({ index, err });
      return false;
    }
  };
  const marked = actions.filter(isProtectedMark);
  const deletes = actions.filter((a) => a.type === 'delete');
  const writes = actions.filter((a) => a.type !== 'delete' && !isProtectedMark(a));

  const roles = new Map<string, Promise<boolean>>();
  const wave: Promise<boolean>[] = [];
  for (const action of writes) {
    if (dependsOn(action) !== undefined) continue;
    const p = run(action, actions.indexOf(action));
    wave.push(p);
    if ((action.type === 'create' || action.type === 'update') && action.object.kind === 'Role') roles.set(action.object.metadata.name, p);
  }
  for (const action of writes) {
    const role = dependsOn(action);
    if (role === undefined) continue;
    const after = roles.get(role);
    // A RoleBinding of a Role that failed is skipped: the Role's failure is reported already.
    wave.push(after === undefined ? run(action, actions.indexOf(action)) : after.then((ok) => (ok ? run(action, actions.indexOf(action)) : false)));
  }
  await Promise.all(wave);
  throwRetryable(failures);

  for (const action of marked) {
    // The protected mark says every object is in place: not after a write that failed.
    await run(failures.length === 0 ? action : withoutNewProtectedMark(action, protectedBefore), actions.indexOf(action));
  }
  for (const action of deletes) {
    if (!(await run(action, actions.indexOf(action)))) throwRetryable(failures);
  }
  throwRetryable(failures);
  failures.sort((a, b) => a.index - b.index);
  return failures.length === 0 ? undefined : errorMessage(failures[0]?.err);
}

/** After a failed write the mark is not given (nor taken away: the objects it vouched for are still there). */
export function withoutNewProtectedMark(action: Action, before: string | undefined): Action {
  if (action.type !== 'labels' || !(PROTECTED_LABEL in action.desired.labels)) return action;
  const labels = Object.fromEntries(Object.entries(action.desired.labels).filter(([k]) => k !== PROTECTED_LABEL));
  if (before !== undefined) labels[PROTECTED_LABEL] = before;
  return { ...action, desired: { ...action.desired, labels } };
}

function isProtectedMark(action: Action): boolean {
  return action.type === 'labels' && PROTECTED_LABEL in action.desired.labels;
}

/** The Role a RoleBinding being written references, when that Role is written in the same pass. */
function dependsOn(action: Action): string | undefined {
  if (action.type !== 'create' && action.type !== 'update') return undefined;
  if (action.object.kind !== 'RoleBinding') return undefined;
  const roleRef = action.object.content.roleRef as { kind?: string; name?: string } | undefined;
  return roleRef?.kind === 'Role' ? roleRef.name : undefined;
}

function throwRetryable(failures: readonly { err: unknown }[]): void {
  const retryable = failures.find((f) => !isTerminal(f.err));
  if (retryable !== undefined) throw retryable.err;
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

type Applied = Answer & { metadata: ExistingObject['metadata'] & { resourceVersion?: string } };

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

/** Attempts at replacing an object whose version moved between the apply and the replace. */
const REPLACE_ATTEMPTS = 3;

/**
 * Applies an object; returns it as stored. Apply cannot remove fields another manager added, so the
 * object is replaced whole, at the version the apply returned, when some remain. A quota's status is
 * rewritten by the controller manager right after someone changes its spec: a replace that loses
 * that race (409) applies and replaces again, a few times, before the reconcile gives up and retries.
 */
async function applyObject(client: ApiClient, object: DesiredObject): Promise<Answer> {
  for (let attempt = 1; ; attempt++) {
    const applied = await applyOrRecreate(client, object);
    if (isInSync({ kind: object.kind, metadata: applied.metadata, content: applied }, object)) return applied;
    try {
      return await replace(client, { ...toManifest(object), metadata: { ...object.metadata, resourceVersion: applied.metadata.resourceVersion } });
    } catch (err) {
      if (!isConflict(err) || attempt >= REPLACE_ATTEMPTS) throw err;
    }
  }
}

/**
 * Applies only the labels and marker annotation the operator owns on a Namespace. Applying an empty
 * set releases them: server-side apply removes fields a manager stops declaring.
 */
export async function applyNamespaceLabels(client: ApiClient, namespace: string, desired: DesiredNamespaceLabels): Promise<Answer> {
  return await apply(client, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: desired.labels, annotations: desired.annotations } });
}
