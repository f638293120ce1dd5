import { BASELINE_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../api/names.js';
import type { ApiClient } from '../kube/client.js';
import { apply, remove } from '../kube/operations.js';
import { ADMISSION_TYPES, SECURITY_BASELINE, resourceTypeOf } from '../kube/resources.js';
import { renderGuardPolicies } from '../render/admission/guard.js';
import type { AdmissionObject } from '../render/admission/policy.js';
import { OPERATOR_NAMESPACE } from '../render/admission/fence.js';
import type { CacheView, CachedObject, Caches } from '../runtime/caches.js';
import { nameKey, watchFor, watchOwned, type ControllerSpec, type ReconcileContext } from '../runtime/controller.js';
import { only, type Source } from '../runtime/source.js';
import type { BaselineChange, BaselineRegistry } from './baselines.js';
import { planGuard, type ExistingAdmissionObject, type GuardAction } from './guardplan.js';

export interface GuardControllerDeps {
  client: ApiClient;
  caches: Caches;
  baselines: BaselineRegistry;
  baselineChanges: Source<BaselineChange>;
  operatorNamespace: string | undefined;
}

function ownerOf(object: CachedObject): string | undefined {
  const labels = object.metadata?.labels;
  return labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE ? labels[BASELINE_LABEL] : undefined;
}

/** Ours for this baseline, from the caches; list items carry no kind, so it comes from the type. */
function existingFor(caches: CacheView, baseline: string): ExistingAdmissionObject[] {
  return ADMISSION_TYPES.flatMap((type) =>
    caches
      .list(type.plural)
      .filter((o) => ownerOf(o) === baseline)
      .map((o) => ({ ...(o as unknown as ExistingAdmissionObject), kind: type.kind })),
  );
}

/**
 * The operator's own username, asked of the API server (SelfSubjectReview, allowed to every
 * authenticated user): its guards exempt it, whatever namespace and ServiceAccount name it was
 * installed with.
 */
async function whoAmI(client: ApiClient): Promise<string> {
  const review = await client.request<{ status?: { userInfo?: { username?: string } } }>({
    verb: 'create',
    resource: 'selfsubjectreviews',
    method: 'POST',
    path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
  });
  const username = review.status?.userInfo?.username;
  if (username === undefined || username === '') throw new Error('SelfSubjectReview returned no username');
  return username;
}

async function act(client: ApiClient, action: GuardAction, ctx: ReconcileContext): Promise<void> {
  if (action.type === 'apply') {
    await apply(client, action.object);
    ctx.wrote(`applied ${action.object.kind}`, { name: action.object.metadata.name });
    return;
  }
  await remove(client, resourceTypeOf('admissionregistration.k8s.io/v1', action.kind), action.name);
  ctx.wrote(`deleted ${action.kind}`, { name: action.name });
}

/**
 * spec.guard: keyed by baseline, it keeps the baseline's ValidatingAdmissionPolicies and bindings
 * as rendered, like any managed object. An invalid spec or a deletion in progress leaves them as
 * they are (a typo never removes protection; the garbage collector removes them with the baseline).
 */
export function guardController(deps: GuardControllerDeps): ControllerSpec<string> {
  let operatorUser: string | undefined;
  return {
    name: 'guard',
    keys: nameKey,
    concurrency: 1,
    watches: [
      watchFor(SECURITY_BASELINE.plural, only(deps.baselineChanges, (_event, change) => change.specChanged), (change) => change.name),
      ...ADMISSION_TYPES.map((type) => watchOwned(type.plural, deps.caches.source(type.plural), ownerOf)),
    ],
    reconcile: async (name, ctx) => {
      const known = deps.baselines.get(name);
      if (known !== undefined && (!known.parsed.ok || known.terminating)) return {};
      const baseline = known?.parsed.ok === true ? known.parsed.baseline : undefined;
      let desired: AdmissionObject[] = [];
      if (baseline?.spec.guard !== undefined) {
        // Asked only once a baseline has a guard: without one the operator sends nothing new.
        operatorUser ??= await whoAmI(deps.client);
        desired = renderGuardPolicies(baseline, deps.operatorNamespace ?? OPERATOR_NAMESPACE, operatorUser);
      }
      for (const action of planGuard(name, desired, existingFor(deps.caches, name))) await act(deps.client, action, ctx);
      return {};
    },
  };
}
