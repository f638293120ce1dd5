import assert from 'node:assert/strict';
import type { ControlPlane } from '../../hack/controlplane/launcher.js';
import { installOperatorPrerequisites } from '../../hack/install.js';
import { sharedControlPlane } from './support/controlplane.js';
import { fetchAsAdmin } from './support/kube.js';
import { impersonating, type Reply, type Requester } from './support/impersonate.js';
import { eventually } from './support/wait.js';

/**
 * The operator's token, fenced (config/admission/operator-fence.yaml): what its ClusterRole allows
 * everywhere, the policy narrows to its own labelled posture-* objects outside system namespaces.
 * Each refused request here is one the ClusterRole alone would allow.
 */

const NS = 'fence-a';
const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const OPERATOR = { user: 'system:serviceaccount:posture-system:posture-operator', groups: ['system:serviceaccounts', 'system:serviceaccounts:posture-system', 'system:authenticated'] };
const LABELS = { 'app.kubernetes.io/managed-by': 'posture-operator', 'posture.dev/baseline': 'tenants' };

function binding(name: string, namespace: string, labels?: Record<string, string>): Record<string, unknown> {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name, namespace, ...(labels === undefined ? {} : { labels }) },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'oidc:team-a' }],
  };
}

function refusal(reply: Reply): string {
  assert.equal(reply.status >= 400, true, `expected a refusal, got ${reply.status}`);
  return reply.body.message ?? '';
}

describe('admission: the operator ServiceAccount writes only its own posture-* objects', function () {
  let cp: ControlPlane;
  let operator: Requester;
  const seen: string[] = [];
  /** Server-side apply as the operator sends it. */
  const apply = (path: string, body: unknown): Promise<Reply> => operator('PATCH', `${path}?fieldManager=posture-operator&force=true`, body, 'application/apply-patch+yaml');

  before(async function () {
    this.timeout(300_000);
    cp = await sharedControlPlane();
    await installOperatorPrerequisites(cp.kubeconfigPath);
    await fetchAsAdmin(cp, 'POST', '/api/v1/namespaces', { metadata: { name: NS, labels: { 'posture.dev/tier': 'tenant' } } });
    await fetchAsAdmin(cp, 'POST', `${RBAC}/namespaces/${NS}/rolebindings`, binding('team-viewers', NS));
    operator = await impersonating(cp, OPERATOR);
    await eventually('the fence to be in force', async () => (await operator('DELETE', `${RBAC}/namespaces/${NS}/rolebindings/team-viewers?dryRun=All`)).status >= 400, 60_000);
  });

  after(async () => {
    if (seen.length > 0) console.log(`      messages:\n${seen.map((m) => `        ${m}`).join('\n')}`);
    await fetchAsAdmin(cp, 'DELETE', `/api/v1/namespaces/${NS}`).catch(() => undefined);
  });

  it('cannot rewrite or delete a RoleBinding it does not manage', async () => {
    const edited = { ...binding('team-viewers', NS), subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:authenticated' }] };
    const message = refusal(await apply(`${RBAC}/namespaces/${NS}/rolebindings/team-viewers`, edited));
    seen.push(message);
    assert.match(message, /posture-operator may write only objects named posture-\*, not rolebindings fence-a\/team-viewers/);
    assert.match(refusal(await operator('DELETE', `${RBAC}/namespaces/${NS}/rolebindings/team-viewers`)), /named posture-\*/);
    const stored = (await fetchAsAdmin(cp, 'GET', `${RBAC}/namespaces/${NS}/rolebindings/team-viewers`)) as { subjects: { name: string }[] };
    assert.deepEqual(stored.subjects.map((s) => s.name), ['oidc:team-a']);
  });

  it('cannot create a posture-* object without its label, nor any in a system namespace', async () => {
    const unlabelled = refusal(await apply(`${RBAC}/namespaces/${NS}/rolebindings/posture-view`, binding('posture-view', NS)));
    seen.push(unlabelled);
    assert.match(unlabelled, /posture-operator may write only objects labelled app\.kubernetes\.io\/managed-by=posture-operator, not rolebindings fence-a\/posture-view/);
    const system = refusal(await apply(`${RBAC}/namespaces/kube-system/rolebindings/posture-view`, binding('posture-view', 'kube-system', LABELS)));
    seen.push(system);
    assert.match(system, /posture-operator may not write in a system namespace: rolebindings kube-system\/posture-view/);
    const np = refusal(await apply(`/apis/networking.k8s.io/v1/namespaces/${NS}/networkpolicies/allow-all`, {
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'allow-all', namespace: NS, labels: LABELS }, spec: { podSelector: {}, ingress: [{}] },
    }));
    assert.match(np, /not networkpolicies fence-a\/allow-all/);
  });

  it('writes, repairs and deletes its own labelled posture-* objects, and releases them', async () => {
    const path = `${RBAC}/namespaces/${NS}/rolebindings/posture-view`;
    const created = await apply(path, binding('posture-view', NS, LABELS));
    assert.equal(created.status, 201, created.body.message);
    const released = await operator('PATCH', path, { metadata: { labels: { 'app.kubernetes.io/managed-by': null, 'posture.dev/baseline': null } } }, 'application/merge-patch+json');
    assert.equal(released.status, 200, released.body.message);
    // Released, it is no longer the operator's: it cannot delete it.
    assert.match(refusal(await operator('DELETE', path)), /labelled app\.kubernetes\.io\/managed-by=posture-operator/);
    const quota = await apply(`/api/v1/namespaces/${NS}/resourcequotas/posture-quota`, {
      apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'posture-quota', namespace: NS, labels: LABELS }, spec: { hard: { pods: '10' } },
    });
    assert.equal(quota.status, 201, quota.body.message);
    const gone = await operator('DELETE', `/api/v1/namespaces/${NS}/resourcequotas/posture-quota`);
    assert.equal(gone.status, 200, gone.body.message);
  });

  it('changes only the labels and annotations it owns on a Namespace', async () => {
    const path = `/api/v1/namespaces/${NS}`;
    const own = await apply(path, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, labels: { 'pod-security.kubernetes.io/enforce': 'baseline' }, annotations: { 'posture.dev/pod-security': 'tenants' } } });
    assert.equal(own.status, 200, own.body.message);
    const deselect = refusal(await operator('PATCH', path, { metadata: { labels: { 'posture.dev/tier': null } } }, 'application/merge-patch+json'));
    seen.push(deselect);
    assert.match(deselect, /posture-operator may change only the Pod Security and posture\.dev\/protected labels and its own annotations of namespace fence-a/);
    const owner = { apiVersion: 'posture.dev/v1alpha1', kind: 'SecurityBaseline', name: 'tenants', uid: '00000000-0000-0000-0000-000000000001' };
    assert.match(refusal(await operator('PATCH', path, { metadata: { ownerReferences: [owner] } }, 'application/merge-patch+json')), /may change only/);
    assert.match(refusal(await operator('PATCH', '/api/v1/namespaces/kube-system', { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } }, 'application/merge-patch+json')), /system namespace/);
    const ns = (await fetchAsAdmin(cp, 'GET', path)) as { metadata: { labels: Record<string, string>; ownerReferences?: unknown[] } };
    assert.equal(ns.metadata.labels['posture.dev/tier'], 'tenant');
    assert.equal(ns.metadata.ownerReferences, undefined);
  });
});
