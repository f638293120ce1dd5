import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { ControlPlane } from '../../hack/controlplane/launcher.js';
import { posture } from '../unit/cli/run.js';
import { sharedControlPlane } from './support/controlplane.js';
import { admin, condition, fetchAsAdmin, type Admin } from './support/kube.js';
import { startOperator, type RunningOperator } from './support/operator.js';
import { eventually } from './support/wait.js';

const MANAGED = ['/apis/networking.k8s.io/v1/networkpolicies', '/api/v1/resourcequotas', '/api/v1/limitranges', '/apis/rbac.authorization.k8s.io/v1/roles', '/apis/rbac.authorization.k8s.io/v1/rolebindings'];

interface Listed {
  items: { metadata: { name: string; namespace: string; resourceVersion: string } }[];
}

/** Every managed object and the namespaces, by resourceVersion: what a write would change. */
async function snapshot(cp: ControlPlane, namespaces: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const path of MANAGED) {
    const list = (await fetchAsAdmin(cp, 'GET', `${path}?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dposture-operator`)) as Listed;
    out.push(...list.items.filter((i) => namespaces.includes(i.metadata.namespace)).map((i) => `${path}/${i.metadata.namespace}/${i.metadata.name}@${i.metadata.resourceVersion}`));
  }
  for (const ns of namespaces) out.push(`ns/${ns}@${((await fetchAsAdmin(cp, 'GET', `/api/v1/namespaces/${ns}`)) as Listed['items'][number]).metadata.resourceVersion}`);
  return out.sort();
}

