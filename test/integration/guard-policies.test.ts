import assert from 'node:assert/strict';
import type { ControlPlane } from '../../hack/controlplane/launcher.js';
import { adminClient, applyAll, installOperatorPrerequisites } from '../../hack/install.js';
import { securityBaselineSpecSchema } from '../../src/api/securitybaseline.js';
import { renderGuardPolicies } from '../../src/render/admission/guard.js';
import { sharedControlPlane } from './support/controlplane.js';
import { fetchAsAdmin } from './support/kube.js';
import { impersonating, type Reply, type Requester } from './support/impersonate.js';
import { servePolicyReports } from './support/policyreports.js';
import { eventually } from './support/wait.js';

/**
 * spec.guard's rendered policies (src/render/admission/guard.ts) on the real API server, applied
 * as the operator would apply them, with the operator's writes made under its impersonated
 * ServiceAccount. The operator-driven path (it renders, applies and marks namespaces protected)
 * is in guard.test.ts; this file pins what each policy admits and refuses.
 */

const NS = 'guard-team-a';
const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const NP = `/apis/networking.k8s.io/v1/namespaces/${NS}/networkpolicies`;
const REPORTS = `/apis/wgpolicyk8s.io/v1alpha2/namespaces/${NS}/policyreports`;
const LABELS = { 'app.kubernetes.io/managed-by': 'posture-operator', 'posture.dev/baseline': 'guarded' };
const OPERATOR = { user: 'system:serviceaccount:posture-system:posture-operator', groups: ['system:serviceaccounts', 'system:serviceaccounts:posture-system', 'system:authenticated'] };
const SPEC = {
  namespaceSelector: { matchLabels: { 'posture.dev/tier': 'guarded' } },
  podSecurity: { enforce: 'baseline' },
  guard: { podsBeforeProtection: 'Deny', managedObjects: 'Deny', namespaceLabels: 'Deny', exemptGroups: ['platform:breakglass'] },
};

const pod = (name: string): Record<string, unknown> => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'app', image: 'registry.example.com/app:1.0' }] } });
const merge = 'application/merge-patch+json';

function refused(reply: Reply, expected: RegExp, seen: string[]): void {
  assert.equal(reply.status >= 400, true, `expected a refusal, got ${reply.status}`);
  const message = reply.body.message ?? '';
  seen.push(message);
  assert.match(message, expected);
}

function admitted(reply: Reply): void {
  assert.equal(reply.status < 300, true, `${reply.status}: ${reply.body.message ?? ''}`);
}

