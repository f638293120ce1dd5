import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { ControlPlane } from '../../hack/controlplane/launcher.js';
import { sharedControlPlane } from './support/controlplane.js';
import { admin, adminClient, fetchAsAdmin, type Admin } from './support/kube.js';
import { startOperator, type RunningOperator } from './support/operator.js';
import { eventually } from './support/wait.js';
import { FULL_OBJECTS, fullSpec } from './reliability/fixtures.js';

const MANAGED = 'app.kubernetes.io/managed-by=posture-operator';
const WRITE_VERBS = ['create', 'update', 'patch', 'delete'];
/** What a namespace's objects and labels are written through. */
const OBJECT_RESOURCES = ['namespaces', 'networkpolicies', 'resourcequotas', 'limitranges', 'roles', 'rolebindings'];
const KINDS = [
  ['/apis/networking.k8s.io/v1', 'networkpolicies'],
  ['/api/v1', 'resourcequotas'],
  ['/api/v1', 'limitranges'],
  ['/apis/rbac.authorization.k8s.io/v1', 'roles'],
  ['/apis/rbac.authorization.k8s.io/v1', 'rolebindings'],
] as const;

type Events = { items: { reason?: string; regarding?: { kind?: string; name?: string; namespace?: string } }[] };
type List = { items: { metadata: { name: string; namespace: string; uid: string } }[] };

async function objectWrites(op: RunningOperator): Promise<number> {
  let total = 0;
  for (const verb of WRITE_VERBS) for (const resource of OBJECT_RESOURCES) total += await op.counter('posture_kube_requests_total', { verb, resource });
  return total;
}

/** Managed objects per namespace, across the cluster, for namespaces starting with prefix. */
async function objectsByNamespace(cp: ControlPlane, prefix: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const [base, plural] of KINDS) {
    const list = (await fetchAsAdmin(cp, 'GET', `${base}/${plural}?labelSelector=${encodeURIComponent(MANAGED)}`)) as List;
    for (const item of list.items) if (item.metadata.namespace.startsWith(prefix)) out.set(item.metadata.namespace, (out.get(item.metadata.namespace) ?? 0) + 1);
  }
  return out;
}

/** Waits until the operator's object-write counter stays put across a few reads (its queue drained). */
async function quiet(op: RunningOperator): Promise<number> {
  let last = -1;
  let same = 0;
  await eventually('the operator to stop writing', async () => {
    const now = await objectWrites(op);
    same = now === last && (await op.counter('posture_workqueue_depth')) === 0 ? same + 1 : 0;
    last = now;
    return same >= 5;
  }, 120_000, 200);
  return last;
}

