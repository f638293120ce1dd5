import { stringify } from 'yaml';
import { OMITTED_ANNOTATION, POLICY_REPORT_NAME, policyReportContent } from '../../audit/policyreport.js';
import { POLICY_REPORT } from '../../kube/resources.js';
import type { AuditReport } from './report.js';

/**
 * `-o policyreport`: one wgpolicyk8s.io/v1alpha2 PolicyReport per namespace, built by the same
 * function the operator writes them with (failures and exemptions listed, everything counted in
 * the summary, bounded in size), as YAML documents.
 */
export function renderPolicyReports(report: AuditReport, namespaces: readonly string[], now: Date): string {
  return namespaces
    .map((ns) => {
      const findings = report.findings.filter((f) => (f.resource.kind === 'Namespace' ? f.resource.name : f.resource.namespace) === ns);
      const { content, omitted } = policyReportContent(ns, findings, now);
      const metadata = { name: POLICY_REPORT_NAME, namespace: ns, ...(omitted > 0 ? { annotations: { [OMITTED_ANNOTATION]: String(omitted) } } : {}) };
      const doc = { apiVersion: POLICY_REPORT.apiVersion, kind: POLICY_REPORT.kind, metadata, ...content };
      return `---\n${stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false })}`;
    })
    .join('');
}
