/** The audit: a pure check catalog over plain data (no Kubernetes client). */
export type * from './types.js';
export { WORKLOAD_KINDS } from './types.js';
export type { CheckDefinition, CheckMeta, ClusterCheck, NamespaceCheck } from './check.js';
export { CATALOG, CLUSTER_CHECKS, NAMESPACE_CHECKS, checkById } from './catalog.js';
export { evaluateCluster, evaluateNamespace } from './evaluate.js';
export { podSecurityCheckResults, podSecurityChecks, podSecurityViolations } from './podsecurity.js';
export type { PodSecurityCheckId, PodSecurityViolation } from './podsecurity.js';
export { EXEMPTION_EXPIRED, annotationIndex, applyExemptions, resourceKey } from './exemptions.js';
export type { ExemptionOptions, SpecExemption } from './exemptions.js';
export { SEVERITY_WEIGHTS, complianceScore, polarisCounts, polarisScore, summarize } from './scoring.js';
export type { PolarisCounts, Summary } from './scoring.js';
export { ownerOfPod, podTemplateOf, toWorkload, topLevelWorkloads } from './workloads.js';
export type { WorkloadObject } from './workloads.js';
export { catalogMarkdown } from './docs.js';
