import assert from 'node:assert/strict';
import type { ControlPlane } from '../../hack/controlplane/launcher.js';
import { installOperatorPrerequisites } from '../../hack/install.js';
import { sharedControlPlane } from './support/controlplane.js';
import { admin, condition, fetchAsAdmin, type Admin } from './support/kube.js';
import { impersonating, type Reply, type Requester } from './support/impersonate.js';
import { startOperator, type RunningOperator } from './support/operator.js';
import { servePolicyReports } from './support/policyreports.js';
import { eventually } from './support/wait.js';

/**
 * spec.guard end to end: the operator renders its policies, keeps them, marks namespaces protected
 * once their objects are in place, and a tenant holding the default admin role in its namespace
 * cannot take a protection away. Issue 13's "done when", case by case.
 */

const NS = 'team-a';
const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const ADMISSION = '/apis/admissionregistration.k8s.io/v1';
const NP = `/apis/networking.k8s.io/v1/namespaces/${NS}/networkpolicies`;
const REPORT = `/apis/wgpolicyk8s.io/v1alpha2/namespaces/${NS}/policyreports/posture-audit`;
const merge = 'application/merge-patch+json';
const GUARDED = {
  namespaceSelector: { matchLabels: { 'posture.dev/tier': 'tenant' } },
  podSecurity: { enforce: 'baseline' },
  resourceQuota: { hard: { pods: '20' } },
  guard: { podsBeforeProtection: 'Deny', managedObjects: 'Deny', namespaceLabels: 'Deny', exemptGroups: ['platform:breakglass'] },
};
const PROBE = /namespace guard-probe is not yet protected by SecurityBaseline tenants/;
const PROTECTED = /namespace team-a is not yet protected by SecurityBaseline tenants; retry in a moment/;

const container = { name: 'app', image: 'registry.example.com/app:1.0' };
const pod = (name: string): Record<string, unknown> => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS }, spec: { containers: [container] } });
const replicaSet = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web', namespace: NS }, spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [container] } } } };

function refused(reply: Reply, expected: RegExp, seen: string[]): void {
  assert.equal(reply.status >= 400, true, `expected a refusal, got ${reply.status}`);
  seen.push(reply.body.message ?? '');
  assert.match(reply.body.message ?? '', expected);
}

function admitted(reply: Reply): void {
  assert.equal(reply.status < 300, true, `${reply.status}: ${reply.body.message ?? ''}`);
}

async function podCount(cp: ControlPlane, namespace: string): Promise<number> {
  return ((await fetchAsAdmin(cp, 'GET', `/api/v1/namespaces/${namespace}/pods`)) as { items: unknown[] }).items.length;
}

