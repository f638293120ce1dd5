import { API_VERSION, BASELINE_LABEL, KIND, POD_SECURITY_ANNOTATION } from '../api/names.js';
import { BaselineRegistry, type SecurityBaselineObject } from '../controller/baselines.js';
import { planNamespace, type Action } from '../controller/plan.js';
import { renderNamespace } from '../render/index.js';
import { renderNamespaceLabels } from '../render/namespace.js';
import type { ValidBaseline } from '../render/selection.js';
import type { ClusterState } from './live.js';
import { explainSelection } from './selection.js';

/** What Enforce would do in one namespace once the baseline from the file is applied. */
export interface NamespaceDiff {
  namespace: string;
  /** The baseline that would win the namespace (undefined: none). */
  winner: string | undefined;
  /** Why the file's baseline does not win, when it does not. */
  reason?: string;
  actions: Action[];
}

/**
 * Plans, with the operator's own planNamespace, every namespace the file's baseline would select
 * or holds objects or Pod Security labels in today: the cluster's baselines with this one replaced
 * (or added), the managed objects as they are. Pure: the cluster was read before.
 */
export function planDiff(state: ClusterState, baseline: ValidBaseline, operatorNamespace: string | undefined): NamespaceDiff[] {
  const registry = new BaselineRegistry();
  const live = state.baselines.find((b) => b.metadata?.name === baseline.name);
  for (const b of state.baselines) if (b.metadata?.name !== baseline.name) registry.upsert(b);
  const uid = live?.metadata?.uid ?? `<uid of new ${KIND} ${baseline.name}>`;
  const fromFile: SecurityBaselineObject = {
    apiVersion: API_VERSION,
    kind: KIND,
    // A new generation: the file's spec is what the API server would store next.
    metadata: { name: baseline.name, uid, generation: (live?.metadata?.generation ?? 0) + 1 },
    spec: baseline.spec,
  };
  registry.upsert(fromFile);
  const selectable = registry.selectable();
  const frozen = registry.frozen();
  const out: NamespaceDiff[] = [];
  for (const ns of [...state.namespaces].sort((a, b) => a.name.localeCompare(b.name))) {
    if (ns.terminating) continue;
    const existing = state.managed.get(ns.name) ?? [];
    const verdicts = explainSelection(selectable, { name: ns.name, labels: ns.labels }, operatorNamespace);
    const winner = verdicts.find((v) => v.wins)?.baseline;
    const mine = verdicts.find((v) => v.baseline.name === baseline.name);
    const selectsIt = mine !== undefined && (mine.wins || mine.why === 'lost');
    const holdsSomething = existing.some((e) => e.metadata.labels?.[BASELINE_LABEL] === baseline.name) || ns.annotations[POD_SECURITY_ANNOTATION] === baseline.name;
    if (!selectsIt && !holdsSomething) continue;
    const actions = planNamespace({
      namespace: ns.name,
      desired: winner === undefined ? [] : renderNamespace(winner, ns.name),
      desiredLabels: renderNamespaceLabels(winner),
      existing,
      existingNamespace: { labels: ns.labels, annotations: ns.annotations },
      frozenOwners: frozen.uids,
      frozenLabelOwners: frozen.names,
    });
    out.push({ namespace: ns.name, winner: winner?.name, ...(mine !== undefined && !mine.wins ? { reason: mine.reason } : {}), actions });
  }
  return out;
}
