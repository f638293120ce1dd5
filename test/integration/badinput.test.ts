import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { ControlPlane } from '../../hack/controlplane/launcher.js';
import { sharedControlPlane } from './support/controlplane.js';
import { admin, condition, fetchAsAdmin, type Admin } from './support/kube.js';
import { startOperator, type RunningOperator } from './support/operator.js';
import { eventually } from './support/wait.js';

type Outcome = 'rejected at admission' | 'Ready=False/InvalidSpec';

interface Case {
  name: string;
  spec: Record<string, unknown>;
  expect: Outcome;
  /** The field the message must name. */
  field: string;
}

const rule = (r: Record<string, unknown>): Record<string, unknown> => ({
  rbac: { roles: [{ name: 'r', rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'], ...r }], subjects: [{ kind: 'Group', name: 'g' }] }] },
});

/** Malformed SecurityBaselines a user could write, and what each must get. */
const CASES: Case[] = [
  { name: 'wildcard verb', spec: rule({ verbs: ['*'] }), expect: 'rejected at admission', field: 'spec.rbac.roles[0].rules[0].verbs' },
  { name: 'escalate verb', spec: rule({ apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['escalate'] }), expect: 'rejected at admission', field: 'spec.rbac.roles[0].rules[0].verbs' },
  { name: 'bind verb', spec: rule({ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['bind'] }), expect: 'rejected at admission', field: 'spec.rbac.roles[0].rules[0].verbs' },
  { name: 'impersonate verb', spec: rule({ resources: ['users'], verbs: ['impersonate'] }), expect: 'rejected at admission', field: 'spec.rbac.roles[0].rules[0].verbs' },
  { name: 'wildcard resource', spec: rule({ resources: ['*'] }), expect: 'rejected at admission', field: 'spec.rbac.roles[0].rules[0].resources' },
  { name: 'wildcard apiGroup', spec: rule({ apiGroups: ['*'] }), expect: 'rejected at admission', field: 'spec.rbac.roles[0].rules[0].apiGroups' },
  { name: 'bad quantity', spec: { resourceQuota: { hard: { 'requests.cpu': 'lots' } } }, expect: 'rejected at admission', field: 'spec.resourceQuota.hard.requests.cpu' },
  { name: 'LimitRange default above max', spec: { limitRange: { default: { cpu: '2' }, max: { cpu: '1' } } }, expect: 'Ready=False/InvalidSpec', field: 'spec.limitRange.default.cpu' },
  {
    name: 'LimitRange default above the quota',
    spec: { resourceQuota: { hard: { 'limits.memory': '1Gi' } }, limitRange: { default: { memory: '2Gi' } } },
    expect: 'Ready=False/InvalidSpec',
    field: 'spec.limitRange.default.memory',
  },
  { name: 'bad selector operator', spec: { namespaceSelector: { matchExpressions: [{ key: 'a', operator: 'Near', values: ['b'] }] } }, expect: 'rejected at admission', field: 'spec.namespaceSelector.matchExpressions[0].operator' },
  { name: 'In without values', spec: { namespaceSelector: { matchExpressions: [{ key: 'a', operator: 'In' }] } }, expect: 'rejected at admission', field: 'spec.namespaceSelector.matchExpressions[0].values' },
  { name: 'unknown field', spec: { colour: 'red' }, expect: 'rejected at admission', field: 'spec.colour' },
  { name: 'unknown mode', spec: { mode: 'Sometimes' }, expect: 'rejected at admission', field: 'spec.mode' },
  { name: 'unknown Pod Security level', spec: { podSecurity: { enforce: 'strict' } }, expect: 'rejected at admission', field: 'spec.podSecurity.enforce' },
  { name: 'negative priority', spec: { priority: -1 }, expect: 'rejected at admission', field: 'spec.priority' },
  {
    name: 'invalid role name',
    spec: { rbac: { roles: [{ name: 'Bad_Name', rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }], subjects: [{ kind: 'Group', name: 'g' }] }] } },
    expect: 'rejected at admission',
    field: 'spec.rbac.roles[0].name',
  },
  {
    name: 'unknown subject kind',
    spec: { rbac: { bindClusterRoles: [{ clusterRole: 'view', subjects: [{ kind: 'Robot', name: 'r2' }] }] } },
    expect: 'rejected at admission',
    field: 'spec.rbac.bindClusterRoles[0].subjects[0].kind',
  },
  {
    name: 'ServiceAccount subject without namespace',
    spec: { rbac: { bindClusterRoles: [{ clusterRole: 'view', subjects: [{ kind: 'ServiceAccount', name: 'ci' }] }] } },
    expect: 'rejected at admission',
    field: 'spec.rbac.bindClusterRoles[0].subjects[0].namespace',
  },
  { name: 'malformed expiry date', spec: { audit: { exemptions: [{ checks: ['WL-012'], reason: 'r', expires: 'next tuesday' }] } }, expect: 'rejected at admission', field: 'spec.audit.exemptions[0].expires' },
  { name: 'unknown check id', spec: { audit: { disabledChecks: ['WL-999'] } }, expect: 'rejected at admission', field: 'spec.audit.disabledChecks[0]' },
  { name: 'over-long exclude pattern', spec: { excludeNamespaces: ['a'.repeat(300)] }, expect: 'rejected at admission', field: 'spec.excludeNamespaces[0]' },
  { name: 'quantity 1e100000000', spec: { limitRange: { default: { cpu: '1e100000000' } } }, expect: 'rejected at admission', field: 'spec.limitRange.default.cpu' },
  { name: 'quantity 1e300000000 in the quota', spec: { resourceQuota: { hard: { 'limits.cpu': '1e300000000' } } }, expect: 'rejected at admission', field: 'spec.resourceQuota.hard.limits.cpu' },
  { name: 'quantity above 2^63-1', spec: { resourceQuota: { hard: { 'requests.cpu': '1e99' } } }, expect: 'Ready=False/InvalidSpec', field: 'spec.resourceQuota.hard.requests.cpu' },
  { name: 'exclude glob with eight *', spec: { excludeNamespaces: ['*a*a*a*a*a*a*a*b'] }, expect: 'rejected at admission', field: 'spec.excludeNamespaces[0]' },
  { name: 'allowlist glob with five *', spec: { audit: { secretReadAllowlist: ['*:*:*:*:*'] } }, expect: 'rejected at admission', field: 'spec.audit.secretReadAllowlist[0]' },
  { name: 'over-long exemption reason', spec: { audit: { exemptions: [{ checks: ['WL-012'], reason: 'x'.repeat(5000) }] } }, expect: 'rejected at admission', field: 'spec.audit.exemptions[0].reason' },
  {
    name: 'duplicate role names',
    spec: {
      rbac: {
        roles: [
          { name: 'r', rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }], subjects: [{ kind: 'Group', name: 'g' }] },
          { name: 'r', rules: [{ apiGroups: [''], resources: ['services'], verbs: ['get'] }], subjects: [{ kind: 'Group', name: 'g' }] },
        ],
      },
    },
    expect: 'rejected at admission',
    field: 'spec.rbac.roles[1]',
  },
];

