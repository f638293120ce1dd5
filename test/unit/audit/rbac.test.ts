import assert from 'node:assert/strict';
import { grants, resourceMatches } from '../../../src/audit/rbac.js';
import type { AuditConfig, AuditInput, PolicyRule, Result, Role, RoleBinding, Subject } from '../../../src/audit/types.js';
import { auditInput, run } from './fixtures.js';

function role(name: string, rules: PolicyRule[]): Role {
  return { kind: 'Role', name, namespace: 'shop', rules };
}

function clusterRole(name: string, rules: PolicyRule[]): Role {
  return { kind: 'ClusterRole', name, rules };
}

function binding(name: string, ref: { kind: string; name: string }, subjects: Subject[]): RoleBinding {
  return { kind: 'RoleBinding', name, namespace: 'shop', roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...ref }, subjects };
}

const reader = role('reader', [{ apiGroups: [''], resources: ['pods', 'services'], verbs: ['get', 'list', 'watch'] }]);
const group: Subject = { kind: 'Group', name: 'oidc:devs', apiGroup: 'rbac.authorization.k8s.io' };

interface Case {
  check: string;
  name: string;
  input: Partial<AuditInput>;
  config?: Partial<AuditConfig>;
  /** Results per finding, in order. */
  results: Result[];
  message?: string;
}

const cases: Case[] = [
  // RB-001
  { check: 'RB-001', name: 'explicit rules', input: { roles: [reader] }, results: ['pass'] },
  {
    check: 'RB-001',
    name: 'wildcard verbs and resources',
    input: { roles: [role('all', [{ apiGroups: [''], resources: ['*'], verbs: ['*'] }])] },
    results: ['fail'],
    message: 'rule 0: replace * in verbs, resources with explicit values',
  },
  { check: 'RB-001', name: 'referenced ClusterRoles are checked too', input: { roles: [reader], clusterRoles: [clusterRole('cluster-admin', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }])] }, results: ['pass', 'fail'] },
  // RB-002
  { check: 'RB-002', name: 'view bound to a group', input: { roleBindings: [binding('view', { kind: 'ClusterRole', name: 'view' }, [group])] }, results: ['pass'] },
  {
    check: 'RB-002',
    name: 'cluster-admin bound to a group',
    input: { roleBindings: [binding('admins', { kind: 'ClusterRole', name: 'cluster-admin' }, [group])] },
    results: ['fail'],
    message: 'Group oidc:devs: bind a least-privilege role instead of ClusterRole cluster-admin',
  },
  {
    check: 'RB-002',
    name: 'a wildcard Role bound to a ServiceAccount',
    input: { roles: [role('god', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }])], roleBindings: [binding('god', { kind: 'Role', name: 'god' }, [{ kind: 'ServiceAccount', name: 'ci' }])] },
    results: ['fail'],
    message: 'ServiceAccount shop/ci: bind a least-privilege role instead of Role god',
  },
  { check: 'RB-002', name: 'cluster-admin bound to system: subjects only', input: { roleBindings: [binding('sys', { kind: 'ClusterRole', name: 'cluster-admin' }, [{ kind: 'Group', name: 'system:nodes' }])] }, results: ['pass'] },
  // RB-003
  { check: 'RB-003', name: 'no secret access', input: { roles: [reader], roleBindings: [binding('r', { kind: 'Role', name: 'reader' }, [group])] }, results: ['pass'] },
  {
    check: 'RB-003',
    name: 'list secrets',
    input: { roles: [role('s', [{ apiGroups: [''], resources: ['secrets'], verbs: ['list', 'watch'] }])], roleBindings: [binding('s', { kind: 'Role', name: 's' }, [group])] },
    results: ['fail'],
    message: 'Group oidc:devs: remove list, watch on secrets (Role s) or add oidc:devs to secretReadAllowlist',
  },
  {
    check: 'RB-003',
    name: 'get * via a wildcard',
    input: { roles: [role('s', [{ apiGroups: ['*'], resources: ['*'], verbs: ['get'] }])], roleBindings: [binding('s', { kind: 'Role', name: 's' }, [group])] },
    results: ['fail'],
  },
  {
    check: 'RB-003',
    name: 'an allowlisted ServiceAccount',
    input: { roles: [role('s', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }])], roleBindings: [binding('s', { kind: 'Role', name: 's' }, [{ kind: 'ServiceAccount', name: 'cert-manager' }])] },
    config: { secretReadAllowlist: ['system:serviceaccount:*:cert-manager'] },
    results: ['pass'],
  },
  {
    check: 'RB-003',
    name: 'one named secret only',
    input: { roles: [role('s', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['tls'] }])], roleBindings: [binding('s', { kind: 'Role', name: 's' }, [group])] },
    results: ['pass'],
  },
  {
    check: 'RB-003',
    name: 'a 150,000-character User against an allowlist glob fails, with a bounded message',
    input: { roles: [role('s', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }])], roleBindings: [binding('s', { kind: 'Role', name: 's' }, [{ kind: 'User', name: `${'a'.repeat(149_999)}c` }])] },
    config: { secretReadAllowlist: ['*a*a*a*b'] },
    results: ['fail'],
    message: `User ${'a'.repeat(128)}... (150000 characters): remove get on secrets (Role s) or add ${'a'.repeat(128)}... (150000 characters) to secretReadAllowlist`,
  },
  { check: 'RB-003', name: 'a missing role', input: { roleBindings: [binding('s', { kind: 'Role', name: 'gone' }, [group])] }, results: ['skip'] },
  // RB-004
  { check: 'RB-004', name: 'pods only', input: { roles: [reader] }, results: ['pass'] },
  {
    check: 'RB-004',
    name: 'pods/exec',
    input: { roles: [role('debug', [{ apiGroups: [''], resources: ['pods/exec', 'pods/portforward'], verbs: ['create'] }])] },
    results: ['fail'],
    message: 'rule 0: remove access to pods/exec, pods/portforward',
  },
  { check: 'RB-004', name: '*/attach', input: { roles: [role('debug', [{ apiGroups: [''], resources: ['*/attach'], verbs: ['get'] }])] }, results: ['fail'] },
  { check: 'RB-004', name: 'pods/* is not a subresource wildcard', input: { roles: [role('odd', [{ apiGroups: [''], resources: ['pods/*'], verbs: ['get'] }])] }, results: ['pass'] },
  // RB-005
  { check: 'RB-005', name: 'no escalation', input: { roles: [reader] }, results: ['pass'] },
  {
    check: 'RB-005',
    name: 'create rolebindings and impersonate',
    input: {
      roles: [
        role('esc', [
          { apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings'], verbs: ['create'] },
          { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['impersonate'] },
        ]),
      ],
    },
    results: ['fail'],
    message: 'rule 0: remove create on role bindings; rule 1: remove impersonate',
  },
  { check: 'RB-005', name: 'serviceaccounts/token', input: { roles: [role('t', [{ apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] }])] }, results: ['fail'] },
  { check: 'RB-005', name: 'bind verb', input: { roles: [role('b', [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['bind'], resourceNames: ['view'] }])] }, results: ['fail'] },
  {
    check: 'RB-005',
    name: 'webhook configurations',
    input: { clusterRoles: [clusterRole('hooks', [{ apiGroups: ['admissionregistration.k8s.io'], resources: ['validatingwebhookconfigurations'], verbs: ['patch'] }])] },
    results: ['fail'],
  },
  // RB-006
  { check: 'RB-006', name: 'a normal group', input: { roleBindings: [binding('r', { kind: 'Role', name: 'reader' }, [group])] }, results: ['pass'] },
  {
    check: 'RB-006',
    name: 'system:authenticated',
    input: { roleBindings: [binding('r', { kind: 'Role', name: 'reader' }, [{ kind: 'Group', name: 'system:authenticated' }])] },
    results: ['fail'],
    message: 'Group system:authenticated: remove this subject (it stands for every or any caller)',
  },
  { check: 'RB-006', name: 'system:anonymous user', input: { roleBindings: [binding('r', { kind: 'Role', name: 'reader' }, [{ kind: 'User', name: 'system:anonymous' }])] }, results: ['fail'] },
  // RB-007
  { check: 'RB-007', name: 'OIDC group and local ServiceAccount', input: { roleBindings: [binding('r', { kind: 'Role', name: 'reader' }, [group, { kind: 'ServiceAccount', name: 'app', namespace: 'shop' }])] }, results: ['pass'] },
  { check: 'RB-007', name: 'a User', input: { roleBindings: [binding('r', { kind: 'Role', name: 'reader' }, [{ kind: 'User', name: 'alice@example.com' }])] }, results: ['fail'], message: 'User alice@example.com: bind a Group from the identity provider instead of a User' },
  { check: 'RB-007', name: 'a group without the prefix', input: { roleBindings: [binding('r', { kind: 'Role', name: 'reader' }, [{ kind: 'Group', name: 'devs' }])] }, results: ['fail'] },
  { check: 'RB-007', name: 'any group when no prefix is configured', input: { roleBindings: [binding('r', { kind: 'Role', name: 'reader' }, [{ kind: 'Group', name: 'devs' }])] }, config: { oidcGroupPrefix: undefined }, results: ['pass'] },
  { check: 'RB-007', name: 'a ServiceAccount of another namespace', input: { roleBindings: [binding('r', { kind: 'Role', name: 'reader' }, [{ kind: 'ServiceAccount', name: 'ci', namespace: 'tools' }])] }, results: ['fail'] },
];

