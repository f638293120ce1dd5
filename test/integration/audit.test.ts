import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { ControlPlane } from '../../hack/controlplane/launcher.js';
import { sharedControlPlane } from './support/controlplane.js';
import { admin, condition, fetchAsAdmin, type Admin } from './support/kube.js';
import { startOperator, type RunningOperator } from './support/operator.js';
import { servePolicyReports } from './support/policyreports.js';
import { eventually } from './support/wait.js';

interface ReportResult {
  policy: string;
  result: string;
  message: string;
  resources: { kind: string; name: string }[];
}
interface Report {
  metadata: { annotations?: Record<string, string>; labels?: Record<string, string>; resourceVersion?: string };
  summary: { pass: number; fail: number; skip: number };
  results: ReportResult[];
}

function deployment(name: string, container: Record<string, unknown>, annotations: Record<string, string> = {}): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, annotations },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', ...container }] } },
    },
  };
}

async function report(cp: ControlPlane, ns: string): Promise<Report | undefined> {
  return (await fetchAsAdmin(cp, 'GET', `/apis/wgpolicyk8s.io/v1alpha2/namespaces/${ns}/policyreports/posture-audit`).catch(() => undefined)) as Report | undefined;
}

function results(r: Report | undefined, policy: string, name?: string): ReportResult[] {
  return (r?.results ?? []).filter((x) => x.policy === policy && (name === undefined || x.resources.some((res) => res.name === name)));
}

