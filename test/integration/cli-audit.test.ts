import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { ControlPlane } from '../../hack/controlplane/launcher.js';
import { AUDITED_TYPES, collectionPath, MANAGED_TYPES, NAMESPACE } from '../../src/kube/resources.js';
import { posture } from '../unit/cli/run.js';
import { sharedControlPlane } from './support/controlplane.js';
import { admin, fetchAsAdmin, type Admin } from './support/kube.js';
import { startOperator, type RunningOperator } from './support/operator.js';
import { podCorpus } from './support/podcorpus.js';
import { servePolicyReports } from './support/policyreports.js';
import { eventually } from './support/wait.js';

interface ReportResult {
  policy: string;
  result: string;
  severity: string;
  message: string;
  resources: { kind: string; name: string }[];
}
interface Report {
  metadata: { annotations?: Record<string, string> };
  summary: Record<string, number>;
  results: ReportResult[];
}
interface OfflineResult {
  check: string;
  result: string;
  severity: string;
  message: string;
  resource: { kind: string; name: string };
}
type KubeObject = Record<string, unknown> & { metadata: { name: string; [k: string]: unknown } };

function deployment(name: string, container: Record<string, unknown>, annotations: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, annotations },
    spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', ...container }] } } },
  };
}

/** The workloads of the audit and Pod Security suites, and one object for each other check family. */
function workloads(): KubeObject[] {
  const corpus = podCorpus().filter((p) => p.spec.ephemeralContainers === undefined);
  // Every seventh pod of the 360-pod corpus: each rule family is represented, the run stays short.
  const pods = corpus.filter((_, i) => i % 7 === 0).map((p): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: p.name, ...(p.annotations === undefined ? {} : { annotations: p.annotations }) }, spec: p.spec }));
  return [
    // First, so that LimitRanger gives every pod created after it its defaults, as in a real namespace.
    { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'defaults' }, spec: { limits: [{ type: 'Container', default: { memory: '256Mi' }, defaultRequest: { cpu: '50m', memory: '64Mi' } }] } },
    deployment('privileged', { image: 'nginx:latest', securityContext: { privileged: true } }),
    deployment('rooted', { image: 'registry.example.com/app:1.2.3' }, { 'posture.dev/exempt': 'WL-010', 'posture.dev/exempt-reason': 'needs root until v2' }),
    deployment('polaris-exempt', { image: 'registry.example.com/app:1.2.3', env: [{ name: 'DB_PASSWORD', value: 'hunter2' }] }, { 'polaris.fairwinds.com/exempt': 'true' }),
    ...pods,
    { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'nightly' }, spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', hostNetwork: true, containers: [{ name: 'job', image: 'busybox:1.36' }] } } } } } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ssh' }, spec: { type: 'NodePort', selector: { app: 'x' }, ports: [{ port: 22, targetPort: 22 }] } },
    { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web' }, spec: { rules: [{ host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'ssh', port: { number: 22 } } } }] } }] } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { 'db.password': 'hunter2', mode: 'fast' } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'quiet' }, automountServiceAccountToken: false },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'too-much' }, rules: [{ apiGroups: [''], resources: ['pods/exec', 'secrets'], verbs: ['*'] }] },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'admins' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'Group', name: 'ops' }] },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'default-sa' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'too-much' }, subjects: [{ kind: 'ServiceAccount', name: 'default' }] },
    { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'open-egress' }, spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }] } },
  ];
}

function key(policy: string, kind: string, name: string): string {
  return `${policy} ${kind}/${name}`;
}

