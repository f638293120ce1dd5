import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { ControlPlane } from '../../hack/controlplane/launcher.js';
import { parseSpec } from '../../src/api/parse.js';
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
  /** Words the message must hold: what is expected, said plainly. */
  says?: string;
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
  { name: 'bad quantity', spec: { resourceQuota: { hard: { 'requests.cpu': 'lots' } } }, expect: 'rejected at admission', field: 'spec.resourceQuota.hard[requests.cpu]', says: 'must be a quantity such as 500m or 2Gi' },
  { name: 'LimitRange default above max', spec: { limitRange: { default: { cpu: '2' }, max: { cpu: '1' } } }, expect: 'rejected at admission', field: 'spec.limitRange.default.cpu', says: 'must be at most limitRange.max.cpu (1), found 2' },
  {
    name: 'LimitRange default above the quota',
    spec: { resourceQuota: { hard: { 'limits.memory': '1Gi' } }, limitRange: { default: { memory: '2Gi' } } },
    expect: 'rejected at admission',
    field: 'spec.limitRange.default.memory',
    says: 'must be at most resourceQuota.hard["limits.memory"] (1Gi), found 2Gi',
  },
  { name: 'LimitRange defaultRequest above default', spec: { limitRange: { default: { cpu: '500m' }, defaultRequest: { cpu: '1' } } }, expect: 'rejected at admission', field: 'spec.limitRange.defaultRequest.cpu', says: 'must be at most limitRange.default.cpu (500m), found 1' },
  { name: 'LimitRange min above max', spec: { limitRange: { min: { memory: '2Gi' }, max: { memory: '1Gi' } } }, expect: 'rejected at admission', field: 'spec.limitRange.min.memory', says: 'must be at most limitRange.max.memory (1Gi), found 2Gi' },
  {
    name: 'LimitRange ephemeral-storage default above max',
    spec: { limitRange: { default: { 'ephemeral-storage': '2Gi' }, max: { 'ephemeral-storage': '1Gi' } } },
    expect: 'rejected at admission',
    field: 'spec.limitRange.default',
    says: 'must be at most limitRange.max.ephemeral-storage (1Gi), found 2Gi',
  },
  {
    name: 'LimitRange defaultRequest above the quota (requests.cpu)',
    spec: { resourceQuota: { hard: { 'requests.cpu': '1' } }, limitRange: { defaultRequest: { cpu: '1500m' } } },
    expect: 'rejected at admission',
    field: 'spec.limitRange.defaultRequest.cpu',
    says: 'must be at most resourceQuota.hard["requests.cpu"] (1), found 1500m',
  },
  {
    name: 'LimitRange max standing in for the default, above the quota',
    spec: { resourceQuota: { hard: { 'limits.cpu': '2' } }, limitRange: { max: { cpu: '4' } } },
    expect: 'rejected at admission',
    field: 'spec.limitRange.max.cpu',
    says: 'it is also the default limit while limitRange.default.cpu is unset, so it must be at most resourceQuota.hard["limits.cpu"] (2), found 4',
  },
  {
    name: 'quota key typo (request.cpu)',
    spec: { resourceQuota: { hard: { 'request.cpu': '1', pods: '10' } } },
    expect: 'rejected at admission',
    field: 'spec.resourceQuota.hard',
    says: 'must be a standard quota resource name such as requests.cpu, limits.memory or pods, or a qualified name such as count/deployments.apps',
  },
  { name: 'selector label value with a space', spec: { namespaceSelector: { matchLabels: { tier: 'ten ant' } } }, expect: 'rejected at admission', field: 'spec.namespaceSelector.matchLabels', says: 'must be a label value' },
  { name: 'selector label key with a space', spec: { namespaceSelector: { matchLabels: { 'ti er': 'tenant' } } }, expect: 'rejected at admission', field: 'spec.namespaceSelector.matchLabels', says: 'must be a label key such as tier or posture.dev/tier' },
  { name: 'selector expression key with a space', spec: { namespaceSelector: { matchExpressions: [{ key: 'ti er', operator: 'Exists' }] } }, expect: 'rejected at admission', field: 'spec.namespaceSelector.matchExpressions[0].key', says: 'must be a label key' },
  { name: 'selector expression value too long', spec: { namespaceSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['ten ant'] }] } }, expect: 'rejected at admission', field: 'spec.namespaceSelector.matchExpressions[0].values[0]', says: 'must be a label value' },
  {
    name: 'ingress source label value with a slash',
    spec: { networkPolicy: { allowIngressFrom: [{ namespaceSelector: { matchLabels: { app: 'ingress/nginx' } } }] } },
    expect: 'rejected at admission',
    field: 'spec.networkPolicy.allowIngressFrom[0].namespaceSelector.matchLabels',
    says: 'must be a label value',
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
    says: 'must be a DNS label',
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
  { name: 'malformed expiry date', spec: { audit: { exemptions: [{ checks: ['WL-012'], reason: 'r', expires: 'next tuesday' }] } }, expect: 'rejected at admission', field: 'spec.audit.exemptions[0].expires', says: 'must be an RFC 3339 time such as 2027-03-01T00:00:00Z' },
  { name: 'expiry on a day that does not exist', spec: { audit: { exemptions: [{ checks: ['WL-012'], reason: 'r', expires: '2027-02-30T00:00:00Z' }] } }, expect: 'rejected at admission', field: 'spec.audit.exemptions[0].expires', says: 'must be an RFC 3339 time such as 2027-03-01T00:00:00Z' },
  { name: 'expiry without a time', spec: { audit: { exemptions: [{ checks: ['WL-012'], reason: 'r', expires: '2027-03-01' }] } }, expect: 'rejected at admission', field: 'spec.audit.exemptions[0].expires', says: 'must be an RFC 3339 time such as 2027-03-01T00:00:00Z' },
  { name: 'unknown check id', spec: { audit: { disabledChecks: ['WL-999'] } }, expect: 'rejected at admission', field: 'spec.audit.disabledChecks[0]' },
  { name: 'over-long exclude pattern', spec: { excludeNamespaces: ['a'.repeat(300)] }, expect: 'rejected at admission', field: 'spec.excludeNamespaces[0]' },
  { name: 'rollout with no waves', spec: { rollout: { waves: 0 } }, expect: 'rejected at admission', field: 'spec.rollout.waves' },
  { name: 'rollout pause over a day', spec: { rollout: { pauseSeconds: 86_401 } }, expect: 'rejected at admission', field: 'spec.rollout.pauseSeconds' },
  { name: 'rollout canary that selects everything', spec: { rollout: { canary: {} } }, expect: 'rejected at admission', field: 'spec.rollout.canary', says: 'an empty selector would make every namespace a canary' },
  { name: 'quantity 1e100000000', spec: { limitRange: { default: { cpu: '1e100000000' } } }, expect: 'rejected at admission', field: 'spec.limitRange.default.cpu' },
  { name: 'quantity 1e300000000 in the quota', spec: { resourceQuota: { hard: { 'limits.cpu': '1e300000000' } } }, expect: 'rejected at admission', field: 'spec.resourceQuota.hard[limits.cpu]' },
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
        if (c.says !== undefined) assert.ok(refused.message?.includes(c.says), `message does not say "${c.says}": ${refused.message}`);
        assert.doesNotMatch(refused.message ?? '', /should match|Invalid key in record/, 'a regular expression or zod jargon instead of words');
        // The operator's own check, should the spec reach it another way, says the same words.
        const parsed = parseSpec(spec);
        if (c.says !== undefined) assert.ok(!parsed.ok && parsed.error.includes(c.says), `the operator would say: ${parsed.ok ? 'nothing' : parsed.error}`);
        table.push(`      | ${c.name} | rejected (${refused.code}) | ${(refused.message ?? '').slice(0, 400).replace(/\|/g, '/')} |`);
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
      if (c.says !== undefined) assert.ok(ready.message.includes(c.says), `message does not say "${c.says}": ${ready.message}`);
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
