import assert from 'node:assert/strict';
import { parseSpec } from '../../src/api/parse.js';
import { securityBaselineSpecSchema } from '../../src/api/securitybaseline.js';
import { renderNamespace } from '../../src/render/index.js';
import type { ValidBaseline } from '../../src/render/selection.js';

function baseline(spec: Record<string, unknown>): ValidBaseline {
  return { name: 'tenants', uid: 'uid-1', generation: 1, spec: securityBaselineSpecSchema.parse({ namespaceSelector: {}, networkPolicy: { defaultDeny: [] }, ...spec }) };
}

describe('rendering quota and limits', () => {
  it('writes posture-quota with the hard limits as given', () => {
    const [quota] = renderNamespace(baseline({ resourceQuota: { hard: { 'requests.cpu': '8', pods: '100' } } }), 'shop');
    assert.ok(quota);
    assert.equal(quota.kind, 'ResourceQuota');
    assert.equal(quota.metadata.name, 'posture-quota');
    assert.deepEqual(quota.content, { spec: { hard: { 'requests.cpu': '8', pods: '100' } } });
  });

  it('writes posture-limits in the form the API server stores: default from max, defaultRequest from default', () => {
    const [lr] = renderNamespace(baseline({ limitRange: { max: { cpu: '4', memory: '8Gi' }, default: { cpu: '500m' } } }), 'shop');
    assert.ok(lr);
    assert.equal(lr.metadata.name, 'posture-limits');
    assert.deepEqual(lr.content, {
      spec: {
        limits: [
          {
            type: 'Container',
            default: { cpu: '500m', memory: '8Gi' },
            defaultRequest: { cpu: '500m', memory: '8Gi' },
            max: { cpu: '4', memory: '8Gi' },
          },
        ],
      },
    });
  });
});

describe('rendering RBAC', () => {
  const rbac = {
    roles: [
      {
        name: 'pod-service-reader',
        rules: [{ apiGroups: [''], resources: ['pods', 'services'], verbs: ['get', 'watch', 'list'] }],
        subjects: [{ kind: 'Group', name: 'k8s-restricted-users' }, { kind: 'ServiceAccount', name: 'ci', namespace: 'tools' }],
      },
    ],
    bindClusterRoles: [{ clusterRole: 'view', subjects: [{ kind: 'Group', name: 'k8s-viewers' }] }],
  };

  it('writes each Role before its RoleBinding, and a binding per allowed ClusterRole', () => {
    const objects = renderNamespace(baseline({ rbac }), 'shop');
    assert.deepEqual(objects.map((o) => `${o.kind}/${o.metadata.name}`), ['Role/posture-pod-service-reader', 'RoleBinding/posture-pod-service-reader', 'RoleBinding/posture-view']);
    assert.deepEqual(objects[0]?.content, { rules: [{ apiGroups: [''], resources: ['pods', 'services'], verbs: ['get', 'watch', 'list'] }] });
    assert.deepEqual(objects[1]?.content, {
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'posture-pod-service-reader' },
      subjects: [
        { kind: 'Group', name: 'k8s-restricted-users', apiGroup: 'rbac.authorization.k8s.io' },
        { kind: 'ServiceAccount', name: 'ci', namespace: 'tools' },
      ],
    });
    assert.deepEqual((objects[2]?.content.roleRef as { kind: string }).kind, 'ClusterRole');
  });
});

