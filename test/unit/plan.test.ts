import assert from 'node:assert/strict';
import { securityBaselineSpecSchema } from '../../src/api/securitybaseline.js';
import { lastOtherManager, planNamespace, type ExistingObject, type PlanInput } from '../../src/controller/plan.js';
import { renderNamespace } from '../../src/render/index.js';
import { revisionOf } from '../../src/render/revision.js';
import { renderNamespaceLabels } from '../../src/render/namespace.js';
import type { DesiredObject } from '../../src/render/objects.js';
import type { ValidBaseline } from '../../src/render/selection.js';

function baseline(spec: Record<string, unknown> = {}): ValidBaseline {
  return { name: 'tenants', uid: 'uid-1', generation: 1, spec: securityBaselineSpecSchema.parse({ namespaceSelector: {}, ...spec }) };
}

function asExisting(o: DesiredObject): ExistingObject {
  return structuredClone({ apiVersion: o.apiVersion, kind: o.kind, metadata: o.metadata, content: o.content });
}

function plan(overrides: Partial<PlanInput>): ReturnType<typeof planNamespace> {
  const b = baseline();
  return planNamespace({
    namespace: 'shop',
    desired: renderNamespace(b, 'shop'),
    desiredLabels: renderNamespaceLabels(b),
    existing: [],
    existingNamespace: { labels: {}, annotations: {} },
    frozenOwners: new Set(),
    frozenLabelOwners: new Set(),
    ...overrides,
  });
}

const desired = renderNamespace(baseline(), 'shop');

describe('planning writes', () => {
  it('creates what is missing', () => {
    assert.deepEqual(plan({}).map((a) => a.type), ['create', 'create', 'create']);
  });

  it('writes nothing when everything matches', () => {
    assert.deepEqual(plan({ existing: desired.map(asExisting) }), []);
  });

  it('updates an adopted object that carries foreign annotations or labels', () => {
    const [first, ...rest] = desired.map(asExisting);
    assert.ok(first);
    const annotated = { ...first, metadata: { ...first.metadata, annotations: { 'posture.dev/exempt': '*' } } };
    assert.deepEqual(plan({ existing: [annotated, ...rest] }).map((a) => `${a.type} ${a.type === 'update' ? a.object.metadata.name : ''}`), [`update ${first.metadata.name}`]);
    const labelled = { ...first, metadata: { ...first.metadata, labels: { ...first.metadata.labels, 'team.example.com/owner': 'mallory' } } };
    assert.deepEqual(plan({ existing: [labelled, ...rest] }).map((a) => a.type), ['update']);
  });

  it('updates an object whose spec someone changed, including an added field', () => {
    const edited = desired.map(asExisting);
    const spec = edited[0]?.content.spec as Record<string, unknown>;
    spec.ingress = [{}];
    const actions = plan({ existing: edited });
    assert.deepEqual(actions.map((a) => [a.type, a.type === 'update' ? a.object.metadata.name : '']), [['update', 'posture-default-deny']]);
  });

  it('updates an object that lost our label or owner', () => {
    const relabelled = desired.map(asExisting);
    const first = relabelled[0];
    assert.ok(first);
    first.metadata.labels = { 'app.kubernetes.io/managed-by': 'posture-operator', 'posture.dev/baseline': 'other' };
    first.metadata.ownerReferences = [];
    assert.deepEqual(plan({ existing: relabelled }).map((a) => a.type), ['update']);
  });

  it('prunes managed objects that are no longer desired, bindings before roles', () => {
    const withRbac = renderNamespace(
      baseline({ rbac: { roles: [{ name: 'reader', rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }], subjects: [{ kind: 'Group', name: 'g' }] }] } }),
      'shop',
    );
    const actions = plan({ desired: [], existing: withRbac.map(asExisting) });
    assert.deepEqual(
      actions.map((a) => (a.type === 'delete' ? `${a.kind}/${a.name}` : a.type)),
      ['RoleBinding/posture-reader', 'Role/posture-reader', 'NetworkPolicy/posture-allow-same-namespace', 'NetworkPolicy/posture-allow-dns', 'NetworkPolicy/posture-default-deny'],
    );
  });

  it('leaves objects of a frozen baseline (invalid spec, or orphaning) alone', () => {
    assert.deepEqual(plan({ desired: [], existing: desired.map(asExisting), frozenOwners: new Set(['uid-1']) }), []);
  });

  it('compares quantities by value, as the API server rewrites them', () => {
    const b = baseline({ resourceQuota: { hard: { 'limits.memory': '1024Mi', 'requests.cpu': '1000m' } } });
    const want = renderNamespace(b, 'shop');
    const stored = want.map(asExisting);
    const quota = stored.find((e) => e.kind === 'ResourceQuota');
    assert.ok(quota);
    quota.content.spec = { hard: { 'limits.memory': '1Gi', 'requests.cpu': '1' } };
    assert.deepEqual(plan({ desired: want, existing: stored }), []);
    quota.content.spec = { hard: { 'limits.memory': '2Gi', 'requests.cpu': '1' } };
    assert.deepEqual(plan({ desired: want, existing: stored }).map((a) => a.type), ['update']);
  });
});

