import assert from 'node:assert/strict';
import { securityBaselineSpecSchema } from '../../src/api/securitybaseline.js';
import { planNamespace, type ExistingObject } from '../../src/controller/plan.js';
import { renderNamespace } from '../../src/render/index.js';
import type { DesiredObject } from '../../src/render/objects.js';

const baseline = { name: 'tenants', uid: 'uid-1', generation: 1, spec: securityBaselineSpecSchema.parse({ namespaceSelector: {} }) };
const desired = renderNamespace(baseline, 'shop');

function asExisting(o: DesiredObject): ExistingObject {
  return structuredClone({ apiVersion: o.apiVersion, kind: o.kind, metadata: o.metadata, spec: o.spec });
}

describe('planning writes', () => {
  it('creates what is missing', () => {
    const actions = planNamespace(desired, []);
    assert.deepEqual(actions.map((a) => a.type), ['create', 'create']);
  });

  it('writes nothing when everything matches', () => {
    assert.deepEqual(planNamespace(desired, desired.map(asExisting)), []);
  });

  it('updates an object whose spec someone changed, including an added field', () => {
    const edited = desired.map(asExisting);
    (edited[0] as { spec: Record<string, unknown> }).spec.ingress = [{}];
    const actions = planNamespace(desired, edited);
    assert.deepEqual(actions.map((a) => [a.type, a.type === 'delete' ? a.name : a.object.metadata.name]), [['update', 'posture-default-deny']]);
  });

  it('updates an object that lost our label or owner', () => {
    const relabelled = desired.map(asExisting);
    const first = relabelled[0];
    assert.ok(first);
    first.metadata.labels = { 'app.kubernetes.io/managed-by': 'posture-operator', 'posture.dev/baseline': 'other' };
    first.metadata.ownerReferences = [];
    assert.deepEqual(planNamespace(desired, relabelled).map((a) => a.type), ['update']);
  });

  it('prunes managed objects that are no longer desired', () => {
    const actions = planNamespace([], desired.map(asExisting));
    assert.deepEqual(actions.map((a) => a.type), ['delete', 'delete']);
  });

  it('leaves objects of a baseline with an invalid spec alone', () => {
    assert.deepEqual(planNamespace([], desired.map(asExisting), new Set(['tenants'])), []);
  });
});
