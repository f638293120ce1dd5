import assert from 'node:assert/strict';
import type { DriftRecord } from '../../../src/api/status.js';
import { enforcementController, type Enforcement } from '../../../src/controller/enforcement.js';
import { ResultStore } from '../../../src/controller/results.js';
import { ManualClock } from '../support/manualclock.js';
import { baselineObject, context, deliver, world, type World } from '../support/controllers.js';

const TENANTS = { namespaceSelector: { matchLabels: { tier: 'tenant' } }, resourceQuota: { hard: { pods: '10' } }, podSecurity: { enforce: 'restricted' } };

function setup(): World & { enforcement: Enforcement; results: ResultStore; drift: [string, DriftRecord, boolean][]; reconciled: string[] } {
  const w = world();
  const results = new ResultStore();
  const drift: [string, DriftRecord, boolean][] = [];
  const enforcement = enforcementController({
    ...w,
    results,
    operatorNamespace: 'posture-system',
    clock: new ManualClock(),
    concurrency: 1,
    onDrift: (baseline, record, repaired) => drift.push([baseline, record, repaired]),
  });
  const reconciled: string[] = [];
  enforcement.reconciled.on((_e, ns) => reconciled.push(ns));
  w.caches.set('securitybaselines', baselineObject('tenants', TENANTS));
  w.caches.set('namespaces', { metadata: { name: 'shop', labels: { tier: 'tenant' } } });
  w.caches.set('namespaces', { metadata: { name: 'other', labels: {} } });
  return { ...w, enforcement, results, drift, reconciled };
}

