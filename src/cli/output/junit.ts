import type { AuditReport, AuditResult } from './report.js';

function xml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c).replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD]/gu, '');
}

function testcase(r: AuditResult): string {
  const object = r.resource.kind === 'Namespace' ? `Namespace/${r.resource.name}` : `${r.resource.kind}/${r.resource.namespace}/${r.resource.name}`;
  const open = `    <testcase classname="${xml(object)}" name="${xml(`${r.check} (${r.severity})`)}"${r.location === undefined ? '' : ` file="${xml(r.location.file)}" line="${r.location.line}"`}>`;
  const msg = xml(r.message);
  switch (r.result) {
    case 'fail':
    case 'warn':
      return `${open}\n      <failure type="${r.result}" message="${msg}">${msg}</failure>\n    </testcase>`;
    case 'error':
      return `${open}\n      <error message="${msg}">${msg}</error>\n    </testcase>`;
    case 'skip':
      return `${open}\n      <skipped message="${msg}"/>\n    </testcase>`;
    case 'pass':
      return `${open}</testcase>`;
  }
}

/** `-o junit`: one testcase per result, grouped in one testsuite per namespace (CI systems render JUnit natively). */
export function renderJunit(report: AuditReport): string {
  const byNamespace = new Map<string, AuditResult[]>();
  for (const r of report.results) byNamespace.set(r.resource.namespace, [...(byNamespace.get(r.resource.namespace) ?? []), r]);
  const suites = [...byNamespace.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([ns, results]) => {
    const count = (kind: string): number => results.filter((r) => r.result === kind).length;
    const failures = count('fail') + count('warn');
    return [`  <testsuite name="${xml(`posture audit: ${ns === '' ? 'cluster' : ns}`)}" tests="${results.length}" failures="${failures}" errors="${count('error')}" skipped="${count('skip')}">`, ...results.map(testcase), '  </testsuite>'].join('\n');
  });
  const s = report.summary;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="posture audit" tests="${report.results.length}" failures="${s.fail + s.warn}" errors="${s.error}" skipped="${s.skip}">\n${suites.join('\n')}\n</testsuites>\n`;
}
