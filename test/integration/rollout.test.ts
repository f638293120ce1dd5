import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ControlPlane } from '../../hack/controlplane/launcher.js';
import type { RolloutStatus } from '../../src/api/rollout.js';
import { assignSteps } from '../../src/controller/rollout/plan.js';
import { sharedControlPlane } from './support/controlplane.js';
import { admin, condition, fetchAsAdmin, type Admin } from './support/kube.js';
import { startOperator, type RunningOperator } from './support/operator.js';
import { eventually } from './support/wait.js';

// spec.rollout on the real control plane: 10 namespaces, 2 of them canaries, 2 waves, a 20 s soak.
// Every assertion is on a state; the soak is checked as a lower bound from the times in status.

const PAUSE_SECONDS = 20;
const RING = 'posture.dev/ring';

interface Revision {
  metadata: { name: string; labels: Record<string, string>; ownerReferences?: unknown[] };
  revision: number;
  data: { resourceQuota?: unknown };
}

interface Quota {
  metadata: { labels?: Record<string, string> };
  spec: { hard?: Record<string, string> };
}

describe('staged rollout: canary first, then waves, with a soak between, pause, halt and roll back', function () {
  this.timeout(240_000);
  let cp: ControlPlane;
  let k: Admin;
  let op: RunningOperator;
  const s = randomBytes(3).toString('hex');
  const tier = `rollout-${s}`;
  const name = `rollout-${s}`;
  const canaries = [`ro-${s}-c0`, `ro-${s}-c1`];
  const others = Array.from({ length: 8 }, (_, i) => `ro-${s}-n${i}`);
  const all = [...canaries, ...others];
  const labelsOf = (n: string): Record<string, string> => (canaries.includes(n) ? { [RING]: `canary-${s}` } : {});
  const steps = assignSteps(all.map((n) => ({ name: n, labels: labelsOf(n) })), { canary: { matchLabels: { [RING]: `canary-${s}` } }, waves: 2 });
  const wave = (w: number): string[] => all.filter((n) => steps.get(n) === w);
  const timings: string[] = [];
  const t0 = Date.now();
  const note = (what: string): void => {
    timings.push(`      ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s  ${what}`);
  };
  const policy = `rollout-deny-${s}`;
  const spec = (pods: string, rollout: Record<string, unknown> = {}): Record<string, unknown> => ({
    namespaceSelector: { matchLabels: { 'posture.dev/tier': tier } },
    resourceQuota: { hard: { pods } },
    rollout: { canary: { matchLabels: { [RING]: `canary-${s}` } }, waves: 2, pauseSeconds: PAUSE_SECONDS, maxFailedNamespaces: 0, ...rollout },
  });

  const quota = async (ns: string): Promise<Quota> => (await fetchAsAdmin(cp, 'GET', `/api/v1/namespaces/${ns}/resourcequotas/posture-quota`)) as Quota;
  const pods = async (ns: string): Promise<string | undefined> => (await quota(ns)).spec.hard?.pods;
  const podsOf = async (names: readonly string[]): Promise<(string | undefined)[]> => Promise.all(names.map(pods));
  const rollout = async (): Promise<RolloutStatus | undefined> => (await k.getBaseline(name)).status?.rollout;
  const events = async (reason: string): Promise<string[]> => {
    const list = (await fetchAsAdmin(cp, 'GET', `/apis/events.k8s.io/v1/namespaces/default/events?fieldSelector=${encodeURIComponent(`regarding.name=${name},reason=${reason}`)}`)) as { items: { note?: string }[] };
    return list.items.map((e) => e.note ?? '');
  };
  /** Polls status until check holds, keeping every distinct step start and soak end seen on the way. */
  const seen = new Map<string, { startedAt?: string; nextWaveAt?: string }>();
  const watchUntil = async (what: string, check: (r: RolloutStatus) => boolean | Promise<boolean>, timeoutMs = 150_000): Promise<RolloutStatus> => {
    let last: RolloutStatus | undefined;
    await eventually(what, async () => {
      last = await rollout();
      if (last === undefined) return false;
      const key = `${last.revision}/${last.currentWave}`;
      const entry = seen.get(key) ?? {};
      if (last.waveStartedAt !== undefined) entry.startedAt = last.waveStartedAt;
      if (last.nextWaveAt !== undefined) entry.nextWaveAt = last.nextWaveAt;
      seen.set(key, entry);
      return check(last);
    }, timeoutMs, 250);
    assert.ok(last);
    return last;
  };

  const revisionsOf = async (baseline: string): Promise<Revision[]> =>
    ((await fetchAsAdmin(cp, 'GET', `/apis/apps/v1/namespaces/posture-system/controllerrevisions?labelSelector=${encodeURIComponent(`posture.dev/baseline=${baseline}`)}`)) as { items: Revision[] }).items;

  let r1 = '';
  let r2 = '';

  before(async function () {
    this.timeout(900_000);
    cp = await sharedControlPlane();
    k = admin(cp);
    op = await startOperator(cp);
    for (const ns of all) await k.createNamespace(ns, { 'posture.dev/tier': tier, ...(canaries.includes(ns) ? { [RING]: `canary-${s}` } : {}) });
  });

  after(async () => {
    console.log(`\n      Timings observed (from the start of the suite):\n${timings.join('\n')}\n`);
    await fetchAsAdmin(cp, 'DELETE', `/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings/${policy}`).catch(() => undefined);
    await fetchAsAdmin(cp, 'DELETE', `/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies/${policy}`).catch(() => undefined);
    await k.deleteBaseline(name).catch(() => undefined);
    await op.stop();
  });

  it('splits the others into two waves of four in a stable order', () => {
    assert.deepEqual([wave(0).length, wave(1).length, wave(2).length], [2, 4, 4]);
    assert.deepEqual(wave(0), canaries);
  });

  it('gives a first revision to every namespace at once: nothing had another one', async () => {
    await k.applyBaseline(name, spec('10'));
    note('baseline created (pods 10)');
    const r = await watchUntil('the first revision complete', async (x) => x.phase === 'Complete' && x.updated === 10 && (await podsOf(all)).every((p) => p === '10'));
    note('first revision complete in every namespace');
    r1 = r.revision;
    assert.equal(r.total, 10);
    assert.equal((await quota(others[0] ?? '')).metadata.labels?.['posture.dev/revision'], r1);
    const revisions = await revisionsOf(name);
    assert.deepEqual(revisions.map((i) => [i.metadata.name, i.revision]), [[`posture-${name}-${r1}`, 1]]);
    const [first] = revisions;
    assert.ok(first !== undefined);
    assert.deepEqual(first.data.resourceQuota, { hard: { pods: '10' } });
    // Labelled with the baseline's uid, and no ownerReference: the garbage collector never holds a
    // baseline's deletion for them (the operator deletes them itself, below).
    assert.equal(first.metadata.labels['posture.dev/baseline-uid'], (await k.getBaseline(name)).metadata.uid);
    assert.equal(first.metadata.ownerReferences, undefined);
  });

  it('after a quota change, the canaries have the new value and the others keep the old one; status Progressing with the counts', async () => {
    await k.applyBaseline(name, spec('20'));
    note('quota changed to pods 20');
    const r = await watchUntil('the canaries updated and soaking', async (x) => x.revision !== r1 && x.updated === 2 && x.nextWaveAt !== undefined && (await podsOf(canaries)).every((p) => p === '20'));
    note(`canaries at pods 20; next wave at ${r.nextWaveAt ?? ''}`);
    r2 = r.revision;
    assert.equal(r.phase, 'Progressing');
    assert.deepEqual([r.updated, r.total, r.currentWave, r.waves], [2, 10, 0, 2]);
    assert.deepEqual(await podsOf(others), others.map(() => '10'));
    assert.equal((await quota(others[0] ?? '')).metadata.labels?.['posture.dev/revision'], r1);
    assert.equal((await quota(canaries[0] ?? '')).metadata.labels?.['posture.dev/revision'], r2);
    const b = await k.getBaseline(name);
    assert.equal(condition(b, 'Reconciling')?.status, 'True');
    assert.equal(condition(b, 'Reconciling')?.reason, 'RolloutProgressing');
    assert.ok((await events('RolloutWaveStarted')).some((e) => e.includes(r2) && e.includes('canary started (2 namespace(s))')));
  });

  it('repairs drift in a namespace not yet moved to the old revision, not the new one', async () => {
    const target = wave(2)[0] ?? '';
    await fetchAsAdmin(cp, 'PATCH', `/api/v1/namespaces/${target}/resourcequotas/posture-quota`, { spec: { hard: { pods: '99' } } }, 'application/merge-patch+json');
    await eventually('the drift repaired', async () => (await pods(target)) === '10');
    note(`drift in ${target} repaired to pods 10 (the old revision)`);
    assert.equal((await quota(target)).metadata.labels?.['posture.dev/revision'], r1);
  });

  it('paused: true holds the rollout past the end of the soak; false resumes it', async () => {
    await k.applyBaseline(name, spec('20', { paused: true }));
    const held = await watchUntil('Paused', (x) => x.phase === 'Paused');
    note(`paused at step ${held.currentWave}`);
    const atPause = all.filter((n) => (steps.get(n) ?? 9) <= held.currentWave);
    // Hold until well past the moment the next wave would have started.
    const soakEnd = Date.parse(held.nextWaveAt ?? seen.get(`${r2}/0`)?.nextWaveAt ?? new Date().toISOString());
    await sleep(Math.max(0, soakEnd - Date.now()) + 3000);
    const still = await rollout();
    assert.equal(still?.phase, 'Paused');
    assert.equal(still.currentWave, held.currentWave);
    assert.deepEqual(await podsOf(all), all.map((n) => (atPause.includes(n) ? '20' : '10')));
    note(`still paused ${((Date.now() - soakEnd) / 1000).toFixed(1)} s after the soak ended; nothing more moved`);

    await k.applyBaseline(name, spec('20'));
    note('resumed');
    const done = await watchUntil('the rollout complete', async (x) => x.revision === r2 && x.phase === 'Complete' && (await podsOf(all)).every((p) => p === '20'));
    note('rollout of pods 20 complete');
    assert.deepEqual([done.updated, done.total, done.currentWave], [10, 10, 2]);
    const started = await events('RolloutWaveStarted');
    for (const w of ['wave 1 of 2', 'wave 2 of 2']) assert.ok(started.some((e) => e.includes(r2) && e.includes(w)), `${w}: ${started.join(' | ')}`);
    assert.ok((await events('RolloutCompleted')).some((e) => e.includes(r2)));
    // The soak is a lower bound: each wave started no earlier than the soak before it ended.
    const w1 = seen.get(`${r2}/1`);
    const w2 = seen.get(`${r2}/2`);
    assert.ok(w1?.startedAt !== undefined && w2?.startedAt !== undefined, JSON.stringify([...seen]));
    assert.ok(Date.parse(w1.startedAt) >= soakEnd, `wave 1 at ${w1.startedAt}, soak ended ${new Date(soakEnd).toISOString()}`);
    assert.ok(Date.parse(w2.startedAt) - Date.parse(w1.startedAt) >= PAUSE_SECONDS * 1000, `wave 1 ${w1.startedAt}, wave 2 ${w2.startedAt}`);
    note(`wave 1 started ${w1.startedAt}, wave 2 ${w2.startedAt} (${((Date.parse(w2.startedAt) - Date.parse(w1.startedAt)) / 1000).toFixed(1)} s apart)`);
  });

  it('halts when a canary namespace refuses the change, and starts no wave after it', async () => {
    await fetchAsAdmin(cp, 'POST', '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies', {
      metadata: { name: policy },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['resourcequotas'] }] },
        validations: [{ expression: "!has(object.spec.hard) || !('pods' in object.spec.hard) || object.spec.hard['pods'] != '30'", message: 'this namespace refuses 30 pods' }],
      },
    });
    await fetchAsAdmin(cp, 'POST', '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings', {
      metadata: { name: policy },
      spec: { policyName: policy, validationActions: ['Deny'], matchResources: { namespaceSelector: { matchLabels: { [RING]: `canary-${s}` } } } },
    });
    // The policy is in force once a dry run of the same change is refused.
    await eventually('the policy in force', async () =>
      fetchAsAdmin(cp, 'PATCH', `/api/v1/namespaces/${canaries[0] ?? ''}/resourcequotas/posture-quota?dryRun=All`, { spec: { hard: { pods: '30' } } }, 'application/merge-patch+json').then(
        () => false,
        (err: unknown) => String(err).includes('refuses 30 pods'),
      ),
    );
    await k.applyBaseline(name, spec('30'));
    note('quota changed to pods 30, refused in the canaries');
    // It halts at the first failure; both canaries fail once each has been tried.
    const halted = await watchUntil('Halted, both canaries failed', (x) => x.revision !== r2 && x.phase === 'Halted' && x.failed === 2);
    note('halted');
    for (const c of canaries) assert.ok(halted.message?.includes(c), halted.message);
    assert.equal(halted.failed, 2);
    assert.match(halted.message ?? '', /refuses 30 pods/);
    assert.equal(condition(await k.getBaseline(name), 'Stalled')?.reason, 'RolloutHalted');
    // Past the soak a wave would have waited for, nothing else moved.
    await sleep((PAUSE_SECONDS + 3) * 1000);
    const later = await rollout();
    assert.deepEqual([later?.phase, later?.currentWave, later?.revision], ['Halted', 0, halted.revision]);
    assert.deepEqual(await podsOf(all), all.map(() => '20'));
    assert.ok(!(await events('RolloutWaveStarted')).some((e) => e.includes(halted.revision) && e.includes('wave 1')));
    assert.ok((await events('RolloutHalted')).some((e) => e.includes(halted.revision)));
    note(`still halted ${PAUSE_SECONDS + 3} s later, no wave started`);
  });

  it('gives a namespace created during the rollout the newest revision at once', async () => {
    const late = `ro-${s}-late`;
    await k.createNamespace(late, { 'posture.dev/tier': tier });
    await eventually('the new namespace at the newest revision', async () => (await pods(late).catch(() => undefined)) === '30');
    note('a new namespace got pods 30 at once');
    assert.deepEqual(await podsOf(others), others.map(() => '20'));
    all.push(late);
  });

  it('rolling back to the first spec restores the old objects, in the same waves', async () => {
    await k.applyBaseline(name, spec('10'));
    note('quota set back to pods 10');
    const back = await watchUntil('the rollback complete', async (x) => x.revision === r1 && x.phase === 'Complete' && (await podsOf(all)).every((p) => p === '10'));
    note('rollback complete');
    assert.deepEqual([back.updated, back.total], [11, 11]);
    for (const ns of all) assert.equal((await quota(ns)).metadata.labels?.['posture.dev/revision'], r1, ns);
    assert.equal((await revisionsOf(name)).length, 3, 'the first revision is reused, not copied');
    assert.equal(await op.counter('posture_rollout_namespaces', { baseline: name, state: 'updated' }), 11);
    assert.equal(condition(await k.getBaseline(name), 'Reconciling')?.status, 'False');
  });

  it('deletes a revision left by an earlier baseline of the same name', async () => {
    const stale = `posture-${name}-0000000000`;
    await fetchAsAdmin(cp, 'POST', '/apis/apps/v1/namespaces/posture-system/controllerrevisions', {
      metadata: { name: stale, labels: { 'app.kubernetes.io/managed-by': 'posture-operator', 'posture.dev/baseline': name, 'posture.dev/baseline-uid': 'an-earlier-uid', 'posture.dev/revision': '0000000000' } },
      data: { resourceQuota: { hard: { pods: '1' } } },
      revision: 1,
    });
    await eventually('the stale revision deleted', async () => !(await revisionsOf(name)).some((r) => r.metadata.name === stale));
    assert.equal((await revisionsOf(name)).length, 3, 'the live baseline\'s revisions stay');
  });

  it('deletes an Orphan baseline\'s revisions with it; it is not held up', async () => {
    const keeper = `${name}-orphan`;
    const ns = `ro-${s}-orphan`;
    await k.createNamespace(ns, { 'posture.dev/tier': `${tier}-orphan` });
    await k.applyBaseline(keeper, { namespaceSelector: { matchLabels: { 'posture.dev/tier': `${tier}-orphan` } }, resourceQuota: { hard: { pods: '5' } }, deletionPolicy: 'Orphan' });
    await eventually('the Orphan baseline enforced, with a revision', async () => (await pods(ns).catch(() => undefined)) === '5' && (await revisionsOf(keeper)).length === 1);
    await k.deleteBaseline(keeper);
    await eventually('the Orphan baseline gone', async () => k.getBaseline(keeper).then(() => false, () => true), 60_000);
    note('an Orphan baseline deleted, gone');
    await eventually('its revisions gone', async () => (await revisionsOf(keeper)).length === 0);
    assert.equal(await pods(ns), '5', 'its objects stay');
  });

  it('deletes the revisions of a baseline deleted while the operator was stopped when it starts again', async () => {
    await op.stop();
    await k.deleteBaseline(name);
    await eventually('the baseline gone', async () => k.getBaseline(name).then(() => false, () => true), 60_000);
    assert.equal((await revisionsOf(name)).length, 3, 'nothing deletes them while the operator is stopped');
    op = await startOperator(cp);
    note('operator restarted after the baseline was deleted');
    await eventually('its revisions deleted', async () => (await revisionsOf(name)).length === 0);
    note('its revisions deleted');
  });
});