describe('posture audit gives the operator\'s results: the same workloads in the cluster and offline', function () {
  this.timeout(300_000);
  let cp: ControlPlane;
  let k: Admin;
  let op: RunningOperator;
  const s = randomBytes(3).toString('hex');
  const ns = `cli-audit-${s}`;
  const name = `cli-audit-${s}`;
  const spec = {
    mode: 'Audit',
    namespaceSelector: { matchLabels: { 'posture.dev/cli-audit': s } },
    podSecurity: { enforce: 'restricted' },
    audit: {
      allowedRegistries: ['registry.example.com', 'registry.k8s.io'],
      exemptions: [
        { checks: ['WL-012'], namespaces: ['cli-audit-*'], reason: 'vendor image needs a writable root', expires: '2099-01-01T00:00:00Z' },
        { checks: ['IMG-004'], reason: 'old pull policy exception', expires: '2020-01-01T00:00:00Z' },
      ],
    },
  };
  const sources = workloads();
  let report: Report;

  before(async function () {
    this.timeout(900_000);
    cp = await sharedControlPlane();
    k = admin(cp);
    await servePolicyReports(cp);
    op = await startOperator(cp);
    await k.createNamespace(ns, { 'posture.dev/cli-audit': s });
    await eventually('the default ServiceAccount', async () => {
      await k.get(`/api/v1/namespaces/${ns}/serviceaccounts/default`);
      return true;
    });
    for (const o of sources) {
      const kind = AUDITED_TYPES.find((t) => t.kind === o.kind) ?? MANAGED_TYPES.find((t) => t.kind === o.kind);
      assert.ok(kind, String(o.kind));
      await fetchAsAdmin(cp, 'POST', collectionPath(kind, ns), o);
    }
    await k.applyBaseline(name, spec);
    // Deployments get their ReplicaSets and pods from kube-controller-manager; the report settles after.
    const bare = sources.filter((o) => o.kind === 'Pod').length;
    await eventually('every Deployment to have its pod', async () => ((await fetchAsAdmin(cp, 'GET', `/api/v1/namespaces/${ns}/pods`)) as { items: unknown[] }).items.length === bare + 3, 60_000);
    let last = '';
    await eventually('the PolicyReport to settle', async () => {
      const r = (await fetchAsAdmin(cp, 'GET', `/apis/wgpolicyk8s.io/v1alpha2/namespaces/${ns}/policyreports/posture-audit`).catch(() => undefined)) as Report | undefined;
      const content = JSON.stringify([r?.summary, r?.results.map((x) => [x.policy, x.resources, x.result, x.message])]);
      // Every Deployment's pod is audited (the live pods make WL-013's source "pods").
      const settled = r !== undefined && content === last && (r.summary.pass ?? 0) + (r.summary.fail ?? 0) + (r.summary.skip ?? 0) > 300;
      last = content;
      if (settled) report = r;
      if (!settled) await new Promise((resolve) => setTimeout(resolve, 2000));
      return settled;
    }, 120_000);
  });

  after(async () => {
    await op.stop();
  });

  /** Every offline result by check and object, its message clipped as the PolicyReport clips it. */
  async function offline(objects: readonly unknown[], flags: readonly string[] = []): Promise<Map<string, string>> {
    const manifests = join(cp.dir, `cli-audit-${randomBytes(3).toString('hex')}.yaml`);
    const baseline = join(cp.dir, `cli-audit-baseline-${s}.yaml`);
    await writeFile(manifests, objects.map((o) => `---\n${stringify(o, { aliasDuplicateObjects: false })}`).join(''));
    await writeFile(baseline, stringify({ apiVersion: 'posture.dev/v1alpha1', kind: 'SecurityBaseline', metadata: { name }, spec }));
    const r = await posture(['audit', '-f', manifests, '--baseline', baseline, '-o', 'json', ...flags]);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    const out = JSON.parse(r.stdout) as { results: OfflineResult[]; summary: Record<string, number> };
    lastSummary = out.summary;
    const clip = (m: string): string => (m.length <= 1024 ? m : `${m.slice(0, 1024)}...`);
    return new Map(out.results.map((x) => [key(x.check, x.resource.kind, x.resource.name), `${x.result} ${x.severity}: ${clip(x.message)}`]));
  }

  /** What a PolicyReport lists: failures and exemptions (its summary counts everything). */
  function listed(all: Map<string, string>): Map<string, string> {
    return new Map([...all.entries()].filter(([, v]) => !v.startsWith('pass ') && (!v.startsWith('skip ') || /^skip \w+: exempted: /.test(v))));
  }
  let lastSummary: Record<string, number> = {};

  function inCluster(): Map<string, string> {
    return new Map(report.results.map((x) => [key(x.policy, x.resources[0]?.kind ?? '', x.resources[0]?.name ?? ''), `${x.result} ${x.severity}: ${x.message}`]));
  }

  it('audits what the cluster holds (--complete) to exactly the PolicyReport\'s results', async () => {
    const dump: unknown[] = [];
    for (const type of [NAMESPACE, ...MANAGED_TYPES, ...AUDITED_TYPES]) {
      const path = type.namespaced ? collectionPath(type, ns) : type === NAMESPACE ? `${collectionPath(type)}/${ns}` : collectionPath(type);
      const got = (await fetchAsAdmin(cp, 'GET', path)) as { items?: KubeObject[] } & KubeObject;
      const items = got.items ?? [got];
      dump.push(...items.map((o) => ({ ...o, apiVersion: type.apiVersion, kind: type.kind })));
    }
    const cluster = inCluster();
    const ours = listed(await offline(dump, ['--complete']));
    assert.deepEqual(lastSummary, report.summary, 'every result, passes included, counted alike');
    assert.ok(cluster.size > 100, `a large report (${cluster.size} results listed)`);
    assert.deepEqual([...ours.entries()].sort(), [...cluster.entries()].sort());
  });

  it('audits the manifests as written, plus the Namespace, to the same failures and exemptions but for what only the cluster knows', async () => {
    const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'posture.dev/cli-audit': s } } };
    // WL-013's message says where it read resources from: live pods or a template plus the
    // LimitRange defaults (a CronJob has no pod yet in the cluster; offline nothing has). The result must agree.
    const plain = (m: Map<string, string>): Map<string, string> => new Map([...m.entries()].map(([k2, v]) => [k2, v.replace(' (template and LimitRange defaults)', '')]));
    const ours = plain(await offline([namespace, ...sources.map((o) => ({ ...o, metadata: { ...o.metadata, namespace: ns } }))]));
    const cluster = plain(inCluster());
    // What only the cluster knows: objects it makes itself (the CA ConfigMap, built-in ClusterRoles
    // such as cluster-admin), and what checks read of state the manifests do not hold.
    const clusterMade = (k2: string): boolean => /ConfigMap\/kube-root-ca\.crt$|ClusterRole\/cluster-admin$/.test(k2);
    const skippedOffline = (v: string | undefined): boolean => v !== undefined && /^skip \w+: (not evaluated offline: |ClusterRole cluster-admin not found)/.test(v);
    const same = [...cluster.entries()].filter(([k2, v]) => ours.get(k2) === v);
    assert.deepEqual([...listed(ours).keys()].filter((k2) => !cluster.has(k2)), [], 'offline lists nothing the cluster does not');
    const explained = [...cluster.entries()].filter(([k2, v]) => ours.get(k2) !== v && (clusterMade(k2) || skippedOffline(ours.get(k2))));
    const differs = [...cluster.entries()].filter(([k2, v]) => ours.get(k2) !== v && !explained.some(([e]) => e === k2)).map(([k2, v]) => `${k2}\n  cluster: ${v}\n  offline: ${ours.get(k2) ?? '(none)'}`);
    assert.deepEqual(differs, []);
    assert.deepEqual(explained.map(([k2]) => k2).sort(), [
      `NS-003 Namespace/${ns}`,
      `NS-006 Namespace/${ns}`,
      'RB-001 ClusterRole/cluster-admin',
      'RB-003 RoleBinding/admins',
      'RB-004 ClusterRole/cluster-admin',
      'RB-005 ClusterRole/cluster-admin',
    ]);
    assert.ok(same.length > 100, `${same.length} results the same`);
  });
});
