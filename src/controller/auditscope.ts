import { selects, type NamespaceFacts, type ValidBaseline } from '../render/selection.js';
import type { CachedObject } from '../runtime/caches.js';
import type { NamespaceScope } from '../runtime/scope.js';
import type { Source } from '../runtime/source.js';
import type { BaselineChange, BaselineRegistry } from './baselines.js';

/** Some baseline that may win namespaces selects this one: the audit reads what runs in it. */
export function selectedBySome(baselines: readonly ValidBaseline[], ns: NamespaceFacts, operatorNamespace: string | undefined): boolean {
  return baselines.some((b) => selects(b, ns, operatorNamespace));
}

export interface ScopeDeps {
  scope: NamespaceScope;
  baselines: BaselineRegistry;
  baselineChanges: Source<BaselineChange>;
  namespaces: Source<CachedObject>;
  operatorNamespace: string | undefined;
}

/**
 * Keeps the caches' scope to the namespaces some baseline selects: a namespace's labels changed, or
 * a baseline's spec, and the namespaces concerned enter or leave it. A tenant's objects in a
 * namespace no baseline selects are never cached (issue 17, row 1).
 */
export function trackScope(deps: ScopeDeps): void {
  const { scope, baselines, operatorNamespace } = deps;
  const update = (ns: CachedObject): void => {
    const name = ns.metadata?.name;
    if (name === undefined) return;
    scope.set(name, selectedBySome(baselines.selectable(), { name, labels: ns.metadata?.labels ?? {} }, operatorNamespace));
  };
  deps.namespaces.on((event, ns) => {
    if (event === 'delete') {
      if (ns.metadata?.name !== undefined) scope.set(ns.metadata.name, false);
      return;
    }
    update(ns);
  });
  deps.baselineChanges.on((_event, change) => {
    if (!change.specChanged) return;
    for (const ns of deps.namespaces.list()) update(ns);
  });
}
