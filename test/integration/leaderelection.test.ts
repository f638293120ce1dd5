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

async function enforced(k: Admin, namespace: string): Promise<boolean> {
  return (await k.managedPolicies(namespace)).length === POLICIES;
}

describe('leader election: two replicas against a real control plane', function () {
  let k: Admin;
  const replicas: Replica[] = [];

  async function start(name: string): Promise<Replica> {
    const op = await startOperator(cp(), ['--leader-elect'], { env: { POD_NAME: name } });
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
