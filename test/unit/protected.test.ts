import assert from 'node:assert/strict';
import { securityBaselineSpecSchema } from '../../src/api/securitybaseline.js';
import { planNamespace } from '../../src/controller/plan.js';
import { withoutNewProtectedMark } from '../../src/controller/reconciler.js';
import { renderNamespace } from '../../src/render/index.js';
import { revisionOf } from '../../src/render/revision.js';
import { protects, renderNamespaceLabels } from '../../src/render/namespace.js';
import type { ValidBaseline } from '../../src/render/selection.js';

function baseline(spec: Record<string, unknown> = {}): ValidBaseline {
  return { name: 'tenants', uid: 'uid-1', generation: 1, spec: securityBaselineSpecSchema.parse({ namespaceSelector: {}, ...spec }) };
}

function actions(b: ValidBaseline): string[] {
  return planNamespace({
    namespace: 'shop',
    desired: renderNamespace(b, 'shop'),
    desiredLabels: renderNamespaceLabels(b),
    existing: [],
    existingNamespace: { labels: {}, annotations: {} },
    frozenOwners: new Set(),
    frozenLabelOwners: new Set(),
  }).map((a) => a.type);
}

describe('the protected mark (spec.guard.podsBeforeProtection)', () => {
  it('is set with the Pod Security labels, by the baseline that wins, only in Enforce mode and with the guard on', () => {
    const on = baseline({ podSecurity: { enforce: 'restricted' }, guard: { podsBeforeProtection: 'Deny' } });
    assert.deepEqual(renderNamespaceLabels(on), {
      labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest', 'posture.dev/protected': 'tenants' },
      annotations: { 'posture.dev/pod-security': 'tenants', 'posture.dev/revision': revisionOf(on.spec) },
    });
    assert.deepEqual(renderNamespaceLabels(baseline({ guard: { podsBeforeProtection: 'Warn' } })).labels, { 'posture.dev/protected': 'tenants' });
    assert.equal(protects(baseline({ guard: { podsBeforeProtection: 'Off', managedObjects: 'Deny' } })), false);
    assert.equal(protects(baseline({ mode: 'Audit', guard: { podsBeforeProtection: 'Deny' } })), false);
    assert.deepEqual(renderNamespaceLabels(baseline({})), { labels: {}, annotations: {} });
  });

  it('is written after the objects; without the guard the Pod Security labels still go first', () => {
    assert.deepEqual(actions(baseline({ podSecurity: { enforce: 'baseline' }, guard: { podsBeforeProtection: 'Deny' } })), ['create', 'create', 'create', 'labels']);
    assert.deepEqual(actions(baseline({ podSecurity: { enforce: 'baseline' } })), ['labels', 'create', 'create', 'create']);
  });
});

describe('after a failed write in the same pass', () => {
  const labels = { type: 'labels' as const, namespace: 'shop', desired: { labels: { 'pod-security.kubernetes.io/enforce': 'baseline', 'posture.dev/protected': 'tenants' }, annotations: {} } };

  it('does not give the mark, nor take away one given before', () => {
    const fresh = withoutNewProtectedMark(labels, undefined);
    assert.ok(fresh.type === 'labels');
    assert.deepEqual(fresh.desired.labels, { 'pod-security.kubernetes.io/enforce': 'baseline' });
    const kept = withoutNewProtectedMark(labels, 'tenants');
    assert.ok(kept.type === 'labels');
    assert.equal(kept.desired.labels['posture.dev/protected'], 'tenants');
  });
});
