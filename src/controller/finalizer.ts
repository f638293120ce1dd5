import { API_VERSION, KIND, ORPHAN_FINALIZER, POD_SECURITY_ANNOTATION } from '../api/names.js';
import type { ApiClient } from '../kube/client.js';
import { apply } from '../kube/operations.js';
import { managedCache, MANAGED_TYPES, NAMESPACE, SECURITY_BASELINE } from '../kube/resources.js';
import type { CacheView } from '../runtime/caches.js';
import { nameKey, watchFor, watchMapped, type ControllerSpec } from '../runtime/controller.js';
import { only, type Source } from '../runtime/source.js';
import type { BaselineChange, BaselineRegistry } from './baselines.js';
import { isManaged, toExisting } from './enforcement.js';
import { ownerUid } from './plan.js';

const FINALIZER_RECHECK_MS = 1000;

export interface FinalizerDeps {
  client: ApiClient;
  baselines: BaselineRegistry;
  /** True when no managed object or namespace label in the caches still belongs to the baseline. */
  isReleased: (name: string, uid: string) => boolean;
  /** Each write sent, for the log. */
  wrote?: (what: string, meta: Record<string, unknown>) => void;
}

export type FinalizerOutcome = 'done' | 'waiting';

/**
 * deletionPolicy Orphan is kept by a finalizer of ours on the baseline: it holds the deletion until
 * every generated object and label has been handed over, then goes. deletionPolicy Delete needs none:
 * ownerReferences let the garbage collector remove the objects. Server-side apply owns only our
 * finalizer entry, so finalizers of others are never touched.
 */
export async function reconcileFinalizer(deps: FinalizerDeps, name: string): Promise<FinalizerOutcome> {
  const known = deps.baselines.get(name);
  if (known === undefined || !known.parsed.ok) return 'done';
  const body = (finalizers: string[]): Parameters<typeof apply>[1] => ({ apiVersion: API_VERSION, kind: KIND, metadata: { name, finalizers } });
  if (!known.terminating) {
    const want = known.parsed.baseline.spec.deletionPolicy === 'Orphan';
    if (want !== known.hasOrphanFinalizer) {
      await apply(deps.client, body(want ? [ORPHAN_FINALIZER] : []));
      deps.wrote?.(want ? 'added the finalizer' : 'removed the finalizer', { finalizer: ORPHAN_FINALIZER });
    }
    return 'done';
  }
  if (!known.hasOrphanFinalizer) return 'done';
  if (!deps.isReleased(name, known.uid)) return 'waiting';
  await apply(deps.client, body([]));
  deps.wrote?.('released: removed the finalizer', { finalizer: ORPHAN_FINALIZER });
  return 'done';
}

/** Nothing in the caches still belongs to the baseline: no managed object it owns, no namespace it labels. */
export function isReleased(caches: CacheView, name: string, uid: string): boolean {
  for (const type of MANAGED_TYPES) {
    if (caches.list(managedCache(type.plural)).some((o) => isManaged(o) && ownerUid(toExisting(type, o)) === uid)) return false;
  }
  return !caches.list(NAMESPACE.plural).some((ns) => ns.metadata?.annotations?.[POD_SECURITY_ANNOTATION] === name);
}

export interface FinalizerControllerDeps {
  client: ApiClient;
  caches: CacheView;
  baselines: BaselineRegistry;
  baselineChanges: Source<BaselineChange>;
  /** Baselines whose objects the enforcement controller just released. */
  released: Source<string>;
}

/** The orphaning finalizer: keyed by baseline, it adds, keeps and finally removes posture.dev/orphan. */
export function finalizerController(deps: FinalizerControllerDeps): ControllerSpec<string> {
  return {
    name: 'finalizer',
    keys: nameKey,
    concurrency: 1,
    watches: [
      // Only a change the registry takes in (spec, deletion, finalizers) can change what this decides.
      watchFor(SECURITY_BASELINE.plural, only(deps.baselineChanges, (event, change) => change.specChanged && event !== 'delete'), (change) => change.name),
      watchMapped('released objects', deps.released, (_event, baseline) => [baseline]),
    ],
    reconcile: async (name, ctx) => {
      const outcome = await reconcileFinalizer({ client: deps.client, baselines: deps.baselines, isReleased: (n, uid) => isReleased(deps.caches, n, uid), wrote: ctx.wrote }, name);
      return outcome === 'waiting' ? { requeueAfterMs: FINALIZER_RECHECK_MS } : {};
    },
  };
}
