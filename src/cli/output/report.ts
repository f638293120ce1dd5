import { policyReportResults } from '../../audit/policyreport.js';
import { complianceScore, summarize, type Summary } from '../../audit/scoring.js';
import type { Finding, Severity } from '../../audit/types.js';
import type { Location } from '../offline.js';

/** One result of `posture audit`, in the shape `-o json` prints (plus where its object is). */
export interface AuditResult {
  check: string;
  severity: Severity;
  result: Finding['result'];
  message: string;
  resource: { apiVersion: string; kind: string; namespace: string; name: string };
  location?: Location;
}

export interface AuditReport {
  results: AuditResult[];
  summary: Summary;
  score: number;
  findings: readonly Finding[];
}

export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

/** Results with the resource's apiVersion as the PolicyReport gives it, so both outputs agree. */
export function buildReport(findings: readonly Finding[], locate: (f: Finding) => Location | undefined, now: Date): AuditReport {
  const rows = policyReportResults(findings, now);
  const results = findings.map((f, i): AuditResult => {
    const location = locate(f);
    return {
      check: f.checkId,
      severity: f.severity,
      result: f.result,
      message: f.message,
      resource: { apiVersion: rows[i]?.resources[0]?.apiVersion ?? 'v1', kind: f.resource.kind, namespace: f.resource.kind === 'Namespace' ? f.resource.name : f.resource.namespace, name: f.resource.name },
      ...(location === undefined ? {} : { location }),
    };
  });
  return { results, summary: summarize(findings), score: complianceScore(findings), findings };
}

/** True when a failing result is at or above the threshold. */
export function failsAt(report: AuditReport, threshold: Severity): boolean {
  return report.results.some((r) => r.result === 'fail' && severityRank(r.severity) <= severityRank(threshold));
}