describe('planning Pod Security labels', () => {
  const b = baseline({ podSecurity: { enforce: 'restricted', warn: 'restricted' } });
  const want = renderNamespaceLabels(b);

  it('applies the labels and the ownership marker', () => {
    assert.deepEqual(want, {
      labels: {
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': 'latest',
        'pod-security.kubernetes.io/warn': 'restricted',
        'pod-security.kubernetes.io/warn-version': 'latest',
      },
      annotations: { 'posture.dev/pod-security': 'tenants', 'posture.dev/revision': revisionOf(b.spec) },
    });
    assert.deepEqual(plan({ desired: [], desiredLabels: want }).map((a) => a.type), ['labels']);
  });

  it('writes nothing when they are in place', () => {
    assert.deepEqual(plan({ desired: [], desiredLabels: want, existingNamespace: { labels: { ...want.labels, team: 'x' }, annotations: want.annotations } }), []);
  });

  it('releases owned labels when no longer wanted, and never touches labels it does not own', () => {
    const ours = { labels: want.labels, annotations: want.annotations };
    assert.deepEqual(plan({ desired: [], desiredLabels: { labels: {}, annotations: {} }, existingNamespace: ours }).map((a) => a.type), ['labels']);
    const theirs = { labels: { 'pod-security.kubernetes.io/enforce': 'baseline' }, annotations: {} };
    assert.deepEqual(plan({ desired: [], desiredLabels: { labels: {}, annotations: {} }, existingNamespace: theirs }), []);
  });

  it('keeps the labels of an orphaning baseline', () => {
    const ours = { labels: want.labels, annotations: want.annotations };
    assert.deepEqual(plan({ desired: [], desiredLabels: { labels: {}, annotations: {} }, existingNamespace: ours, frozenLabelOwners: new Set(['tenants']) }), []);
  });
});

describe('drift attribution', () => {
  it('names the most recent other field manager', () => {
    const [first] = desired.map(asExisting);
    assert.ok(first);
    first.metadata.managedFields = [
      { manager: 'posture-operator', operation: 'Apply', time: '2026-11-26T10:00:00Z' },
      { manager: 'kubectl-edit', operation: 'Update', time: '2026-11-26T10:05:00Z' },
      { manager: 'helm', operation: 'Update', time: '2026-11-26T09:00:00Z' },
    ];
    assert.equal(lastOtherManager(first), 'kubectl-edit');
    first.metadata.managedFields = [{ manager: 'posture-operator', operation: 'Apply' }];
    assert.equal(lastOtherManager(first), undefined);
  });
});
