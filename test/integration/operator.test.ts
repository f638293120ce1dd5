import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import type { V1NetworkPolicy, V1NetworkPolicyList, V1SelfSubjectAccessReview, V1SelfSubjectReview } from '@kubernetes/client-node';
import { join } from 'node:path';
import type { ControlPlane } from '../../hack/controlplane/launcher.js';
import { OPERATOR_NAMESPACE, OPERATOR_SERVICE_ACCOUNT } from '../../hack/install.js';
import { connect } from '../../src/kube/connect.js';
import { sharedControlPlane } from './support/controlplane.js';
import { admin, condition, type Admin } from './support/kube.js';
import { startOperator, type RunningOperator } from './support/operator.js';
import { eventually } from './support/wait.js';

const POLICIES = ['posture-allow-dns', 'posture-allow-same-namespace', 'posture-default-deny'];
const WRITE_VERBS = ['create', 'update', 'patch', 'delete'];

function suffix(): string {
  return randomBytes(3).toString('hex');
}

async function policyNames(k: Admin, namespace: string): Promise<string[]> {
  return (await k.managedPolicies(namespace)).map((p) => p.metadata?.name ?? '').sort();
}

async function writesToNamespaces(op: RunningOperator): Promise<number> {
  let total = 0;
  for (const verb of WRITE_VERBS) total += await op.counter('posture_kube_requests_total', { verb, resource: 'networkpolicies' });
  return total;
}