describe('posture diff against a live cluster (read only)', function () {
  this.timeout(300_000);
  let cp: ControlPlane;
  let k: Admin;
  let op: RunningOperator;
  let kubeconfig: string;
  const s = randomBytes(3).toString('hex');
  const name = `diff-${s}`;
  const [a, b] = [`diff-a-${s}`, `diff-b-${s}`];
  const selector = { matchLabels: { 'posture.dev/diff': s } };
  // Changes in scalars and maps only: server-side apply merges list-type sets (defaultDeny), so a
  // shorter set in a later apply would not shrink the stored one.
  const current = { priority: 900, namespaceSelector: selector, resourceQuota: { hard: { pods: '10' } }, podSecurity: { enforce: 'baseline' } };
  const next = { ...current, networkPolicy: { allowDNS: false }, resourceQuota: { hard: { pods: '20' } }, limitRange: { default: { memory: '512Mi' }, defaultRequest: { memory: '128Mi' } }, podSecurity: { enforce: 'restricted' } };

  async function file(spec: Record<string, unknown>): Promise<string> {
    const path = join(cp.dir, `${name}-${randomBytes(3).toString('hex')}.yaml`);
    await writeFile(path, stringify({ apiVersion: 'posture.dev/v1alpha1', kind: 'SecurityBaseline', metadata: { name }, spec }));
    return path;
  }

  before(async function () {
    this.timeout(900_000);
    cp = await sharedControlPlane();
    k = admin(cp);
    op = await startOperator(cp);
    await k.createNamespace(a, { 'posture.dev/diff': s });
    await k.createNamespace(b);
    await k.applyBaseline(name, current);
    await eventually('the baseline enforced in namespace a', async () => condition(await k.getBaseline(name), 'Ready')?.status === 'True' && (await k.managedPolicies(a)).length === 3, 60_000);
    // The CLI runs as a ServiceAccount that may only get and list: any write would be refused.
    const reader = `posture-diff-${s}`;
    await fetchAsAdmin(cp, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', {
      metadata: { name: reader },
      rules: [
        { apiGroups: [''], resources: ['namespaces', 'resourcequotas', 'limitranges'], verbs: ['get', 'list'] },
        { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['get', 'list'] },
        { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], verbs: ['get', 'list'] },
        { apiGroups: ['posture.dev'], resources: ['securitybaselines'], verbs: ['get', 'list'] },
      ],
    });
    await fetchAsAdmin(cp, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      metadata: { name: reader },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: reader },
      subjects: [{ kind: 'ServiceAccount', name: reader, namespace: 'default' }],
    });
    kubeconfig = await cp.mintServiceAccountKubeconfig('default', reader, join(cp.dir, `${reader}.kubeconfig`));
  });

  after(async () => {
    await op.stop();
  });

  it('finds no difference when the file says what the cluster has, and exits 0', async () => {
    const r = await posture(['diff', '--baseline', await file(current), '--kubeconfig', kubeconfig]);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assert.match(r.stdout, new RegExp(`^namespace ${a} \\(baseline ${name} wins\\): no change\n`));
    assert.ok(!r.stdout.includes(b), 'an unselected namespace is not considered');
    assert.match(r.stdout, /\n1 namespace considered, 0 would change: create 0, update 0, delete 0, labels 0\. Nothing was written\.\n$/);
  });

  it('shows creates, updates with a unified diff, deletes and labels, writes nothing, and exits 1', async () => {
    const before = await snapshot(cp, [a, b]);
    const generation = (await k.getBaseline(name)).metadata.generation;
    const r = await posture(['diff', '--baseline', await file(next), '--kubeconfig', kubeconfig]);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 1);
    const out = r.stdout;
    // Every written object carries posture.dev/revision (staged rollouts, docs/rollout.md): a
    // spec change moves the two unchanged NetworkPolicies to the new revision too.
    assert.match(out, new RegExp(`^namespace ${a} \\(baseline ${name} wins\\): create 1, update 3, delete 1, labels 1\n`));
    for (const unchanged of ['posture-default-deny', 'posture-allow-same-namespace']) {
      assert.match(out, new RegExp(`\n {2}~ update NetworkPolicy ${unchanged}\n(?: {6}[^\n]*\n)*? {6}- {4}posture\\.dev/revision: [0-9a-f]+\n {6}\\+ {4}posture\\.dev/revision: [0-9a-f]+\n`));
    }
    assert.match(out, new RegExp(`\n {2}~ labels Namespace ${a}\n[\\s\\S]*\n {6}- {2}pod-security\\.kubernetes\\.io/enforce: baseline\n {6}\\+ {2}pod-security\\.kubernetes\\.io/enforce: restricted\n`));
    assert.match(out, /\n {2}~ update ResourceQuota posture-quota\n {6}--- ResourceQuota posture-quota \(cluster\)\n {6}\+\+\+ ResourceQuota posture-quota \(baseline\)\n {6}@@ [^\n]+ @@\n[\s\S]*?\n {6}- {4}pods: "10"\n {6}\+ {4}pods: "20"\n/);
    assert.match(out, /\n {2}\+ create LimitRange posture-limits\n/);
    assert.match(out, /\n {2}- delete NetworkPolicy posture-allow-dns\n/);
    assert.deepEqual(await snapshot(cp, [a, b]), before, 'no object or namespace changed');
    assert.equal((await k.getBaseline(name)).metadata.generation, generation);
  });

  it('predicted what Enforce then does: after applying the file there is nothing left to diff', async () => {
    await k.applyBaseline(name, next);
    await eventually('the new spec enforced', async () => {
      const policies = (await k.managedPolicies(a)).map((p) => p.metadata?.name).sort();
      const limits = await k.get<{ items: unknown[] }>(`/api/v1/namespaces/${a}/limitranges?labelSelector=${encodeURIComponent('app.kubernetes.io/managed-by=posture-operator')}`);
      return JSON.stringify(policies) === JSON.stringify(['posture-allow-same-namespace', 'posture-default-deny']) && limits.items.length === 1;
    }, 60_000);
    await eventually('diff to find nothing', async () => (await posture(['diff', '--baseline', await file(next), '--kubeconfig', kubeconfig])).code === 0, 30_000);
  });

  it('covers a namespace the new selector drops: everything there would go', async () => {
    const r = await posture(['diff', '--baseline', await file({ ...next, namespaceSelector: { matchLabels: { 'posture.dev/diff': 'nobody' } } }), '--kubeconfig', kubeconfig]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, new RegExp(`^namespace ${a} \\(baseline ${name} does not select namespace ${a}: [^\n]*\\): create 0, update 0, delete 4, labels 1\n`));
  });

  it('Audit mode lists examples of the planned writes on the status, the same ones posture diff shows', async () => {
    const audited = `diff-audit-${s}`;
    const nsName = `diff-c-${s}`;
    await k.createNamespace(nsName, { 'posture.dev/diff-audit': s });
    const spec = { mode: 'Audit', namespaceSelector: { matchLabels: { 'posture.dev/diff-audit': s } }, podSecurity: { enforce: 'restricted' } };
    await k.applyBaseline(audited, spec);
    await eventually('plannedChanges with examples', async () => ((await k.getBaseline(audited)).status?.plannedChanges?.examples?.length ?? 0) > 0, 60_000);
    const status = (await k.getBaseline(audited)).status?.plannedChanges;
    assert.deepEqual(status, {
      namespaces: 1,
      create: 3,
      update: 1,
      delete: 0,
      examples: [
        { verb: 'update', namespace: nsName, kind: 'Namespace', name: nsName },
        { verb: 'create', namespace: nsName, kind: 'NetworkPolicy', name: 'posture-default-deny' },
        { verb: 'create', namespace: nsName, kind: 'NetworkPolicy', name: 'posture-allow-dns' },
        { verb: 'create', namespace: nsName, kind: 'NetworkPolicy', name: 'posture-allow-same-namespace' },
      ],
    });
    const path = join(cp.dir, `${audited}.yaml`);
    await writeFile(path, stringify({ apiVersion: 'posture.dev/v1alpha1', kind: 'SecurityBaseline', metadata: { name: audited }, spec }));
    const r = await posture(['diff', '--baseline', path, '--kubeconfig', kubeconfig]);
    const verbs = r.stdout.split('\n').flatMap((l) => {
      const m = /^ {2}([+~-]) (create|update|labels|delete) (\S+) (\S+)$/.exec(l);
      return m === null ? [] : [{ verb: m[2] === 'labels' ? 'update' : m[2], namespace: nsName, kind: m[3], name: m[4] }];
    });
    assert.deepEqual(verbs, status.examples);
  });

  it('exits 2 with one line when the cluster cannot be read', async () => {
    const broken = join(cp.dir, `unreachable-${s}.kubeconfig`);
    await writeFile(broken, stringify({ apiVersion: 'v1', kind: 'Config', clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1', 'insecure-skip-tls-verify': true } }], users: [{ name: 'u', user: { token: 'x' } }], contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }], 'current-context': 'x' }));
    const r = await posture(['diff', '--baseline', await file(next), '--kubeconfig', broken]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^posture diff: cannot read the cluster at https:\/\/127\.0\.0\.1:1: /);
    assert.equal(r.stderr.split('\n').length, 2, 'one line');
  });
});
