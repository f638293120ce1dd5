import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { parseConfig } from '../../src/config.js';
import type { Clock } from '../../src/runtime/clock.js';
import { holderIdentity } from '../../src/kube/lease.js';
import { LeaderElector, type LeaderElectorOptions, type LostReason } from '../../src/runtime/leaderelection.js';
import { ApiError } from '../../src/kube/errors.js';
import { microTime, type Lease, type LeaseSpec, type LeaseStore } from '../../src/kube/lease.js';

const HOUR = 3_600_000;

/**
 * Time for several replicas at once: one timeline, one timer list, and per replica a clock that may
 * be skewed by an offset. A killed replica's timers never fire again (kill -9: no release, nothing).
 */
class World {
  t = Date.UTC(2026, 0, 1);
  private timers: { at: number; fn: () => void; id: number; owner: number }[] = [];
  private nextId = 0;
  private nextOwner = 0;
  private readonly dead = new Set<number>();

  clock(offsetMs = 0): Clock & { owner: number } {
    const owner = this.nextOwner++;
    return {
      owner,
      now: () => this.t + offsetMs,
      setTimeout: (fn, ms) => {
        const id = this.nextId++;
        if (!this.dead.has(owner)) this.timers.push({ at: this.t + ms, fn, id, owner });
        return id;
      },
      clearTimeout: (handle) => {
        this.timers = this.timers.filter((x) => x.id !== handle);
      },
    };
  }

  kill(clock: { owner: number }): void {
    this.dead.add(clock.owner);
    this.timers = this.timers.filter((x) => x.owner !== clock.owner);
  }

  /** Moves time forward, firing due timers in order; timers due at the same instant fire together. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    await flush();
    for (;;) {
      const next = Math.min(...this.timers.map((x) => x.at));
      if (!(next <= end)) break;
      this.t = Math.max(this.t, next);
      const due = this.timers.filter((x) => x.at === next);
      this.timers = this.timers.filter((x) => x.at !== next);
      for (const x of due) x.fn();
      await flush();
    }
    this.t = end;
    await flush();
  }

  /** Advances until check holds (or limitMs passes); returns the time it took. */
  async until(check: () => boolean, limitMs: number, stepMs = 100): Promise<number> {
    const start = this.t;
    while (!check()) {
      if (this.t - start >= limitMs) throw new Error(`not within ${limitMs} ms`);
      await this.advance(stepMs);
    }
    return this.t - start;
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** The API server's side of one Lease: resourceVersions, 409 on a stale write or an existing create. */
class LeaseServer {
  lease: Lease | undefined;
  private rv = 0;

  /** Someone else (another replica, an admin) writes the Lease directly. */
  put(spec: LeaseSpec): void {
    this.lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'posture-operator', namespace: 'posture-system', resourceVersion: String(++this.rv) },
      spec,
    };
  }

  get spec(): LeaseSpec {
    return this.lease?.spec ?? {};
  }

  read(): Lease | undefined {
    return this.lease === undefined ? undefined : structuredClone(this.lease);
  }

  create(lease: Lease): Lease {
    if (this.lease !== undefined) throw new ApiError(409, 'AlreadyExists', 'leases.coordination.k8s.io "posture-operator" already exists', 'POST', '/leases');
    this.lease = { ...structuredClone(lease), metadata: { ...lease.metadata, resourceVersion: String(++this.rv) } };
    return structuredClone(this.lease);
  }

  update(lease: Lease): Lease {
    if (this.lease === undefined) throw new ApiError(404, 'NotFound', 'not found', 'PUT', '/leases/posture-operator');
    if (lease.metadata.resourceVersion !== this.lease.metadata.resourceVersion) {
      throw new ApiError(409, 'Conflict', 'the object has been modified; please apply your changes to the latest version and try again', 'PUT', '/leases/posture-operator');
    }
    this.lease = { ...structuredClone(lease), metadata: { ...lease.metadata, resourceVersion: String(++this.rv) } };
    return structuredClone(this.lease);
  }

  client(): FakeLeaseClient {
    return new FakeLeaseClient(this);
  }
}

/** One replica's connection to the LeaseServer: logs its calls, and can fail, hang or be paused. */
class FakeLeaseClient implements LeaseStore {
  readonly namespace = 'posture-system';
  readonly name = 'posture-operator';
  readonly description = 'Lease posture-system/posture-operator';
  readonly calls: string[] = [];
  failing = false;
  hanging = false;
  paused = false;
  private readonly held: (() => void)[] = [];

  constructor(private readonly server: LeaseServer) {}

  get(): Promise<Lease | undefined> {
    return this.call('get', () => this.server.read());
  }

  create(lease: Lease): Promise<Lease> {
    return this.call('create', () => this.server.create(lease));
  }

  update(lease: Lease): Promise<Lease> {
    return this.call('update', () => this.server.update(lease));
  }

  /** Answers the calls held while paused. */
  resume(): void {
    this.paused = false;
    for (const go of this.held.splice(0)) go();
  }

  get writes(): string[] {
    return this.calls.filter((c) => c !== 'get');
  }

  private call<T>(verb: string, fn: () => T): Promise<T> {
    this.calls.push(verb);
    if (this.hanging) return new Promise<T>(() => undefined);
    const answer = (): Promise<T> => {
      if (this.failing) return Promise.reject(new ApiError(503, 'ServiceUnavailable', 'etcdserver: request timed out', verb, '/leases'));
      try {
        return Promise.resolve(fn());
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    };
    if (!this.paused) return answer();
    return new Promise<T>((resolve, reject) => {
      this.held.push(() => {
        answer().then(resolve, reject);
      });
    });
  }
}

interface Replica {
  elector: LeaderElector;
  clock: Clock & { owner: number };
  client: FakeLeaseClient;
  started: number[];
  stopped: { reason: LostReason; at: number }[];
  done: Promise<void>;
  finished: boolean;
}

function replica(world: World, server: LeaseServer, identity: string, options: Partial<LeaderElectorOptions> & { offsetMs?: number } = {}): Replica {
  const clock = world.clock(options.offsetMs);
  const client = server.client();
  const started: number[] = [];
  const stopped: { reason: LostReason; at: number }[] = [];
  const elector = new LeaderElector({
    store: client,
    identity,
    clock,
    random: () => 0,
    ...options,
    onStartedLeading: () => {
      started.push(world.t);
    },
    onStoppedLeading: (reason) => {
      stopped.push({ reason, at: world.t });
    },
  });
  const r: Replica = { elector, clock, client, started, stopped, done: Promise.resolve(), finished: false };
  r.done = elector.run().then(() => {
    r.finished = true;
  });
  return r;
}

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