describe('spec.guard, enforced by the operator', function () {
  let cp: ControlPlane;
  let k: Admin;
  let op: RunningOperator;
  let argo: Requester;
  let tenant: Requester;
  let breakglass: Requester;
  const seen: string[] = [];

  before(async function () {
    this.timeout(300_000);
    cp = await sharedControlPlane();
    k = admin(cp);
    await installOperatorPrerequisites(cp.kubeconfigPath);
    await servePolicyReports(cp);
    op = await startOperator(cp);
    // Argo CD: a cluster-wide deployer, not exempt.
    argo = await impersonating(cp, { user: 'system:serviceaccount:argocd:argocd-application-controller', groups: ['system:masters', 'system:authenticated'] });
    tenant = await impersonating(cp, { user: 'tina', groups: ['team-a', 'system:authenticated'] });
    breakglass = await impersonating(cp, { user: 'oncall', groups: ['team-a', 'platform:breakglass', 'system:authenticated'] });
  });

  after(async () => {
    if (seen.length > 0) console.log(`      messages:\n${seen.map((m) => `        ${m}`).join('\n')}`);
    if (op.alive) await op.stop();
    for (const name of ['tenants', 'unguarded']) await k.deleteBaseline(name).catch(() => undefined);
    for (const name of [NS, 'team-b', 'guard-probe']) await fetchAsAdmin(cp, 'DELETE', `/api/v1/namespaces/${name}`).catch(() => undefined);
  });

  it('writes one policy and binding per guard, owned by the baseline', async () => {
    await k.applyBaseline('tenants', GUARDED);
    const created = await k.getBaseline('tenants');
    for (const kind of ['pods', 'objects', 'labels']) {
      for (const plural of ['validatingadmissionpolicies', 'validatingadmissionpolicybindings']) {
        await eventually(`${plural}/posture-guard-tenants-${kind}`, async () => {
          const o = (await fetchAsAdmin(cp, 'GET', `${ADMISSION}/${plural}/posture-guard-tenants-${kind}`)) as { metadata: { ownerReferences?: { uid: string }[] } };
          return o.metadata.ownerReferences?.[0]?.uid === created.metadata.uid;
        }, 30_000);
      }
    }
    // In force: a pod in a selected namespace nobody has protected yet is refused.
    await op.stop();
    await fetchAsAdmin(cp, 'POST', '/api/v1/namespaces', { metadata: { name: 'guard-probe', labels: { 'posture.dev/tier': 'tenant' } } });
    await eventually('the pods guard in force', async () => {
      const reply = await argo('POST', '/api/v1/namespaces/guard-probe/pods?dryRun=All', { ...pod('probe'), metadata: { name: 'probe', namespace: 'guard-probe' } });
      if (!PROBE.test(reply.body.message ?? '')) throw new Error(`${reply.status}: ${reply.body.message ?? ''}`);
      return true;
    }, 30_000);
  });

  it('a namespace and a pod applied together: the pod is refused, and a ReplicaSet gets its pods once the namespace is protected', async () => {
    // The operator is stopped, so nothing can protect the namespace in between: deterministic,
    // and what a slow or restarting operator looks like to Argo CD.
    admitted(await argo('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, labels: { 'posture.dev/tier': 'tenant' } } }));
    refused(await argo('POST', `/api/v1/namespaces/${NS}/pods`, pod('web-0')), PROTECTED, seen);
    admitted(await argo('POST', `/apis/apps/v1/namespaces/${NS}/replicasets`, replicaSet));
    await eventually('the ReplicaSet to report that the guard refused its pods', async () => {
      const rs = (await fetchAsAdmin(cp, 'GET', `/apis/apps/v1/namespaces/${NS}/replicasets/web`)) as { status?: { conditions?: { type: string; message: string }[] } };
      const failure = rs.status?.conditions?.find((c) => c.type === 'ReplicaFailure');
      if (failure !== undefined) seen.push(`ReplicaFailure: ${failure.message}`);
      return failure !== undefined && PROTECTED.test(failure.message);
    }, 60_000);
    assert.equal(await podCount(cp, NS), 0);

    op = await startOperator(cp);
    await eventually('team-a protected', async () => {
      const ns = (await fetchAsAdmin(cp, 'GET', `/api/v1/namespaces/${NS}`)) as { metadata: { labels: Record<string, string> } };
      return ns.metadata.labels['posture.dev/protected'] === 'tenants';
    }, 60_000);
    // Marked after its objects were in place.
    const policies = (await fetchAsAdmin(cp, 'GET', NP)) as { items: { metadata: { name: string } }[] };
    assert.ok(policies.items.some((p) => p.metadata.name === 'posture-default-deny'));
    await fetchAsAdmin(cp, 'GET', `/api/v1/namespaces/${NS}/resourcequotas/posture-quota`);
    await eventually("the ReplicaSet's pods, once protected", async () => (await podCount(cp, NS)) === 2, 120_000);
    admitted(await argo('POST', `/api/v1/namespaces/${NS}/pods`, pod('web-0')));
  });

  it('the tenant (admin in team-a) cannot delete or edit posture-default-deny, nor pre-create posture-view', async () => {
    await fetchAsAdmin(cp, 'POST', `${RBAC}/namespaces/${NS}/rolebindings`, {
      metadata: { name: 'tenant-admin' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'team-a' }],
    });
    // What some clusters add for tenants: patching their own Namespace, writing PolicyReports.
    await fetchAsAdmin(cp, 'POST', `${RBAC}/namespaces/${NS}/roles`, {
      metadata: { name: 'tenant-extras' },
      rules: [
        { apiGroups: [''], resources: ['namespaces'], resourceNames: [NS], verbs: ['get', 'patch'] },
        { apiGroups: ['wgpolicyk8s.io'], resources: ['policyreports'], verbs: ['get', 'create', 'patch', 'delete'] },
      ],
    });
    await fetchAsAdmin(cp, 'POST', `${RBAC}/namespaces/${NS}/rolebindings`, {
      metadata: { name: 'tenant-extras' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'tenant-extras' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'team-a' }],
    });
    await eventually('the tenant bound', async () => (await tenant('GET', `${NP}/posture-default-deny`)).status === 200, 30_000);
    refused(await tenant('DELETE', `${NP}/posture-default-deny`), /networkpolicies team-a\/posture-default-deny is managed by SecurityBaseline tenants: only posture-operator and members of platform:breakglass may delete it/, seen);
    refused(await tenant('PATCH', `${NP}/posture-default-deny`, { spec: { ingress: [{}] } }, merge), /posture-default-deny is managed by SecurityBaseline tenants: .* may change it/, seen);
    const view = { metadata: { name: 'posture-view' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'team-a' }] };
    refused(await tenant('POST', `${RBAC}/namespaces/${NS}/rolebindings`, view), /rolebindings team-a\/posture-view is managed by SecurityBaseline tenants: .* may create it/, seen);
    admitted(await tenant('POST', `${RBAC}/namespaces/${NS}/rolebindings`, { ...view, metadata: { name: 'team-editors' } }));
  });

  it('the tenant cannot write the PolicyReport, nor remove the selecting label', async () => {
    await eventually('the operator\'s PolicyReport', async () => (await tenant('GET', REPORT)).status === 200, 60_000);
    refused(await tenant('PATCH', REPORT, { summary: { pass: 9, fail: 0 } }, merge), /policyreports team-a\/posture-audit is managed by SecurityBaseline tenants/, seen);
    refused(await tenant('PATCH', `/api/v1/namespaces/${NS}`, { metadata: { labels: { 'posture.dev/tier': null } } }, merge), /label posture\.dev\/tier of namespace team-a is guarded by SecurityBaseline tenants/, seen);
    refused(await tenant('PATCH', `/api/v1/namespaces/${NS}`, { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } }, merge), /label pod-security\.kubernetes\.io\/enforce of namespace team-a/, seen);
  });

  it('a member of an exempt group can do each of those (and the operator repairs what they change)', async () => {
    admitted(await breakglass('DELETE', `${NP}/posture-default-deny`));
    await eventually('posture-default-deny put back', async () => (await tenant('GET', `${NP}/posture-default-deny`)).status === 200, 30_000);
    admitted(await breakglass('PATCH', REPORT, { metadata: { annotations: { incident: '42' } } }, merge));
    admitted(await breakglass('PATCH', `/api/v1/namespaces/${NS}`, { metadata: { labels: { 'posture.dev/tier': null } } }, merge));
    await eventually('team-a released: not protected any more', async () => {
      const ns = (await fetchAsAdmin(cp, 'GET', `/api/v1/namespaces/${NS}`)) as { metadata: { labels: Record<string, string> } };
      return ns.metadata.labels['posture.dev/protected'] === undefined;
    }, 60_000);
  });

  it('with guard unset nothing changes: no policy, pods at once, tenants edit as before', async () => {
    await k.applyBaseline('unguarded', { namespaceSelector: { matchLabels: { 'posture.dev/tier': 'plain' } } });
    await fetchAsAdmin(cp, 'POST', '/api/v1/namespaces', { metadata: { name: 'team-b', labels: { 'posture.dev/tier': 'plain' } } });
    admitted(await argo('POST', '/api/v1/namespaces/team-b/pods', { ...pod('free'), metadata: { name: 'free', namespace: 'team-b' } }));
    await eventually('unguarded enforced', async () => condition(await k.getBaseline('unguarded'), 'Ready')?.status === 'True', 60_000);
    const ns = (await fetchAsAdmin(cp, 'GET', '/api/v1/namespaces/team-b')) as { metadata: { labels: Record<string, string> } };
    assert.equal(ns.metadata.labels['posture.dev/protected'], undefined);
    const list = (await fetchAsAdmin(cp, 'GET', `${ADMISSION}/validatingadmissionpolicies?labelSelector=posture.dev%2Fbaseline%3Dunguarded`)) as { items: unknown[] };
    assert.equal(list.items.length, 0);
    await fetchAsAdmin(cp, 'DELETE', '/apis/networking.k8s.io/v1/namespaces/team-b/networkpolicies/posture-default-deny');
  });

  it('removes a guard set to Off, and all of them with the baseline', async () => {
    await k.applyBaseline('tenants', { ...GUARDED, guard: { ...GUARDED.guard, podsBeforeProtection: 'Off' } });
    await eventually('the pods guard removed', async () => (await fetchAsAdmin(cp, 'GET', `${ADMISSION}/validatingadmissionpolicies/posture-guard-tenants-pods`).then(() => false, () => true)), 60_000);
    await fetchAsAdmin(cp, 'GET', `${ADMISSION}/validatingadmissionpolicies/posture-guard-tenants-objects`);
    await k.deleteBaseline('tenants');
    await eventually('every guard policy gone with the baseline', async () => {
      const list = (await fetchAsAdmin(cp, 'GET', `${ADMISSION}/validatingadmissionpolicies?labelSelector=posture.dev%2Fbaseline%3Dtenants`)) as { items: unknown[] };
      return list.items.length === 0;
    }, 60_000);
  });
});
