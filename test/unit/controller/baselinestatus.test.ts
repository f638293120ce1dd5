import assert from 'node:assert/strict';
import { AuditStore, reduceFindings } from '../../../src/controller/auditstore.js';
import { AUDIT_HOLD_MS } from '../../../src/controller/baselinestatus.js';
import { BaselineStatusController } from '../../../src/controller/baselinestatus.js';
import { DriftLogs } from '../../../src/controller/drift.js';
import { ResultStore, type NamespaceResult } from '../../../src/controller/results.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { Emitter } from '../../../src/runtime/source.js';
import { baselineObject, silent, world, type World } from '../support/controllers.js';
import { ManualClock } from '../support/manualclock.js';

interface StatusPatch {
  status: { observedGeneration?: number; namespaces?: Record<string, number>; conditions?: { type: string; status: string; reason: string }[] };
}

function setup(): World & { status: BaselineStatusController; results: ResultStore; audits: AuditStore; clock: ManualClock; enforced: Emitter<string>; metrics: Metrics; patches: () => StatusPatch[] } {
  const w = world();
  const clock = new ManualClock();
  const changed = new Emitter<string>();
  const due = (b: string): void => { changed.emit('update', b); };
  const results = new ResultStore(due);
  const enforced = new Emitter<string>();
  const metrics = new Metrics({ defaultMetrics: false });
  const audits = new AuditStore(due);
  const status = new BaselineStatusController({
    ...w,
    log: silent,
    metrics,
    clock,
    results,
    audits,
    drift: new DriftLogs(),
    changed,
    enforced,
    clusterFindings: () => [],
  });
  w.caches.set('securitybaselines', baselineObject('tenants', { namespaceSelector: {} }));
  w.caches.set('namespaces', { metadata: { name: 'shop' } });
  w.caches.set('namespaces', { metadata: { name: 'shelf' } });
  const patches = (): StatusPatch[] => w.client.requests.filter((r) => r.path.endsWith('/securitybaselines/tenants/status')).map((r) => r.body as StatusPatch);
  return { ...w, status, results, audits, clock, enforced, metrics, patches };
}

const enforced: NamespaceResult = { winner: 'tenants', generation: 1, losers: [], inSync: true, planned: { create: 0, update: 0, delete: 0 } };

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** Leading, with the first pass over both namespaces complete and its status written. */
async function leading(): Promise<ReturnType<typeof setup>> {
  const s = setup();
  s.status.start();
  s.enforced.emit('update', 'shop');
  s.enforced.emit('update', 'shelf');
  s.clock.advance(0);
  await settle();
  return s;
}

describe('baseline status controller', () => {
  it('writes nothing before it leads; then Reconciling until the first pass covers every namespace, then Ready', async () => {
    const s = setup();
    s.results.set('shop', enforced);
    s.clock.advance(5000);
    await settle();
    assert.deepEqual(s.patches(), [], 'a standby writes no status');
    s.status.start();
    s.clock.advance(0);
    await settle();
    assert.equal(s.patches().at(-1)?.status.conditions?.find((c) => c.type === 'Reconciling')?.status, 'True');
    s.enforced.emit('update', 'shop');
    s.results.set('shelf', enforced);
    s.enforced.emit('update', 'shelf');
    s.clock.advance(1000);
    await settle();
    const last = s.patches().at(-1)?.status ?? {};
    assert.equal(last.observedGeneration, 1);
    assert.equal(last.namespaces?.selected, 2);
    assert.deepEqual(last.conditions?.find((c) => c.type === 'Ready')?.reason, 'Enforced');
    const gauge = await s.metrics.namespaces.get();
    assert.ok(gauge.values.some((v) => v.labels.baseline === 'tenants' && v.labels.state === 'selected' && v.value === 2));
  });

  it('after a restart, keeps the stored status until every namespace it wins is audited again (bounded in time)', async () => {
    const restarted = async (): Promise<ReturnType<typeof setup>> => {
      const s = setup();
      const stored = { observedGeneration: 1, namespaces: { selected: 2, enforced: 2, conflicted: 0 }, summary: { pass: 9, fail: 0, warn: 0, error: 0, skip: 0 } };
      s.caches.set('securitybaselines', { ...baselineObject('tenants', { namespaceSelector: {} }), status: stored });
      s.results.set('shop', enforced);
      s.results.set('shelf', enforced);
      s.status.start();
      s.enforced.emit('update', 'shop');
      s.enforced.emit('update', 'shelf');
      s.audits.set('shop', reduceFindings('tenants', []));
      s.clock.advance(1000);
      await settle();
      return s;
    };
    const s = await restarted();
    assert.deepEqual(s.patches(), [], 'shelf is not audited yet: a summary over shop alone is not written');
    s.caches.set('namespaces', { metadata: { name: 'new' } });
    s.results.set('new', enforced);
    s.clock.advance(1000);
    await settle();
    assert.deepEqual(s.patches(), [], 'a namespace created since the start does not end the hold');
    s.audits.set('shelf', reduceFindings('tenants', []));
    s.clock.advance(1000);
    await settle();
    assert.equal(s.patches().length, 1, 'both audited: the status follows, though the new namespace is not audited yet');
    const stuck = await restarted();
    stuck.clock.advance(AUDIT_HOLD_MS);
    stuck.results.set('shop', { ...enforced });
    stuck.clock.advance(1000);
    await settle();
    assert.equal(stuck.patches().length, 1, 'an audit that never comes holds the status no longer than the bound');
  });

  it('coalesces: many namespace results in one interval are one status write', async () => {
    const s = await leading();
    const before = s.patches().length;
    for (let i = 0; i < 50; i++) s.results.set(`ns-${i}`, enforced);
    s.clock.advance(1000);
    await settle();
    assert.equal(s.patches().length, before + 1);
  });

  it('forgets a deleted baseline: its gauges go', async () => {
    const s = setup();
    // A baseline that covers nothing has no score at all; this one wins a namespace.
    s.results.set('shop', enforced);
    s.status.start();
    s.enforced.emit('update', 'shop');
    s.enforced.emit('update', 'shelf');
    s.clock.advance(0);
    await settle();
    assert.ok((await s.metrics.complianceScore.get()).values.some((v) => v.labels.baseline === 'tenants'));
    s.caches.remove('securitybaselines', 'tenants');
    assert.ok(!(await s.metrics.complianceScore.get()).values.some((v) => v.labels.baseline === 'tenants'));
  });

  it('exports no score for a baseline that covers no namespace', async () => {
    const s = setup();
    s.status.start();
    s.enforced.emit('update', 'shop');
    s.enforced.emit('update', 'shelf');
    s.clock.advance(0);
    await settle();
    assert.ok(!(await s.metrics.complianceScore.get()).values.some((v) => v.labels.baseline === 'tenants'));
    const last = s.patches().at(-1);
    assert.equal(last?.status.conditions?.find((c) => c.type === 'Compliant')?.reason, 'NoNamespaces');
  });
});
