// Fault: kill -9 of the operator at random points while it converges 500 namespaces, three times,
// with the cluster changing while it is down. After the last restart every selected namespace holds
// exactly the baseline's objects, no other namespace holds any, and the status counts are exact.
import assert from 'node:assert/strict';
import type { ControlPlane } from '../../../hack/controlplane/launcher.js';
import type { RunningOperator } from '../support/operator.js';
import { eventually } from '../support/wait.js';
import { byNamespace, converged, FULL_OBJECTS, fullSpec, postureNamedObjects } from './fixtures.js';
import { AdminApi, cleanup, inParallel, launchOperator, ownControlPlane, report, Rng, Scrape, seedFromEnv, sleep, stopOperator } from './support.js';

const NAMESPACES = 500;
const KILLS = 3;
const BASELINE = 'kill';
const TIER = { 'posture.dev/tier': 'kill' };

describe('reliability: kill -9 while converging 500 namespaces', function () {
  this.timeout(600_000);
  let cp: ControlPlane;
  let api: AdminApi;
  let op: RunningOperator | undefined;
  const seed = seedFromEnv();
  const rng = new Rng(seed);

  before(async function () {
    this.timeout(900_000);
    cp = await ownControlPlane();
    api = await AdminApi.connect(cp);
  });

  after(async function () {
    this.timeout(60_000);
    await cleanup(
      () => stopOperator(op),
      () => api.close(),
      () => cp.stop(),
    );
  });

  /** Writes still to send: objects and labels missing from the namespaces the baseline selects now. */
  async function remainingWrites(selected: ReadonlySet<string>, expected: readonly string[]): Promise<number> {
    const have = byNamespace(await api.managedObjects());
    let missing = 0;
    for (const ns of selected) {
      const objects = have.get(ns) ?? [];
      missing += expected.filter((o) => !objects.includes(o)).length;
    }
    const namespaces = await api.get<{ items: { metadata: { name: string; labels?: Record<string, string> } }[] }>('/api/v1/namespaces');
    for (const n of namespaces.items) if (selected.has(n.metadata.name) && n.metadata.labels?.['pod-security.kubernetes.io/enforce'] === undefined) missing++;
    return missing;
  }

  it(`converges every namespace exactly after ${KILLS} kills at random points, with the cluster changing in between`, async () => {
    console.log(`      seed ${seed} (RELIABILITY_SEED=${seed} replays it)`);
    const names = Array.from({ length: NAMESPACES }, (_, i) => `kill-${String(i).padStart(3, '0')}`);
    const t0 = Date.now();
    await inParallel(names, 16, (ns) => api.createNamespace(ns, TIER));
    const created = Date.now() - t0;
    await api.applyBaseline(BASELINE, fullSpec(TIER));
    const selected = new Set(names);
    let expected = FULL_OBJECTS;

    // Changes made while the operator is dead, after each kill: it must pick them up from a fresh list.
    const shuffled = rng.shuffle(names);
    const unlabelled = shuffled.slice(0, 50);
    const changes: (() => Promise<string>)[] = [
      async () => {
        for (const ns of unlabelled) {
          await api.send('PATCH', `/api/v1/namespaces/${ns}`, { metadata: { labels: { 'posture.dev/tier': null } } }, 'application/merge-patch+json');
          selected.delete(ns);
        }
        const spec = fullSpec(TIER);
        spec.networkPolicy = { defaultDeny: ['Ingress', 'Egress'] };
        await api.applyBaseline(BASELINE, spec);
        expected = FULL_OBJECTS.filter((o) => o !== 'networkpolicies/posture-allow-from-0');
        return '50 namespaces unlabelled, allowIngressFrom removed from the spec (posture-allow-from-0 to be pruned everywhere)';
      },
      async () => {
        for (const ns of unlabelled.slice(0, 25)) {
          await api.send('PATCH', `/api/v1/namespaces/${ns}`, { metadata: { labels: TIER } }, 'application/merge-patch+json');
          selected.add(ns);
        }
        return '25 of them labelled again';
      },
      () => Promise.resolve('no change'),
    ];

    const rounds: Record<string, unknown>[] = [];
    for (let round = 0; round < KILLS; round++) {
      const remaining = await remainingWrites(selected, expected);
      // A random point between 5% and 85% of the writes this run still has to send.
      const target = Math.max(1, Math.round(remaining * (0.05 + rng.next() * 0.8)));
      const started = Date.now();
      op = await launchOperator(cp);
      const running = op;
      let writes = 0;
      await eventually(`${target} writes before the kill`, async () => {
        writes = (await Scrape.of(running)).namespaceWrites();
        return writes >= target;
      }, 180_000, 20);
      await running.kill('SIGKILL');
      const after = await remainingWrites(selected, expected);
      const change = await changes[round]?.();
      rounds.push({ round: round + 1, remainingBefore: remaining, killAtWrites: target, writesSeen: writes, secondsAlive: (Date.now() - started) / 1000, remainingAfterKill: after, thenChanged: change });
    }

    const restarted = Date.now();
    op = await launchOperator(cp);
    const b = await converged(api, BASELINE, selected.size, 240_000);
    const convergedIn = (Date.now() - restarted) / 1000;

    // Exact: every selected namespace has the full set, nothing else anywhere, all owned by the baseline.
    const objects = await api.managedObjects();
    const have = byNamespace(objects);
    for (const ns of names) {
      assert.deepEqual(have.get(ns) ?? [], selected.has(ns) ? expected : [], `objects in ${ns}`);
    }
    assert.deepEqual([...have.keys()].filter((ns) => !names.includes(ns)), [], 'no managed object outside the test namespaces');
    assert.equal(objects.length, selected.size * expected.length, 'no duplicate and no orphan');
    for (const o of objects) {
      assert.equal(o.baseline, BASELINE, `${o.namespace}/${o.plural}/${o.name} label`);
      assert.deepEqual(o.owners, [b.metadata.uid], `${o.namespace}/${o.plural}/${o.name} ownerReferences`);
    }
    const managed = new Set(objects.map((o) => `${o.namespace}/${o.plural}/${o.name}`));
    const leftovers = (await postureNamedObjects(api)).filter((o) => names.includes(o.split('/')[0] ?? '') && !managed.has(o));
    assert.deepEqual(leftovers, [], 'no posture-* object without our labels in a test namespace');
    const namespaces = await api.get<{ items: { metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> } }[] }>('/api/v1/namespaces');
    for (const n of namespaces.items.filter((i) => names.includes(i.metadata.name))) {
      const enforced = n.metadata.labels?.['pod-security.kubernetes.io/enforce'];
      assert.equal(enforced, selected.has(n.metadata.name) ? 'restricted' : undefined, `Pod Security label of ${n.metadata.name}`);
    }

    // Status counts exact, and the gauges agree.
    const counts = b.status?.namespaces;
    assert.equal(counts?.selected, selected.size);
    assert.equal(counts.enforced, selected.size);
    assert.equal(counts.conflicted, 0);
    const scrape = await Scrape.of(op);
    assert.equal(scrape.sum('posture_namespaces', { baseline: BASELINE, state: 'selected' }), selected.size);
    assert.equal(scrape.sum('posture_namespaces', { baseline: BASELINE, state: 'enforced' }), selected.size);
    // Converged means quiet: a second look sends no write.
    const before = scrape.namespaceWrites();
    await sleep(2000);
    assert.equal((await Scrape.of(op)).namespaceWrites(), before, 'no write once converged');

    for (const r of rounds) report('kill -9 of the operator while converging', r);
    report('kill -9: after the last restart', {
      kills: KILLS,
      namespacesCreatedInSeconds: created / 1000,
      selected: selected.size,
      objects: objects.length,
      convergedInSeconds: convergedIn,
      writesAfterRestart: before,
      status: b.status?.namespaces,
    });
  });
});
