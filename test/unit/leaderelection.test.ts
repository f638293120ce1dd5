import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { parseConfig } from '../../src/config.js';
import { holderIdentity, microTime } from '../../src/kube/lease.js';
import { LeaderElector } from '../../src/runtime/leaderelection.js';
import { flush, LeaseServer, replica, World } from './support/leaseworld.js';

const HOUR = 3_600_000;

const MICRO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

describe('leader election (client-go semantics, manual clock, in-memory Lease)', () => {
  let world: World;
  let server: LeaseServer;

  beforeEach(() => {
    world = new World();
    server = new LeaseServer();
  });

  it('creates the Lease and leads when there is none', async () => {
    const a = replica(world, server, 'a');
    await world.advance(0);
    assert.equal(a.elector.isLeader, true);
    assert.deepEqual(a.started, [world.t]);
    assert.deepEqual(a.client.calls, ['get', 'create']);
    assert.equal(server.spec.holderIdentity, 'a');
    assert.equal(server.spec.leaseDurationSeconds, 15);
    assert.equal(server.spec.leaseTransitions, 0);
    assert.match(server.spec.renewTime ?? '', MICRO_TIME);
    assert.equal(server.spec.acquireTime, server.spec.renewTime);
    assert.equal(server.spec.renewTime, microTime(world.t));
  });

  it('takes a released Lease (holderIdentity empty) at once, counting a transition', async () => {
    server.put({ holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(world.t), leaseTransitions: 7 });
    const a = replica(world, server, 'a');
    await world.advance(0);
    assert.equal(a.elector.isLeader, true);
    assert.deepEqual(a.client.calls, ['get', 'update']);
    assert.equal(server.spec.holderIdentity, 'a');
    assert.equal(server.spec.leaseTransitions, 8);
    assert.equal(server.spec.leaseDurationSeconds, 15);
  });

  it('renews every retry period with one update each, keeping acquireTime and the transition count', async () => {
    const a = replica(world, server, 'a');
    await world.advance(0);
    const acquired = server.spec.acquireTime;
    const t0 = world.t;
    await world.advance(2_000);
    assert.equal(server.spec.renewTime, microTime(t0 + 2_000));
    await world.advance(58_000);
    assert.equal(a.elector.isLeader, true);
    assert.deepEqual(a.started, [t0], 'onStartedLeading once');
    assert.deepEqual(a.client.calls, ['get', 'create', ...Array<string>(30).fill('update')], 'renewals go straight to update');
    assert.equal(server.spec.renewTime, microTime(t0 + 60_000));
    assert.equal(server.spec.acquireTime, acquired);
    assert.equal(server.spec.leaseTransitions, 0);
  });

  it('does not take a held, unexpired Lease, and a standby only reads', async () => {
    const a = replica(world, server, 'a');
    await world.advance(0);
    const b = replica(world, server, 'b');
    await world.advance(120_000);
    assert.equal(a.elector.isLeader, true);
    assert.equal(b.elector.isLeader, false);
    assert.deepEqual(b.started, []);
    assert.deepEqual(b.client.writes, [], 'the standby never writes the Lease');
    assert.equal(b.client.calls.length, 61, 'one read per retry period');
    assert.equal(server.spec.holderIdentity, 'a');
  });

  it('waits with jitter while standing by (retryPeriod plus up to 1.2 of it)', async () => {
    replica(world, server, 'a');
    await world.advance(0);
    const b = replica(world, server, 'b', { random: () => 1 });
    await world.advance(44_000);
    assert.equal(b.client.calls.length, 11, 'a read every 4.4 s');
  });

  it('takes an expired Lease leaseDuration after it last saw it change, whatever its renewTime says', async () => {
    // A renewTime an hour in the future: only the local observation time counts.
    server.put({ holderIdentity: 'gone', leaseDurationSeconds: 15, acquireTime: microTime(world.t + HOUR), renewTime: microTime(world.t + HOUR), leaseTransitions: 3 });
    const t0 = world.t;
    const b = replica(world, server, 'b');
    await world.advance(14_999);
    assert.equal(b.elector.isLeader, false, 'not before 15 s of an unchanged record');
    await world.advance(16_000 - 14_999);
    assert.equal(b.elector.isLeader, true);
    assert.deepEqual(b.started, [t0 + 16_000], 'on the first retry after expiry');
    assert.equal(server.spec.holderIdentity, 'b');
    assert.equal(server.spec.leaseTransitions, 4);
    assert.equal(server.spec.acquireTime, microTime(t0 + 16_000));
  });

  it('restarts the expiry clock whenever the record changes', async () => {
    server.put({ holderIdentity: 'other', leaseDurationSeconds: 15, renewTime: 'x1', leaseTransitions: 0 });
    const b = replica(world, server, 'b');
    await world.advance(10_000);
    server.put({ holderIdentity: 'other', leaseDurationSeconds: 15, renewTime: 'x2', leaseTransitions: 0 });
    await world.advance(12_000);
    assert.equal(b.elector.isLeader, false, '22 s after the first sighting, but 12 s after the renewal');
    await world.advance(6_000);
    assert.equal(b.elector.isLeader, true);
  });

  it('two replicas racing to create the Lease: one leads, the other gets 409 and stands by', async () => {
    const a = replica(world, server, 'a');
    const b = replica(world, server, 'b');
    await world.advance(0);
    const leaders = [a, b].filter((r) => r.elector.isLeader);
    assert.equal(leaders.length, 1);
    assert.deepEqual(a.client.calls, ['get', 'create']);
    assert.deepEqual(b.client.calls, ['get', 'create'], 'both tried; the API answered one of them 409 AlreadyExists');
    assert.equal(server.spec.holderIdentity, leaders[0]?.elector.identity);
    await world.advance(30_000);
    assert.equal([a, b].filter((r) => r.elector.isLeader).length, 1);
  });

  it('two standbys taking over one expired Lease: the stale update gets 409 Conflict, one transition', async () => {
    server.put({ holderIdentity: 'gone', leaseDurationSeconds: 15, renewTime: microTime(world.t), leaseTransitions: 3 });
    const a = replica(world, server, 'a');
    const b = replica(world, server, 'b');
    await world.advance(16_000);
    assert.deepEqual(a.client.calls.slice(-2), ['get', 'update']);
    assert.deepEqual(b.client.calls.slice(-2), ['get', 'update'], 'both read the same resourceVersion and wrote');
    const leaders = [a, b].filter((r) => r.elector.isLeader);
    assert.equal(leaders.length, 1);
    assert.equal(server.spec.holderIdentity, leaders[0]?.elector.identity);
    assert.equal(server.spec.leaseTransitions, 4);
  });

  it('a leader that finds the Lease taken (409, then another holder) stops leading at once', async () => {
    const a = replica(world, server, 'a');
    await world.advance(0);
    const t0 = world.t;
    server.put({ holderIdentity: 'usurper', leaseDurationSeconds: 15, renewTime: microTime(world.t), leaseTransitions: 1 });
    await world.advance(2_000);
    assert.deepEqual(a.client.calls.slice(-2), ['update', 'get']);
    assert.deepEqual(a.stopped, [{ reason: 'lease-taken', at: t0 + 2_000 }]);
    assert.equal(a.elector.isLeader, false);
    await a.done;
    assert.equal(server.spec.holderIdentity, 'usurper', 'and does not write it back');
  });

  it('stops leading when renewals fail until the renew deadline, before a standby may take over', async () => {
    const a = replica(world, server, 'a');
    await world.advance(0);
    const t0 = world.t;
    const b = replica(world, server, 'b');
    await world.advance(0);
    a.client.failing = true; // a is cut off from the API server; b is not
    await world.advance(9_999);
    assert.equal(a.elector.isLeader, true, 'still leading inside the renew deadline');
    assert.ok(a.client.calls.filter((c) => c === 'update').length >= 4, 'retrying every retry period');
    await world.advance(1);
    assert.deepEqual(a.stopped, [{ reason: 'renew-deadline', at: t0 + 10_000 }]);
    assert.equal(a.elector.isLeader, false);
    await a.done;
    await world.until(() => b.elector.isLeader, 30_000);
    assert.deepEqual(b.started, [t0 + 16_000], 'b takes over only after the lease duration');
    assert.ok((a.stopped[0]?.at ?? Infinity) + 5_000 <= (b.started[0] ?? 0), 'never two leaders: a stopped 5 s (leaseDuration - renewDeadline) before');
  });

  it('stops leading at the renew deadline even when a request never answers', async () => {
    const a = replica(world, server, 'a');
    await world.advance(0);
    const t0 = world.t;
    a.client.hanging = true;
    await world.advance(9_999);
    assert.equal(a.elector.isLeader, true);
    await world.advance(1);
    assert.deepEqual(a.stopped, [{ reason: 'renew-deadline', at: t0 + 10_000 }]);
    await a.done;
  });

  it('recovers from a failed renewal inside the deadline without a blip', async () => {
    const a = replica(world, server, 'a');
    await world.advance(0);
    a.client.failing = true;
    await world.advance(6_000);
    a.client.failing = false;
    await world.advance(30_000);
    assert.equal(a.elector.isLeader, true);
    assert.deepEqual(a.stopped, []);
    assert.equal(a.started.length, 1);
  });

  it('release() hands the Lease over: holder empty, leaseDurationSeconds 1; a standby takes it on its next try', async () => {
    const a = replica(world, server, 'a');
    await world.advance(0);
    const b = replica(world, server, 'b');
    await world.advance(5_000);
    const released = world.t;
    await a.elector.release();
    assert.equal(server.spec.holderIdentity, '');
    assert.equal(server.spec.leaseDurationSeconds, 1);
    assert.equal(server.spec.renewTime, microTime(released));
    assert.equal(server.spec.leaseTransitions, 0, 'the count stays');
    assert.deepEqual(a.stopped, [], 'a release is not a loss: onStoppedLeading is not called');
    assert.equal(a.elector.isLeader, false);
    await a.done;
    const updatesAfter = a.client.writes.length;
    const failover = await world.until(() => b.elector.isLeader, 10_000);
    assert.ok(failover <= 2_000, `took ${failover} ms`);
    assert.equal(server.spec.holderIdentity, 'b');
    assert.equal(server.spec.leaseTransitions, 1);
    await world.advance(10_000);
    assert.equal(a.client.writes.length, updatesAfter, 'a released elector writes nothing more');
  });

  it('release() waits for a renewal in flight, so its write carries the newest resourceVersion', async () => {
    const a = replica(world, server, 'a');
    await world.advance(0);
    a.client.paused = true;
    await world.advance(2_000); // a renewal is now waiting for its answer
    const releasing = a.elector.release();
    await flush();
    a.client.resume();
    await releasing;
    assert.deepEqual(a.client.writes.slice(-2), ['update', 'update']);
    assert.equal(server.spec.holderIdentity, '', 'the release landed (no 409)');
  });

  it('release() gives up after the renew deadline when the API server does not answer', async () => {
    const a = replica(world, server, 'a');
    await world.advance(0);
    a.client.hanging = true;
    let returned = false;
    const releasing = a.elector.release().then(() => {
      returned = true;
    });
    await world.advance(9_999);
    assert.equal(returned, false);
    await world.advance(1);
    await releasing;
    assert.deepEqual(a.client.writes.slice(-1), ['update'], 'it tried');
    assert.equal(server.spec.holderIdentity, 'a', 'the Lease simply expires for the standby');
  });

  it('release() on a standby writes nothing', async () => {
    replica(world, server, 'a');
    await world.advance(0);
    const b = replica(world, server, 'b');
    await world.advance(4_000);
    await b.elector.release();
    await b.done;
    await world.advance(10_000);
    assert.deepEqual(b.client.writes, []);
    assert.equal(server.spec.holderIdentity, 'a');
  });

  for (const [leaderSkew, standbySkew] of [
    [-HOUR, HOUR],
    [HOUR, -HOUR],
  ] as const) {
    it(`ignores clock skew between replicas (leader ${leaderSkew / HOUR} h, standby ${standbySkew / HOUR} h)`, async () => {
      const a = replica(world, server, 'a', { offsetMs: leaderSkew });
      await world.advance(0);
      const b = replica(world, server, 'b', { offsetMs: standbySkew });
      await world.advance(60_000);
      assert.equal(b.elector.isLeader, false, 'a renewTime two hours off does not look expired');
      assert.deepEqual(b.client.writes, []);
      world.kill(a.clock); // kill -9: no release
      const killed = world.t;
      const failover = await world.until(() => b.elector.isLeader, 60_000);
      assert.ok(failover >= 13_000 && failover <= 19_000, `failover after ${failover} ms`);
      assert.equal(server.spec.holderIdentity, 'b');
      assert.equal(server.spec.renewTime, microTime(killed + failover + standbySkew), 'b writes its own clock');
    });
  }

  it('refuses timings where a leader could outlive its lease', () => {
    const base = { store: server.client(), identity: 'a', onStartedLeading: (): void => undefined, onStoppedLeading: (): void => undefined };
    assert.throws(() => new LeaderElector({ ...base, leaseDurationMs: 10_000, renewDeadlineMs: 10_000 }), /leaseDuration must be greater than renewDeadline/);
    assert.throws(() => new LeaderElector({ ...base, renewDeadlineMs: 2_000, retryPeriodMs: 2_000 }), /renewDeadline must be greater than retryPeriod/);
    assert.throws(() => new LeaderElector({ ...base, leaseDurationMs: 15_500 }), /whole seconds/);
    assert.throws(() => new LeaderElector({ ...base, identity: '' }), /identity/);
  });

  it('names itself after POD_NAME, else the hostname and a random suffix', () => {
    assert.equal(holderIdentity('posture-operator-7d9f-abcde'), 'posture-operator-7d9f-abcde');
    const [x, y] = [holderIdentity(undefined), holderIdentity('')];
    assert.ok(x.startsWith(`${hostname()}_`));
    assert.ok(y.startsWith(`${hostname()}_`));
    assert.notEqual(x, y);
  });
});

