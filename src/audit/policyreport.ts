import { createHash } from 'node:crypto';
import { checkById } from './catalog.js';
import { summarize } from './scoring.js';
import type { Finding } from './types.js';

/** The wgpolicyk8s.io/v1alpha2 PolicyReport that Policy Reporter and Kyverno's tooling read. */

export const POLICY_REPORT_NAME = 'posture-audit';
export const RESULTS_HASH_ANNOTATION = 'posture.dev/results-hash';
const SOURCE = 'posture-operator';

const API_VERSION_OF: Record<string, string> = {
  Pod: 'v1',
  Namespace: 'v1',
  ServiceAccount: 'v1',
  Service: 'v1',
  ConfigMap: 'v1',
  ResourceQuota: 'v1',
  LimitRange: 'v1',
  Deployment: 'apps/v1',
  ReplicaSet: 'apps/v1',
  StatefulSet: 'apps/v1',
  DaemonSet: 'apps/v1',
  Job: 'batch/v1',
  CronJob: 'batch/v1',
  Ingress: 'networking.k8s.io/v1',
  NetworkPolicy: 'networking.k8s.io/v1',
  Role: 'rbac.authorization.k8s.io/v1',
  RoleBinding: 'rbac.authorization.k8s.io/v1',
  ClusterRole: 'rbac.authorization.k8s.io/v1',
  ClusterRoleBinding: 'rbac.authorization.k8s.io/v1',
};

export interface PolicyReportResult {
  source: string;
  policy: string;
  rule: string;
  category: string;
  severity: string;
  timestamp: { seconds: number; nanos: number };
  result: string;
  scored: boolean;
  resources: { apiVersion: string; kind: string; name: string; namespace?: string }[];
  message: string;
  properties?: Record<string, string>;
}

/** A stable digest of what the report says, leaving out timestamps, to write it only when results change. */
export function resultsHash(findings: readonly Finding[]): string {
  const canonical = findings
    .map((f) => [f.checkId, f.result, f.resource.kind, f.resource.namespace, f.resource.name, f.message].join('\u0000'))
    .sort()
    .join('\n');
  return createHash('sha256').update(canonical).digest('hex').slice(0, 32);
}

export function policyReportResults(findings: readonly Finding[], now: Date): PolicyReportResult[] {
  const seconds = Math.floor(now.getTime() / 1000);
  return findings.map((f) => {
    const check = checkById(f.checkId);
    const resource = { apiVersion: API_VERSION_OF[f.resource.kind] ?? 'v1', kind: f.resource.kind, name: f.resource.name };
    return {
      source: SOURCE,
      policy: f.checkId,
      rule: check?.title ?? f.checkId,
      category: check?.category ?? 'Other',
      severity: f.severity,
      timestamp: { seconds, nanos: 0 },
      result: f.result,
      scored: true,
      resources: [f.resource.namespace === '' ? resource : { ...resource, namespace: f.resource.namespace }],
      message: f.message,
      ...(f.properties === undefined ? {} : { properties: { ...f.properties } }),
    };
  });
}

/** The report body for server-side apply; metadata (labels, owner) is added by the caller. */
export function policyReportContent(namespace: string, findings: readonly Finding[], now: Date): { scope: Record<string, string>; summary: Record<string, number>; results: PolicyReportResult[] } {
  return {
    scope: { apiVersion: 'v1', kind: 'Namespace', name: namespace },
    summary: { ...summarize(findings) },
    results: policyReportResults(findings, now),
  };
}
