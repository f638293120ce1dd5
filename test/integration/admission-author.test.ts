import assert from 'node:assert/strict';
import type { ControlPlane } from '../../hack/controlplane/launcher.js';
import { installOperatorPrerequisites } from '../../hack/install.js';
import { sharedControlPlane } from './support/controlplane.js';
import { fetchAsAdmin } from './support/kube.js';
import { impersonating, type Reply, type Requester } from './support/impersonate.js';
import { eventually } from './support/wait.js';

/**
 * The confused deputy, closed at admission (config/admission/baseline-author.yaml, as installed):
 * a SecurityBaseline may grant only what its author holds. Authors are impersonated users.
 */

const BASELINES = '/apis/posture.dev/v1alpha1/securitybaselines';
const RBAC = '/apis/rbac.authorization.k8s.io/v1';

type Spec = Record<string, unknown>;

/** Server-side apply of a baseline, as `kubectl apply --server-side` sends it; dryRun runs all admission and stores nothing. */
function apply(as: Requester, name: string, spec: Spec, dryRun = true): Promise<Reply> {
  const query = `fieldManager=kubectl&force=true${dryRun ? '&dryRun=All' : ''}`;
  return as('PATCH', `${BASELINES}/${name}?${query}`, { apiVersion: 'posture.dev/v1alpha1', kind: 'SecurityBaseline', metadata: { name }, spec }, 'application/apply-patch+yaml');
}

/** The exact baseline from issue 13: every authenticated user reads every ConfigMap, patches namespaces and binds roles. */
const CONFUSED_DEPUTY: Spec = {
  priority: 1_000_000,
  namespaceSelector: {},
  rbac: {
    roles: [
      {
        name: 'everyone',
        rules: [
          { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] },
          { apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings'], verbs: ['create'] },
          { apiGroups: [''], resources: ['namespaces'], verbs: ['patch'] },
        ],
        subjects: [{ kind: 'Group', name: 'system:authenticated' }],
      },
    ],
    bindClusterRoles: [{ clusterRole: 'view', subjects: [{ kind: 'Group', name: 'system:authenticated' }] }],
  },
};