describe('audit: checks, exemptions, status, PolicyReports, events and metrics', function () {
  let cp: ControlPlane;
  let k: Admin;
  let op: RunningOperator;
  const s = randomBytes(3).toString('hex');
  const ns = `audited-${s}`;
  const name = `audit-${s}`;

  before(async function () {
    this.timeout(900_000);
    cp = await sharedControlPlane();
    k = admin(cp);
    // The PolicyReport CRD must be served before the operator starts, or it writes no reports.
    await servePolicyReports(cp);
    op = await startOperator(cp);

    await k.createNamespace(ns, { 'posture.dev/tier': name });
    const apps = `/apis/apps/v1/namespaces/${ns}/deployments`;
    await fetchAsAdmin(cp, 'POST', apps, deployment('privileged', { image: 'nginx:latest', securityContext: { privileged: true } }));
    await fetchAsAdmin(
      cp,
      'POST',
      apps,
      deployment('rooted', { image: 'registry.example.com/app:1.2.3' }, { 'posture.dev/exempt': 'WL-010', 'posture.dev/exempt-reason': 'needs root until v2' }),
    );
    await k.applyBaseline(name, {
      namespaceSelector: { matchLabels: { 'posture.dev/tier': name } },
      audit: {
        allowedRegistries: ['registry.example.com'],
        exemptions: [
          { checks: ['WL-012'], namespaces: ['audited-*'], reason: 'vendor image needs a writable root', expires: '2099-01-01T00:00:00Z' },
          { checks: ['IMG-004'], reason: 'old pull policy exception', expires: '2020-01-01T00:00:00Z' },
        ],
      },
    });
  });

  after(async () => {
    await op.stop();
  });

  it('evaluates each top-level workload once and writes a PolicyReport', async () => {
    await eventually('a report with the privileged Deployment failing WL-002', async () => results(await report(cp, ns), 'WL-002', 'privileged').some((r) => r.result === 'fail'), 60_000);
    const r = await report(cp, ns);
    assert.ok(r);
    const wl002 = results(r, 'WL-002');
    assert.ok(wl002.every((x) => x.resources.every((res) => res.kind === 'Deployment')), 'ReplicaSets and Pods are not evaluated again');
    assert.equal(results(r, 'IMG-001', 'privileged')[0]?.result, 'fail', 'nginx:latest is not pinned');
    assert.equal(results(r, 'IMG-003', 'privileged')[0]?.result, 'fail', 'docker.io is not an allowed registry');
    assert.deepEqual(results(r, 'IMG-003', 'rooted'), [], 'passing results are counted in the summary, not listed');
    assert.ok(r.results.every((x) => x.result === 'fail' || x.result === 'warn' || x.result === 'error' || x.result === 'skip'));
    assert.ok(r.summary.fail > 0 && r.summary.pass > 0);
    assert.equal(r.metadata.labels?.['posture.dev/baseline'], name);
  });

  it('skips exempted results with the reason, and reports an expired exemption', async () => {
    const r = await report(cp, ns);
    const wl012 = results(r, 'WL-012', 'privileged');
    assert.ok(wl012.length > 0 && wl012.every((x) => x.result === 'skip'), JSON.stringify(wl012));
    assert.match(wl012[0]?.message ?? '', /vendor image needs a writable root/);
    const [rooted] = results(r, 'WL-010', 'rooted');
    assert.ok(rooted);
    assert.equal(rooted.result, 'skip');
    assert.match(rooted.message, /needs root until v2/);
    assert.equal(results(r, 'WL-010', 'privileged')[0]?.result, 'fail', 'the annotation exempts only its own workload');
    assert.ok(results(r, 'IMG-004', 'privileged').every((x) => x.result !== 'skip'), 'an expired exemption no longer applies');
    assert.ok((r?.results ?? []).some((x) => x.policy === 'EXEMPTION-EXPIRED' && /old pull policy exception/.test(x.message)), 'the expired exemption is itself reported');
  });

  it('writes compliance onto the baseline status and the metrics', async () => {
    await eventually('Compliant=False with WL-002 on top', async () => {
      const b = await k.getBaseline(name);
      return condition(b, 'Compliant')?.reason === 'FindingsOpen' && b.status?.findings?.[0]?.check === 'WL-002';
    });
    const b = await k.getBaseline(name);
    const status = b.status;
    assert.ok(status);
    assert.equal(condition(b, 'Compliant')?.status, 'False');
    assert.deepEqual(status.findings?.[0], { check: 'WL-002', title: status.findings?.[0]?.title, severity: 'critical', namespaces: 1, examples: [ns] });
    assert.equal(status.namespaces?.compliant, 0);
    assert.ok(status.complianceScore !== undefined && status.complianceScore > 0 && status.complianceScore < 100);
    assert.ok((status.summary?.fail ?? 0) > 0 && (status.summary?.skip ?? 0) >= 2);
    await eventually('the metrics to match', async () => {
      const score = await op.counter('posture_compliance_score', { baseline: name });
      const wl002 = await op.counter('posture_findings', { baseline: name, check: 'WL-002', severity: 'critical' });
      return score === status.complianceScore && wl002 === 1;
    });
  });

  it('sends a FindingOpened event for a new finding, and drops a finding once it is fixed', async () => {
    await fetchAsAdmin(cp, 'POST', `/apis/apps/v1/namespaces/${ns}/deployments`, deployment('hostnet', { image: 'registry.example.com/app:1.0.0' }));
    await fetchAsAdmin(cp, 'PATCH', `/apis/apps/v1/namespaces/${ns}/deployments/hostnet`, { spec: { template: { spec: { hostNetwork: true } } } }, 'application/merge-patch+json');
    type Events = { items: { reason?: string; note?: string; regarding?: { kind?: string; name?: string } }[] };
    // In the namespace, about the Deployment; on the baseline, a count without names.
    await eventually('a FindingOpened event for WL-001 on hostnet, in its namespace', async () => {
      const events = (await fetchAsAdmin(cp, 'GET', `/apis/events.k8s.io/v1/namespaces/${ns}/events`)) as Events;
      return events.items.some((e) => e.reason === 'FindingOpened' && e.regarding?.kind === 'Deployment' && e.regarding.name === 'hostnet' && /^WL-001 \(high\): /.test(e.note ?? ''));
    }, 60_000);
    await eventually('a FindingOpened count on the baseline, naming no namespace or workload', async () => {
      const events = ((await fetchAsAdmin(cp, 'GET', '/apis/events.k8s.io/v1/namespaces/default/events')) as Events).items.filter((e) => e.reason === 'FindingOpened' && e.regarding?.name === name);
      return events.some((e) => /WL-001 high/.test(e.note ?? '')) && events.every((e) => !(e.note ?? '').includes(ns) && !(e.note ?? '').includes('hostnet'));
    }, 60_000);

    await fetchAsAdmin(cp, 'DELETE', `/apis/apps/v1/namespaces/${ns}/deployments/privileged`);
    await eventually('WL-002 gone from the report and the status', async () => {
      const b = await k.getBaseline(name);
      return results(await report(cp, ns), 'WL-002', 'privileged').length === 0 && !(b.status?.findings ?? []).some((f) => f.check === 'WL-002');
    }, 60_000);
    await eventually('the gauge to drop the series', async () => (await op.counter('posture_findings', { baseline: name, check: 'WL-002' })) === 0);
  });

  it('rewrites no report while nothing changes, including after a restart', async () => {
    const writes = async (o: RunningOperator): Promise<number> => {
      let total = 0;
      for (const verb of ['create', 'patch', 'update', 'delete']) total += await o.counter('posture_kube_requests_total', { verb, resource: 'policyreports' });
      return total;
    };
    // The deleted Deployment's ReplicaSet and Pods go through the garbage collector; the audit reads
    // live pods, so wait until they are gone and the report has stopped changing.
    await eventually('the garbage collector to finish', async () => {
      const pods = (await fetchAsAdmin(cp, 'GET', `/api/v1/namespaces/${ns}/pods?labelSelector=app%3Dprivileged`)) as { items: unknown[] };
      const sets = (await fetchAsAdmin(cp, 'GET', `/apis/apps/v1/namespaces/${ns}/replicasets?labelSelector=app%3Dprivileged`)) as { items: unknown[] };
      return pods.items.length === 0 && sets.items.length === 0;
    }, 60_000);
    await eventually('report writes to settle', async () => {
      const before = await writes(op);
      await new Promise((r) => setTimeout(r, 2000));
      return (await writes(op)) === before;
    });
    const before = await report(cp, ns);
    assert.match(before?.metadata.resourceVersion ?? '', /^\d+$/);
    await op.stop();
    op = await startOperator(cp);
    await eventually('the restarted operator to audit', async () => (await op.counter('posture_compliance_score', { baseline: name })) > 0);
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal((await report(cp, ns))?.metadata.resourceVersion, before?.metadata.resourceVersion, 'the same report after a restart');
    assert.equal(await writes(op), 0, 'no PolicyReport write after a restart over unchanged results');
  });

  it('puts back a report whose content someone changed, whatever its annotations say', async () => {
    const live = await report(cp, ns);
    assert.ok(live && live.results.length > 0);
    const tampered = { results: live.results.map((x) => ({ ...x, result: 'pass', message: 'all good' })), summary: { ...live.summary, fail: 0 } };
    await fetchAsAdmin(cp, 'PATCH', `/apis/wgpolicyk8s.io/v1alpha2/namespaces/${ns}/policyreports/posture-audit`, tampered, 'application/merge-patch+json');
    await eventually('the report to say what the audit found again', async () => {
      const r = await report(cp, ns);
      return r !== undefined && r.summary.fail === live.summary.fail && r.results.some((x) => x.result === 'fail');
    }, 60_000);
  });
});
