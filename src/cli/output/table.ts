import type { AuditReport, AuditResult } from './report.js';
import { severityRank } from './report.js';

const RESULT_ORDER = ['fail', 'error', 'warn', 'skip', 'pass'];

function objectOf(r: AuditResult): string {
  if (r.resource.kind === 'Namespace') return `Namespace ${r.resource.name}`;
  return r.resource.namespace === '' ? `${r.resource.kind} ${r.resource.name}` : `${r.resource.kind} ${r.resource.namespace}/${r.resource.name}`;
}

function pad(text: string, width: number): string {
  return text.length >= width ? `${text} ` : text.padEnd(width);
}

/**
 * `-o table`: one line per result that is not a pass (worst first), the message indented under
 * it, then the totals. Plain text without colour or wide columns, so CI logs show it as a terminal does.
 */
export function renderTable(report: AuditReport, showPassed: boolean): string {
  const shown = report.results
    .filter((r) => showPassed || r.result !== 'pass')
    .sort((a, b) => RESULT_ORDER.indexOf(a.result) - RESULT_ORDER.indexOf(b.result) || severityRank(a.severity) - severityRank(b.severity) || a.check.localeCompare(b.check, 'en', { numeric: true }) || objectOf(a).localeCompare(objectOf(b)));
  const lines: string[] = [];
  if (shown.length > 0) lines.push(`${pad('RESULT', 7)}${pad('SEVERITY', 10)}${pad('CHECK', 18)}OBJECT`);
  for (const r of shown) {
    const where = r.location === undefined ? '' : `  (${r.location.file}:${r.location.line})`;
    lines.push(`${pad(r.result, 7)}${pad(r.severity, 10)}${pad(r.check, 18)}${objectOf(r)}${where}`);
    lines.push(`       ${r.message}`);
  }
  const s = report.summary;
  if (lines.length > 0) lines.push('');
  lines.push(`${report.results.length} results: ${s.pass} pass, ${s.fail} fail, ${s.warn} warn, ${s.error} error, ${s.skip} skip. Score ${report.score}/100.`);
  return `${lines.join('\n')}\n`;
}
