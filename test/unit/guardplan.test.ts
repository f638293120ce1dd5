import assert from 'node:assert/strict';
import { securityBaselineSpecSchema } from '../../src/api/securitybaseline.js';
import { contains, planGuard, type ExistingAdmissionObject } from '../../src/controller/guardplan.js';
import { renderGuardPolicies } from '../../src/render/admission/guard.js';

const baseline = (guard: Record<string, unknown> | undefined): Parameters<typeof renderGuardPolicies>[0] => ({
  name: 'tenants',
  uid: 'u1',
  generation: 1,
  spec: securityBaselineSpecSchema.parse({ namespaceSelector: {}, ...(guard === undefined ? {} : { guard }) }),
});

/** As the API server stores it: our fields plus its defaults. */
function stored(o: ReturnType<typeof renderGuardPolicies>[number]): ExistingAdmissionObject {
  const spec = JSON.parse(JSON.stringify(o.spec)) as Record<string, unknown>;
  if (o.kind === 'ValidatingAdmissionPolicy') {
    const mc = spec.matchConstraints as Record<string, unknown>;
    mc.matchPolicy = 'Equivalent';
    mc.namespaceSelector = {};
    for (const r of mc.resourceRules as Record<string, unknown>[]) r.scope = '*';
  } else {
    spec.matchResources = { namespaceSelector: {}, objectSelector: {}, matchPolicy: 'Equivalent', ...(spec.matchResources as object | undefined) };
  }
  return { kind: o.kind, metadata: { ...o.metadata, labels: { ...o.metadata.labels, extra: 'x' } }, spec };
}

describe('planning the guard policies of a baseline', () => {
  it('creates policies before bindings, and sends nothing once stored (API server defaults are not drift)', () => {
    const desired = renderGuardPolicies(baseline({ podsBeforeProtection: 'Deny', managedObjects: 'Warn' }), 'posture-system');
    const first = planGuard('tenants', desired, []);
    assert.deepEqual(first.map((a) => (a.type === 'apply' ? `${a.object.kind}/${a.object.metadata.name}` : a.name)), [
      'ValidatingAdmissionPolicy/posture-guard-tenants-pods',
      'ValidatingAdmissionPolicy/posture-guard-tenants-objects',
      'ValidatingAdmissionPolicyBinding/posture-guard-tenants-pods',
      'ValidatingAdmissionPolicyBinding/posture-guard-tenants-objects',
    ]);
    assert.deepEqual(planGuard('tenants', desired, desired.map(stored)), []);
  });

  it('reapplies an edited policy or a binding switched to Warn', () => {
    const desired = renderGuardPolicies(baseline({ podsBeforeProtection: 'Deny' }), 'posture-system');
    const existing = desired.map(stored);
    const binding = existing[1];
    assert.ok(binding);
    (binding.spec as { validationActions: string[] }).validationActions = ['Audit'];
    assert.deepEqual(planGuard('tenants', desired, existing).map((a) => a.type), ['apply']);
  });

  it('deletes only its own baseline\'s policies that are no longer rendered, bindings first', () => {
    const all = renderGuardPolicies(baseline({ podsBeforeProtection: 'Deny' }), 'posture-system').map(stored);
    const other: ExistingAdmissionObject = { kind: 'ValidatingAdmissionPolicy', metadata: { name: 'posture-guard-other-pods', labels: { 'app.kubernetes.io/managed-by': 'posture-operator', 'posture.dev/baseline': 'other' } } };
    const shipped: ExistingAdmissionObject = { kind: 'ValidatingAdmissionPolicy', metadata: { name: 'posture-operator-fence', labels: { 'app.kubernetes.io/name': 'posture-operator' } } };
    const actions = planGuard('tenants', renderGuardPolicies(baseline(undefined), 'posture-system'), [...all, other, shipped]);
    assert.deepEqual(actions, [
      { type: 'delete', kind: 'ValidatingAdmissionPolicyBinding', name: 'posture-guard-tenants-pods' },
      { type: 'delete', kind: 'ValidatingAdmissionPolicy', name: 'posture-guard-tenants-pods' },
    ]);
  });

  it('compares what we set, nothing more', () => {
    assert.equal(contains({ a: 1, b: [{ c: 2, d: 3 }] }, { b: [{ c: 2 }] }), true);
    assert.equal(contains({ b: [{ c: 2 }, { c: 3 }] }, { b: [{ c: 2 }] }), false);
    assert.equal(contains({ a: '1' }, { a: 1 }), false);
    assert.equal(contains(undefined, {}), false);
  });
});
