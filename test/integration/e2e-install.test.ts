import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { KubernetesObject } from '@kubernetes/client-node';
import { Agent, fetch } from 'undici';
import { parseAllDocuments } from 'yaml';
import { startControlPlane, type ControlPlane } from '../../hack/controlplane/launcher.js';
import { adminClient, applyAll, readManifests, repoRoot } from '../../hack/install.js';
import { admin, condition, fetchAsAdmin, type Admin } from './support/kube.js';
import { startOperator, sumSamples, type RunningOperator } from './support/operator.js';
import { grantedPermissions, parseAuditLog, usedPermissions, type PolicyRule } from './support/permissions.js';
import { eventually } from './support/wait.js';

const OPERATOR_USER = 'system:serviceaccount:posture-system:posture-operator';
const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
    users: ["${OPERATOR_USER}"]
  - level: None
`;

/** What spec.rbac.roles may grant: the read access config/rbac holds for exactly that purpose. */
const GRANTABLE: PolicyRule[] = [
  { apiGroups: [''], resources: ['pods', 'services', 'configmaps', 'persistentvolumeclaims', 'serviceaccounts'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['apps'], resources: ['deployments', 'replicasets', 'statefulsets', 'daemonsets'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: ['get', 'list', 'watch'] },
];

async function kustomize(dir: string): Promise<KubernetesObject[]> {
  const { stdout } = await promisify(execFile)('kubectl', ['kustomize', join(repoRoot, dir)], { maxBuffer: 16 << 20 });
  return parseAllDocuments(stdout)
    .map((d) => d.toJS() as KubernetesObject | null)
    .filter((o): o is KubernetesObject => o !== null);
}

/**
 * Scrapes secure metrics as a ServiceAccount bound to the rendered posture-metrics-reader
 * ClusterRole, as Prometheus does in a cluster.
 */
async function secureScrape(cp: ControlPlane, metricsUrl: string): Promise<string> {
  const client = await adminClient(cp.kubeconfigPath);
  const binding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'e2e-metrics-reader' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'posture-metrics-reader' },
    subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'default' }],
  };
  await applyAll(client, [binding]);
  await client.close();
  const request = (await fetchAsAdmin(cp, 'POST', '/api/v1/namespaces/default/serviceaccounts/default/token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} })) as { status: { token: string } };
  const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
  try {
    const res = await fetch(metricsUrl.replace(/^http:/, 'https:'), { dispatcher, headers: { authorization: `Bearer ${request.status.token}` } });
    assert.equal(res.status, 200);
    return await res.text();
  } finally {
    await dispatcher.close();
  }
}

/** Another field manager's server-side apply with force, as `kubectl apply --server-side --force-conflicts` sends it. */
async function applyAsUser(cp: ControlPlane, path: string, body: Record<string, unknown>): Promise<void> {
  await fetchAsAdmin(cp, 'PATCH', `${path}?fieldManager=kubectl&force=true`, body, 'application/apply-patch+yaml');
}

describe('e2e: config/default installs, and the operator uses exactly the permissions it is granted', function () {
  let cp: ControlPlane;
  let k: Admin;
  let op: RunningOperator;
  let rendered: KubernetesObject[];

  before(async function () {
    this.timeout(900_000);
    const policy = join(repoRoot, '.local', 'e2e-audit-policy.yaml');
    await mkdir(join(repoRoot, '.local'), { recursive: true });
    await writeFile(policy, AUDIT_POLICY);
    cp = await startControlPlane({ auditPolicyFile: policy });
    k = admin(cp);
    rendered = await kustomize('config/default');
  });

  after(async () => {
    if (op.alive) await op.stop();
    await cp.stop();
  });

  it('validates every rendered object with a server-side dry run, then applies them', async () => {
    const client = await adminClient(cp.kubeconfigPath);
    const crds = rendered.filter((o) => o.kind === 'CustomResourceDefinition');
    await applyAll(client, crds);
    await applyAll(client, rendered.filter((o) => o.kind === 'Namespace'));
    await eventually('the CRD to be served', async () => {
      await fetchAsAdmin(cp, 'GET', '/apis/posture.dev/v1alpha1/securitybaselines');
      return true;
    });
    await applyAll(client, rendered, { dryRun: true });
    await applyAll(client, rendered);
    await applyAll(client, await readManifests('hack/crds/wgpolicyk8s.io_policyreports.yaml'));
    await client.close();
    const kinds = rendered.map((o) => o.kind).sort();
    assert.ok(kinds.includes('Deployment') && kinds.includes('ClusterRole') && kinds.includes('NetworkPolicy'), kinds.join());
  });

  it('enforces a sample baseline, running as the rendered ServiceAccount with leader election', async () => {
    await eventually('the PolicyReport API', async () => {
      await fetchAsAdmin(cp, 'GET', '/apis/wgpolicyk8s.io/v1alpha2/policyreports');
      return true;
    });
    // Secure metrics, as in a cluster (where they are the default): the scrape below makes the
    // operator use its TokenReview and SubjectAccessReview permissions.
    op = await startOperator(cp, ['--leader-elect', '--metrics-secure'], { preinstalled: true, env: { POD_NAME: 'e2e-0' } });
    await k.createNamespace('tenant-a', { 'posture.dev/tier': 'tenant' });
    const sample = (await readManifests('config/samples/posture_v1alpha1_securitybaseline.yaml'))[0];
    assert.ok(sample);
    await k.applyBaseline(sample.metadata?.name ?? 'tenants', (sample as unknown as { spec: Record<string, unknown> }).spec);
    await eventually('the sample to be enforced', async () => {
      const b = await k.getBaseline(sample.metadata?.name ?? 'tenants');
      return condition(b, 'Ready')?.status === 'True' && b.status?.namespaces?.enforced === 1;
    }, 60_000);
    assert.equal(sumSamples(await secureScrape(cp, op.metricsUrl), 'posture_leader', {}), 1);
  });

  it('exercises every permission: all sections, drift of each kind, pruning, orphaning, reports', async () => {
    const ns = 'full-e2e';
    await k.createNamespace(ns, { 'posture.dev/tier': 'full' });
    const reader = { name: 'reader', rules: GRANTABLE, subjects: [{ kind: 'Group', name: 'oidc:readers' }] };
    const full = {
      namespaceSelector: { matchLabels: { 'posture.dev/tier': 'full' } },
      deletionPolicy: 'Orphan',
      networkPolicy: { allowIngressFrom: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }] },
      resourceQuota: { hard: { 'requests.cpu': '4', 'limits.memory': '8Gi' } },
      limitRange: { default: { cpu: '500m', memory: '512Mi' }, max: { cpu: '2', memory: '4Gi' } },
      podSecurity: { enforce: 'baseline', warn: 'restricted' },
      rbac: { roles: [reader], bindClusterRoles: [{ clusterRole: 'view', subjects: [{ kind: 'Group', name: 'oidc:viewers' }] }] },
      // The admin below plays the other field managers: exempt, as a break-glass group would be.
      guard: { podsBeforeProtection: 'Deny', managedObjects: 'Deny', namespaceLabels: 'Deny', exemptGroups: ['system:masters'] },
    };
    await k.applyBaseline('full', full);
    await eventually('full enforced', async () => condition(await k.getBaseline('full'), 'Ready')?.status === 'True' && (await k.getBaseline('full')).status?.namespaces?.enforced === 1, 60_000);
    await eventually('full-e2e protected', async () => ((await fetchAsAdmin(cp, 'GET', `/api/v1/namespaces/${ns}`)) as { metadata: { labels: Record<string, string> } }).metadata.labels['posture.dev/protected'] === 'full', 60_000);

    // Drift of every kind, by another field manager: a changed field and an added one.
    const base = `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies`;
    await applyAsUser(cp, `${base}/posture-default-deny`, { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'posture-default-deny', namespace: ns }, spec: { ingress: [{}] } });
    await applyAsUser(cp, `/api/v1/namespaces/${ns}/resourcequotas/posture-quota`, { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'posture-quota', namespace: ns }, spec: { hard: { 'requests.cpu': '400', pods: '1000' } } });
    await applyAsUser(cp, `/api/v1/namespaces/${ns}/limitranges/posture-limits`, { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'posture-limits', namespace: ns }, spec: { limits: [{ type: 'Pod', max: { cpu: '64' } }] } });
    await applyAsUser(cp, `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles/posture-reader`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'posture-reader', namespace: ns }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] });
    await applyAsUser(cp, `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings/posture-view`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'posture-view', namespace: ns }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'Group', name: 'everyone', apiGroup: 'rbac.authorization.k8s.io' }] });
    await eventually('every drift repaired', async () => (await k.getBaseline('full')).status?.drift?.repaired !== undefined && condition(await k.getBaseline('full'), 'Ready')?.status === 'True' && ((await k.getBaseline('full')).status?.drift?.repaired ?? 0) >= 5, 60_000);

    // The audit's report changes with the namespace's contents.
    await fetchAsAdmin(cp, 'POST', `/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: 'creds' }, data: { password: 'hunter2hunter2' } });
    await eventually('a report naming SEC-001', async () => {
      const r = (await fetchAsAdmin(cp, 'GET', `/apis/wgpolicyk8s.io/v1alpha2/namespaces/${ns}/policyreports/posture-audit`).catch(() => undefined)) as { results?: { policy: string; result: string }[] } | undefined;
      return (r?.results ?? []).some((x) => x.policy === 'SEC-001' && x.result === 'fail');
    }, 60_000);

    // Each change of what is written is a revision (a ControllerRevision); beyond the bounded history the oldest go.
    for (const cpu of ['5', '6', '7', '8']) {
      await k.applyBaseline('full', { ...full, resourceQuota: { hard: { ...full.resourceQuota.hard, 'requests.cpu': cpu } } });
      await eventually(`quota ${cpu}`, async () => ((await fetchAsAdmin(cp, 'GET', `/api/v1/namespaces/${ns}/resourcequotas/posture-quota`)) as { spec: { hard: Record<string, string> } }).spec.hard['requests.cpu'] === cpu, 60_000);
    }
    const revisions = async (): Promise<number> => ((await fetchAsAdmin(cp, 'GET', '/apis/apps/v1/namespaces/posture-system/controllerrevisions?labelSelector=posture.dev%2Fbaseline%3Dfull')) as { items: unknown[] }).items.length;
    await eventually('the revision history bounded', async () => (await revisions()) === 4, 60_000);

    // Pruning: drop sections (the guard too).
    await k.applyBaseline('full', { ...full, resourceQuota: undefined, limitRange: undefined, networkPolicy: {}, rbac: { bindClusterRoles: full.rbac.bindClusterRoles }, guard: undefined });
    await eventually('pruned', async () => {
      const quotas = (await fetchAsAdmin(cp, 'GET', `/api/v1/namespaces/${ns}/resourcequotas`)) as { items: unknown[] };
      const roles = (await fetchAsAdmin(cp, 'GET', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`)) as { items: unknown[] };
      const guards = (await fetchAsAdmin(cp, 'GET', '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies?labelSelector=posture.dev%2Fbaseline%3Dfull')) as { items: unknown[] };
      return quotas.items.length === 0 && roles.items.length === 0 && guards.items.length === 0;
    }, 60_000);

    // Deselecting a namespace removes its report; deleting with Orphan releases the rest.
    await k.createNamespace('leaving', { 'posture.dev/tier': 'full' });
    await eventually('a report in leaving', async () => (await fetchAsAdmin(cp, 'GET', '/apis/wgpolicyk8s.io/v1alpha2/namespaces/leaving/policyreports').then((l) => (l as { items: unknown[] }).items.length)) === 1, 60_000);
    await k.labelNamespace('leaving', { 'posture.dev/tier': null });
    await eventually('the report gone', async () => (await fetchAsAdmin(cp, 'GET', '/apis/wgpolicyk8s.io/v1alpha2/namespaces/leaving/policyreports').then((l) => (l as { items: unknown[] }).items.length)) === 0, 60_000);
    await k.deleteBaseline('full');
    await eventually('the orphaning baseline gone', async () => k.getBaseline('full').then(() => false, () => true), 60_000);
  });

  it('used every granted permission, and was denied none (API server audit log)', async () => {
    const auditLogPath = cp.auditLogPath;
    assert.ok(auditLogPath !== undefined);
    // The operator's roles only: posture-baseline-author is for the people who write baselines.
    const roles = rendered.filter((o) => (o.kind === 'ClusterRole' || o.kind === 'Role') && o.metadata?.name !== 'posture-baseline-author') as unknown as {
      metadata: { name: string };
      rules: PolicyRule[];
    }[];
    const granted = grantedPermissions(roles.flatMap((r) => r.rules));
    const events = parseAuditLog(await readFile(auditLogPath, 'utf8'));
    const { used, denied } = usedPermissions(events, OPERATOR_USER);
    // Permissions held to be granted, not called: used when the operator created the Role that
    // grants them (the API server checks it holds them), and bind when it created a RoleBinding to
    // that ClusterRole.
    const created = (resource: string, name: string): boolean =>
      events.some((e) => e.user?.username === OPERATOR_USER && e.verb === 'patch' && e.responseStatus?.code === 201 && e.objectRef?.resource === resource && e.objectRef.name === name);
    if (created('roles', 'posture-reader')) for (const p of grantedPermissions(GRANTABLE)) used.add(p);
    if (created('rolebindings', 'posture-view')) used.add('rbac.authorization.k8s.io/clusterroles/bind/view');
    const unused = [...granted].filter((p) => !used.has(p)).sort();
    console.log(`      granted ${granted.size} permissions; used ${[...granted].filter((p) => used.has(p)).length}; denied ${denied.length}`);
    assert.deepEqual(unused, [], 'granted but never used');
    assert.deepEqual(denied.map((e) => `${e.verb} ${e.requestURI}`), [], 'denied');
  });
});
