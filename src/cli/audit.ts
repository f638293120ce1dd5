import { AUDIT_HELP } from './help.js';
import type { Severity } from '../audit/types.js';
import { choice, flag, parse, stringValue, stringValues } from './args.js';
import { loadOneBaseline } from './baselines.js';
import { readManifests } from './inputs.js';
import { EXIT_FINDINGS, EXIT_OK, UsageError, type Io } from './io.js';
import { auditManifests } from './offline.js';
import { renderJson } from './output/json.js';
import { renderJunit } from './output/junit.js';
import { renderPolicyReports } from './output/policyreport.js';
import { buildReport, failsAt, SEVERITIES } from './output/report.js';
import { renderSarif } from './output/sarif.js';
import { renderTable } from './output/table.js';
import { version } from './version.js';

const FORMATS = ['table', 'json', 'sarif', 'junit', 'policyreport'] as const;
const FAIL_ON = SEVERITIES.filter((s): s is Exclude<Severity, 'info'> => s !== 'info');

export async function audit(args: readonly string[], io: Io, now: () => Date): Promise<number> {
  const p = parse(args, {
    filename: { type: 'string', short: 'f', multiple: true },
    baseline: { type: 'string' },
    namespace: { type: 'string', short: 'n' },
    output: { type: 'string', short: 'o' },
    'fail-on': { type: 'string' },
    'show-passed': { type: 'boolean' },
    complete: { type: 'boolean' },
  }, 'audit');
  if (flag(p, 'help')) {
    io.stdout(AUDIT_HELP);
    return EXIT_OK;
  }
  const paths = [...stringValues(p, 'filename'), ...p.positionals];
  if (paths.length === 0) throw new UsageError('give the manifests with -f PATH (a file, a directory or - for standard input); see posture audit --help');
  const format = choice(p, 'output', FORMATS, 'table') ?? 'table';
  const failOn = choice(p, 'fail-on', FAIL_ON, undefined);
  const baselinePath = stringValue(p, 'baseline');
  const baseline = baselinePath === undefined ? undefined : await loadOneBaseline(baselinePath, io);
  const { manifests, skipped } = await readManifests(paths, io);
  for (const s of skipped) io.stderr(`posture audit: skipped ${s}\n`);
  const at = now();
  const run = auditManifests(manifests, { namespace: stringValue(p, 'namespace') ?? 'default', complete: flag(p, 'complete'), ...(baseline === undefined ? {} : { baseline }), now: at });
  const report = buildReport(run.findings, (f) => run.locate(f.resource), at);
  switch (format) {
    case 'table':
      io.stdout(renderTable(report, flag(p, 'show-passed')));
      break;
    case 'json':
      io.stdout(renderJson(report));
      break;
    case 'sarif':
      io.stdout(renderSarif(report, version()));
      break;
    case 'junit':
      io.stdout(renderJunit(report));
      break;
    case 'policyreport':
      io.stdout(renderPolicyReports(report, run.namespaces, at));
      break;
  }
  if (failOn !== undefined && failsAt(report, failOn)) {
    const count = report.results.filter((r) => r.result === 'fail' && SEVERITIES.indexOf(r.severity) <= SEVERITIES.indexOf(failOn)).length;
    io.stderr(`posture audit: ${count} failing result${count === 1 ? '' : 's'} at ${failOn} or above\n`);
    return EXIT_FINDINGS;
  }
  return EXIT_OK;
}
