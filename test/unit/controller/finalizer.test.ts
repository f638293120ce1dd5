import assert from 'node:assert/strict';
import { finalizerController } from '../../../src/controller/finalizer.js';
import type { ControllerSpec } from '../../../src/runtime/controller.js';
import { Emitter } from '../../../src/runtime/source.js';
import { baselineObject, context, world, type World } from '../support/controllers.js';

const ORPHAN = { namespaceSelector: {}, deletionPolicy: 'Orphan' };

function setup(): World & { finalizer: ControllerSpec<string>; released: Emitter<string> } {
  const w = world();
  const released = new Emitter<string>();
  return { ...w, released, finalizer: finalizerController({ ...w, released }) };
}

function finalizersIn(body: unknown): unknown {
  return (body as { metadata?: { finalizers?: unknown } }).metadata?.finalizers;
}

describe('orphaning finalizer controller', () => {
  it('adds posture.dev/orphan to a baseline with deletionPolicy Orphan, and nothing to one with Delete', async () => {
    const s = setup();
    s.caches.set('securitybaselines', baselineObject('keep', ORPHAN));
    s.caches.set('securitybaselines', baselineObject('drop', { namespaceSelector: {} }));
    const ctx = context();
    await s.finalizer.reconcile('keep', ctx);
    await s.finalizer.reconcile('drop', context());
    assert.deepEqual(s.client.lines, ['PATCH /apis/posture.dev/v1alpha1/securitybaselines/keep']);
    assert.deepEqual(finalizersIn(s.client.requests[0]?.body), ['posture.dev/orphan']);
    assert.equal(ctx.writes.length, 1);
  });

  it('holds a deletion while anything of the baseline is left, then lets go', async () => {
    const s = setup();
    const deleting = baselineObject('keep', ORPHAN);
    deleting.metadata = { ...deleting.metadata, deletionTimestamp: '2026-11-29T12:00:00Z', finalizers: ['posture.dev/orphan'] };
    s.caches.set('securitybaselines', deleting);
    const owner = [{ apiVersion: 'posture.dev/v1alpha1', kind: 'SecurityBaseline', name: 'keep', uid: 'uid-keep', controller: true }];
    const labels = { 'app.kubernetes.io/managed-by': 'posture-operator', 'posture.dev/baseline': 'keep' };
    s.caches.set('networkpolicies', { metadata: { name: 'posture-default-deny', namespace: 'shop', labels, ownerReferences: owner } });
    assert.deepEqual(await s.finalizer.reconcile('keep', context()), { requeueAfterMs: 1000 });
    assert.deepEqual(s.client.lines, []);
    s.caches.remove('networkpolicies', 'posture-default-deny', 'shop');
    assert.deepEqual(await s.finalizer.reconcile('keep', context()), {});
    assert.deepEqual(finalizersIn(s.client.requests[0]?.body), []);
  });

  it('watches: a spec change and a release queue the baseline; a status write does not', () => {
    const s = setup();
    const queued: string[] = [];
    for (const watch of s.finalizer.watches) watch.connect((key) => queued.push(key));
    s.caches.set('securitybaselines', baselineObject('keep', ORPHAN));
    s.caches.set('securitybaselines', { ...baselineObject('keep', ORPHAN), status: { observedGeneration: 1 } });
    s.released.emit('update', 'keep');
    assert.deepEqual(queued, ['keep', 'keep']);
  });
});
