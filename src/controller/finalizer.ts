import { API_VERSION, KIND, ORPHAN_FINALIZER } from '../api/names.js';
import type { KubeClient } from '../kube/client.js';
import { apply } from '../kube/operations.js';
import type { BaselineRegistry } from './baselines.js';

export interface FinalizerDeps {
  client: KubeClient;
  baselines: BaselineRegistry;
  /** True when no managed object or namespace label in the caches still belongs to the baseline. */
  isReleased: (name: string, uid: string) => boolean;
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
    if (want !== known.hasOrphanFinalizer) await apply(deps.client, body(want ? [ORPHAN_FINALIZER] : []));
    return 'done';
  }
  if (!known.hasOrphanFinalizer) return 'done';
  if (!deps.isReleased(name, known.uid)) return 'waiting';
  await apply(deps.client, body([]));
  return 'done';
}