describe('operator: first slice against a real control plane', function () {
  let cp: ControlPlane;
  let k: Admin;
  let op: RunningOperator;

  before(async function () {
    this.timeout(900_000); // the first run on a machine builds the control plane
    cp = await sharedControlPlane();
    k = admin(cp);
    op = await startOperator(cp);
  });

  after(async function () {
    const code = await op.stop();
    assert.equal(code, 0, 'the operator exits cleanly on SIGTERM');
  });

  it('runs as its own ServiceAccount, which is not an admin', async () => {
    const sa = await connect(join(cp.dir, 'operator.kubeconfig'));
    const create = <T>(path: string, body: object): Promise<T> => sa.request<T>({ verb: 'create', resource: 'reviews', method: 'POST', path, body });
    const review = await create<V1SelfSubjectReview>('/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
    assert.equal(review.status?.userInfo?.username, `system:serviceaccount:${OPERATOR_NAMESPACE}:${OPERATOR_SERVICE_ACCOUNT}`);
    const can = async (verb: string, resource: string, group = ''): Promise<boolean | undefined> =>
      (await create<V1SelfSubjectAccessReview>('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { verb, resource, group } } })).status?.allowed;
    assert.equal(await can('patch', 'networkpolicies', 'networking.k8s.io'), true);
    await sa.close();
  });

  it('enforces labelled namespaces, skips unlabelled and excluded ones, covers new ones, and reports status', async () => {
    const s = suffix();
    const tier = `tenant-${s}`;
    const name = `first-${s}`;
    await k.createNamespace(`shop-${s}`, { 'posture.dev/tier': tier });
    await k.createNamespace(`plain-${s}`);
    await k.createNamespace(`legacy-${s}`, { 'posture.dev/tier': tier });
    await k.applyBaseline(name, {
      namespaceSelector: { matchLabels: { 'posture.dev/tier': tier } },
      excludeNamespaces: [`legacy-*`],
    });

    await eventually('both policies in the labelled namespace', async () => (await policyNames(k, `shop-${s}`)).join() === POLICIES.join(), 30_000);

    await k.createNamespace(`late-${s}`, { 'posture.dev/tier': tier });
    await eventually('both policies in a namespace created after the baseline', async () => (await policyNames(k, `late-${s}`)).join() === POLICIES.join(), 30_000);

    await eventually('status to count 2 selected and 2 enforced, Ready', async () => {
      const b = await k.getBaseline(name);
      const ready = condition(b, 'Ready');
      const counts = b.status?.namespaces;
      return counts?.selected === 2 && counts.enforced === 2 && ready?.status === 'True';
    });
    const b = await k.getBaseline(name);
    assert.equal(b.status?.observedGeneration, b.metadata.generation);
    assert.equal(condition(b, 'Ready')?.observedGeneration, b.metadata.generation);
    assert.equal(condition(b, 'Ready')?.reason, 'Enforced');
    assert.equal(condition(b, 'Reconciling')?.status, 'False');

    // The status has converged over all namespaces, so these are settled, not racing.
    assert.deepEqual(await policyNames(k, `plain-${s}`), []);
    assert.deepEqual(await policyNames(k, `legacy-${s}`), []);

    const [policy] = await k.managedPolicies(`shop-${s}`);
    const meta = policy?.metadata;
    assert.ok(meta);
    assert.equal(meta.labels?.['posture.dev/baseline'], name);
    assert.deepEqual(meta.ownerReferences?.map((o) => o.uid), [b.metadata.uid]);
    assert.ok(meta.managedFields?.some((f) => f.manager === 'posture-operator' && f.operation === 'Apply'));
  });

  it('puts back a deleted policy and undoes an edit that opened it up', async () => {
    const s = suffix();
    await k.createNamespace(`drift-${s}`, { 'posture.dev/tier': `drift-${s}` });
    await k.applyBaseline(`drift-${s}`, { namespaceSelector: { matchLabels: { 'posture.dev/tier': `drift-${s}` } } });
    await eventually('policies', async () => (await policyNames(k, `drift-${s}`)).length === 3, 30_000);

    await k.send('DELETE', `/apis/networking.k8s.io/v1/namespaces/drift-${s}/networkpolicies/posture-default-deny`);
    await eventually('the deleted policy to come back', async () => (await policyNames(k, `drift-${s}`)).includes('posture-default-deny'), 30_000);

    const policy = `/apis/networking.k8s.io/v1/namespaces/drift-${s}/networkpolicies/posture-default-deny`;
    const current = await k.get<V1NetworkPolicy>(policy);
    await k.send('PUT', `${policy}?fieldManager=intruder`, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: current.metadata,
      spec: { podSelector: {}, policyTypes: current.spec?.policyTypes, ingress: [{}] },
    });
    await eventually('the allow-all ingress rule to be removed', async () => {
      const p = await k.get<V1NetworkPolicy>(policy);
      return p.spec?.ingress === undefined && p.spec?.policyTypes?.join() === 'Egress,Ingress';
    }, 30_000);
    assert.ok((await op.counter('posture_drift_detected_total', { baseline: `drift-${s}` })) >= 1);
  });

  it('removes its policies when a namespace stops matching, and touches nothing else', async () => {
    const s = suffix();
    const ns = `move-${s}`;
    await k.createNamespace(ns, { 'posture.dev/tier': `move-${s}` });
    await k.send('POST', `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies`, { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'team-own' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } });
    await k.applyBaseline(`move-${s}`, { namespaceSelector: { matchLabels: { 'posture.dev/tier': `move-${s}` } } });
    await eventually('policies', async () => (await policyNames(k, ns)).length === 3, 30_000);

    await k.labelNamespace(ns, { 'posture.dev/tier': null });
    await eventually('our policies to be pruned', async () => (await policyNames(k, ns)).length === 0, 30_000);
    const all = await k.get<V1NetworkPolicyList>(`/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies`);
    assert.deepEqual(all.items.map((p) => p.metadata?.name), ['team-own']);
    await eventually('status to count 0 selected', async () => (await k.getBaseline(`move-${s}`)).status?.namespaces?.selected === 0);
  });

  it('writes nothing into namespaces in Audit mode and reports what Enforce would do', async () => {
    const s = suffix();
    await k.createNamespace(`audit-${s}`, { 'posture.dev/tier': `audit-${s}` });
    await k.applyBaseline(`audit-${s}`, { mode: 'Audit', namespaceSelector: { matchLabels: { 'posture.dev/tier': `audit-${s}` } } });
    await eventually('status to report planned changes', async () => {
      const b = await k.getBaseline(`audit-${s}`);
      return b.status?.plannedChanges?.create === 3 && b.status.observedGeneration === b.metadata.generation;
    });
    const b = await k.getBaseline(`audit-${s}`);
    const counts = b.status?.namespaces;
    assert.equal(counts?.selected, 1);
    assert.equal(counts.enforced, 0);
    // The audit runs in Audit mode too: with nothing written, the namespace has no default-deny policy.
    await eventually('the audit to report NS-002 failing', async () => {
      const audited = await k.getBaseline(`audit-${s}`);
      return condition(audited, 'Compliant')?.status === 'False' && (audited.status?.findings ?? []).some((f) => f.check === 'NS-002') && audited.status?.namespaces?.compliant === 0;
    });
    assert.equal(condition(b, 'Ready')?.reason, 'Audited');
    assert.deepEqual(await policyNames(k, `audit-${s}`), []);
  });

  it('rejects an unknown mode at admission, naming the field', async () => {
    const name = `bad-${suffix()}`;
    const error = await k.applyBaseline(name, { mode: 'Sometimes', namespaceSelector: {} }).then(
      () => undefined,
      (err: unknown) => err,
    );
    assert.ok(error !== undefined, 'the API server accepted mode: Sometimes');
    const text = error instanceof Error ? error.message : '';
    const status = JSON.parse(text.slice(text.indexOf('{'))) as { code?: number; message?: string; details?: { causes?: { field?: string }[] } };
    assert.equal(status.code, 422);
    assert.match(status.message ?? '', /spec\.mode: Unsupported value: "Sometimes"/);
    assert.ok(status.details?.causes?.some((c) => c.field === 'spec.mode'), 'the cause names spec.mode');
    await assert.rejects(k.getBaseline(name), 'nothing was stored');
  });

  it('answers kubectl explain from the CRD descriptions', async () => {
    const { stdout } = await promisify(execFile)('kubectl', ['explain', 'securitybaseline.spec.networkPolicy', `--kubeconfig=${cp.kubeconfigPath}`]);
    assert.match(stdout, /GROUP:\s+posture\.dev/);
    assert.match(stdout, /NetworkPolicies written into every selected namespace/);
    assert.match(stdout, /allowDNS\s+<boolean>/);
    assert.match(stdout, /Allow egress to kube-dns/);
  });

  it('sends no write while nothing changes', async () => {
    // Converge everything created so far, then watch a quiet interval.
    await eventually('no namespace left to reconcile', async () => {
      const before = await writesToNamespaces(op);
      await new Promise((r) => setTimeout(r, 1000));
      return (await writesToNamespaces(op)) === before;
    });
    const before = await writesToNamespaces(op);
    const statusBefore = await op.counter('posture_kube_requests_total', { verb: 'patch', resource: 'securitybaselines/status' });
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(await writesToNamespaces(op), before, 'no NetworkPolicy write during a quiet interval');
    assert.equal(await op.counter('posture_kube_requests_total', { verb: 'patch', resource: 'securitybaselines/status' }), statusBefore, 'no status write');
  });
});
