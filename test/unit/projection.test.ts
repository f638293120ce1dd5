import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { isInSync } from '../../src/controller/plan.js';
import { toExisting } from '../../src/controller/enforcement.js';
import { compact, compactManaged, MANAGED_TYPES, ownedContentHash } from '../../src/kube/resources.js';
import type { DesiredObject } from '../../src/render/objects.js';
import type { CachedObject } from '../../src/runtime/caches.js';

const QUOTA = MANAGED_TYPES.find((t) => t.kind === 'ResourceQuota');
const BINDING = MANAGED_TYPES.find((t) => t.kind === 'RoleBinding');
if (QUOTA === undefined || BINDING === undefined) throw new Error('managed kinds missing');

const OURS = { 'app.kubernetes.io/managed-by': 'posture-operator', 'posture.dev/baseline': 'tenants' };
const OWNER = { apiVersion: 'posture.dev/v1alpha1', kind: 'SecurityBaseline', name: 'tenants', uid: 'u-1', controller: true, blockOwnerDeletion: true };

/** A quota as the API server stores it: its spec in another spelling, a status, a long managedFields. */
function storedQuota(hard: Record<string, string>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: {
      name: 'posture-quota',
      namespace: 'shop',
      uid: 'q-1',
      resourceVersion: '42',
      generation: 3,
      labels: { ...OURS },
      ownerReferences: [{ ...OWNER }],
      managedFields: [
        { manager: 'posture-operator', operation: 'Apply', time: '2026-11-29T10:00:00Z', fieldsV1: { 'f:spec': { 'f:hard': {} } } },
        { manager: 'kubectl-edit', operation: 'Update', time: '2026-11-29T10:05:00Z', fieldsV1: { 'f:spec': { 'f:hard': { 'f:pods': {} } } } },
        { manager: 'kube-controller-manager', operation: 'Update', time: '2026-11-29T10:01:00Z', subresource: 'status', fieldsV1: { 'f:status': {} } },
      ],
      ...extra,
    },
    spec: { hard },
    status: { hard, used: { pods: '3', 'requests.cpu': '300m' } },
  };
}

function desiredQuota(hard: Record<string, string>): DesiredObject {
  return {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name: 'posture-quota', namespace: 'shop', labels: { ...OURS }, ownerReferences: [{ ...OWNER }] },
    content: { spec: { hard } },
  };
}

describe('managed cache projection (lean: what planning and drift attribution read)', () => {
  it('keeps identity, resourceVersion, labels, owner and a digest of the content; drops spec, status and managedFields', () => {
    const lean = compactManaged(QUOTA, storedQuota({ pods: '10', 'requests.cpu': '1' })) as Record<string, unknown> & { metadata: Record<string, unknown> };
    assert.deepEqual(Object.keys(lean).sort(), ['contentHash', 'metadata']);
    assert.deepEqual(Object.keys(lean.metadata).sort(), ['labels', 'managedFields', 'name', 'namespace', 'ownerReferences', 'resourceVersion', 'uid']);
    assert.equal(lean.metadata.resourceVersion, '42');
    assert.deepEqual(lean.metadata.labels, OURS);
    assert.deepEqual(lean.metadata.ownerReferences, [OWNER]);
    assert.equal(lean.contentHash, ownedContentHash('ResourceQuota', { spec: { hard: { pods: '10', 'requests.cpu': '1' } } }));
  });

  it('keeps only the newest other field manager, with its time, for drift attribution', () => {
    const lean = compactManaged(QUOTA, storedQuota({ pods: '10' })) as CachedObject;
    assert.deepEqual(lean.metadata?.managedFields, [{ manager: 'kubectl-edit', operation: 'Update', time: '2026-11-29T10:05:00Z' }]);
  });

  it('keeps the keys of annotations someone put on our object (drift), not their values', () => {
    const lean = compactManaged(QUOTA, storedQuota({ pods: '10' }, { annotations: { 'posture.dev/exempt': '*', big: 'x'.repeat(100_000) } })) as CachedObject;
    assert.deepEqual(lean.metadata?.annotations, { 'posture.dev/exempt': '', big: '' });
  });

  it('shares the labels and owner of one baseline between objects', () => {
    const a = compactManaged(QUOTA, storedQuota({ pods: '10' })) as CachedObject;
    const b = compactManaged(QUOTA, { ...storedQuota({ pods: '20' }), metadata: { ...(storedQuota({ pods: '20' }).metadata as object), name: 'other', uid: 'q-2' } }) as CachedObject;
    assert.equal(a.metadata?.labels, b.metadata?.labels);
    assert.equal(a.metadata?.ownerReferences, b.metadata?.ownerReferences);
  });

  it('plans from the digest as it planned from the content: the stored spelling of a quantity is in sync, another value is not', () => {
    const lean = compactManaged(QUOTA, storedQuota({ pods: '10', 'requests.cpu': '1', 'requests.memory': '1Gi' })) as CachedObject;
    const existing = toExisting(QUOTA, lean);
    assert.ok(existing.contentHash !== undefined);
    assert.ok(isInSync(existing, desiredQuota({ pods: '10', 'requests.cpu': '1000m', 'requests.memory': '1024Mi' })));
    assert.ok(!isInSync(existing, desiredQuota({ pods: '11', 'requests.cpu': '1', 'requests.memory': '1Gi' })));
    const full = toExisting(QUOTA, compact(QUOTA.plural, storedQuota({ pods: '10', 'requests.cpu': '1', 'requests.memory': '1Gi' })) as CachedObject);
    assert.equal(full.contentHash, undefined, 'a full object is compared by its content');
    assert.ok(isInSync(full, desiredQuota({ pods: '10', 'requests.cpu': '1000m', 'requests.memory': '1024Mi' })));
  });

  it('a RoleBinding: subjects changed or an annotation added is drift', () => {
    const stored = (subjects: unknown[], annotations?: Record<string, string>): unknown => ({
      metadata: { name: 'posture-view', namespace: 'shop', uid: 'b-1', resourceVersion: '7', labels: { ...OURS }, ownerReferences: [{ ...OWNER }], ...(annotations === undefined ? {} : { annotations }) },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects,
    });
    const want = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'posture-view', namespace: 'shop', labels: { ...OURS }, ownerReferences: [{ ...OWNER }] },
      content: { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'Group', name: 'devs', apiGroup: 'rbac.authorization.k8s.io' }] },
    } as DesiredObject;
    const devs = [{ kind: 'Group', name: 'devs', apiGroup: 'rbac.authorization.k8s.io' }];
    assert.ok(isInSync(toExisting(BINDING, compactManaged(BINDING, stored(devs)) as CachedObject), want));
    assert.ok(!isInSync(toExisting(BINDING, compactManaged(BINDING, stored([...devs, { kind: 'User', name: 'mallory', apiGroup: 'rbac.authorization.k8s.io' }])) as CachedObject), want));
    assert.ok(!isInSync(toExisting(BINDING, compactManaged(BINDING, stored(devs, { note: 'x' })) as CachedObject), want));
  });

  it('the audit caches keep only the annotations the checks read, and no managedFields, on our objects too', () => {
    const audited = compact(QUOTA.plural, storedQuota({ pods: '10' }, { annotations: { 'posture.dev/exempt': 'NS-003', other: 'x'.repeat(5000) } })) as { metadata: { annotations?: unknown; managedFields?: unknown }; status?: unknown };
    assert.deepEqual(audited.metadata.annotations, { 'posture.dev/exempt': 'NS-003' });
    assert.equal(audited.metadata.managedFields, undefined);
    assert.equal(audited.status, undefined);
  });
});
