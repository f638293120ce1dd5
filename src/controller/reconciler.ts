import type { Logger } from 'winston';
import { BASELINE_LABEL } from '../api/names.js';
import type { KubeClient } from '../kube/client.js';
import { errorMessage, isTerminal } from '../kube/errors.js';
import { apply, remove, replace } from '../kube/operations.js';
import { resourceTypeOf } from '../kube/resources.js';
import { renderNamespace } from '../render/index.js';
import type { DesiredObject } from '../render/objects.js';
import { selectBaseline, type NamespaceFacts } from '../render/selection.js';
import type { BaselineRegistry } from './baselines.js';
import { isInSync, planNamespace, type Action, type ExistingObject } from './plan.js';
import type { NamespaceResult, ResultStore } from './results.js';

/** The namespace fields a reconcile reads from the cache. */
export interface NamespaceObject {
  metadata?: { name?: string; labels?: Record<string, string>; deletionTimestamp?: unknown };
  status?: { phase?: string };
}

export interface ReconcilerDeps {
  client: KubeClient;
  log: Logger;
  baselines: BaselineRegistry;
  results: ResultStore;
  getNamespace: (name: string) => NamespaceObject | undefined;
  /** Managed objects (our label) in one namespace, from the informer caches. */
  managedIn: (namespace: string) => readonly ExistingObject[];
  operatorNamespace: string | undefined;
  onDrift?: (baseline: string, kind: string, repaired: boolean) => void;
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
  const facts: NamespaceFacts = { name, labels: ns.metadata?.labels ?? {} };
  const { winner, losers } = selectBaseline(deps.baselines.validBaselines(), facts, deps.operatorNamespace);
  const desired = winner === undefined ? [] : renderNamespace(winner, name);
  const existing = deps.managedIn(name);
  const actions = planNamespace(desired, existing, deps.baselines.invalidNames());
  const planned = countActions(actions);
  const result: NamespaceResult = {
    winner: winner?.name,
    generation: winner?.generation ?? 0,
    losers: losers.map((l) => l.name),
    inSync: actions.length === 0,
    planned,
  };

  const previous = deps.results.get(name);
  const drifted =
    actions.length > 0 && previous?.inSync === true && previous.winner === result.winner && previous.generation === result.generation;
  if (drifted && result.winner !== undefined) {
    for (const a of actions) deps.onDrift?.(result.winner, actionKind(a), false);
  }

  const enforce = winner?.spec.mode !== 'Audit';
  if (!enforce || actions.length === 0) {
    deps.results.set(name, result);
    return;
  }
  try {
    for (const action of actions) await act(deps.client, action);
  } catch (err) {
    if (!isTerminal(err)) throw err;
    deps.log.error('cannot enforce namespace', { namespace: name, baseline: result.winner, error: errorMessage(err) });
    deps.results.set(name, { ...result, error: errorMessage(err) });
    return;
  }
  if (drifted && result.winner !== undefined) {
    for (const a of actions) deps.onDrift?.(result.winner, actionKind(a), true);
  }
  deps.results.set(name, { ...result, inSync: true, planned: { create: 0, update: 0, delete: 0 } });
}

async function act(client: KubeClient, action: Action): Promise<void> {
  switch (action.type) {
    case 'create':
    case 'update': {
      const applied = await apply(client, action.object);
      // Apply cannot remove fields another manager added; replace the object whole when some remain.
      if (!isInSync({ ...applied, spec: (applied as { spec?: unknown }).spec }, action.object)) {
        await replace(client, { ...action.object, metadata: { ...action.object.metadata, resourceVersion: applied.metadata.resourceVersion } });
      }
      return;
    }
    case 'delete':
      await remove(client, resourceTypeOf(action.apiVersion, action.kind), action.name, action.namespace);
      return;
  }
}

function countActions(actions: readonly Action[]): NamespaceResult['planned'] {
  return {
    create: actions.filter((a) => a.type === 'create').length,
    update: actions.filter((a) => a.type === 'update').length,
    delete: actions.filter((a) => a.type === 'delete').length,
  };
}

function actionKind(action: Action): string {
  return action.type === 'delete' ? action.kind : action.object.kind;
}

/** The baseline a managed object belongs to, from its label. */
export function baselineOf(object: ExistingObject): string | undefined {
  return object.metadata.labels?.[BASELINE_LABEL];
}

export type { DesiredObject };
