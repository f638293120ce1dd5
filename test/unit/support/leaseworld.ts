// Replicas of the leader elector on one simulated timeline and one in-memory Lease, for unit tests.
import type { Clock } from '../../../src/runtime/clock.js';
import { LeaderElector, type LeaderElectorOptions, type LostReason } from '../../../src/runtime/leaderelection.js';
import { ApiError } from '../../../src/kube/errors.js';
import type { Lease, LeaseSpec, LeaseStore } from '../../../src/kube/lease.js';

/**
 * Time for several replicas at once: one timeline, one timer list, and per replica a clock that may
 * be skewed by an offset. A killed replica's timers never fire again (kill -9: no release, nothing).
 */
export class World {
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
      // Skew is a wall-clock matter: every replica's monotonic clock runs with the timeline.
      monotonic: () => this.t,
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

export async function flush(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** The API server's side of one Lease: resourceVersions, 409 on a stale write or an existing create. */
export class LeaseServer {
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
export class FakeLeaseClient implements LeaseStore {
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

export interface Replica {
  elector: LeaderElector;
  clock: Clock & { owner: number };
  client: FakeLeaseClient;
  started: number[];
  stopped: { reason: LostReason; at: number }[];
  done: Promise<void>;
  finished: boolean;
}

export function replica(world: World, server: LeaseServer, identity: string, options: Partial<LeaderElectorOptions> & { offsetMs?: number } = {}): Replica {
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


/** An event-loop stall: time passes and nothing runs, no timer fires (SIGSTOP, a long synchronous task). */
export function stall(world: World, ms: number): void {
  world.t += ms;
}
