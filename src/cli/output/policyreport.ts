import { stringify } from 'yaml';
import { POLICY_REPORT_NAME, policyReportContent } from '../../audit/policyreport.js';
import { POLICY_REPORT } from '../../kube/resources.js';
import type { AuditReport } from './report.js';

/**
 * `-o policyreport`: one wgpolicyk8s.io/v1alpha2 PolicyReport per namespace, built by the same
 * function the operator writes them with, as YAML documents.
 */
export function renderPolicyReports(report: AuditReport, namespaces: readonly string[], now: Date): string {
  return namespaces
    .map((ns) => {
      const findings = report.findings.filter((f) => (f.resource.kind === 'Namespace' ? f.resource.name : f.resource.namespace) === ns);
      const doc = { apiVersion: POLICY_REPORT.apiVersion, kind: POLICY_REPORT.kind, metadata: { name: POLICY_REPORT_NAME, namespace: ns }, ...policyReportContent(ns, findings, now) };
      return `---\n${stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false })}`;
    })
    .join('');
}
