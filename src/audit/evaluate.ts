/** Running the catalog: each check isolated, so one failing check reports `error` and the rest still run. */
import { CLUSTER_CHECKS, NAMESPACE_CHECKS } from './catalog.js';
import type { CheckMeta } from './check.js';
import { finding } from './check.js';
import { applyExemptions, EXEMPTION_EXPIRED, type SpecExemption } from './exemptions.js';
import type { AuditInput, ClusterAuditInput, Finding, ResourceRef } from './types.js';

/** The one finding a check that threw reports instead of its results. */
export function checkFailed(meta: CheckMeta, resource: ResourceRef, err: unknown): Finding {
  const reason = err instanceof Error ? err.message : String(err);
  return finding(meta, resource, 'error', `the check failed: ${reason}`);
}

function guarded(meta: CheckMeta, resource: ResourceRef, run: () => Finding[]): Finding[] {
  try {
    return run();
  } catch (err) {
    return [checkFailed(meta, resource, err)];
  }
}

/** What a namespace-wide finding (or a check's failure) is about. */
export function namespaceRef(input: AuditInput): ResourceRef {
  return { kind: 'Namespace', namespace: '', name: input.namespace.name };
}

/** All namespace-scoped checks on one namespace, in catalog order, minus config.disabledChecks. */
export function evaluateNamespace(input: AuditInput): Finding[] {
  const disabled = new Set(input.config.disabledChecks ?? []);
  const resource = namespaceRef(input);
  return NAMESPACE_CHECKS.filter((c) => !disabled.has(c.id)).flatMap((c) => guarded(c, resource, () => c.evaluate(input)));
}

/** The cluster-level checks (CL-001). */
export function evaluateCluster(input: ClusterAuditInput, disabledChecks: readonly string[] = []): Finding[] {
  const disabled = new Set(disabledChecks);
  const resource = { kind: 'Cluster', namespace: '', name: 'kubernetes' };
  return CLUSTER_CHECKS.filter((c) => !disabled.has(c.id)).flatMap((c) => guarded(c, resource, () => c.evaluate(input)));
}

/**
 * The cluster findings as one baseline sees them: without its disabledChecks, and with those of its
 * exemptions that cover every namespace (an exemption naming namespaces cannot cover the cluster).
 * Expired exemptions are reported per namespace already, not again here.
 */
export function clusterFindingsFor(findings: readonly Finding[], audit: { disabledChecks: readonly string[]; exemptions: readonly SpecExemption[] }, now: Date): Finding[] {
  const disabled = new Set(audit.disabledChecks);
  const specExemptions = audit.exemptions.filter((e) => (e.namespaces ?? []).length === 0);
  return applyExemptions(
    findings.filter((f) => !disabled.has(f.checkId)),
    { specExemptions, now, namespace: '' },
  ).filter((f) => f.checkId !== EXEMPTION_EXPIRED);
}
