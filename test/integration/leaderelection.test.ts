import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ControlPlane } from '../../hack/controlplane/launcher.js';
import { OPERATOR_NAMESPACE } from '../../hack/install.js';
import type { LeaseSpec } from '../../src/kube/lease.js';
import { sharedControlPlane } from './support/controlplane.js';
import { admin, fetchAsAdmin, type Admin } from './support/kube.js';
import { startOperator, sumSamples, type RunningOperator } from './support/operator.js';
import { eventually } from './support/wait.js';

const LEASE_PATH = `/apis/coordination.k8s.io/v1/namespaces/${OPERATOR_NAMESPACE}/leases/posture-operator`;
const WRITE_VERBS = ['create', 'update', 'patch', 'delete'];
const POLICIES = 3; // default-deny, allow-dns, allow-same-namespace

interface Replica {
  name: string;
  op: RunningOperator;
}

function suffix(): string {
  return randomBytes(3).toString('hex');
}

let controlPlane: ControlPlane | undefined;
function cp(): ControlPlane {
  if (controlPlane === undefined) throw new Error('no control plane yet');
  return controlPlane;
}

/** The Lease as the admin reads it. */
async function lease(): Promise<LeaseSpec> {
  const read = (await fetchAsAdmin(cp(), 'GET', LEASE_PATH)) as { spec?: LeaseSpec };
  return read.spec ?? {};
}

async function isLeader(r: Replica): Promise<boolean> {
  return (await r.op.counter('posture_leader')) === 1;
}

/** Writes the operator sent to anything but its Lease: a standby must show none. */
async function writesBesidesLease(op: RunningOperator): Promise<number> {
  const text = await (await fetch(op.metricsUrl)).text();
  let total = 0;
  for (const verb of WRITE_VERBS) {
    total += sumSamples(text, 'posture_kube_requests_total', { verb }) - sumSamples(text, 'posture_kube_requests_total', { verb, resource: 'leases' });
  }
  return total;
}

/** Waits until exactly one of the live replicas leads, as its gauge and the Lease both say. */
async function oneLeader(replicas: readonly Replica[], timeoutMs = 60_000): Promise<{ leader: Replica; standbys: Replica[] }> {
  let found: { leader: Replica; standbys: Replica[] } | undefined;
  await eventually(
    'exactly one leader, named in the Lease',
    async () => {
      const live = replicas.filter((r) => r.op.alive);
      const leading = await Promise.all(live.map(isLeader));
      const leaders = live.filter((_, i) => leading[i] === true);
      const holder = (await lease()).holderIdentity;
      const [leader] = leaders;
      if (leaders.length !== 1 || leader === undefined || holder !== leader.name) return false;
      found = { leader, standbys: live.filter((r) => r !== leader) };
      return true;
    },
    timeoutMs,
  );
  if (found === undefined) throw new Error('unreachable');
  return found;
}

interface LogLine {
  message?: string;
  timestamp?: string;
  reason?: string;
  verb?: string;
  path?: string;
}

/** The operator's JSON log lines written at or after a moment (its own clock, the test's machine). */
async function logSince(op: RunningOperator, since: number): Promise<LogLine[]> {
  return (await readFile(op.logPath, 'utf8'))
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine)
    .filter((l) => Date.parse(l.timestamp ?? '') >= since);
}

async function enforced(k: Admin, namespace: string): Promise<boolean> {
  return (await k.managedPolicies(namespace)).length === POLICIES;
}

