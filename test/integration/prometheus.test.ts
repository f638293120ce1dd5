import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ControlPlane } from '../../hack/controlplane/launcher.js';
import { repoRoot } from '../../hack/install.js';
import { sharedControlPlane } from './support/controlplane.js';
import { admin, condition, fetchAsAdmin, type Admin } from './support/kube.js';
import { freePort, startOperator, type RunningOperator } from './support/operator.js';
import { eventually } from './support/wait.js';

/**
 * A real Prometheus (Debian's package, as promtool) scrapes the operator on the local control plane
 * every second with the shipped rules.yaml: every panel of the Grafana dashboard gets data, and the
 * first drift after a restart fires PostureDriftDetected.
 */

const NS = 'dash-a';
const BASELINE = 'dashboard';

interface Panel {
  title: string;
  targets?: { expr: string }[];
}

interface QueryResult {
  status: string;
  data: { result: { metric: Record<string, string>; value: [number, string] }[] };
}

/** A dashboard query as Grafana would send it, with its variables at their widest. */
function substitute(expr: string): string {
  return expr.replaceAll('$baseline', '.*').replaceAll('$__rate_interval', '30s').replaceAll('$__range', '10m');
}

describe('Prometheus scraping the operator: the dashboard and the drift alert', function () {
  this.timeout(180_000);
  let cp: ControlPlane;
  let k: Admin;
  let dir: string;
  let prometheus: ChildProcess | undefined;
  let promUrl: string;
  let metricsPort: number;
  let op: RunningOperator | undefined;

  const query = async (expr: string): Promise<QueryResult['data']['result']> => {
    const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await res.json()) as QueryResult;
    assert.equal(body.status, 'success', expr);
    return body.data.result;
  };
  const firing = async (kind: string): Promise<boolean> =>
    (await query(`ALERTS{alertname="PostureDriftDetected",alertstate="firing",baseline="${BASELINE}",kind="${kind}"}`)).length > 0;
  const operatorArgs = (): string[] => [`--metrics-bind-address=127.0.0.1:${metricsPort}`];

  before(async function () {
    this.timeout(300_000);
    cp = await sharedControlPlane();
    k = admin(cp);
    dir = await mkdtemp(join(tmpdir(), 'posture-prometheus-'));
    metricsPort = await freePort();
    const promPort = await freePort();
    promUrl = `http://127.0.0.1:${promPort}`;
    await writeFile(
      join(dir, 'prometheus.yaml'),
      [
        'global: {scrape_interval: 1s, evaluation_interval: 1s}',
        `rule_files: [${JSON.stringify(join(repoRoot, 'config/prometheus/rules.yaml'))}]`,
        'scrape_configs:',
        '  - job_name: posture-operator',
        `    static_configs: [{targets: ["127.0.0.1:${metricsPort}"]}]`,
        '',
      ].join('\n'),
    );
    const log = createWriteStream(join(dir, 'prometheus.log'));
    prometheus = spawn(
      'prometheus',
      [`--config.file=${join(dir, 'prometheus.yaml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prometheus.stdout?.pipe(log);
    prometheus.stderr?.pipe(log);
    await eventually('Prometheus ready', async () => (await fetch(`${promUrl}/-/ready`).catch(() => undefined))?.status === 200, 60_000, 250);

    // A namespace with a privileged pod (a critical finding) under a baseline with a quota.
    await k.createNamespace(NS);
    await fetchAsAdmin(cp, 'POST', `/api/v1/namespaces/${NS}/pods`, {
      metadata: { name: 'root' },
      spec: { containers: [{ name: 'c', image: 'registry.example.com/app:1.0', securityContext: { privileged: true } }] },
    });
    await k.labelNamespace(NS, { 'posture.dev/tier': 'dashboard' });
    op = await startOperator(cp, operatorArgs());
    await k.applyBaseline(BASELINE, {
      namespaceSelector: { matchLabels: { 'posture.dev/tier': 'dashboard' } },
      resourceQuota: { hard: { pods: '20' } },
    });
    await eventually('the baseline enforced', async () => {
      const b = await k.getBaseline(BASELINE);
      return condition(b, 'Ready')?.status === 'True' && b.status?.namespaces?.enforced === 1;
    }, 90_000);
  });

  after(async function () {
    this.timeout(60_000);
    if (op?.alive === true) await op.stop();
    if (prometheus !== undefined && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus?.once('exit', resolve));
      prometheus.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('every panel of the Grafana dashboard gets data', async () => {
    // Drift by two hands: a deletion (who is unknown) and an edit by another field manager.
    await fetchAsAdmin(cp, 'DELETE', `/apis/networking.k8s.io/v1/namespaces/${NS}/networkpolicies/posture-default-deny`);
    await eventually('the deleted policy restored', async () => (await k.managedPolicies(NS)).some((p) => p.metadata?.name === 'posture-default-deny'), 30_000);
    await fetchAsAdmin(
      cp,
      'PATCH',
      `/apis/networking.k8s.io/v1/namespaces/${NS}/networkpolicies/posture-default-deny?fieldManager=kubectl-edit&force=true`,
      { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'posture-default-deny', namespace: NS }, spec: { ingress: [{}] } },
      'application/apply-patch+yaml',
    );

    const dashboard = JSON.parse(await readFile(join(repoRoot, 'config/grafana/posture-operator.json'), 'utf8')) as { panels: Panel[] };
    const queries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: substitute(t.expr) })));
    assert.ok(queries.length >= 12, `${queries.length} queries`);
    const seen = new Map<string, number>();
    await eventually('data for every panel query', async () => {
      for (const q of queries) seen.set(`${q.panel}: ${q.expr}`, (await query(q.expr)).length);
      return [...seen.values()].every((n) => n > 0);
    }, 90_000, 1000);
    for (const [q, n] of seen) console.log(`      ${n} series  ${q}`);
    const who = await query('sum by (manager) (posture_drift_by_manager_total)');
    assert.deepEqual(who.map((r) => r.metric.manager).sort(), ['kubectl-edit', 'unknown'], 'who made each drift');
    const critical = await query(`sum(posture_findings{baseline="${BASELINE}",severity="critical"})`);
    assert.ok(Number(critical[0]?.value[1]) >= 1, 'the privileged pod is a critical finding');
  });

  it('the first drift of a kind after a restart fires PostureDriftDetected', async () => {
    assert.ok(op !== undefined);
    const before = await query('process_start_time_seconds{job="posture-operator"}');
    await op.stop();
    op = await startOperator(cp, operatorArgs());
    // The new process is scraped, and its ResourceQuota counter exists at zero.
    await eventually('the restarted operator scraped', async () => {
      const now = await query('process_start_time_seconds{job="posture-operator"}');
      const zero = await query(`posture_drift_detected_total{baseline="${BASELINE}",kind="ResourceQuota"} == 0`);
      return now[0]?.value[1] !== before[0]?.value[1] && zero.length === 1;
    }, 60_000, 500);
    await new Promise((resolve) => setTimeout(resolve, 3000)); // a few scrapes of the zero
    assert.equal(await firing('ResourceQuota'), false, 'nothing to alert on yet');
    const t0 = Date.now();
    await fetchAsAdmin(cp, 'DELETE', `/api/v1/namespaces/${NS}/resourcequotas/posture-quota`);
    await eventually('PostureDriftDetected firing for the ResourceQuota', () => firing('ResourceQuota'), 60_000, 500);
    console.log(`      PostureDriftDetected{kind="ResourceQuota"} firing ${((Date.now() - t0) / 1000).toFixed(1)} s after the first deletion since the restart`);
  });
});
