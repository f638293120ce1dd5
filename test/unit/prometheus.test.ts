import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { Metrics } from '../../src/observability/metrics.js';

/**
 * The alerts in config/prometheus: checked and unit-tested by promtool (Debian package `prometheus`;
 * hack/ensure-tools.sh installs it), the PrometheusRule kept identical to the plain rule file, and
 * every alert tied to its runbook, its tests and the metrics the operator really exports.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));
const PROMTOOL_TIMEOUT_MS = 30_000;

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleFile {
  groups: { name: string; rules: Rule[] }[];
}
interface AlertTest {
  eval_time: string;
  alertname: string;
  exp_alerts: unknown[];
}
interface RuleTestFile {
  rule_files: string[];
  tests: { name?: string; alert_rule_test?: AlertTest[] }[];
}
interface KubeObject {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
}

function read(path: string): string {
  return readFileSync(`${root}${path}`, 'utf8');
}

function promtool(...args: string[]): { status: number | null; output: string } {
  const result = spawnSync('promtool', args, { cwd: root, encoding: 'utf8', timeout: PROMTOOL_TIMEOUT_MS });
  if (result.error !== undefined) {
    const missing = (result.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(
      missing
        ? 'promtool not found: install the Debian package `prometheus` (apt-get install -y --no-install-recommends prometheus); hack/ensure-tools.sh does it'
        : `promtool ${args.join(' ')}: ${result.error.message}`,
    );
  }
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const ruleFile = parse(read('config/prometheus/rules.yaml')) as RuleFile;
const alerts = ruleFile.groups.flatMap((g) => g.rules).filter((r): r is Rule & { alert: string } => r.alert !== undefined);

const EXPECTED_ALERTS = [
  'PostureDriftDetected',
  'PostureNamespacesLost',
  'PostureNamespaceNonCompliant',
  'PostureReconcileErrors',
  'PostureReconcileStale',
  'PostureOperatorAbsent',
  'PostureNoLeader',
  'PostureComplianceDropped',
  'PostureCriticalFinding',
];

function alert(name: string): Rule & { alert: string } {
  const found = alerts.find((a) => a.alert === name);
  assert.ok(found, `alert ${name} not in rules.yaml`);
  return found;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  for (const line of markdown.split('\n')) {
    const m = /^#{1,6}\s+(.*)$/.exec(line);
    if (m?.[1] !== undefined) out.add(m[1].trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-'));
  }
  return out;
}

describe('Prometheus alerts (config/prometheus)', () => {
  it('pass promtool check rules', () => {
    const { status, output } = promtool('check', 'rules', 'config/prometheus/rules.yaml');
    assert.equal(status, 0, output);
    assert.match(output, new RegExp(`SUCCESS: ${alerts.length} rules found`));
  }).timeout(PROMTOOL_TIMEOUT_MS);

  it('pass their promtool unit tests (rules_test.yaml)', () => {
    const { status, output } = promtool('test', 'rules', 'config/prometheus/rules_test.yaml');
    assert.equal(status, 0, output);
    assert.match(output, /SUCCESS/);
  }).timeout(PROMTOOL_TIMEOUT_MS);

  it('are exactly the designed alerts', () => {
    assert.deepEqual(alerts.map((a) => a.alert).sort(), [...EXPECTED_ALERTS].sort());
  });

  it('ship in the Helm chart as the same file (charts/posture-operator/files/rules.yaml)', () => {
    assert.equal(read('charts/posture-operator/files/rules.yaml'), read('config/prometheus/rules.yaml'));
  });

  it('keep the PrometheusRule spec identical to rules.yaml', () => {
    const docs = parseAllDocuments(read('config/prometheus/prometheusrule.yaml')).map((d) => d.toJS() as KubeObject);
    assert.equal(docs.length, 1);
    const rule = docs[0];
    assert.ok(rule);
    assert.equal(rule.kind, 'PrometheusRule');
    assert.deepEqual(rule.spec, ruleFile);
  });

  it('give every alert a severity, summary, description and a runbook anchor that exists in docs/alerts.md', () => {
    const docAnchors = anchors(read('docs/alerts.md'));
    for (const a of alerts) {
      assert.match(a.labels?.severity ?? '', /^(warning|critical)$/, `${a.alert}: severity`);
      assert.ok((a.annotations?.summary ?? '') !== '', `${a.alert}: summary`);
      assert.ok((a.annotations?.description ?? '') !== '', `${a.alert}: description`);
      const url = a.annotations?.runbook_url ?? '';
      const m = /^https:\/\/github\.com\/posture-dev\/posture-operator\/blob\/main\/docs\/alerts\.md#([a-z0-9-]+)$/.exec(url);
      assert.ok(m?.[1] !== undefined, `${a.alert}: runbook_url ${url}`);
      assert.equal(m[1], a.alert.toLowerCase(), `${a.alert}: runbook anchor`);
      assert.ok(docAnchors.has(m[1]), `${a.alert}: docs/alerts.md has no section #${m[1]}`);
    }
  });

  it('appear in docs/alerts.md with the expressions of rules.yaml', () => {
    const squash = (s: string): string => s.replace(/\s+/g, ' ').trim();
    const doc = squash(read('docs/alerts.md'));
    for (const a of alerts) assert.ok(doc.includes(squash(a.expr)), `docs/alerts.md: expression of ${a.alert} is not the one in rules.yaml`);
  });

  it('use the severities and durations the design asks for', () => {
    assert.equal(alert('PostureDriftDetected').labels?.severity, 'warning');
    assert.match(alert('PostureDriftDetected').expr, /increase\(posture_drift_detected_total\[10m\]\) > 0/);
    assert.match(alert('PostureNamespacesLost').expr, /increase\(posture_namespaces_lost_total\[10m\]\) > 0/);
    assert.equal(alert('PostureNamespaceNonCompliant').labels?.severity, 'warning');
    assert.equal(alert('PostureNamespaceNonCompliant').for, '15m');
    assert.match(alert('PostureNamespaceNonCompliant').expr, /ignoring\(state\)/);
    assert.equal(alert('PostureReconcileErrors').for, '10m');
    assert.equal(alert('PostureOperatorAbsent').labels?.severity, 'critical');
    assert.equal(alert('PostureOperatorAbsent').for, '5m');
    assert.match(alert('PostureOperatorAbsent').expr, /absent\(up\{job="posture-operator"\} == 1\)/);
    assert.equal(alert('PostureNoLeader').labels?.severity, 'critical');
    assert.match(alert('PostureNoLeader').expr, /posture_leader/);
    // The first drift after a restart is an increase: the operator creates the counters at zero.
    assert.equal(alert('PostureDriftDetected').expr.trim(), 'increase(posture_drift_detected_total[10m]) > 0');
    assert.equal(alert('PostureComplianceDropped').labels?.severity, 'warning');
    assert.equal(alert('PostureComplianceDropped').for, '15m');
    assert.equal(alert('PostureCriticalFinding').labels?.severity, 'critical');
    assert.match(alert('PostureCriticalFinding').expr, /posture_findings\{severity="critical"\} > 0/);
    // Stale must not rest on the last-status-write timestamp: it does not move in a healthy steady state.
    assert.doesNotMatch(alert('PostureReconcileStale').expr, /posture_last_reconcile_timestamp_seconds/);
  });

  it('only use metrics the operator exports (or that the design fixes and are harmless when absent)', () => {
    const exported = new Set(
      new Metrics({ defaultMetrics: false }).registry.getMetricsAsArray().flatMap((m) => {
        const name = m.name;
        return [name, `${name}_bucket`, `${name}_sum`, `${name}_count`];
      }),
    );
    for (const a of alerts) {
      for (const used of a.expr.match(/\bposture_[a-z_]+/g) ?? []) {
        assert.ok(exported.has(used), `${a.alert} uses ${used}, which the operator does not export`);
      }
    }
  });

  it('have promtool tests for every alert, both firing and not firing', () => {
    const tests = parse(read('config/prometheus/rules_test.yaml')) as RuleTestFile;
    assert.deepEqual(tests.rule_files, ['rules.yaml']);
    const cases = tests.tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const name of EXPECTED_ALERTS) {
      const mine = cases.filter((c) => c.alertname === name);
      assert.ok(mine.some((c) => c.exp_alerts.length > 0), `${name}: no test where it fires`);
      assert.ok(mine.some((c) => c.exp_alerts.length === 0), `${name}: no test where it does not fire`);
    }
    assert.ok(
      tests.tests.some((t) => /healthy idle operator does not fire stale/.test(t.name ?? '')),
      'rules_test.yaml: the healthy idle operator case for PostureReconcileStale',
    );
  });

  it('scrape over HTTPS with Prometheus\'s token, which the reader binding lets read /metrics', () => {
    const [monitor] = parseAllDocuments(read('config/prometheus/servicemonitor.yaml')).map((d) => d.toJS() as KubeObject);
    const endpoints = (monitor?.spec as { endpoints: { scheme: string; bearerTokenFile?: string; tlsConfig?: Record<string, unknown> }[] }).endpoints;
    assert.deepEqual(endpoints.map((e) => [e.scheme, e.bearerTokenFile]), [['https', '/var/run/secrets/kubernetes.io/serviceaccount/token']]);
    const [binding] = parseAllDocuments(read('config/prometheus/metrics_reader_binding.yaml')).map((d) => d.toJS() as { roleRef: { kind: string; name: string } });
    assert.deepEqual(binding?.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'posture-metrics-reader' });
    const [reader] = parseAllDocuments(read('config/rbac/metrics_reader_role.yaml')).map((d) => d.toJS() as { rules: unknown[] });
    assert.deepEqual(reader?.rules, [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }]);
  });

  it('scrape the metrics Service of config/manager under job="posture-operator"', () => {
    const [monitor] = parseAllDocuments(read('config/prometheus/servicemonitor.yaml')).map((d) => d.toJS() as KubeObject);
    const [service] = parseAllDocuments(read('config/manager/service.yaml')).map((d) => d.toJS() as KubeObject);
    assert.ok(monitor && service);
    const spec = monitor.spec as {
      jobLabel: string;
      namespaceSelector: { matchNames: string[] };
      selector: { matchLabels: Record<string, string> };
      endpoints: { port: string; path: string }[];
    };
    const serviceLabels = service.metadata.labels ?? {};
    for (const [k, v] of Object.entries(spec.selector.matchLabels)) assert.equal(serviceLabels[k], v, `Service label ${k}`);
    assert.deepEqual(spec.namespaceSelector.matchNames, ['posture-system']);
    assert.equal(serviceLabels[spec.jobLabel], 'posture-operator', 'the job label the alerts select on');
    const ports = (service.spec as { ports: { name: string }[] }).ports.map((p) => p.name);
    assert.deepEqual(spec.endpoints.map((e) => [e.port, e.path]), [['metrics', '/metrics']]);
    assert.ok(ports.includes('metrics'));
    for (const a of alerts) {
      for (const job of a.expr.match(/job="[^"]*"/g) ?? []) assert.equal(job, 'job="posture-operator"', a.alert);
    }
  });
});