describe('leader election: two replicas against a real control plane', function () {
  let k: Admin;
  const replicas: Replica[] = [];

  async function start(name: string, extraArgs: readonly string[] = []): Promise<Replica> {
    const op = await startOperator(cp(), ['--leader-elect', ...extraArgs], { env: { POD_NAME: name } });
    const r = { name, op };
    replicas.push(r);
    return r;
  }

  async function stopAll(): Promise<void> {
    await Promise.all(replicas.filter((r) => r.op.alive).map((r) => r.op.stop()));
  }

  before(async function () {
    this.timeout(900_000); // the first run on a machine builds the control plane
    controlPlane = await sharedControlPlane();
    k = admin(controlPlane);
  });

  after(async function () {
    this.timeout(60_000);
    await stopAll();
  });

  it('one leads, the standby is Ready and writes nothing; after kill -9 of the leader the standby takes over and enforces', async function () {
    this.timeout(300_000);
    const s = suffix();
    const tier = `le-${s}`;
    const a = await start(`posture-a-${s}`);
    const b = await start(`posture-b-${s}`);
    const { leader, standbys } = await oneLeader([a, b]);
    const [standby] = standbys;
    assert.ok(standby);
    assert.equal(await standby.op.counter('posture_leader'), 0);
    assert.equal((await fetch(`${standby.op.healthUrl}/readyz`)).status, 200, 'the standby is Ready, so a rolling update can go on');

    await k.applyBaseline(`le-${s}`, { namespaceSelector: { matchLabels: { 'posture.dev/tier': tier } } });
    for (const ns of [`le-one-${s}`, `le-two-${s}`]) await k.createNamespace(ns, { 'posture.dev/tier': tier });
    await eventually('the leader to enforce both namespaces', async () => (await enforced(k, `le-one-${s}`)) && (await enforced(k, `le-two-${s}`)), 30_000);
    await eventually('the baseline status to count both', async () => (await k.getBaseline(`le-${s}`)).status?.namespaces?.enforced === 2, 30_000);
    assert.ok((await writesBesidesLease(leader.op)) > 0, 'the leader wrote');
    assert.equal(await writesBesidesLease(standby.op), 0, 'the standby sent no write while standing by');
    assert.ok((await standby.op.counter('posture_kube_requests_total', { verb: 'get', resource: 'leases' })) > 0, 'the standby polls the Lease');
    const before = await lease();

    const killedAt = Date.now();
    assert.equal(await leader.op.kill('SIGKILL'), null, 'killed by the signal');
    await eventually('the standby to take over', () => isLeader(standby), 60_000, 50);
    const failoverMs = Date.now() - killedAt;
    console.log(`      failover after kill -9 of the leader: ${failoverMs} ms (lease 15 s, retry 2 s)`);
    assert.ok(failoverMs < 30_000, `failover took ${failoverMs} ms`);
    const after = await lease();
    assert.equal(after.holderIdentity, standby.name);
    assert.equal(after.leaseTransitions, (before.leaseTransitions ?? 0) + 1);

    await k.createNamespace(`le-late-${s}`, { 'posture.dev/tier': tier });
    await eventually('the new leader to enforce a namespace created after the kill', () => enforced(k, `le-late-${s}`), 30_000);
    assert.ok((await writesBesidesLease(standby.op)) > 0);
  });

  it('a leader stopped with SIGTERM releases the Lease, and the standby takes over at once', async function () {
    this.timeout(300_000);
    await stopAll();
    const s = suffix();
    const x = await start(`posture-x-${s}`);
    await oneLeader([x]);
    const y = await start(`posture-y-${s}`);
    await oneLeader([x, y]);
    assert.equal(await y.op.counter('posture_leader'), 0);

    const stoppedAt = Date.now();
    assert.equal(await x.op.stop(), 0, 'a clean exit');
    const exitMs = Date.now() - stoppedAt;
    await eventually('the standby to take over', () => isLeader(y), 60_000, 50);
    const failoverMs = Date.now() - stoppedAt;
    console.log(`      failover after SIGTERM of the leader: ${failoverMs} ms (leader exited after ${exitMs} ms)`);
    assert.ok(failoverMs < 10_000, `${failoverMs} ms: without a release the standby would have waited out the 15 s lease`);
    assert.match(await readFile(x.op.logPath, 'utf8'), /leader election: released the lease/);
    assert.equal((await lease()).holderIdentity, y.name);

    // The last replica going away leaves the Lease released, nobody to take it.
    assert.equal(await y.op.stop(), 0);
    const released = await lease();
    assert.equal(released.holderIdentity, '');
    assert.equal(released.leaseDurationSeconds, 1);
  });

  it('a leader whose event loop stalls past its lease (SIGSTOP) sends no write after SIGCONT; the new leader keeps the namespaces right', async function () {
    this.timeout(300_000);
    await stopAll();
    const s = suffix();
    const tier = `stall-${s}`;
    // debug: one "write" line per write the gate lets out, at the moment it goes.
    const c = await start(`posture-c-${s}`, ['--log-level=debug']);
    await oneLeader([c]);
    const d = await start(`posture-d-${s}`, ['--log-level=debug']);
    await oneLeader([c, d]);
    await k.applyBaseline(`stall-${s}`, { namespaceSelector: { matchLabels: { 'posture.dev/tier': tier } } });
    const first = `stall-first-${s}`;
    await k.createNamespace(first, { 'posture.dev/tier': tier });
    await eventually('the leader to enforce the first namespace', () => enforced(k, first), 30_000);

    // Work in flight when the loop stops: a wave of namespaces to enforce, then SIGSTOP mid-wave.
    const wave = Array.from({ length: 20 }, (_, i) => `stall-${i}-${s}`);
    await Promise.all(wave.map((ns) => k.createNamespace(ns, { 'posture.dev/tier': tier })));
    await eventually('the leader to start on the wave', async () => (await logSince(c.op, 0)).some((l) => l.message === 'write' && wave.some((ns) => l.path?.includes(`/namespaces/${ns}/`) === true)), 30_000, 20);
    process.kill(c.op.pid, 'SIGSTOP');
    try {
      // A tenant changes what the stalled leader last saw; the standby must take over and repair it.
      await k.send('DELETE', `/apis/networking.k8s.io/v1/namespaces/${first}/networkpolicies/posture-default-deny`);
      await eventually('the standby to take over from the stalled leader', () => isLeader(d), 60_000, 100);
      await eventually('the new leader to enforce every namespace, the repaired one too', async () => (await Promise.all([first, ...wave].map((ns) => enforced(k, ns)))).every(Boolean), 60_000);
    } finally {
      process.kill(c.op.pid, 'SIGCONT');
    }
    const resumedAt = Date.now();
    // Lines from before the stop carry earlier timestamps: the process wrote nothing while stopped.
    assert.equal(await c.op.exited, 1, 'the old leader gives up and exits, to come back as a standby');
    const after = await logSince(c.op, resumedAt - 1);
    const sent = after.filter((l) => l.message === 'write');
    const refused = after.filter((l) => l.message === 'write not sent: this replica may no longer lead');
    console.log(`      after SIGCONT the old leader refused ${refused.length} write(s) and sent ${sent.length}`);
    assert.deepEqual(sent.map((l) => `${l.verb ?? ''} ${l.path ?? ''}`), [], 'the old leader sent no write after it resumed');
    const lostLine = after.find((l) => l.message === 'lost leadership; exiting');
    assert.ok(lostLine !== undefined, 'it says it lost leadership');
    assert.ok(['renew-deadline', 'lease-expired'].includes(lostLine.reason ?? ''), `reason ${lostLine.reason ?? ''}`);

    assert.equal((await lease()).holderIdentity, d.name);
    assert.ok(await isLeader(d));
    for (const ns of [first, ...wave]) assert.ok(await enforced(k, ns), `${ns} keeps its policies after the old leader exited`);
    await eventually('the baseline status to count every namespace', async () => (await k.getBaseline(`stall-${s}`)).status?.namespaces?.enforced === wave.length + 1, 60_000);
  });

  it('a leader that finds the Lease taken by someone else exits 1 at once, so two never write together', async function () {
    this.timeout(120_000);
    await stopAll();
    const z = await start(`posture-z-${suffix()}`);
    await oneLeader([z]);
    const current = (await fetchAsAdmin(cp(), 'GET', LEASE_PATH)) as { metadata: Record<string, unknown>; spec: LeaseSpec };
    const now = new Date().toISOString().replace(/Z$/, '000Z');
    await fetchAsAdmin(cp(), 'PUT', LEASE_PATH, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: current.metadata,
      spec: { ...current.spec, holderIdentity: 'usurper', acquireTime: now, renewTime: now, leaseDurationSeconds: 15 },
    });
    const takenAt = Date.now();
    const code = await z.op.exited;
    console.log(`      leader exited ${Date.now() - takenAt} ms after its Lease was taken`);
    assert.equal(code, 1);
    const lostLine = (await readFile(z.op.logPath, 'utf8')).split('\n').find((l) => l.includes('lost leadership; exiting'));
    assert.match(lostLine ?? '', /"reason":"lease-taken"/);
    assert.equal((await lease()).holderIdentity, 'usurper', 'and it did not write the Lease back');
  });
});
