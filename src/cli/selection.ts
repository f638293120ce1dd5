import { ALWAYS_EXCLUDED_NAMESPACES } from '../api/names.js';
import { matchesLabelSelector } from '../render/labelselector.js';
import { globMatch } from '../audit/glob.js';
import { isAlwaysExcluded, selectBaseline, type NamespaceFacts, type ValidBaseline } from '../render/selection.js';

/** What happens to one baseline in one namespace, with a one-line reason when it writes nothing there. */
export type Why = 'always-excluded' | 'excluded' | 'not-selected' | 'lost';
export type Verdict = { baseline: ValidBaseline; wins: true } | { baseline: ValidBaseline; wins: false; why: Why; reason: string };

function selectorText(b: ValidBaseline): string {
  return JSON.stringify(b.spec.namespaceSelector);
}

/**
 * The operator's selection (selectBaseline) for one namespace, and for each baseline that does
 * not win it, why: always excluded, excluded, not selected, or lost to a higher-priority baseline.
 */
export function explainSelection(baselines: readonly ValidBaseline[], ns: NamespaceFacts, operatorNamespace: string | undefined): Verdict[] {
  const { winner } = selectBaseline(baselines, ns, operatorNamespace);
  return baselines.map((b): Verdict => {
    if (winner !== undefined && b.name === winner.name) return { baseline: b, wins: true };
    if (isAlwaysExcluded(ns.name, operatorNamespace)) {
      const which = ALWAYS_EXCLUDED_NAMESPACES.includes(ns.name) ? `${ALWAYS_EXCLUDED_NAMESPACES.join(', ')} are` : "the operator's own namespace is";
      return { baseline: b, wins: false, why: 'always-excluded', reason: `namespace ${ns.name} is always excluded (${which} never selected): baseline ${b.name} writes nothing there` };
    }
    const pattern = b.spec.excludeNamespaces.find((p) => globMatch(p, ns.name));
    if (pattern !== undefined) return { baseline: b, wins: false, why: 'excluded', reason: `baseline ${b.name} excludes namespace ${ns.name} (excludeNamespaces: ${pattern})` };
    if (!matchesLabelSelector(b.spec.namespaceSelector, ns.labels)) {
      return { baseline: b, wins: false, why: 'not-selected', reason: `baseline ${b.name} does not select namespace ${ns.name}: namespaceSelector ${selectorText(b)} does not match its labels ${JSON.stringify(ns.labels)}` };
    }
    const w = winner ?? b;
    const why = w.spec.priority !== b.spec.priority ? `priority ${w.spec.priority} over ${b.spec.priority}` : `the same priority ${b.spec.priority}, and ${w.name} sorts first`;
    return { baseline: b, wins: false, why: 'lost', reason: `baseline ${b.name} loses namespace ${ns.name} to baseline ${w.name} (${why})` };
  });
}

/** Namespace labels as the API server keeps them: it always adds kubernetes.io/metadata.name. */
export function namespaceFacts(name: string, labels: Readonly<Record<string, string>>): NamespaceFacts {
  return { name, labels: { ...labels, 'kubernetes.io/metadata.name': name } };
}
