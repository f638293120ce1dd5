import { checkById } from '../../audit/catalog.js';
import type { Severity } from '../../audit/types.js';
import type { AuditReport, AuditResult } from './report.js';

const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

/** GitHub code scanning ranks alerts by `security-severity` (0.0-10.0): its own bands for critical..low. */
const SECURITY_SEVERITY: Readonly<Record<Severity, string>> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '0.0' };
const LEVEL: Readonly<Record<Severity, 'error' | 'warning' | 'note'>> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' };

interface Rule {
  id: string;
  name: string;
  shortDescription: { text: string };
  help: { text: string };
  defaultConfiguration: { level: string };
  properties: { tags: string[]; 'security-severity': string; precision: string };
}

function rule(id: string, severity: Severity): Rule {
  const check = checkById(id);
  const title = check?.title ?? (id === 'EXEMPTION-EXPIRED' ? 'Exemption expired' : id);
  return {
    id,
    name: title.replace(/[^A-Za-z0-9]+/g, ' ').trim().split(' ').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(''),
    shortDescription: { text: title },
    help: { text: `${id}: ${title}. The check, its equivalents in other tools and how to fix it: docs/checks.md in posture-operator.` },
    defaultConfiguration: { level: LEVEL[check?.severity ?? severity] },
    properties: { tags: ['security', 'kubernetes', ...(check === undefined ? [] : [check.category.toLowerCase(), ...check.equivalents])], 'security-severity': SECURITY_SEVERITY[check?.severity ?? severity], precision: 'very-high' },
  };
}

function objectName(r: AuditResult): string {
  return r.resource.kind === 'Namespace' ? `Namespace ${r.resource.name}` : `${r.resource.kind} ${r.resource.namespace === '' ? '' : `${r.resource.namespace}/`}${r.resource.name}`;
}

/** A relative path with forward slashes, as SARIF's artifactLocation.uri wants (standard input: `stdin`). */
function uriOf(file: string): string {
  if (file === '-') return 'stdin';
  return file.split(/[\\/]/).map(encodeURIComponent).join('/');
}

/**
 * `-o sarif`: SARIF 2.1.0 for GitHub code scanning. Failing and warning results only (code
 * scanning shows alerts, not passes); each points at the file and line of its object, with the
 * severity as `security-severity` so alerts rank as critical, high, medium or low.
 */
export function renderSarif(report: AuditReport, version: string): string {
  const shown = report.results.filter((r) => r.result === 'fail' || r.result === 'warn');
  const ruleIds = [...new Set(shown.map((r) => r.check))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const rules = ruleIds.map((id) => rule(id, shown.find((r) => r.check === id)?.severity ?? 'medium'));
  const results = shown.map((r) => ({
    ruleId: r.check,
    ruleIndex: ruleIds.indexOf(r.check),
    level: r.result === 'warn' ? 'warning' : LEVEL[r.severity],
    message: { text: `${objectName(r)}: ${r.message}` },
    locations:
      r.location === undefined
        ? []
        : [{ physicalLocation: { artifactLocation: { uri: uriOf(r.location.file), ...(r.location.file === '-' ? {} : { uriBaseId: '%SRCROOT%' }) }, region: { startLine: r.location.line } } }],
    partialFingerprints: { 'postureObject/v1': `${r.check}/${r.resource.kind}/${r.resource.namespace}/${r.resource.name}` },
    properties: { severity: r.severity, 'security-severity': SECURITY_SEVERITY[r.severity], resource: r.resource },
  }));
  const log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'posture', semanticVersion: version, version, rules } },
        automationDetails: { id: 'posture-audit/' },
        results,
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
