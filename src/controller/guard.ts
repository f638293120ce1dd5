import { BASELINE_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../api/names.js';
import type { KubeClient } from '../kube/client.js';
import { apply, remove } from '../kube/operations.js';
import { ADMISSION_TYPES, SECURITY_BASELINE, resourceTypeOf } from '../kube/resources.js';
import { renderGuardPolicies } from '../render/admission/guard.js';
import { OPERATOR_NAMESPACE } from '../render/admission/fence.js';
import type { CacheView, CachedObject, Caches } from '../runtime/caches.js';
import { nameKey, watchFor, watchOwned, type ControllerSpec, type ReconcileContext } from '../runtime/controller.js';
import { only, type Source } from '../runtime/source.js';
import type { BaselineChange, BaselineRegistry } from './baselines.js';
import { planGuard, type ExistingAdmissionObject, type GuardAction } from './guardplan.js';

export interface GuardControllerDeps {
  client: KubeClient;
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

async function act(client: KubeClient, action: GuardAction, ctx: ReconcileContext): Promise<void> {
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
      const desired = known?.parsed.ok === true ? renderGuardPolicies(known.parsed.baseline, deps.operatorNamespace ?? OPERATOR_NAMESPACE) : [];
      for (const action of planGuard(name, desired, existingFor(deps.caches, name))) await act(deps.client, action, ctx);
      return {};
    },
  };
}