describe('RBAC checks RB-001..RB-007', () => {
  for (const c of cases) {
    it(`${c.check} ${c.name}: ${c.results.join(', ')}`, () => {
      const findings = run(c.check, auditInput(c.input, c.config));
      assert.deepEqual(
        findings.map((f) => f.result),
        c.results,
        JSON.stringify(findings.map((f) => f.message)),
      );
      if (c.message !== undefined) assert.equal(findings.find((f) => f.result === 'fail')?.message, c.message);
    });
  }

  it('names ClusterRoles as cluster-scoped and bindings in their namespace', () => {
    const [f] = run('RB-001', auditInput({ clusterRoles: [clusterRole('edit', [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }])] }));
    assert.deepEqual(f?.resource, { kind: 'ClusterRole', namespace: '', name: 'edit' });
    const [b] = run('RB-006', auditInput({ roleBindings: [binding('r', { kind: 'Role', name: 'reader' }, [group])] }));
    assert.deepEqual(b?.resource, { kind: 'RoleBinding', namespace: 'shop', name: 'r' });
  });
});

describe('RBAC matching', () => {
  it('matches resources like the API server', () => {
    const rule: PolicyRule = { apiGroups: [''], resources: ['*/scale', 'pods'], verbs: ['get'] };
    assert.ok(resourceMatches(rule, 'deployments/scale'));
    assert.ok(resourceMatches(rule, 'pods'));
    assert.ok(!resourceMatches(rule, 'pods/log'));
    assert.ok(grants(rule, 'get', '', 'pods'));
    assert.ok(!grants(rule, 'list', '', 'pods'));
    assert.ok(!grants(rule, 'get', 'apps', 'pods'));
  });
});