describe('namespace enforcement controller', () => {
  it('writes every object the winner renders, and the Pod Security labels, each reported as a write', async () => {
    const s = setup();
    const ctx = context();
    assert.deepEqual(await s.enforcement.spec.reconcile('shop', ctx), {});
    assert.ok(s.client.lines.includes('PATCH /api/v1/namespaces/shop'), s.client.lines.join('\n'));
    assert.ok(s.client.lines.includes('PATCH /apis/networking.k8s.io/v1/namespaces/shop/networkpolicies/posture-default-deny'));
    assert.ok(s.client.lines.includes('PATCH /api/v1/namespaces/shop/resourcequotas/posture-quota'));
    assert.equal(ctx.writes.length, s.client.requests.length, 'one reported write per request');
    assert.deepEqual(s.results.get('shop')?.winner, 'tenants');
    assert.equal(s.results.get('shop')?.inSync, true);
    assert.deepEqual(s.reconciled, ['shop']);
  });

  it('sends nothing once the caches hold what it wrote, and nothing for a namespace no baseline selects', async () => {
    const s = setup();
    await s.enforcement.spec.reconcile('shop', context());
    deliver(s.caches, s.client.requests);
    s.client.clear();
    await s.enforcement.spec.reconcile('shop', context());
    await s.enforcement.spec.reconcile('other', context());
    assert.deepEqual(s.client.lines, []);
    assert.equal(s.results.get('other')?.winner, undefined);
  });

  it('waits for the caches to see its own writes before it reads them again', async () => {
    const s = setup();
    await s.enforcement.spec.reconcile('shop', context());
    s.client.clear();
    assert.deepEqual(await s.enforcement.spec.reconcile('shop', context()), { requeueAfterMs: 1000 });
    assert.deepEqual(s.client.lines, [], 'a stale cache is not read');
  });

  it('repairs a deleted object and reports the drift, detected then repaired', async () => {
    const s = setup();
    await s.enforcement.spec.reconcile('shop', context());
    deliver(s.caches, s.client.requests);
    s.client.clear();
    s.caches.remove('resourcequotas', 'posture-quota', 'shop');
    await s.enforcement.spec.reconcile('shop', context());
    assert.deepEqual(s.client.lines, ['PATCH /api/v1/namespaces/shop/resourcequotas/posture-quota']);
    assert.deepEqual(
      s.drift.map(([b, r, repaired]) => [b, r.kind, r.name, r.change, repaired]),
      [
        ['tenants', 'ResourceQuota', 'posture-quota', 'Deleted', false],
        ['tenants', 'ResourceQuota', 'posture-quota', 'Deleted', true],
      ],
    );
  });

  it('forgets a namespace that is gone, writing nothing', async () => {
    const s = setup();
    await s.enforcement.spec.reconcile('shop', context());
    s.caches.remove('namespaces', 'shop');
    s.client.clear();
    assert.deepEqual(await s.enforcement.spec.reconcile('shop', context()), {});
    assert.deepEqual(s.client.lines, []);
    assert.equal(s.results.get('shop'), undefined);
  });

  describe('losses while the operator was down, read from the marks baselines leave', () => {
    /** A second process over the same caches: what a restart sees. */
    function restarted(s: ReturnType<typeof setup>): { enforcement: Enforcement; lost: [string, string, string, string | undefined][]; sentBefore: number[] } {
      const lost: [string, string, string, string | undefined][] = [];
      const sentBefore: number[] = [];
      const enforcement = enforcementController({
        ...s,
        results: new ResultStore(),
        operatorNamespace: 'posture-system',
        clock: new ManualClock(),
        concurrency: 1,
        onDrift: () => undefined,
        onLost: (baseline, namespace, cause, winner) => {
          lost.push([baseline, namespace, cause, winner]);
          sentBefore.push(s.client.requests.length);
        },
      });
      return { enforcement, lost, sentBefore };
    }

    async function enforced(): Promise<ReturnType<typeof setup>> {
      const s = setup();
      await s.enforcement.spec.reconcile('shop', context());
      deliver(s.caches, s.client.requests);
      s.client.clear();
      return s;
    }

    it('label removed while down: unselected, said before its objects are removed', async () => {
      const s = await enforced();
      s.caches.set('namespaces', { ...s.caches.get('namespaces', 'shop'), metadata: { ...s.caches.get('namespaces', 'shop')?.metadata, name: 'shop', labels: {} } });
      const r = restarted(s);
      await r.enforcement.spec.reconcile('shop', context());
      assert.deepEqual(r.lost, [['tenants', 'shop', 'unselected', undefined]]);
      assert.deepEqual(r.sentBefore, [0], 'said before any write');
      assert.ok(s.client.lines.some((l) => l.startsWith('DELETE ')), 'its objects are removed after');
    });

    it('taken by a higher priority while down: outranked, naming the winner', async () => {
      const s = await enforced();
      s.caches.set('securitybaselines', baselineObject('thief', { priority: 1_000_000, namespaceSelector: {} }));
      const r = restarted(s);
      await r.enforcement.spec.reconcile('shop', context());
      assert.deepEqual(r.lost, [['tenants', 'shop', 'outranked', 'thief']]);
    });

    it('an Audit-mode baseline leaves only its PolicyReport: that mark counts too', async () => {
      const s = setup();
      s.caches.set('securitybaselines', baselineObject('tenants', { ...TENANTS, mode: 'Audit' }));
      s.caches.set('policyreports', { metadata: { name: 'posture-audit', namespace: 'shop', labels: { 'app.kubernetes.io/managed-by': 'posture-operator', 'posture.dev/baseline': 'tenants' } } });
      s.caches.set('namespaces', { metadata: { name: 'shop', labels: {} } });
      const r = restarted(s);
      await r.enforcement.spec.reconcile('shop', context());
      assert.deepEqual(r.lost, [['tenants', 'shop', 'unselected', undefined]]);
    });

    it('nothing lost when it still wins, and none on a second reconcile of the same process', async () => {
      const s = await enforced();
      const r = restarted(s);
      await r.enforcement.spec.reconcile('shop', context());
      await r.enforcement.spec.reconcile('other', context());
      assert.deepEqual(r.lost, []);
      s.caches.set('namespaces', { metadata: { name: 'shop', labels: {} } });
      const again = restarted(s);
      await again.enforcement.spec.reconcile('shop', context());
      await again.enforcement.spec.reconcile('shop', context());
      assert.equal(again.lost.length, 1, 'said once');
    });

    it('no loss for a baseline that is gone or invalid: its marks are released or kept, not lost', async () => {
      const s = await enforced();
      s.caches.set('namespaces', { metadata: { name: 'shop', labels: {} } });
      s.caches.set('securitybaselines', baselineObject('tenants', { ...TENANTS, resourceQuota: { hard: { 'request.cpu': '1' } } }, 2));
      const r = restarted(s);
      await r.enforcement.spec.reconcile('shop', context());
      assert.deepEqual(r.lost, []);
    });
  });

  it('watches: our objects map to their namespace, others to nothing; a spec change to every namespace', () => {
    const s = setup();
    const queued: string[] = [];
    for (const watch of s.enforcement.spec.watches) watch.connect((key) => queued.push(key));
    const ours = { 'app.kubernetes.io/managed-by': 'posture-operator', 'posture.dev/baseline': 'tenants' };
    s.caches.set('networkpolicies', { metadata: { name: 'posture-default-deny', namespace: 'shop', labels: ours } });
    s.caches.set('networkpolicies', { metadata: { name: 'theirs', namespace: 'shop' } });
    assert.deepEqual(queued, ['shop']);
    queued.length = 0;
    s.caches.set('securitybaselines', { ...baselineObject('tenants', TENANTS), status: { observedGeneration: 1 } });
    assert.deepEqual(queued, [], 'a status write changes no spec');
    s.caches.set('securitybaselines', baselineObject('tenants', { ...TENANTS, priority: 5 }, 2));
    assert.deepEqual(queued.sort(), ['other', 'shop']);
    assert.deepEqual(
      s.enforcement.spec.watches.map((w) => [w.role, w.kind]),
      [['for', 'namespaces'], ['owns', 'networkpolicies'], ['owns', 'resourcequotas'], ['owns', 'limitranges'], ['owns', 'roles'], ['owns', 'rolebindings'], ['maps', 'securitybaselines (spec changes)']],
    );
  });
});
