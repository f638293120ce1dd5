import { AUDITED_TYPES, MANAGED_TYPES, NAMESPACE, POLICY_REPORT } from '../kube/resources.js';
import { namesOf, type CacheReader } from '../runtime/caches.js';
import { nameKey, watchMapped, type ControllerSpec, type Watch } from '../runtime/controller.js';
import type { Source } from '../runtime/source.js';
import { Auditor, type AuditorDeps } from './auditor.js';

/** A burst of changes in a namespace (a rollout, say) is audited once. */
const AUDIT_DEBOUNCE_MS = 500;

export interface AuditDeps extends Omit<AuditorDeps, 'caches'> {
  caches: CacheReader;
  concurrency: number;
  /** Namespaces the enforcement controller just reconciled: audited with their winner known. */
  enforced: Source<string>;
  /** The PolicyReport CRD came or went: every namespace is audited again. */
  reportsChanged?: Source<string>;
}

/**
 * The audit: keyed by namespace, it evaluates the checks against what runs there and records the
 * result (status, metrics, PolicyReport, FindingOpened events). Every change in a namespace audits
 * it again after a short debounce; a ClusterRole or ClusterRoleBinding change audits them all.
 */
export function auditController(deps: AuditDeps): ControllerSpec<string> {
  const { caches } = deps;
  const auditor = new Auditor(deps);
  const namespaces = caches.source(NAMESPACE.plural);
  const inNamespace = (plural: string): Watch<string> =>
    watchMapped(plural, caches.source(plural), (_event, o) => (o.metadata?.namespace === undefined ? [] : [o.metadata.namespace]), AUDIT_DEBOUNCE_MS);
  // Rare, and any namespace may bind them: audit them all, once, after the burst.
  const everyNamespace = (plural: string): Watch<string> =>
    watchMapped(plural, caches.source(plural), () => namesOf(namespaces.list()), AUDIT_DEBOUNCE_MS);
  return {
    name: 'audit',
    keys: nameKey,
    concurrency: deps.concurrency,
    watches: [
      watchMapped('namespaces (enforced)', deps.enforced, (_event, ns) => [ns], AUDIT_DEBOUNCE_MS),
      // A namespace newly selected is audited once the caches hold it whole.
      ...(deps.scope === undefined ? [] : [watchMapped('namespaces (listed)', deps.scope.listed, (_event, ns) => [ns])]),
      ...(deps.reportsChanged === undefined ? [] : [watchMapped('the PolicyReport CRD', deps.reportsChanged, () => namesOf(namespaces.list()), AUDIT_DEBOUNCE_MS)]),
      // A deleted namespace's open findings are forgotten at once: one recreated under its name announces its own.
      watchMapped(NAMESPACE.plural, namespaces, (event, ns) => {
        if (event === 'delete' && ns.metadata?.name !== undefined) auditor.forget(ns.metadata.name);
        return [];
      }),
      ...[...MANAGED_TYPES, ...AUDITED_TYPES].map((type) => (type.namespaced ? inNamespace(type.plural) : everyNamespace(type.plural))),
      // Our own report changed or deleted by someone else: written again. Our own writes do not re-audit.
      watchMapped(
        POLICY_REPORT.plural,
        caches.source(POLICY_REPORT.plural),
        (event, o) => (o.metadata?.namespace !== undefined && auditor.reportTampered(o.metadata.namespace, event, o) ? [o.metadata.namespace] : []),
        AUDIT_DEBOUNCE_MS,
      ),
    ],
    reconcile: async (namespace, ctx) => {
      await auditor.audit(namespace, ctx.wrote);
      return {};
    },
  };
}
