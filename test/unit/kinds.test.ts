import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { chartRbacYaml, clusterRoleYaml } from '../../hack/clusterrole.js';
import { KINDS } from '../../src/kube/kinds.js';
import { AUDITED_TYPES, CACHED_TYPES, compact, MANAGED_TYPES, normalizeContent, WORKLOAD_KINDS } from '../../src/kube/resources.js';

describe('kind registry', () => {
  it('config/rbac/role.yaml is generated from it (run npm run generate)', async () => {
    assert.equal(await readFile('config/rbac/role.yaml', 'utf8'), clusterRoleYaml());
  });

  it("the chart's ClusterRole rules are generated from it too, the optional ones behind their values (run npm run generate)", async () => {
    const chart = await readFile('charts/posture-operator/templates/rbac.yaml', 'utf8');
    assert.equal(chart, chartRbacYaml(chart));
    const bind = '  - apiGroups: [rbac.authorization.k8s.io]\n    resources: [clusterroles]\n    resourceNames: {{ toJson . }}\n    verbs: [bind]\n  {{- end }}\n';
    assert.ok(chart.includes(bind) && chart.indexOf('{{- with .Values.rbac.bindClusterRoles }}') < chart.indexOf(bind), 'bindClusterRoles from the values');
    const reviews = '  - apiGroups: [authentication.k8s.io]\n    resources: [tokenreviews]\n    verbs: [create]\n  - apiGroups: [authorization.k8s.io]\n    resources: [subjectaccessreviews]\n    verbs: [create]\n  {{- end }}\n';
    assert.ok(chart.includes(reviews) && chart.indexOf('{{- if .Values.metrics.secure }}') < chart.indexOf(reviews), 'the reviews only with metrics.secure');
    assert.throws(() => chartRbacYaml('rules:\n'), /lost the markers/);
  });

  it('declares each kind and each plural once', () => {
    assert.equal(new Set(KINDS.map((k) => k.kind)).size, KINDS.length);
    assert.equal(new Set(KINDS.map((k) => k.plural)).size, KINDS.length);
  });

  it('applies the managed kinds in the order the table gives, each with the fields it renders', () => {
    assert.deepEqual(
      MANAGED_TYPES.map((t) => [t.kind, t.contentKeys]),
      [
        ['NetworkPolicy', ['spec']],
        ['ResourceQuota', ['spec']],
        ['LimitRange', ['spec']],
        ['Role', ['rules']],
        ['RoleBinding', ['roleRef', 'subjects']],
      ],
    );
  });

  it('caches every managed and audited kind from the start, never Secrets, and the PolicyReport only once found', () => {
    const cached = CACHED_TYPES.map((t) => t.plural);
    for (const t of [...MANAGED_TYPES, ...AUDITED_TYPES]) assert.ok(cached.includes(t.plural), t.plural);
    assert.ok(!cached.includes('secrets'));
    assert.ok(!cached.includes('policyreports'));
    assert.deepEqual(WORKLOAD_KINDS.map(([, kind]) => kind), ['Pod', 'Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob']);
  });

  it('projects through the kind, keeps unknown kinds whole, normalises only kinds that declare it', () => {
    const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'r', managedFields: [{ manager: 'x' }] }, rules: [{ verbs: ['get'] }], extra: 1 };
    assert.deepEqual(compact('roles', role), { apiVersion: role.apiVersion, kind: 'Role', metadata: { name: 'r' }, rules: role.rules });
    const other = { metadata: { name: 'x' }, spec: { big: true } };
    assert.equal(compact('widgets', other), other);
    const content = { spec: { hard: { memory: '1Gi' } } };
    assert.notDeepEqual(normalizeContent('ResourceQuota', content), content);
    assert.equal(normalizeContent('NetworkPolicy', content), content);
  });
});