describe('guard policies (rendered from spec.guard) on the real API server', function () {
  let cp: ControlPlane;
  let tenant: Requester;
  let breakglass: Requester;
  let operator: Requester;
  let root: Requester;
  const seen: string[] = [];

  before(async function () {
    this.timeout(300_000);
    cp = await sharedControlPlane();
    await installOperatorPrerequisites(cp.kubeconfigPath);
    await servePolicyReports(cp);
    const client = await adminClient(cp.kubeconfigPath);
    const created = (await fetchAsAdmin(cp, 'POST', '/apis/posture.dev/v1alpha1/securitybaselines', { apiVersion: 'posture.dev/v1alpha1', kind: 'SecurityBaseline', metadata: { name: 'guarded' }, spec: SPEC })) as { metadata: { uid: string } };
    const baseline = { name: 'guarded', uid: created.metadata.uid, generation: 1, spec: securityBaselineSpecSchema.parse(SPEC) };
    await applyAll(client, renderGuardPolicies(baseline, 'posture-system'));
    await client.close();

    await fetchAsAdmin(cp, 'POST', '/api/v1/namespaces', { metadata: { name: NS, labels: { 'posture.dev/tier': 'guarded' } } });
    // The tenant: the default admin role in its namespace, plus what some clusters give tenants on
    // top: patching their own Namespace, and writing PolicyReports (as report tools aggregate to admin).
    await fetchAsAdmin(cp, 'POST', `${RBAC}/namespaces/${NS}/roles`, {
      metadata: { name: 'tenant-extras' },
      rules: [
        { apiGroups: [''], resources: ['namespaces'], resourceNames: [NS], verbs: ['get', 'patch', 'update'] },
        { apiGroups: ['wgpolicyk8s.io'], resources: ['policyreports'], verbs: ['get', 'list', 'create', 'patch', 'update', 'delete'] },
      ],
    });
    for (const [name, roleRef] of [['tenant-admin', { kind: 'ClusterRole', name: 'admin' }], ['tenant-extras', { kind: 'Role', name: 'tenant-extras' }]] as const) {
      await fetchAsAdmin(cp, 'POST', `${RBAC}/namespaces/${NS}/rolebindings`, {
        metadata: { name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...roleRef },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'team-a' }],
      });
    }
    tenant = await impersonating(cp, { user: 'tina', groups: ['team-a', 'system:authenticated'] });
    breakglass = await impersonating(cp, { user: 'oncall', groups: ['team-a', 'platform:breakglass', 'system:authenticated'] });
    operator = await impersonating(cp, OPERATOR);
    root = await impersonating(cp, { user: 'root', groups: ['system:masters', 'system:authenticated'] });
    // Each policy takes effect a moment after it is created, each on its own.
    const probes: [string, () => Promise<Reply>][] = [
      ['pods', () => tenant('POST', `/api/v1/namespaces/${NS}/pods?dryRun=All`, pod('probe'))],
      ['objects', () => tenant('POST', `${NP}?dryRun=All`, { metadata: { name: 'posture-probe' }, spec: { podSelector: {} } })],
      ['labels', () => tenant('PATCH', `/api/v1/namespaces/${NS}?dryRun=All`, { metadata: { labels: { 'posture.dev/tier': null } } }, merge)],
    ];
    for (const [kind, probe] of probes) {
      await eventually(`posture-guard-guarded-${kind} to be in force`, async () => (await probe()).body.message?.includes(`'posture-guard-guarded-${kind}'`) === true, 60_000);
    }
  });

  after(async () => {
    if (seen.length > 0) console.log(`      messages:\n${seen.map((m) => `        ${m}`).join('\n')}`);
    await fetchAsAdmin(cp, 'DELETE', '/apis/posture.dev/v1alpha1/securitybaselines/guarded').catch(() => undefined);
    await fetchAsAdmin(cp, 'DELETE', `/api/v1/namespaces/${NS}`).catch(() => undefined);
  });

  it('refuses pods in a selected namespace until it is marked protected, whoever asks, naming the baseline', async () => {
    refused(await tenant('POST', `/api/v1/namespaces/${NS}/pods`, pod('early')), /namespace guard-team-a is not yet protected by SecurityBaseline guarded; retry in a moment/, seen);
    refused(await root('POST', `/api/v1/namespaces/${NS}/pods`, pod('early')), /not yet protected/, seen);
    // The operator writes its objects, then marks the namespace in the write of its Pod Security labels.
    admitted(await operator('PATCH', `${NP}/posture-default-deny?fieldManager=posture-operator&force=true`, {
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'posture-default-deny', namespace: NS, labels: LABELS }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    }, 'application/apply-patch+yaml'));
    admitted(await operator('PATCH', `${REPORTS}/posture-audit?fieldManager=posture-operator&force=true`, {
      apiVersion: 'wgpolicyk8s.io/v1alpha2', kind: 'PolicyReport', metadata: { name: 'posture-audit', namespace: NS, labels: LABELS }, summary: { pass: 1, fail: 3 }, results: [],
    }, 'application/apply-patch+yaml'));
    admitted(await operator('PATCH', `/api/v1/namespaces/${NS}?fieldManager=posture-operator&force=true`, {
      apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, labels: { 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/enforce-version': 'latest', 'posture.dev/protected': 'guarded' }, annotations: { 'posture.dev/pod-security': 'guarded' } },
    }, 'application/apply-patch+yaml'));
    await eventually('the pod admitted once protected', async () => (await tenant('POST', `/api/v1/namespaces/${NS}/pods`, pod('late'))).status === 201, 30_000);
  });

  it('the tenant cannot delete or edit posture-default-deny, nor pre-create posture-view', async () => {
    refused(await tenant('DELETE', `${NP}/posture-default-deny`), /networkpolicies guard-team-a\/posture-default-deny is managed by SecurityBaseline guarded: only posture-operator and members of platform:breakglass may delete it/, seen);
    refused(await tenant('PATCH', `${NP}/posture-default-deny`, { spec: { ingress: [{}] } }, merge), /posture-default-deny is managed by SecurityBaseline guarded: .* may change it/, seen);
    const view = { metadata: { name: 'posture-view' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'team-a' }] };
    refused(await tenant('POST', `${RBAC}/namespaces/${NS}/rolebindings`, view), /rolebindings guard-team-a\/posture-view is managed by SecurityBaseline guarded: .* may create it/, seen);
    // Their own objects stay theirs.
    admitted(await tenant('POST', `${RBAC}/namespaces/${NS}/rolebindings`, { ...view, metadata: { name: 'team-editors' } }));
    admitted(await tenant('POST', NP, { metadata: { name: 'allow-web' }, spec: { podSelector: {}, ingress: [{}] } }));
  });

  it("the tenant cannot write the operator's PolicyReport, nor forge a label that claims one", async () => {
    refused(await tenant('PATCH', `${REPORTS}/posture-audit`, { summary: { pass: 4, fail: 0 } }, merge), /policyreports guard-team-a\/posture-audit is managed by SecurityBaseline guarded/, seen);
    refused(await tenant('DELETE', `${REPORTS}/posture-audit`), /may delete it/, seen);
    refused(await tenant('POST', REPORTS, { apiVersion: 'wgpolicyk8s.io/v1alpha2', kind: 'PolicyReport', metadata: { name: 'forged', labels: LABELS }, results: [] }), /policyreports guard-team-a\/forged is managed/, seen);
  });

  it('the tenant cannot remove the selecting label, the protected mark or a Pod Security label', async () => {
    refused(await tenant('PATCH', `/api/v1/namespaces/${NS}`, { metadata: { labels: { 'posture.dev/tier': null } } }, merge), /label posture\.dev\/tier of namespace guard-team-a is guarded by SecurityBaseline guarded: only posture-operator and members of platform:breakglass may change it/, seen);
    refused(await tenant('PATCH', `/api/v1/namespaces/${NS}`, { metadata: { labels: { 'posture.dev/protected': null } } }, merge), /label posture\.dev\/protected of namespace/, seen);
    refused(await tenant('PATCH', `/api/v1/namespaces/${NS}`, { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } }, merge), /label pod-security\.kubernetes\.io\/enforce of namespace/, seen);
    // Other labels are the tenant's.
    admitted(await tenant('PATCH', `/api/v1/namespaces/${NS}`, { metadata: { labels: { 'team-a/cost-centre': '42' } } }, merge));
    refused(await root('POST', '/api/v1/namespaces', { metadata: { name: 'guard-forged', labels: { 'posture.dev/protected': 'guarded' } } }), /may not be created with posture\.dev\/protected/, seen);
  });

  it('a member of an exempt group can do each of those', async () => {
    admitted(await breakglass('PATCH', `${NP}/posture-default-deny`, { metadata: { annotations: { note: 'incident 42' } } }, merge));
    admitted(await breakglass('PATCH', `${REPORTS}/posture-audit`, { metadata: { annotations: { note: 'incident 42' } } }, merge));
    admitted(await breakglass('POST', `${RBAC}/namespaces/${NS}/rolebindings`, { metadata: { name: 'posture-view' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'team-a' }] }));
    admitted(await breakglass('DELETE', `${NP}/posture-default-deny`));
    admitted(await breakglass('PATCH', `/api/v1/namespaces/${NS}`, { metadata: { labels: { 'posture.dev/tier': null } } }, merge));
    // Deselected, the namespace is no longer guarded: the tenant may label it again.
    admitted(await tenant('PATCH', `/api/v1/namespaces/${NS}`, { metadata: { labels: { 'posture.dev/tier': 'guarded' } } }, merge));
  });

  it('Warn admits with a warning (and an audit annotation) instead of refusing', async () => {
    const spec = { namespaceSelector: { matchLabels: { 'posture.dev/tier': 'soft' } }, guard: { podsBeforeProtection: 'Warn' } };
    const created = (await fetchAsAdmin(cp, 'POST', '/apis/posture.dev/v1alpha1/securitybaselines', { apiVersion: 'posture.dev/v1alpha1', kind: 'SecurityBaseline', metadata: { name: 'softly' }, spec })) as { metadata: { uid: string } };
    const client = await adminClient(cp.kubeconfigPath);
    await applyAll(client, renderGuardPolicies({ name: 'softly', uid: created.metadata.uid, generation: 1, spec: securityBaselineSpecSchema.parse(spec) }, 'posture-system'));
    await client.close();
    await fetchAsAdmin(cp, 'POST', '/api/v1/namespaces', { metadata: { name: 'guard-soft', labels: { 'posture.dev/tier': 'soft' } } });
    let warned: Reply | undefined;
    await eventually('a warning', async () => {
      warned = await root('POST', '/api/v1/namespaces/guard-soft/pods?dryRun=All', pod('warned'));
      return warned.warnings.length > 0;
    }, 30_000);
    assert.ok(warned);
    admitted(warned);
    seen.push(`Warning: ${warned.warnings.join(' | ')}`);
    assert.match(warned.warnings.join('\n'), /namespace guard-soft is not yet protected by SecurityBaseline softly; retry in a moment/);
    await fetchAsAdmin(cp, 'DELETE', '/api/v1/namespaces/guard-soft');
    await fetchAsAdmin(cp, 'DELETE', '/apis/posture.dev/v1alpha1/securitybaselines/softly');
  });

  it('leaves unselected namespaces alone', async () => {
    await fetchAsAdmin(cp, 'POST', '/api/v1/namespaces', { metadata: { name: 'guard-other' } });
    admitted(await root('POST', '/api/v1/namespaces/guard-other/pods', pod('free')));
    admitted(await root('POST', '/apis/networking.k8s.io/v1/namespaces/guard-other/networkpolicies', { metadata: { name: 'posture-mine' }, spec: { podSelector: {} } }));
    await fetchAsAdmin(cp, 'DELETE', '/api/v1/namespaces/guard-other');
  });
});