interface Status {
  code?: number;
  message?: string;
}

/** Creates a baseline as kubectl does (fieldValidation=Strict). Returns the API server's Status when refused. */
async function create(cp: ControlPlane, name: string, spec: Record<string, unknown>): Promise<Status | undefined> {
  const body = { apiVersion: 'posture.dev/v1alpha1', kind: 'SecurityBaseline', metadata: { name }, spec };
  try {
    await fetchAsAdmin(cp, 'POST', '/apis/posture.dev/v1alpha1/securitybaselines?fieldValidation=Strict', body);
    return undefined;
  } catch (err) {
    const text = err instanceof Error ? err.message : '';
    return JSON.parse(text.slice(text.indexOf('{'))) as Status;
  }
}

describe('bad input: malformed SecurityBaselines are refused, naming the field, and nothing is written', function () {
  let cp: ControlPlane;
  let k: Admin;
  let op: RunningOperator;
  const s = randomBytes(3).toString('hex');
  const ns = `bad-${s}`;
  const table: string[] = [];

  before(async function () {
    this.timeout(900_000);
    cp = await sharedControlPlane();
    k = admin(cp);
    op = await startOperator(cp);
    await k.createNamespace(ns, { 'posture.dev/tier': `bad-${s}` });
  });

  after(async () => {
    console.log(`\n      | Malformed input | Outcome | Message |\n      |---|---|---|\n${table.join('\n')}\n`);
    await op.stop();
  });

  it(`covers at least 15 malformed inputs (${CASES.length})`, () => {
    assert.ok(CASES.length >= 15);
  });

  CASES.forEach((c, i) => {
    it(`${c.name}: ${c.expect}, naming ${c.field}`, async () => {
      const name = `bad-${s}-${i}`;
      const spec = { namespaceSelector: { matchLabels: { 'posture.dev/tier': `bad-${s}` } }, ...c.spec };
      const refused = await create(cp, name, spec);
      if (c.expect === 'rejected at admission') {
        assert.ok(refused !== undefined, 'the API server accepted it');
        assert.ok(refused.code === 422 || refused.code === 400, `code ${refused.code}`);
        assert.ok(refused.message?.includes(c.field), `message does not name ${c.field}: ${refused.message}`);
        table.push(`      | ${c.name} | rejected (${refused.code}) | ${(refused.message ?? '').slice(0, 160).replace(/\|/g, '/')} |`);
        return;
      }
      assert.equal(refused, undefined, `refused at admission: ${refused?.message}`);
      await eventually('Ready=False/InvalidSpec', async () => {
        const b = await k.getBaseline(name);
        return condition(b, 'Ready')?.reason === 'InvalidSpec' && b.status?.observedGeneration === b.metadata.generation;
      });
      const ready = condition(await k.getBaseline(name), 'Ready');
      assert.equal(ready?.status, 'False');
      assert.ok(ready.message.includes(c.field), `message does not name ${c.field}: ${ready.message}`);
      table.push(`      | ${c.name} | Ready=False InvalidSpec | ${ready.message.slice(0, 160)} |`);
      await k.deleteBaseline(name);
    });
  });

  it('wrote nothing into the namespace they all select', async () => {
    const labels = ((await fetchAsAdmin(cp, 'GET', `/api/v1/namespaces/${ns}`)) as { metadata: { labels?: Record<string, string> } }).metadata.labels ?? {};
    assert.ok(!Object.keys(labels).some((l) => l.startsWith('pod-security.kubernetes.io/')));
    for (const path of [`/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies`, `/api/v1/namespaces/${ns}/resourcequotas`, `/api/v1/namespaces/${ns}/limitranges`, `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`]) {
      const list = (await fetchAsAdmin(cp, 'GET', path)) as { items: unknown[] };
      assert.deepEqual(list.items, [], path);
    }
    let writes = 0;
    for (const resource of ['networkpolicies', 'resourcequotas', 'limitranges', 'roles', 'rolebindings', 'namespaces']) {
      for (const verb of ['create', 'patch', 'update', 'delete']) writes += await op.counter('posture_kube_requests_total', { verb, resource });
    }
    assert.equal(writes, 0, 'the operator sent no write for any malformed baseline');
  });
});
