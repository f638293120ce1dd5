import assert from 'node:assert/strict';
import { auditController } from '../../../src/controller/audit.js';
import { AuditStore } from '../../../src/controller/auditstore.js';
import { ResultStore } from '../../../src/controller/results.js';
import { TimeSlicer } from '../../../src/controller/slices.js';
import { EventRecorder } from '../../../src/kube/events.js';
import { compact } from '../../../src/kube/resources.js';
import type { ControllerSpec } from '../../../src/runtime/controller.js';
import { Emitter } from '../../../src/runtime/source.js';
import { baselineObject, context, silent, world, type World } from '../support/controllers.js';

const privileged = (name: string): Record<string, unknown> => ({
  metadata: { name, namespace: 'shop' },
  spec: { containers: [{ name: 'app', image: 'registry.example.com/app:1.0', securityContext: { privileged: true } }] },
});

function setup(slicer?: () => TimeSlicer): World & { audit: ControllerSpec<string>; audits: AuditStore; results: ResultStore; enforced: Emitter<string> } {
  const w = world();
  const results = new ResultStore();
  const audits = new AuditStore();
  const enforced = new Emitter<string>();
  const audit = auditController({
    ...w,
    log: silent,
    results,
    audits,
    events: new EventRecorder(w.client, silent, 'test'),
    now: () => new Date('2026-11-29T12:00:00Z'),
    reportsEnabled: () => true,
    concurrency: 1,
    enforced,
    ...(slicer === undefined ? {} : { slicer }),
  });
  w.caches.set('securitybaselines', baselineObject('tenants', { namespaceSelector: {} }));
  w.caches.set('namespaces', { metadata: { name: 'shop' } });
  w.caches.set('namespaces', { metadata: { name: 'shelf' } });
  w.caches.set('pods', privileged('web'));
  results.set('shop', { winner: 'tenants', generation: 1, losers: [], inSync: true, planned: { create: 0, update: 0, delete: 0 } });
  return { ...w, audit, audits, results, enforced };
}

const reportPath = '/apis/wgpolicyk8s.io/v1alpha2/namespaces/shop/policyreports/posture-audit';

describe('audit controller', () => {
  it('records the failing checks for status and writes the PolicyReport, once, as a reported write', async () => {
    const s = setup();
    const ctx = context();
    await s.audit.reconcile('shop', ctx);
    assert.ok(s.audits.get('shop')?.failing.some((f) => f.checkId === 'WL-002'), 'privileged fails WL-002');
    assert.deepEqual(s.client.lines.filter((l) => !l.includes('/events')), [`PATCH ${reportPath}`]);
    assert.deepEqual(ctx.writes, ['applied policyreports/posture-audit']);
    // The informer delivers the report; nothing changed, so nothing is written again.
    s.caches.set('policyreports', compact('policyreports', s.client.requests.find((r) => r.path === reportPath)?.body) as Record<string, unknown>);
    s.client.clear();
    await s.audit.reconcile('shop', context());
    assert.deepEqual(s.client.lines, []);
  });

  it('announces what a namespace\'s first audit finds, in the namespace, and then only findings that open', async () => {
    const s = setup();
    await s.audit.reconcile('shop', context());
    await new Promise((resolve) => setImmediate(resolve));
    const first = s.client.requests.filter((r) => r.path.includes('/events'));
    assert.ok(first.some((e) => e.path.includes('/namespaces/shop/events') && JSON.stringify(e.body).includes('FindingOpened')), s.client.lines.join('\n'));
    assert.ok(first.length <= 11, `bounded: ${first.length}`);
    s.caches.set('pods', { ...privileged('api'), spec: { hostNetwork: true, containers: [{ name: 'app', image: 'registry.example.com/app:1.0' }] } });
    s.client.clear();
    await s.audit.reconcile('shop', context());
    await new Promise((resolve) => setImmediate(resolve));
    const events = s.client.requests.filter((r) => r.path.includes('/events'));
    assert.ok(events.length > 0, s.client.lines.join('\n'));
    assert.ok(events.every((e) => JSON.stringify(e.body).includes('FindingOpened')));
  });

  it('does not announce again after a restart what the namespace\'s PolicyReport already lists', async () => {
    const s = setup();
    s.caches.set('policyreports', { metadata: { name: 'posture-audit', namespace: 'shop', labels: { 'app.kubernetes.io/managed-by': 'posture-operator' } } });
    await s.audit.reconcile('shop', context());
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(!s.client.lines.some((l) => l.includes('/events')), s.client.lines.join('\n'));
  });

  it('does not announce again after a restart without the PolicyReport API when the namespace was enforced before the start', async () => {
    const s = setup();
    s.results.set('shop', { winner: 'tenants', generation: 1, losers: [], inSync: true, planned: { create: 0, update: 0, delete: 0 }, enforcedBeforeStart: true });
    await s.audit.reconcile('shop', context());
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(s.audits.get('shop')?.failing.some((f) => f.checkId === 'WL-002'), 'audited all the same');
    assert.ok(!s.client.lines.some((l) => l.includes('/events')), s.client.lines.join('\n'));
  });

  it('waits for enforcement before the first audit of a namespace, and removes the report of one no baseline wins', async () => {
    const s = setup();
    await s.audit.reconcile('shelf', context());
    assert.deepEqual(s.client.lines, [], 'not reconciled yet: its reconcile audits it, with the winner known');
    s.caches.remove('namespaces', 'shop');
    s.caches.set('policyreports', { metadata: { name: 'posture-audit', namespace: 'shop', labels: { 'app.kubernetes.io/managed-by': 'posture-operator' } } });
    await s.audit.reconcile('shop', context());
    assert.deepEqual(s.client.lines, [`DELETE ${reportPath}`]);
    assert.equal(s.audits.get('shop'), undefined);
  });

  it('watches: a change in a namespace audits it after a debounce; a ClusterRole change audits every namespace', () => {
    const s = setup();
    const queued: [string, number][] = [];
    for (const watch of s.audit.watches) watch.connect((key, delay) => queued.push([key, delay]));
    s.caches.set('configmaps', { metadata: { name: 'c', namespace: 'shop' } });
    assert.deepEqual(queued, [['shop', 500]]);
    queued.length = 0;
    s.caches.set('clusterroles', { metadata: { name: 'edit' } });
    assert.deepEqual(queued.map(([k]) => k).sort(), ['shelf', 'shop']);
    queued.length = 0;
    s.enforced.emit('update', 'shelf');
    assert.deepEqual(queued, [['shelf', 500]]);
  });

  it('evaluates in slices that yield to the event loop, with the same result', async () => {
    let t = 0;
    const slicer = new TimeSlicer(0, () => t++);
    const s = setup(() => slicer);
    await s.audit.reconcile('shop', context());
    assert.ok(slicer.yields > 0, 'the audit stepped aside');
    assert.ok(s.audits.get('shop')?.failing.some((f) => f.checkId === 'WL-002'), 'and found what it finds in one go');
  });
});
