// The audit fixes of issue 12 against the real control plane, the operator under its own
// ServiceAccount: kube-score's ignore annotations for privileged and read-only root filesystem are
// honoured (WL-002, WL-012), a boolean env switch is not a literal credential (WL-017), and CL-001
// honours disabledChecks and exemptions and takes the newest known minor from configuration,
// warning once that knowledge is over a year old.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { ControlPlane } from '../../hack/controlplane/launcher.js';
import { sharedControlPlane } from './support/controlplane.js';
import { admin, fetchAsAdmin, type Admin } from './support/kube.js';
import { startOperator, type RunningOperator } from './support/operator.js';
import { servePolicyReports } from './support/policyreports.js';
import { eventually } from './support/wait.js';

interface ReportResult {
  policy: string;
  result: string;
  message: string;
  resources: { name: string }[];
}

const IMAGE = 'registry.example.com/app:1.2.3';

function deployment(name: string, container: Record<string, unknown>, annotations: Record<string, string> = {}): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, annotations },
    spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: IMAGE, ...container }] } } },
  };
}

describe('audit fixes: kube-score equivalents, boolean env switches, CL-001 from configuration and under the baseline\'s audit settings', function () {
  let cp: ControlPlane;
  let k: Admin;
  let op: RunningOperator;
  const s = randomBytes(3).toString('hex');
  const ns = `fixes-${s}`;
  const plain = `cl-plain-${s}`;
  const disabled = `cl-disabled-${s}`;
  const exempted = `cl-exempted-${s}`;

  before(async function () {
    this.timeout(900_000);
    cp = await sharedControlPlane();
    k = admin(cp);
    await servePolicyReports(cp);
    // Knowledge of Kubernetes releases from configuration, released long ago: CL-001 warns.
    op = await startOperator(cp, ['--newest-kubernetes-minor=1.36', '--newest-kubernetes-minor-released=2020-01-01']);
  });

  after(async function () {
    this.timeout(60_000);
    await op.stop();
    for (const b of [`fixes-${s}`, plain, disabled, exempted]) await k.deleteBaseline(b).catch(() => undefined);
  });

  it('honours kube-score/ignore for privileged (WL-002) and readonlyrootfilesystem (WL-012); MYSQL_ALLOW_EMPTY_PASSWORD: "1" is no credential', async () => {
    await k.createNamespace(ns, { 'posture.dev/tier': `fixes-${s}` });
    const apps = `/apis/apps/v1/namespaces/${ns}/deployments`;
    await fetchAsAdmin(cp, 'POST', apps, deployment('privileged', { securityContext: { privileged: true, readOnlyRootFilesystem: false } }, { 'kube-score/ignore': 'container-security-context-privileged,container-security-context-readonlyrootfilesystem' }));
    await fetchAsAdmin(cp, 'POST', apps, deployment('mysql', { env: [{ name: 'MYSQL_ALLOW_EMPTY_PASSWORD', value: '1' }] }));
    await fetchAsAdmin(cp, 'POST', apps, deployment('literal', { env: [{ name: 'DB_PASSWORD', value: 'hunter2' }] }));
    await k.applyBaseline(`fixes-${s}`, { namespaceSelector: { matchLabels: { 'posture.dev/tier': `fixes-${s}` } }, networkPolicy: { defaultDeny: [] } });
    const results = async (): Promise<ReportResult[]> =>
      ((await fetchAsAdmin(cp, 'GET', `/apis/wgpolicyk8s.io/v1alpha2/namespaces/${ns}/policyreports/posture-audit`).catch(() => undefined)) as { results?: ReportResult[] } | undefined)?.results ?? [];
    const of = (all: ReportResult[], policy: string, name: string): ReportResult[] => all.filter((r) => r.policy === policy && r.resources.some((x) => x.name === name));
    await eventually('a report covering all three Deployments', async () => {
      const all = await results();
      return of(all, 'WL-017', 'literal').length === 1 && of(all, 'WL-002', 'privileged').length === 1 && of(all, 'IMG-001', 'mysql').length + of(all, 'WL-012', 'mysql').length > 0;
    }, 90_000);
    const all = await results();
    const [wl002] = of(all, 'WL-002', 'privileged');
    const [wl012] = of(all, 'WL-012', 'privileged');
    assert.equal(wl002?.result, 'skip', JSON.stringify(wl002));
    assert.equal(wl012?.result, 'skip', JSON.stringify(wl012));
    console.log(`      WL-002 under kube-score/ignore: ${wl002.message}\n      WL-012 under kube-score/ignore: ${wl012.message}`);
    assert.deepEqual(of(all, 'WL-017', 'mysql'), [], 'a boolean switch is not a credential (passes are only counted)');
    assert.equal(of(all, 'WL-017', 'literal')[0]?.message, 'container app: move the literal value of env DB_PASSWORD into a Secret');
  });

  it('CL-001 warns from the configured release knowledge, and follows disabledChecks and exemptions', async () => {
    const tier = `cl-${s}`;
    for (const b of [plain, disabled, exempted]) await k.createNamespace(`${b}-ns`, { 'posture.dev/tier': `${tier}-${b}` });
    const base = (b: string): Record<string, unknown> => ({ namespaceSelector: { matchLabels: { 'posture.dev/tier': `${tier}-${b}` } }, networkPolicy: { defaultDeny: [] } });
    await k.applyBaseline(plain, base(plain));
    await k.applyBaseline(disabled, { ...base(disabled), audit: { disabledChecks: ['CL-001'] } });
    await k.applyBaseline(exempted, { ...base(exempted), audit: { exemptions: [{ checks: ['CL-001'], reason: 'upgrade booked for July', expires: '2099-01-01T00:00:00Z' }] } });
    const summary = async (b: string): Promise<{ warn?: number; skip?: number } | undefined> => (await k.getBaseline(b)).status?.summary;
    await eventually('the three baselines audited', async () => (await Promise.all([plain, disabled, exempted].map(summary))).every((x) => x !== undefined));
    await eventually('CL-001 warns on the plain baseline', async () => (await summary(plain))?.warn === 1);
    // A summary appears before its namespace's audit is in it (CL-001 alone): each baseline's
    // namespace audit lands in status on its own, so the comparison waits for both.
    await eventually('the exemption to count as a skip', async () => ((await summary(exempted))?.skip ?? 0) > ((await summary(disabled))?.skip ?? 0));
    assert.equal((await summary(disabled))?.warn, 0, 'disabled: no CL-001 result');
    assert.equal((await summary(exempted))?.warn, 0, 'exempted: skipped, not warned');
  });
});
