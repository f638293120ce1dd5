import type { LabelSelector } from '../../api/labelselector.js';
import { ALWAYS_EXCLUDED_NAMESPACES } from '../../api/names.js';
import { celString, celStrings } from './policy.js';

/**
 * A baseline's selection (render/selection.ts) as a CEL expression over a Namespace object, for
 * policies that must judge a namespace the binding's namespaceSelector cannot: the API server
 * matches a namespace update on its new labels, so removing the selecting label would escape.
 */

/** CEL for the namespace's labels, {} when it has none. */
export function labelsOf(object: string): string {
  return `(has(${object}.metadata.labels) ? ${object}.metadata.labels : {})`;
}

function requirement(labels: string, key: string, operator: string, values: readonly string[]): string {
  const k = celString(key);
  switch (operator) {
    case 'In':
      return `(${k} in ${labels} && ${labels}[${k}] in ${celStrings(values)})`;
    case 'NotIn':
      return `!(${k} in ${labels} && ${labels}[${k}] in ${celStrings(values)})`;
    case 'Exists':
      return `${k} in ${labels}`;
    default:
      return `!(${k} in ${labels})`;
  }
}

/** Shell-style glob (* and ?) as an anchored RE2 pattern; every other character literal. */
export function globRegex(glob: string): string {
  const literal = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  return `^${literal.replace(/\*/g, '.*').replace(/\?/g, '.')}$`;
}

function excluded(name: string, pattern: string): string {
  return /[*?]/.test(pattern) ? `${name}.matches(${celString(globRegex(pattern))})` : `${name} == ${celString(pattern)}`;
}

export interface Selection {
  namespaceSelector: LabelSelector;
  excludeNamespaces: readonly string[];
}

/** CEL: does the baseline select this Namespace object? Never the system namespaces or the operator's own. */
export function selectedCel(object: string, selection: Selection, operatorNamespace: string): string {
  const name = `${object}.metadata.name`;
  const labels = labelsOf(object);
  const terms = [`!(${name} in ${celStrings([...ALWAYS_EXCLUDED_NAMESPACES, operatorNamespace])})`];
  for (const pattern of selection.excludeNamespaces) terms.push(`!(${excluded(name, pattern)})`);
  for (const [key, value] of Object.entries(selection.namespaceSelector.matchLabels ?? {})) {
    terms.push(`(${celString(key)} in ${labels} && ${labels}[${celString(key)}] == ${celString(value)})`);
  }
  for (const r of selection.namespaceSelector.matchExpressions ?? []) terms.push(requirement(labels, r.key, r.operator, r.values ?? []));
  return terms.join(' && ');
}

/** The label keys the selector reads: changing any of them may change the selection. */
export function selectingKeys(selector: LabelSelector): string[] {
  const keys = [...Object.keys(selector.matchLabels ?? {}), ...(selector.matchExpressions ?? []).map((r) => r.key)];
  return [...new Set(keys)].sort();
}