describe('fast path: one pass per new namespace, no false drift', function () {
  let cp: ControlPlane;
  let k: Admin;
  let op: RunningOperator;

  before(async function () {
    this.timeout(900_000);
    cp = await sharedControlPlane();
    k = admin(cp);
    op = await startOperator(cp);
  });

  /** What the tests created, removed at the end: the control plane is shared with the suite's other files. */
  const created: { baselines: string[]; namespaces: string[] } = { baselines: [], namespaces: [] };

  after(async function () {
    this.timeout(300_000);
    await Promise.all(created.namespaces.map((n) => k.send('DELETE', `/api/v1/namespaces/${n}`)));
    // Gone, not terminating, before the next file's operator starts over this cluster.
    await eventually('the namespaces gone', async () => {
      const list = (await fetchAsAdmin(cp, 'GET', '/api/v1/namespaces')) as List;
      return !list.items.some((i) => created.namespaces.includes(i.metadata.name));
    }, 240_000, 500);
    await Promise.all(created.baselines.map((b) => k.deleteBaseline(b)));
    await eventually('the baselines gone', async () => {
      const list = (await fetchAsAdmin(cp, 'GET', '/apis/posture.dev/v1alpha1/securitybaselines')) as List;
      return !list.items.some((i) => created.baselines.includes(i.metadata.name));
    });
    await op.stop();
  });

  it('writes 50 namespaces created at once with exactly 10 object writes each, and reports no drift', async function () {
    this.timeout(600_000);
    const s = randomBytes(3).toString('hex');
    const tier = `burst-${s}`;
    await k.applyBaseline(tier, fullSpec({ 'posture.dev/tier': tier }));
    await eventually('the baseline to be observed', async () => (await k.getBaseline(tier)).status?.observedGeneration === 1);
    const before = await quiet(op);

    const names = Array.from({ length: 50 }, (_, i) => `${tier}-${i}`);
    created.baselines.push(tier);
    created.namespaces.push(...names);
    await Promise.all(names.map((n) => k.createNamespace(n, { 'posture.dev/tier': tier })));
    await eventually('all 50 namespaces protected', async () => {
      const counts = await objectsByNamespace(cp, `${tier}-`);
      return names.every((n) => counts.get(n) === FULL_OBJECTS.length);
    }, 300_000, 250);
    await eventually('the baseline to enforce all 50', async () => (await k.getBaseline(tier)).status?.namespaces?.enforced === 50, 120_000);
    const after = await quiet(op);

    assert.equal(after - before, 50 * 10, 'exactly 9 objects and one apply of the labels per namespace: no write twice');
    assert.equal(await op.counter('posture_drift_detected_total', { baseline: tier }), 0, 'posture_drift_detected_total');
    const events = (await fetchAsAdmin(cp, 'GET', '/apis/events.k8s.io/v1/events')) as Events;
    const repaired = events.items.filter((e) => e.reason === 'DriftRepaired' && ((e.regarding?.namespace ?? '').startsWith(`${tier}-`) || e.regarding?.name === tier));
    assert.deepEqual(repaired, [], 'no DriftRepaired event');
    assert.equal((await k.getBaseline(tier)).status?.drift?.detected ?? 0, 0, 'no drift on the status');
    assert.equal(await op.counter('posture_namespace_protected_seconds_count', { baseline: tier }), 50, 'each new namespace timed once');
  });

  it('detects and repairs a drift made while its own writes to the namespace are in flight', async function () {
    this.timeout(300_000);
    const s = randomBytes(3).toString('hex');
    const tier = `inflight-${s}`;
    const ns = `${tier}-0`;
    created.baselines.push(tier);
    created.namespaces.push(ns);
    await k.applyBaseline(tier, fullSpec({ 'posture.dev/tier': tier }));
    await eventually('the baseline to be observed', async () => (await k.getBaseline(tier)).status?.observedGeneration === 1);

    // The moment the first of its NetworkPolicies is stored, the other writes of the same pass (the
    // RoleBinding waits for its Role; the labels) are still out: delete that policy then.
    // A watch with its initial events: their closing bookmark says the watch is open, and only then
    // is the namespace created, so the policy's ADDED arrives as it is stored.
    const client = await adminClient(cp);
    const stop = new AbortController();
    const policies = `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies?watch=1&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan`;
    let open = false;
    let watchError: Error | undefined;
    let deletedUid: string | undefined;
    let deleting: Promise<unknown> | undefined;
    const watching = (async (): Promise<void> => {
      for await (const { type, object } of client.watchEvents(policies, stop.signal)) {
        if (type === 'BOOKMARK') open = true;
        const meta = (object.metadata ?? {}) as { name?: string; uid?: string };
        if (type !== 'ADDED' || deleting !== undefined || meta.name !== 'posture-default-deny') continue;
        deletedUid = meta.uid;
        deleting = fetchAsAdmin(cp, 'DELETE', `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies/posture-default-deny`);
      }
    })().catch((err: unknown) => {
      if (!stop.signal.aborted) watchError = err instanceof Error ? err : new Error(String(err));
    });
    const watched = (ready: () => boolean): (() => boolean) => (): boolean => {
      if (watchError !== undefined) throw watchError;
      return ready();
    };
    try {
      await eventually('the watch open', watched(() => open), 60_000);
      await k.createNamespace(ns, { 'posture.dev/tier': tier });
      await eventually('the policy deleted by the test', watched(() => deleting !== undefined), 60_000);
      await deleting;
    } finally {
      stop.abort();
      await watching;
    }
    await eventually('the policy put back, the drift recorded', async () => {
      const list = (await fetchAsAdmin(cp, 'GET', `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies?labelSelector=${encodeURIComponent(MANAGED)}`)) as List;
      const back = list.items.find((i) => i.metadata.name === 'posture-default-deny');
      return back !== undefined && back.metadata.uid !== deletedUid && (await op.counter('posture_drift_repaired_total', { baseline: tier, kind: 'NetworkPolicy' })) >= 1;
    }, 60_000);
    assert.ok((await op.counter('posture_drift_detected_total', { baseline: tier, kind: 'NetworkPolicy' })) >= 1, 'detected');
    await eventually('a DriftRepaired event regarding the policy', async () => {
      const events = (await fetchAsAdmin(cp, 'GET', `/apis/events.k8s.io/v1/namespaces/${ns}/events`)) as Events;
      return events.items.some((e) => e.reason === 'DriftRepaired' && e.regarding?.kind === 'NetworkPolicy' && e.regarding.name === 'posture-default-deny');
    });
  });
});
