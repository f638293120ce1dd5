import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../src/kube/client.js';
import winston from 'winston';
import type { KubeRequest } from '../../src/kube/client.js';
import { Metrics } from '../../src/observability/metrics.js';
import { Manager } from '../../src/runtime/manager.js';
import { WriteFencedError, WriteGate, type WriteFence } from '../../src/runtime/writegate.js';
import { LeaseServer, replica, stall, World } from './support/leaseworld.js';
import { RecordingClient } from './support/recordingclient.js';

const apply: KubeRequest = { verb: 'patch', resource: 'networkpolicies', method: 'PATCH', path: '/apis/networking.k8s.io/v1/namespaces/a/networkpolicies/posture-default-deny', body: {} };
const WRITES: KubeRequest[] = [
  apply,
  { verb: 'create', resource: 'events', method: 'POST', path: '/apis/events.k8s.io/v1/namespaces/a/events', body: {} },
  { verb: 'update', resource: 'rolebindings', method: 'PUT', path: '/apis/rbac.authorization.k8s.io/v1/namespaces/a/rolebindings/posture-view', body: {} },
  { verb: 'delete', resource: 'resourcequotas', method: 'DELETE', path: '/api/v1/namespaces/a/resourcequotas/old' },
  { verb: 'patch', resource: 'securitybaselines/status', method: 'PATCH', path: '/apis/posture.dev/v1alpha1/securitybaselines/b/status', body: {} },
];
const READ: KubeRequest = { verb: 'get', resource: 'policyreports', method: 'GET', path: '/apis/wgpolicyk8s.io/v1alpha2/namespaces/a/policyreports/posture' };

