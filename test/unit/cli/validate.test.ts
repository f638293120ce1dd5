import assert from 'node:assert/strict';
import { parseSpec } from '../../../src/api/parse.js';
import { baselineProblems } from '../../../src/cli/validate.js';
import { BASELINE, docs, files, posture } from './run.js';

function baseline(name: string, spec: string): string {
  return `apiVersion: posture.dev/v1alpha1\nkind: SecurityBaseline\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
}

describe('posture validate', () => {
  it('says valid per baseline with file and line, and exits 0', async () => {
    const dir = await files({ 'b.yaml': docs('apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n', BASELINE) });
    const r = await posture(['validate', 'b.yaml'], { cwd: dir });
    assert.deepEqual(r, { code: 0, stdout: 'b.yaml:5: SecurityBaseline tenants: valid\n1 SecurityBaseline: 1 valid, 0 invalid.\n', stderr: '' });
  });

  it('names every field that is wrong, with the messages the operator uses, and exits 1', async () => {
    const bad = baseline('ops', `  mode: Sometimes\n  namespaceSelector: {}\n  rbac:\n    roles:\n      - name: ops\n        rules: [{apiGroups: [""], resources: ["*"], verbs: ["*", get]}]\n        subjects: [{kind: Group, name: ops}]\n`);
    const dir = await files({ 'bad.yaml': bad, 'good.yaml': BASELINE });
    const r = await posture(['validate', 'good.yaml', 'bad.yaml'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.equal(
      r.stdout,
      [
        'good.yaml:1: SecurityBaseline tenants: valid',
        'bad.yaml:1: SecurityBaseline ops: invalid',
        '  spec.mode: Invalid option: expected one of "Enforce"|"Audit"',
        '  spec.rbac.roles[0].rules[0].resources: wildcard resources are not allowed',
        '  spec.rbac.roles[0].rules[0].verbs: verbs may not include *',
        '2 SecurityBaselines: 1 valid, 1 invalid.',
        '',
      ].join('\n'),
    );
  });

  it('gives, issue by issue, what the operator puts in Ready=False/InvalidSpec', async () => {
    const spec = { namespaceSelector: {}, limitRange: { default: { cpu: '2' }, max: { cpu: '1' } } };
    const operator = parseSpec(spec);
    if (operator.ok) assert.fail('the operator accepts a default above max');
    const dir = await files({ 'lr.yaml': baseline('lr', '  namespaceSelector: {}\n  limitRange: {default: {cpu: "2"}, max: {cpu: "1"}}\n') });
    const r = await posture(['validate', 'lr.yaml'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.equal(r.stdout.split('\n')[1], `  ${operator.error}`);
    assert.match(r.stdout, /spec\.limitRange\.default\.cpu/);
  });

  it('checks the name as the API server does, and unknown top-level fields', async () => {
    const dir = await files({ 'n.yaml': 'apiVersion: posture.dev/v1alpha1\nkind: SecurityBaseline\nmetadata: {name: Bad_Name}\nspek: {}\nspec: {namespaceSelector: {}}\n', 'none.yaml': 'apiVersion: posture.dev/v1alpha1\nkind: SecurityBaseline\nspec: {}\n' });
    const r = await posture(['validate', '.'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^n\.yaml:1: SecurityBaseline Bad_Name: invalid\n {2}metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
    assert.match(r.stdout, /\n {2}spek: unknown field\n/);
    assert.match(r.stdout, /\nnone\.yaml:1: SecurityBaseline \(no name\): invalid\n {2}metadata\.name: Required value\n {2}spec\.namespaceSelector: /);
  });

  it('exits 2 when there is no SecurityBaseline to validate', async () => {
    const dir = await files({ 'ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n' });
    assert.deepEqual(await posture(['validate', 'ns.yaml'], { cwd: dir }), { code: 2, stdout: '', stderr: 'posture validate: ns.yaml: no SecurityBaseline found\n' });
    assert.equal((await posture(['validate'], { cwd: dir })).code, 2);
  });

  // Cases of test/integration/badinput.test.ts (refused at admission or InvalidSpec, naming the
  // field): validate gives the field and the rule's own message, the text of the CRD's CEL rule.
  const rule = (r: Record<string, unknown>): Record<string, unknown> => ({ rbac: { roles: [{ name: 'r', rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'], ...r }], subjects: [{ kind: 'Group', name: 'g' }] }] } });
  const cases: [string, Record<string, unknown>, string][] = [
    ['escalate verb', rule({ apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['escalate'] }), 'spec.rbac.roles[0].rules[0].verbs: verbs may not include escalate'],
    ['bad quantity', { resourceQuota: { hard: { 'requests.cpu': 'lots' } } }, 'spec.resourceQuota.hard.requests.cpu: must be a quantity such as 500m or 2Gi (exponents at most two digits)'],
    ['LimitRange default above the quota', { resourceQuota: { hard: { 'limits.memory': '1Gi' } }, limitRange: { default: { memory: '2Gi' } } }, 'spec.limitRange.default.memory: must be at most resourceQuota.hard["limits.memory"] (1Gi), found 2Gi'],
    ['LimitRange max standing in for the default', { resourceQuota: { hard: { 'limits.cpu': '2' } }, limitRange: { max: { cpu: '4' } } }, 'spec.limitRange.max.cpu: it is also the default limit while limitRange.default.cpu is unset, so it must be at most resourceQuota.hard["limits.cpu"] (2), found 4'],
    ['quota key typo', { resourceQuota: { hard: { 'request.cpu': '1', pods: '10' } } }, 'spec.resourceQuota.hard.request.cpu: must be a standard quota resource name such as requests.cpu, limits.memory or pods, or a qualified name such as count/deployments.apps'],
    ['label value with a space', { namespaceSelector: { matchLabels: { tier: 'ten ant' } } }, 'spec.namespaceSelector.matchLabels.tier: must be a label value: empty, or up to 63 letters, digits, -, _ or ., beginning and ending with a letter or digit'],
    ['In without values', { namespaceSelector: { matchExpressions: [{ key: 'a', operator: 'In' }] } }, 'spec.namespaceSelector.matchExpressions[0].values: values must be non-empty when operator is In'],
    ['unknown field', { colour: 'red' }, 'spec: Unrecognized key: "colour" (colour)'],
    ['negative priority', { priority: -1 }, 'spec.priority: Too small: expected number to be >=0'],
    ['ServiceAccount subject without namespace', { rbac: { bindClusterRoles: [{ clusterRole: 'view', subjects: [{ kind: 'ServiceAccount', name: 'ci' }] }] } }, 'spec.rbac.bindClusterRoles[0].subjects[0].namespace: a ServiceAccount subject needs a namespace'],
    ['malformed expiry', { audit: { exemptions: [{ checks: ['WL-012'], reason: 'r', expires: 'next tuesday' }] } }, 'spec.audit.exemptions[0].expires: must be an RFC 3339 time such as 2027-03-01T00:00:00Z'],
  ];
  for (const [name, spec, problem] of cases) {
    it(`${name}: ${problem.split(':')[0] ?? ''}`, () => {
      const object = { apiVersion: 'posture.dev/v1alpha1', kind: 'SecurityBaseline', metadata: { name: 'x' }, spec: { namespaceSelector: {}, ...spec } };
      assert.deepEqual(baselineProblems({ object, file: 'f.yaml', line: 1 }), [problem]);
      const operator = parseSpec(object.spec);
      assert.ok(!operator.ok && operator.error === problem, 'the operator says the same');
    });
  }
});
