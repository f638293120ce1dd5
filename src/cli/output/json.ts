import type { AuditReport } from './report.js';

/** `-o json`: {"results": [...], "summary": {...}, "score": N}, as documented in docs/cli.md. */
export function renderJson(report: AuditReport): string {
  const results = report.results.map((r) => ({ check: r.check, severity: r.severity, result: r.result, message: r.message, resource: r.resource }));
  return `${JSON.stringify({ results, summary: report.summary, score: report.score }, null, 2)}\n`;
}
