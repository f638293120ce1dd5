import { ALWAYS_EXCLUDED_NAMESPACES } from '../api/names.js';
import type { SecurityBaselineSpec } from '../api/securitybaseline.js';
import { globMatch } from '../audit/glob.js';
import { matchesLabelSelector } from './labelselector.js';

/** The facts about a namespace that selection reads. */
export interface NamespaceFacts {
  name: string;
  labels: Readonly<Record<string, string>>;
}

/** A baseline whose spec parsed; invalid baselines never select anything. */
export interface ValidBaseline {
  name: string;
  uid: string;
  generation: number;
  spec: SecurityBaselineSpec;
}

export function isAlwaysExcluded(namespace: string, operatorNamespace: string | undefined): boolean {
  return ALWAYS_EXCLUDED_NAMESPACES.includes(namespace) || namespace === operatorNamespace;
}

export function isExcluded(baseline: ValidBaseline, namespace: string, operatorNamespace: string | undefined): boolean {
  return isAlwaysExcluded(namespace, operatorNamespace) || baseline.spec.excludeNamespaces.some((pattern) => globMatch(pattern, namespace));
}

export function selects(baseline: ValidBaseline, ns: NamespaceFacts, operatorNamespace: string | undefined): boolean {
  return !isExcluded(baseline, ns.name, operatorNamespace) && matchesLabelSelector(baseline.spec.namespaceSelector, ns.labels);
}

/** Highest priority first, then name order, so every replica and every pass agrees on the winner. */
export function byPrecedence(a: ValidBaseline, b: ValidBaseline): number {
  if (a.spec.priority !== b.spec.priority) return b.spec.priority - a.spec.priority;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export interface Selection {
  winner: ValidBaseline | undefined;
  /** Baselines that select the namespace but lose it to the winner. */
  losers: ValidBaseline[];
  /** Baselines whose selector matches the namespace but that exclude it. */
  excluded: ValidBaseline[];
}

export function selectBaseline(
  baselines: readonly ValidBaseline[],
  ns: NamespaceFacts,
  operatorNamespace: string | undefined,
): Selection {
  const matching = baselines.filter((b) => matchesLabelSelector(b.spec.namespaceSelector, ns.labels));
  const candidates = matching.filter((b) => !isExcluded(b, ns.name, operatorNamespace)).sort(byPrecedence);
  const [winner, ...losers] = candidates;
  return { winner, losers, excluded: matching.filter((b) => isExcluded(b, ns.name, operatorNamespace)) };
}