const oidc = [{ kind: 'Group', name: 'oidc:team-a' }];
/** What alice holds cluster-wide: 24 permissions, the most one baseline may grant without escalate. */
const ALICE_RULES = [
  { apiGroups: [''], resources: ['pods', 'services', 'configmaps', 'endpoints', 'persistentvolumeclaims', 'serviceaccounts'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['apps'], resources: ['deployments', 'replicasets'], verbs: ['get', 'list', 'watch'] },
];
const role = (rules: unknown[], subjects: unknown[] = oidc): Spec => ({ namespaceSelector: {}, rbac: { roles: [{ name: 'reader', rules, subjects }] } });

function refusal(reply: Reply): string {
  assert.notEqual(reply.status < 300, true, `expected a refusal, got ${reply.status}`);
  return reply.body.message ?? '';
}

describe('admission: a SecurityBaseline grants only what its author holds', function () {
  let cp: ControlPlane;
  let mallory: Requester;
  let alice: Requester;
  let root: Requester;
  const seen: string[] = [];

  before(async function () {
    this.timeout(300_000);
    cp = await sharedControlPlane();
    await installOperatorPrerequisites(cp.kubeconfigPath);
    const bind = (name: string, user: string, clusterRole: string): Promise<unknown> =>
      fetchAsAdmin(cp, 'POST', `${RBAC}/clusterrolebindings`, {
        metadata: { name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
      });
    await fetchAsAdmin(cp, 'POST', `${RBAC}/clusterroles`, {
      metadata: { name: 'test-alice-grants' },
      rules: [...ALICE_RULES, { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], resourceNames: ['view'], verbs: ['bind'] }],
    });
    await bind('test-mallory-author', 'mallory', 'posture-baseline-author');
    await bind('test-alice-author', 'alice', 'posture-baseline-author');
    await bind('test-alice-grants', 'alice', 'test-alice-grants');
    mallory = await impersonating(cp, { user: 'mallory', groups: ['system:authenticated'] });
    alice = await impersonating(cp, { user: 'alice', groups: ['system:authenticated'] });
    root = await impersonating(cp, { user: 'root', groups: ['system:masters', 'system:authenticated'] });
    // Each policy takes effect a moment after it is created, each on its own; until then a dry run is admitted.
    const probes: [string, Requester, Spec][] = [
      ['posture-baseline-subjects', alice, role(ALICE_RULES.slice(0, 1), [{ kind: 'Group', name: 'system:authenticated' }])],
      ['posture-baseline-bind-clusterroles', mallory, { namespaceSelector: {}, rbac: { bindClusterRoles: [{ clusterRole: 'view', subjects: oidc }] } }],
      ['posture-baseline-roles', mallory, role(ALICE_RULES.slice(0, 1))],
    ];
    for (const [policy, who, spec] of probes) {
      await eventually(`${policy} to be in force`, async () => (await apply(who, 'probe', spec)).body.message?.includes(`'${policy}'`) === true, 60_000);
    }
  });

  after(function () {
    if (seen.length > 0) console.log(`      messages:\n${seen.map((m) => `        ${m}`).join('\n')}`);
  });

  it('refuses the confused-deputy baseline of issue 13, and each of its three faults alone, naming the field', async () => {
    // The API server reports the first policy that denies; which one comes first is its business.
    const message = refusal(await apply(mallory, 'tenants', CONFUSED_DEPUTY, false));
    seen.push(message);
    assert.match(message, /denied request: spec\.rbac\.(roles\[0\]\.subjects\[0\]: Group system:authenticated|bindClusterRoles\[0\]\.clusterRole: you may not bind ClusterRole view|roles\[0\]\.rules\[0\]: grants get on configmaps)/);
    await assert.rejects(fetchAsAdmin(cp, 'GET', `${BASELINES}/tenants`), /404/);
    const rbac = CONFUSED_DEPUTY.rbac as { roles: Spec[]; bindClusterRoles: Spec[] };
    const [everyone] = rbac.roles;
    assert.ok(everyone);
    const faults: [Spec, RegExp][] = [
      [
        { ...CONFUSED_DEPUTY, rbac: { roles: [{ ...everyone, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] }] } },
        /spec\.rbac\.roles\[0\]\.subjects\[0\]: Group system:authenticated is a Kubernetes system identity/,
      ],
      [{ ...CONFUSED_DEPUTY, rbac: { bindClusterRoles: [{ clusterRole: 'view', subjects: oidc }] } }, /spec\.rbac\.bindClusterRoles\[0\]\.clusterRole: you may not bind ClusterRole view/],
      [{ ...CONFUSED_DEPUTY, rbac: { roles: [{ ...everyone, subjects: oidc }] } }, /spec\.rbac\.roles\[0\]\.rules\[0\]: grants get on configmaps, which you do not hold cluster-wide/],
      [
        { ...CONFUSED_DEPUTY, rbac: { roles: [{ ...everyone, subjects: oidc, rules: [{ apiGroups: [''], resources: ['namespaces'], verbs: ['patch'] }] }] } },
        /spec\.rbac\.roles\[0\]\.rules\[0\]: grants patch on namespaces, which you do not hold cluster-wide/,
      ],
    ];
    for (const [i, [spec, expected]] of faults.entries()) {
      // Alice holds get on configmaps: the system subject is the only fault of the first case.
      const m = refusal(await apply(i === 0 ? alice : mallory, 'tenants', spec));
      seen.push(m);
      assert.match(m, expected);
    }
  });

  it('admits an author who holds every permission granted (24 of them) and bind on the ClusterRole', async () => {
    const spec: Spec = { ...role(ALICE_RULES), rbac: { roles: [{ name: 'reader', rules: ALICE_RULES, subjects: oidc }], bindClusterRoles: [{ clusterRole: 'view', subjects: oidc }] } };
    const reply = await apply(alice, 'alice-team', spec, false);
    assert.equal(reply.status < 300, true, reply.body.message);
    const stored = (await fetchAsAdmin(cp, 'GET', `${BASELINES}/alice-team`)) as { metadata: { name: string } };
    assert.equal(stored.metadata.name, 'alice-team');
  });

  it('refuses a rule beyond what the author holds, naming rule, verb and subresource', async () => {
    const message = refusal(await apply(alice, 'more', role([ALICE_RULES[0], { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] }])));
    seen.push(message);
    assert.match(message, /spec\.rbac\.roles\[0\]\.rules\[1\]: grants get on pods\/log, which you do not hold cluster-wide/);
    const apps = refusal(await apply(alice, 'more', role([{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'create'] }])));
    assert.match(apps, /spec\.rbac\.roles\[0\]\.rules\[0\]: grants create on deployments\.apps, which you do not hold/);
  });

  it('refuses more permissions than one budget can check, naming the count, unless the author may escalate', async () => {
    const many = role([{ apiGroups: [''], resources: ['pods', 'services', 'configmaps', 'endpoints', 'persistentvolumeclaims'], verbs: ['get', 'list', 'watch', 'create', 'delete'] }]);
    const message = refusal(await apply(alice, 'many', many));
    seen.push(message);
    assert.match(message, /spec\.rbac\.roles: grants 25 permissions .* at most 24 are checked/);
    const admitted = await apply(root, 'many', many);
    assert.equal(admitted.status < 300, true, admitted.body.message);
  });

  it('refuses, within budget, 24 permissions the author lacks with their own messages', async () => {
    // 24 checks that fail, then the escalate probe: the budget must hold all of them.
    const message = refusal(await apply(mallory, 'lacking', role(ALICE_RULES)));
    assert.doesNotMatch(message, /cost budget/);
    assert.match(message, /spec\.rbac\.roles\[0\]\.rules\[0\]: grants get on pods, which you do not hold cluster-wide/);
    // Alice holds all but the last one: only that one is named.
    const last = refusal(await apply(alice, 'lacking', role([ALICE_RULES[0], { apiGroups: ['apps'], resources: ['deployments', 'replicasets'], verbs: ['get', 'list', 'delete'] }])));
    assert.match(last, /spec\.rbac\.roles\[0\]\.rules\[1\]: grants delete on deployments\.apps/);
  });

  it('refuses every system:* subject, as a User or a Group, in roles and ClusterRole bindings', async () => {
    const cases: [Spec, RegExp][] = [
      [role(ALICE_RULES.slice(0, 1), [{ kind: 'User', name: 'system:anonymous' }]), /spec\.rbac\.roles\[0\]\.subjects\[0\]: User system:anonymous is a Kubernetes system identity/],
      [role(ALICE_RULES.slice(0, 1), [...oidc, { kind: 'Group', name: 'system:unauthenticated' }]), /spec\.rbac\.roles\[0\]\.subjects\[1\]: Group system:unauthenticated/],
      [{ namespaceSelector: {}, rbac: { bindClusterRoles: [{ clusterRole: 'view', subjects: [{ kind: 'Group', name: 'system:serviceaccounts' }] }] } }, /spec\.rbac\.bindClusterRoles\[0\]\.subjects\[0\]: Group system:serviceaccounts/],
    ];
    for (const [spec, expected] of cases) {
      const message = refusal(await apply(alice, 'system', spec));
      seen.push(message);
      assert.match(message, expected);
      // Not even cluster-admin may: the check is on the subject, not the author.
      assert.match(refusal(await apply(root, 'system', spec)), expected);
    }
    const sa = await apply(alice, 'sa', role(ALICE_RULES.slice(0, 1), [{ kind: 'ServiceAccount', name: 'ci', namespace: 'team-a' }]));
    assert.equal(sa.status < 300, true, sa.body.message);
  });

  it('judges only writes of the spec: anyone allowed may relabel, but changing the spec is judged by the writer', async () => {
    const relabel = await mallory('PATCH', `${BASELINES}/alice-team`, { metadata: { labels: { team: 'a' } } }, 'application/merge-patch+json');
    assert.equal(relabel.status, 200, relabel.body.message);
    const message = refusal(await mallory('PATCH', `${BASELINES}/alice-team`, { spec: { priority: 7 } }, 'application/merge-patch+json'));
    seen.push(message);
    assert.match(message, /spec\.rbac\.(roles\[0\]\.rules\[0\]: grants|bindClusterRoles\[0\]\.clusterRole: you may not bind ClusterRole view)/);
    const stored = (await fetchAsAdmin(cp, 'GET', `${BASELINES}/alice-team`)) as { spec: { priority: number } };
    assert.notEqual(stored.spec.priority, 7);
  });

  after(async () => {
    for (const name of ['alice-team']) await fetchAsAdmin(cp, 'DELETE', `${BASELINES}/${name}`).catch(() => undefined);
    for (const name of ['test-mallory-author', 'test-alice-author', 'test-alice-grants']) await fetchAsAdmin(cp, 'DELETE', `${RBAC}/clusterrolebindings/${name}`).catch(() => undefined);
    await fetchAsAdmin(cp, 'DELETE', `${RBAC}/clusterroles/test-alice-grants`).catch(() => undefined);
  });
});
