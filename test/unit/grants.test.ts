import assert from 'node:assert/strict';
import { parseSpec } from '../../src/api/parse.js';
import { GrantableBaselines, grantsMessage, shortReason, specPathOf, type Ungrantable } from '../../src/controller/grants.js';
import { ApiError } from '../../src/kube/errors.js';
import type { DesiredObject } from '../../src/render/objects.js';

const parsed = parseSpec({
  namespaceSelector: {},
  rbac: {
    roles: [
      { name: 'reader', rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }], subjects: [{ kind: 'Group', name: 'g' }] },
      { name: 'secrets', rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }], subjects: [{ kind: 'Group', name: 'g' }] },
    ],
    bindClusterRoles: [{ clusterRole: 'view', subjects: [{ kind: 'Group', name: 'g' }] }, { clusterRole: 'admin', subjects: [{ kind: 'Group', name: 'g' }] }],
  },
});
assert.ok(parsed.ok);
const spec = parsed.spec;

const object = (kind: string, name: string, roleRef?: { kind: string; name: string }): DesiredObject => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind,
  metadata: { name, namespace: 'ns', labels: {}, ownerReferences: [] },
  content: roleRef === undefined ? {} : { roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...roleRef } },
});

describe('all-or-nothing grants', () => {
  it('maps every generated Role and RoleBinding back to its spec entry', () => {
    assert.equal(specPathOf(object('Role', 'posture-secrets'), spec), 'spec.rbac.roles[1]');
    assert.equal(specPathOf(object('RoleBinding', 'posture-secrets', { kind: 'Role', name: 'posture-secrets' }), spec), 'spec.rbac.roles[1]');
    assert.equal(specPathOf(object('RoleBinding', 'posture-admin', { kind: 'ClusterRole', name: 'admin' }), spec), 'spec.rbac.bindClusterRoles[1]');
  });

  it('says what the operator lacks in one short line, not the API server paragraph', () => {
    const message =
      'roles.rbac.authorization.k8s.io "posture-secrets" is forbidden: user "system:serviceaccount:posture-system:posture-operator" (groups=["system:serviceaccounts" "system:serviceaccounts:posture-system" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}';
    const err = new ApiError(403, 'Forbidden', message, 'patch', '/apis/rbac.authorization.k8s.io/v1/namespaces/ns/roles/posture-secrets');
    assert.equal(shortReason(err), 'the operator does not hold {APIGroups:[""], Resources:["secrets"], Verbs:["get"]}');
    const long = new ApiError(403, 'Forbidden', `x ${'y'.repeat(400)}`, 'patch', '/p');
    assert.ok(shortReason(long).length <= 160);
  });

  it('lists every offending entry at once', () => {
    assert.equal(
      grantsMessage([
        { path: 'spec.rbac.bindClusterRoles[1]', object: 'RoleBinding posture-admin', reason: 'a' },
        { path: 'spec.rbac.roles[1]', object: 'Role posture-secrets', reason: 'b' },
      ]),
      "none of this baseline's Roles and RoleBindings were written, because 2 cannot be granted:\nspec.rbac.bindClusterRoles[1] (RoleBinding posture-admin): cannot be granted: a\nspec.rbac.roles[1] (Role posture-secrets): cannot be granted: b",
    );
  });
});

describe('grants accepted lately', () => {
  it('are dry-run once for a burst of namespaces, refusals every time, and again after the ttl', async () => {
    const cache = new GrantableBaselines(1000);
    let runs = 0;
    let release: () => void = () => undefined;
    const slow = (): Promise<Ungrantable[]> => {
      runs++;
      return new Promise((resolve) => {
        release = () => {
          resolve([]);
        };
      });
    };
    const first = cache.check('uid/1', 0, slow);
    const second = cache.check('uid/1', 0, slow);
    release();
    assert.deepEqual(await Promise.all([first, second]), [[], []]);
    assert.equal(runs, 1, 'the second namespace waited for the first one\'s dry run');
    assert.deepEqual(await cache.check('uid/1', 500, slow), []);
    assert.equal(runs, 1, 'accepted lately');
    const refused: Ungrantable[] = [{ path: 'spec.rbac.roles[0]', object: 'Role posture-x', reason: 'no' }];
    assert.deepEqual(await cache.check('uid/2', 0, () => Promise.resolve(refused)), refused);
    assert.deepEqual(await cache.check('uid/2', 0, () => Promise.resolve(refused)), refused, 'a refusal is not remembered');
    const later = cache.check('uid/1', 2000, slow);
    release();
    await later;
    assert.equal(runs, 2, 'dry-run again after the ttl');
  });
});