describe('write gate: a writer checks it still leads before each write', () => {
  let world: World;
  let server: LeaseServer;

  beforeEach(() => {
    world = new World();
    server = new LeaseServer();
  });

  it('lets the leader write while it renews, and never a standby', async () => {
    const a = replica(world, server, 'a');
    await world.advance(0);
    const b = replica(world, server, 'b');
    await world.advance(60_000);
    assert.deepEqual(a.elector.mayWrite(), { ok: true });
    assert.deepEqual(b.elector.mayWrite(), { ok: false, reason: 'not-leading' });
  });

  it('after an event-loop stall longer than the lease, refuses the first write and gives leadership up at once', async () => {
    const a = replica(world, server, 'a');
    await world.advance(0);
    const b = replica(world, server, 'b');
    await world.advance(5_000);
    const renewsBefore = a.client.writes.length;
    stall(world, 20_000);
    // The worker's I/O callback runs before the renew loop's timer: the gate is what notices.
    // The last renewal began at 4 s, one second before the stall.
    assert.deepEqual(a.elector.mayWrite(), { ok: false, reason: 'lease-expired', sinceRenewMs: 21_000 });
    assert.equal(a.elector.isLeader, false);
    assert.deepEqual(a.stopped, [{ reason: 'lease-expired', at: world.t }], 'OnStoppedLeading, once');
    await world.advance(60_000);
    await a.done;
    assert.equal(a.stopped.length, 1, 'the renew loop does not report the loss again');
    assert.equal(a.client.writes.length, renewsBefore, 'nor renews the Lease after giving it up');
    assert.deepEqual(a.elector.mayWrite(), { ok: false, reason: 'not-leading' });
    assert.equal(b.elector.isLeader, true, 'the standby took over');
  });

  it('writes pass until renewDeadline after the last renewal began, and not from then on', async () => {
    const a = replica(world, server, 'a');
    await world.advance(0);
    stall(world, 9_999);
    assert.deepEqual(a.elector.mayWrite(), { ok: true });
    stall(world, 1);
    assert.deepEqual(a.elector.mayWrite(), { ok: false, reason: 'lease-expired', sinceRenewMs: 10_000 });
  });

  it('a larger writeMargin stops writes earlier (leaseDuration - margin)', async () => {
    const a = replica(world, server, 'a', { writeMarginMs: 8_000 });
    await world.advance(0);
    stall(world, 6_999);
    assert.equal(a.elector.mayWrite().ok, true);
    stall(world, 1);
    assert.equal(a.elector.mayWrite().ok, false);
  });

  it('measures on the monotonic clock: the wall clock stepping back does not reopen the gate', async () => {
    const base = world.clock();
    let step = 0;
    const clock = { ...base, now: (): number => base.now() + step };
    const a = replica(world, server, 'a', { clock });
    await world.advance(0);
    stall(world, 20_000);
    step = -20_000; // NTP stepped the wall clock back by as much as the stall lasted
    assert.equal(a.elector.mayWrite().ok, false);
  });

  it('refuses timings where the gate could outlast the lease', () => {
    assert.throws(() => replica(world, server, 'a', { writeMarginMs: 0 }), /writeMargin must be positive/);
    assert.throws(() => replica(world, server, 'a', { writeMarginMs: 15_000 }), /writeMargin must be positive and less than leaseDuration/);
  });

  it('sends reads whatever the fence says; writes of every verb only while it allows them', async () => {
    const inner = new RecordingClient();
    let open = true;
    const refused: string[] = [];
    const sent: string[] = [];
    const fence: WriteFence = { mayWrite: () => (open ? { ok: true } : { ok: false, reason: 'lease-expired' }) };
    const gate = new WriteGate(inner, fence, { refused: (req, reason) => refused.push(`${req.verb} ${req.resource} ${reason}`), sending: (req) => sent.push(req.verb) });
    for (const req of WRITES) await gate.request(req);
    assert.equal(inner.requests.length, WRITES.length);
    assert.deepEqual(sent, WRITES.map((r) => r.verb));
    open = false;
    inner.clear();
    for (const req of WRITES) await assert.rejects(gate.request(req), (err: unknown) => err instanceof WriteFencedError && /not sent: the lease may have expired/.test(err.message));
    assert.deepEqual(inner.requests, [], 'no refused write reaches the API server');
    assert.deepEqual(refused, WRITES.map((r) => `${r.verb} ${r.resource} lease-expired`));
    await gate.request(READ);
    assert.deepEqual(inner.lines, [`GET ${READ.path}`]);
  });

  it('the manager writes through the elector and counts refused writes in posture_writes_fenced_total', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const inner = new RecordingClient();
    const lost: string[] = [];
    const clock = world.clock();
    const manager = new Manager({
      client: inner,
      log: winston.createLogger({ silent: true }),
      metrics,
      clock,
      leaderElection: { store: server.client(), identity: 'm', onLost: (reason) => lost.push(reason), onFailed: () => undefined },
    });
    await assert.rejects(manager.writer.request(apply), WriteFencedError, 'not leading before the caches synced and the Lease is won');
    await manager.writer.request(READ);
    assert.deepEqual(inner.lines, [`GET ${READ.path}`]);
    const text = await metrics.registry.getSingleMetricAsString('posture_writes_fenced_total');
    assert.match(text, /^posture_writes_fenced_total\{verb="patch",resource="networkpolicies",reason="not-leading"\} 1$/m);
    assert.deepEqual(lost, []);
  });

  it('asks again as each attempt goes out: a write whose 429 retry would leave after the lease ran out is not sent again', async () => {
    let hits = 0;
    const server = createServer((req, res) => {
      req.resume();
      hits++;
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '10' }).end(JSON.stringify({ kind: 'Status', reason: 'TooManyRequests', message: 'slow down' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    let kube: KubeClient | undefined;
    try {
      const kubeConfig = new KubeConfig();
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      kubeConfig.loadFromOptions({ clusters: [{ name: 'c', server: url, skipTLSVerify: true }], users: [{ name: 'u' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
      let open = true;
      kube = await KubeClient.create(kubeConfig, () => undefined, 1, {
        maxRetries: 3,
        sleep: () => {
          open = false; // the Retry-After outlasted the lease
          return Promise.resolve();
        },
      });
      const refused: string[] = [];
      const gate = new WriteGate(kube, { mayWrite: () => (open ? { ok: true } : { ok: false, reason: 'lease-expired' }) }, { refused: (_req, reason) => refused.push(reason) });
      await assert.rejects(gate.request(apply), WriteFencedError);
      assert.equal(hits, 1, 'the first attempt went out, the retry did not');
      assert.deepEqual(refused, ['lease-expired']);
    } finally {
      await kube?.close();
      server.close();
    }
  });
});
