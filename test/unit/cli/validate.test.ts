import assert from 'node:assert/strict';
import { parseSpec } from '../../../src/api/parse.js';
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
});
