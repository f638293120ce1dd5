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

export const AUDIT_HELP = `Usage: posture audit -f PATH... [--baseline FILE] [-o FORMAT] [--fail-on SEVERITY] [--namespace NAME]

Audits Kubernetes manifests with the operator's own check catalog (docs/checks.md), offline.

  -f, --filename PATH   a file, a directory (recursive: .yaml, .yml, .json) or - for standard input;
                        repeat for more (helm template ... | posture audit -f -)
  --baseline FILE       a SecurityBaseline whose spec.audit applies (exemptions, disabled checks,
                        allowed registries) and whose podSecurity.enforce sets the level checked
  -n, --namespace NAME  where objects without a namespace are audited (default: default)
  -o, --output FORMAT   table (default), json, sarif, junit or policyreport
  --fail-on SEVERITY    exit 1 when a result fails at this severity or above:
                        critical, high, medium or low
  --show-passed         table: list passing results too
  --complete            the input is everything its namespaces hold, read from a cluster
                        (kubectl get ... -o yaml): what is absent is absent, and pods are live
                        pods, so no check is skipped for want of cluster state

Checks that read what only a cluster knows (a namespace's labels, NetworkPolicies, quotas,
LimitRanges, the default ServiceAccount) are skip, with the reason, unless the input holds them
or --complete is given.

Exit codes: 0 no failing result at or above --fail-on (or no --fail-on), 1 there is one, 2 bad input
(unknown flag, unreadable file, invalid YAML, invalid baseline).
`;

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