describe('spec rules that protect users from themselves', () => {
  const base = { namespaceSelector: {} };
  const role = (rules: unknown[]): unknown => ({ ...base, rbac: { roles: [{ name: 'r', rules, subjects: [{ kind: 'Group', name: 'g' }] }] } });
  const cases: [string, unknown, RegExp][] = [
    ['wildcard verbs', role([{ apiGroups: [''], resources: ['pods'], verbs: ['*'] }]), /^spec\.rbac\.roles\[0\]\.rules\[0\]\.verbs: verbs may not include \*/],
    ['escalate', role([{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['escalate'] }]), /verbs: verbs may not include escalate/],
    ['bind', role([{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['bind'] }]), /verbs may not include bind/],
    ['impersonate', role([{ apiGroups: [''], resources: ['users'], verbs: ['impersonate'] }]), /verbs may not include impersonate/],
    ['wildcard resources', role([{ apiGroups: [''], resources: ['*'], verbs: ['get'] }]), /resources: wildcard resources/],
    ['wildcard subresources', role([{ apiGroups: [''], resources: ['pods/*'], verbs: ['get'] }]), /resources: wildcard resources/],
    ['wildcard apiGroups', role([{ apiGroups: ['*'], resources: ['pods'], verbs: ['get'] }]), /apiGroups: wildcard apiGroups/],
    ['bad quantity', { ...base, resourceQuota: { hard: { 'requests.cpu': 'lots' } } }, /^spec\.resourceQuota\.hard\.requests\.cpu: must be a quantity/],
    ['default above max', { ...base, limitRange: { default: { cpu: '2' }, max: { cpu: '1' } } }, /^spec\.limitRange\.default\.cpu: must be at most limitRange\.max\.cpu \(1\), found 2$/],
    [
      'default above the quota',
      { ...base, resourceQuota: { hard: { 'limits.memory': '1Gi' } }, limitRange: { default: { memory: '2Gi' } } },
      /^spec\.limitRange\.default\.memory: must be at most resourceQuota\.hard\["limits\.memory"\] \(1Gi\), found 2Gi$/,
    ],
    ['unknown Pod Security level', { ...base, podSecurity: { enforce: 'strict' } }, /^spec\.podSecurity\.enforce: /],
    ['unknown subject kind', { ...base, rbac: { roles: [{ name: 'r', rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }], subjects: [{ kind: 'Robot', name: 'x' }] }] } }, /subjects\[0\]\.kind: /],
    ['ServiceAccount without namespace', { ...base, rbac: { bindClusterRoles: [{ clusterRole: 'view', subjects: [{ kind: 'ServiceAccount', name: 'x' }] }] } }, /subjects\[0\]\.namespace: a ServiceAccount subject needs a namespace/],
    ['invalid role name', { ...base, rbac: { roles: [{ name: 'Bad_Name', rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }], subjects: [{ kind: 'Group', name: 'g' }] }] } }, /roles\[0\]\.name: must be a DNS label/],
    ['over-long role name', { ...base, rbac: { roles: [{ name: 'a'.repeat(56), rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }], subjects: [{ kind: 'Group', name: 'g' }] }] } }, /roles\[0\]\.name: /],
    ['unknown deletion policy', { ...base, deletionPolicy: 'Keep' }, /^spec\.deletionPolicy: /],
  ];
  for (const [name, spec, message] of cases) {
    it(`rejects ${name}, naming the field`, () => {
      const r = parseSpec(spec);
      assert.ok(!r.ok, 'accepted');
      assert.match(r.error, message);
    });
  }

  it('accepts the design example', () => {
    const r = parseSpec({
      mode: 'Enforce',
      deletionPolicy: 'Delete',
      priority: 100,
      namespaceSelector: { matchLabels: { 'posture.dev/tier': 'tenant' } },
      excludeNamespaces: ['legacy-*'],
      networkPolicy: { defaultDeny: ['Ingress', 'Egress'], allowDNS: true, allowSameNamespace: true, allowIngressFrom: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }] },
      resourceQuota: { hard: { 'requests.cpu': '8', 'requests.memory': '16Gi', 'limits.cpu': '16', 'limits.memory': '32Gi', pods: '100' } },
      limitRange: { default: { cpu: '500m', memory: '512Mi' }, defaultRequest: { cpu: '100m', memory: '128Mi' }, max: { cpu: '4', memory: '8Gi' } },
      podSecurity: { enforce: 'restricted', warn: 'restricted', audit: 'restricted' },
      rbac: {
        roles: [{ name: 'pod-service-reader', rules: [{ apiGroups: [''], resources: ['pods', 'services'], verbs: ['get', 'watch', 'list'] }], subjects: [{ kind: 'Group', name: 'k8s-restricted-users' }] }],
        bindClusterRoles: [{ clusterRole: 'view', subjects: [{ kind: 'Group', name: 'k8s-viewers' }] }],
      },
    });
    assert.ok(r.ok, r.ok ? '' : r.error);
  });
});
