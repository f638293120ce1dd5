import { POLICY_REPORT_NAME } from '../api/names.js';
import { checkById } from './catalog.js';
import { summarize } from './scoring.js';
import type { Finding } from './types.js';
import { apiVersionOfKind } from '../kube/resources.js';

/**
 * The wgpolicyk8s.io/v1alpha2 PolicyReport that Policy Reporter and Kyverno's tooling read.
 *
 * It always fits in one request: results are the failing ones (fail, warn, error) and the exempted
 * ones (skips an exemption caused, which are failures someone chose to accept); passes and
 * not-applicable skips are only counted in the summary. Results go most severe first, messages and
 * properties are bounded, and results beyond MAX_REPORT_BYTES are left out and counted in the
 * annotation posture.dev/results-omitted. The summary always counts everything.
 */

export { POLICY_REPORT_NAME };
export const OMITTED_ANNOTATION = 'posture.dev/results-omitted';
const SOURCE = 'posture-operator';

/**
 * The results' budget. etcd refuses requests over 1.5 MiB (its --max-request-bytes default) and the
 * API server bodies over 3 MiB; the rest of the object (summary, metadata, managedFields) is small.
 */
export const MAX_REPORT_BYTES = 768 * 1024;
const MAX_MESSAGE = 1024;
const MAX_PROPERTY = 256;

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

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}...`;
}

const SEVERITY_RANK: Readonly<Record<string, number>> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };
const RESULT_RANK: Readonly<Record<string, number>> = { fail: 0, error: 1, warn: 2, skip: 3 };

/** Listed in the report: what fails, and what an exemption turned from a failure into a skip. */
export function isReported(f: Finding): boolean {
  return f.result === 'fail' || f.result === 'warn' || f.result === 'error' || (f.result === 'skip' && f.properties?.['exemption'] !== undefined);
}

function byImportance(a: Finding, b: Finding): number {
  return (
    (SEVERITY_RANK[a.severity] ?? 5) - (SEVERITY_RANK[b.severity] ?? 5) ||
    (RESULT_RANK[a.result] ?? 4) - (RESULT_RANK[b.result] ?? 4) ||
    compare(a.checkId, b.checkId) ||
    compare(a.resource.kind, b.resource.kind) ||
    compare(a.resource.name, b.resource.name)
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function policyReportResults(findings: readonly Finding[], now: Date): PolicyReportResult[] {
  const seconds = Math.floor(now.getTime() / 1000);
  return findings.map((f) => {
    const check = checkById(f.checkId);
    const resource = { apiVersion: apiVersionOfKind(f.resource.kind) ?? 'v1', kind: f.resource.kind, name: f.resource.name };
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
      message: clip(f.message, MAX_MESSAGE),
      ...(f.properties === undefined ? {} : { properties: Object.fromEntries(Object.entries(f.properties).map(([k, v]) => [clip(k, MAX_PROPERTY), clip(v, MAX_PROPERTY)])) }),
    };
  });
}

export interface PolicyReportContent {
  scope: Record<string, string>;
  summary: Record<string, number>;
  results: PolicyReportResult[];
}

/**
 * The report body for server-side apply, and how many results did not fit; metadata (labels,
 * owner, the omitted count) is added by the caller.
 */
export function policyReportContent(namespace: string, findings: readonly Finding[], now: Date): { content: PolicyReportContent; omitted: number } {
  const listed = findings.filter(isReported).sort(byImportance);
  const results: PolicyReportResult[] = [];
  let bytes = 0;
  for (const result of policyReportResults(listed, now)) {
    bytes += Buffer.byteLength(JSON.stringify(result)) + 1;
    if (bytes > MAX_REPORT_BYTES) break;
    results.push(result);
  }
  return {
    content: { scope: { apiVersion: 'v1', kind: 'Namespace', name: namespace }, summary: { ...summarize(findings) }, results },
    omitted: listed.length - results.length,
  };
}
