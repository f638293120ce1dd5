import assert from 'node:assert/strict';
import type { DriftRecord } from '../../../src/api/status.js';
import { enforcementController, type Enforcement } from '../../../src/controller/enforcement.js';
import { ResultStore } from '../../../src/controller/results.js';
import type { KubeRequest } from '../../../src/kube/client.js';
import { ApiError } from '../../../src/kube/errors.js';
import { ManualClock } from '../support/manualclock.js';
import type { RecordingClient } from '../support/recordingclient.js';
import { baselineObject, context, deliver, world, type World } from '../support/controllers.js';

const READER = { name: 'reader', rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }], subjects: [{ kind: 'Group', name: 'readers' }] };
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

/**
 * Holds the writes a client is asked for until release(): what is in flight at one moment can be
 * seen. Dry runs are answered at once.
 */
function deferWrites(client: RecordingClient): { sent(n: number): Promise<void>; pending(): string[]; release(): void; stop(): void } {
  const original = client.request.bind(client);
  let held: { line: string; go: () => void }[] = [];
  let stopped = false;
  client.request = <T>(req: KubeRequest): Promise<T> => {
    if (stopped || req.query?.dryRun !== undefined) return original<T>(req);
    return new Promise<void>((resolve) => held.push({ line: `${req.method} ${req.path}`, go: resolve })).then(() => original<T>(req));
  };
  const settle = (): Promise<void> => new Promise((r) => setImmediate(r));
  return {
    sent: async (n) => {
      for (let i = 0; i < 50 && held.length < n; i++) await settle();
      await settle();
    },
    pending: () => held.map((h) => h.line),
    release: () => {
      const now = held;
      held = [];
      for (const h of now) h.go();
    },
    stop: () => {
      stopped = true;
      const now = held;
      held = [];
      for (const h of now) h.go();
    },
  };
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

  it('trusts what its own writes returned while the caches have not seen them', async () => {
    const s = setup();
    await s.enforcement.spec.reconcile('shop', context());
    s.client.clear();
    assert.deepEqual(await s.enforcement.spec.reconcile('shop', context()), {}, 'nothing to wait for: the writes\' answers stand in for the cache');
    assert.deepEqual(s.client.lines, [], 'a stale cache is not read');
    assert.deepEqual(s.drift, [], 'a cache that has not caught up is no drift');
  });

  it('starts no reconcile for the echoes of its own writes, nor for the quota\'s status; one for a change by someone else', async () => {
    const s = setup();
    const queued: string[] = [];
    for (const watch of s.enforcement.spec.watches) watch.connect((key) => queued.push(key));
    await s.enforcement.spec.reconcile('shop', context());
    deliver(s.caches, s.client.requests, '1000');
    assert.deepEqual(queued, [], 'every event was an echo');
    const quota = s.caches.get('resourcequotas', 'posture-quota', 'shop');
    assert.ok(quota !== undefined);
    s.caches.set('resourcequotas', { ...quota, metadata: { ...quota.metadata, resourceVersion: '1001' } as typeof quota.metadata, status: { used: { pods: '0' } } });
    assert.deepEqual(queued, [], 'a status update by the controller manager');
    s.caches.set('resourcequotas', { ...quota, metadata: { ...quota.metadata, resourceVersion: '1002' } as typeof quota.metadata, spec: { hard: { pods: '99' } } });
    assert.deepEqual(queued, ['shop'], 'an edit by someone else');
  });

  it('detects and repairs a drift made while its own write is in flight', async () => {
    const s = setup();
    s.caches.set('securitybaselines', baselineObject('tenants', { ...TENANTS, rbac: { roles: [READER] } }, 2));
    const queued: string[] = [];
    for (const watch of s.enforcement.spec.watches) watch.connect((key) => queued.push(key));
    const gate = deferWrites(s.client);
    const first = s.enforcement.spec.reconcile('shop', context());
    await gate.sent(1);
    // The first wave is answered and seen; someone deletes the quota while the RoleBinding is still out.
    gate.release();
    await gate.sent(1);
    assert.equal(gate.pending().length, 1, 'the RoleBinding is in flight');
    deliver(s.caches, s.client.requests, '1000');
    s.caches.remove('resourcequotas', 'posture-quota', 'shop');
    s.caches.observed('resourcequotas', '1001');
    gate.release();
    assert.deepEqual(await first, { requeueAfterMs: 0 }, 'the delete was not an echo: the namespace is reconciled again at once');
    assert.deepEqual(queued, [], 'held, not queued, while the writes were out');
    gate.stop();
    // The RoleBinding's watch event arrives too.
    deliver(s.caches, s.client.requests.filter((r) => r.path.includes('/rolebindings/')), '1002');
    s.client.clear();
    await s.enforcement.spec.reconcile('shop', context());
    assert.deepEqual(s.client.lines, ['PATCH /api/v1/namespaces/shop/resourcequotas/posture-quota'], 'the quota is put back');
    assert.deepEqual(
      s.drift.map(([, r, repaired]) => [r.kind, r.change, repaired]),
      [
        ['ResourceQuota', 'Deleted', false],
        ['ResourceQuota', 'Deleted', true],
      ],
    );
  });

  it('writes in waves: everything at once, a RoleBinding to a posture Role after that Role', async () => {
    const w = world();
    const enforcement = enforcementController({ ...w, results: new ResultStore(), operatorNamespace: 'posture-system', clock: new ManualClock(), concurrency: 1, onDrift: () => undefined });
    w.caches.set('securitybaselines', baselineObject('tenants', { ...TENANTS, rbac: { roles: [READER], bindClusterRoles: [{ clusterRole: 'view', subjects: [{ kind: 'Group', name: 'viewers' }] }] } }));
    w.caches.set('namespaces', { metadata: { name: 'shop', labels: { tier: 'tenant' } } });
    const gate = deferWrites(w.client);
    const done = enforcement.spec.reconcile('shop', context());
    await gate.sent(1);
    const first = gate.pending();
    assert.ok(first.some((l) => l.endsWith('/roles/posture-reader')), first.join('\n'));
    assert.ok(first.some((l) => l.endsWith('/rolebindings/posture-view')), 'a binding to a ClusterRole goes with the first wave');
    assert.ok(first.some((l) => l.endsWith('/resourcequotas/posture-quota')));
    assert.ok(!first.some((l) => l.endsWith('/rolebindings/posture-reader')), 'not before its Role is answered');
    gate.release();
    await gate.sent(1);
    assert.deepEqual(gate.pending(), ['PATCH /apis/rbac.authorization.k8s.io/v1/namespaces/shop/rolebindings/posture-reader']);
    gate.stop();
    await done;
  });

  it('keeps a bound on writes in flight across namespaces', async () => {
    const w = world();
    const enforcement = enforcementController({ ...w, results: new ResultStore(), operatorNamespace: 'posture-system', clock: new ManualClock(), concurrency: 2, maxWritesInFlight: 3, onDrift: () => undefined });
    w.caches.set('securitybaselines', baselineObject('tenants', TENANTS));
    w.caches.set('namespaces', { metadata: { name: 'a', labels: { tier: 'tenant' } } });
    w.caches.set('namespaces', { metadata: { name: 'b', labels: { tier: 'tenant' } } });
    const gate = deferWrites(w.client);
    const done = Promise.all([enforcement.spec.reconcile('a', context()), enforcement.spec.reconcile('b', context())]);
    let most = 0;
    for (let i = 0; i < 20 && gate.pending().length > 0 || i === 0; i++) {
      await gate.sent(1);
      most = Math.max(most, gate.pending().length);
      gate.release();
    }
    gate.stop();
    await done;
    assert.equal(most, 3, 'never more than the bound, and the bound is used');
  });

  it('counts each repair once its write is answered, when another write of the same reconcile fails and is retried', async () => {
    const s = setup();
    await s.enforcement.spec.reconcile('shop', context());
    deliver(s.caches, s.client.requests);
    s.client.clear();
    s.caches.remove('resourcequotas', 'posture-quota', 'shop');
    s.caches.remove('networkpolicies', 'posture-default-deny', 'shop');
    s.client.fail((req) => (req.path.includes('/resourcequotas/') ? new ApiError(409, 'Conflict', 'the object has been modified', req.method, req.path) : undefined));
    await assert.rejects(s.enforcement.spec.reconcile('shop', context()), /modified/);
    const said = (): string[] => s.drift.map(([, r, repaired]) => `${r.kind} ${repaired ? 'repaired' : 'detected'}`);
    assert.deepEqual(said().sort(), ['NetworkPolicy detected', 'NetworkPolicy repaired', 'ResourceQuota detected']);
    assert.equal(s.results.get('shop')?.inSync, false, 'not in sync while a repair is outstanding');
    deliver(s.caches, s.client.requests.filter((r) => !r.path.includes('/resourcequotas/')));
    s.client.fail(() => undefined);
    await s.enforcement.spec.reconcile('shop', context());
    assert.deepEqual(said().sort(), ['NetworkPolicy detected', 'NetworkPolicy repaired', 'ResourceQuota detected', 'ResourceQuota repaired'], 'the quota is not detected twice');
    assert.equal(s.results.get('shop')?.inSync, true);
    assert.equal(s.results.get('shop')?.driftPending, undefined);
  });

  it('writes nothing for a baseline with deletionPolicy Orphan until its finalizer is on', async () => {
    const s = setup();
    const orphaning = baselineObject('tenants', { ...TENANTS, deletionPolicy: 'Orphan' }, 2);
    s.caches.set('securitybaselines', orphaning);
    await s.enforcement.spec.reconcile('shop', context());
    assert.deepEqual(s.client.lines, [], 'deleted now, the garbage collector would take what it wrote');
    assert.equal(s.results.get('shop')?.inSync, false);
    const finalized: ReturnType<typeof baselineObject> = { ...orphaning, metadata: { ...orphaning.metadata, finalizers: ['posture.dev/orphan'] } };
    s.caches.set('securitybaselines', finalized);
    await s.enforcement.spec.reconcile('shop', context());
    assert.ok(s.client.requests.some((r) => r.path.endsWith('/resourcequotas/posture-quota')), 'written once the finalizer is on');
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

    it('marks a namespace whose baseline objects were there at the first reconcile as enforced before the start, and keeps the mark', async () => {
      const first = setup();
      await first.enforcement.spec.reconcile('shop', context());
      assert.equal(first.results.get('shop')?.enforcedBeforeStart, undefined, 'this process wrote them');
      deliver(first.caches, first.client.requests);
      const results = new ResultStore();
      const enforcement = enforcementController({ ...first, results, operatorNamespace: 'posture-system', clock: new ManualClock(), concurrency: 1, onDrift: () => undefined });
      await enforcement.spec.reconcile('shop', context());
      assert.equal(results.get('shop')?.enforcedBeforeStart, true);
      await enforcement.spec.reconcile('shop', context());
      assert.equal(results.get('shop')?.enforcedBeforeStart, true, 'kept by later reconciles');
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