describe('--leader-elect', () => {
  const inCluster = { KUBERNETES_SERVICE_HOST: '10.96.0.1', POD_NAMESPACE: 'posture-system' };

  it('defaults off outside a cluster, on inside one (KUBERNETES_SERVICE_HOST)', () => {
    assert.equal(parseConfig([], {}).leaderElect, false);
    assert.equal(parseConfig([], { POD_NAMESPACE: 'posture-system' }).leaderElect, false);
    assert.equal(parseConfig([], inCluster).leaderElect, true);
    assert.equal(parseConfig([], { ...inCluster, KUBERNETES_SERVICE_HOST: '' }).leaderElect, false);
  });

  it('accepts --leader-elect, --leader-elect=true and --leader-elect=false; the last one wins', () => {
    const env = { POD_NAMESPACE: 'posture-system' };
    assert.equal(parseConfig(['--leader-elect'], env).leaderElect, true);
    assert.equal(parseConfig(['--leader-elect=true'], env).leaderElect, true);
    assert.equal(parseConfig(['--leader-elect=false'], inCluster).leaderElect, false);
    assert.equal(parseConfig(['--leader-elect=0'], inCluster).leaderElect, false, "Go's ParseBool spellings, as kubebuilder's flags take");
    assert.equal(parseConfig(['--leader-elect', '--leader-elect=false'], env).leaderElect, false);
    assert.equal(parseConfig(['--leader-elect=false', '--leader-elect'], env).leaderElect, true);
  });

  it('leaves the other flags alone', () => {
    const c = parseConfig(['--concurrency=8', '--leader-elect', '--log-level=debug'], { POD_NAMESPACE: 'posture-system' });
    assert.equal(c.concurrency, 8);
    assert.equal(c.logLevel, 'debug');
    assert.equal(c.leaderElect, true);
    assert.throws(() => parseConfig(['--leader-elect-lease=3'], {}), /leader-elect-lease/);
  });

  it('names the flag for a bad value, and shows the = form for a separated one', () => {
    assert.throws(() => parseConfig(['--leader-elect=maybe'], {}), /^Error: --leader-elect: expected true or false, got "maybe"$/);
    assert.throws(() => parseConfig(['--leader-elect='], {}), /--leader-elect: expected true or false, got ""/);
    assert.throws(() => parseConfig(['--leader-elect', 'false'], {}), /--leader-elect: a boolean flag takes its value after "=", as in --leader-elect=false/);
  });

  it('needs POD_NAMESPACE, and says so', () => {
    assert.throws(() => parseConfig(['--leader-elect'], {}), /--leader-elect: POD_NAMESPACE must be set/);
    assert.throws(() => parseConfig([], { KUBERNETES_SERVICE_HOST: '10.96.0.1' }), /POD_NAMESPACE/);
    assert.throws(() => parseConfig(['--leader-elect'], { POD_NAMESPACE: '' }), /POD_NAMESPACE/);
    assert.equal(parseConfig(['--leader-elect=false'], { KUBERNETES_SERVICE_HOST: '10.96.0.1' }).leaderElect, false);
  });
});
