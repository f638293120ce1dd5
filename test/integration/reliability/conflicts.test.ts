// Fault: another field manager keeps taking a field of a managed object (kubectl apply --server-side
// --force-conflicts, every second for 30 s). The operator takes it back each time, says who took it,
// and answers each re-apply with one write, not a fight in a loop.
import assert from 'node:assert/strict';
import type { ControlPlane } from '../../../hack/controlplane/launcher.js';
import type { RunningOperator } from '../support/operator.js';
import { eventually } from '../support/wait.js';
import { converged, fullSpec } from './fixtures.js';
import { AdminApi, cleanup, launchOperator, ownControlPlane, report, Scrape, sleep, stopOperator } from './support.js';

const BASELINE = 'conflict';
const NS = 'conflict-0';
const TIER = { 'posture.dev/tier': 'conflict' };
const QUOTA = `/api/v1/namespaces/${NS}/resourcequotas/posture-quota`;
const DURATION_MS = 30_000;
const EVERY_MS = 1000;

/** What the user applies: their own number of pods, nothing else. */
const USER_QUOTA = { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'posture-quota', namespace: NS }, spec: { hard: { pods: '100000' } } };

describe('reliability: another field manager fights over a managed field', function () {
  this.timeout(300_000);
  let cp: ControlPlane;
  let api: AdminApi;
  let op: RunningOperator;

  before(async function () {
    this.timeout(900_000);
    cp = await ownControlPlane();
    api = await AdminApi.connect(cp);
    await api.createNamespace(NS, TIER);
    await api.applyBaseline(BASELINE, fullSpec(TIER));
    op = await launchOperator(cp);
    await converged(api, BASELINE, 1);
  });

  after(async function () {
    this.timeout(60_000);
    await cleanup(
      () => stopOperator(op),
      () => api.close(),
      () => cp.stop(),
    );
  });

  async function pods(): Promise<string | undefined> {
    return (await api.get<{ spec: { hard: Record<string, string> } }>(QUOTA)).spec.hard.pods;
  }

  it('a plain server-side apply (no --force-conflicts) is refused with a conflict naming the operator', async () => {
    const answer = await api.attempt('PATCH', `${QUOTA}?fieldManager=kubectl`, USER_QUOTA, 'application/apply-patch+yaml');
    assert.equal(answer.code, 409, answer.message);
    assert.match(answer.message, /conflict with "posture-operator".*\.spec\.hard\.pods/s);
  });

  it('takes the field back after every forced re-apply, names kubectl, and sends about one write per re-apply', async () => {
    const s0 = await Scrape.of(op);
    const t0 = Date.now();
    let reapplies = 0;
    let overwritten = 0;
    const taken: number[] = [];
    while (Date.now() - t0 < DURATION_MS) {
      const tick = Date.now();
      await api.send('PATCH', `${QUOTA}?fieldManager=kubectl&force=true`, USER_QUOTA, 'application/apply-patch+yaml');
      reapplies++;
      // How long the user's value stood before the operator put its own back (0 if it already had).
      const at = Date.now();
      await eventually('the operator to take pods back', async () => (await pods()) === '100', 30_000, 20);
      taken.push(Date.now() - at);
      overwritten++;
      await sleep(Math.max(0, EVERY_MS - (Date.now() - tick)));
    }
    const tEnd = Date.now();
    const s1 = await Scrape.of(op);
    // The user stopped: the operator stops too.
    await sleep(3000);
    const s2 = await Scrape.of(op);

    const quotaWrites = s1.writes('resourcequotas') - s0.writes('resourcequotas');
    const statusWrites = s1.writes('securitybaselines/status') - s0.writes('securitybaselines/status');
    const events = s1.writes('events') - s0.writes('events');
    const allRequests = s1.requests({}) - s0.requests({});
    const b = await api.baseline(BASELINE);
    const recent = b.status?.drift?.recent ?? [];
    report('field manager conflict (kubectl apply --server-side --force-conflicts every second)', {
      injected: reapplies,
      seconds: (tEnd - t0) / 1000,
      takenBack: overwritten,
      takenBackWithinMsMedian: [...taken].sort((a, b2) => a - b2)[Math.floor(taken.length / 2)],
      takenBackWithinMsMax: Math.max(...taken),
      operatorQuotaWrites: quotaWrites,
      operatorStatusWrites: statusWrites,
      operatorEvents: events,
      operatorRequestsAll: allRequests,
      writesInTheQuiet3sAfter: s2.namespaceWrites() - s1.namespaceWrites(),
      driftDetected: b.status?.drift?.detected,
      driftRepaired: b.status?.drift?.repaired,
      recentBy: [...new Set(recent.map((r) => r.by))],
    });

    assert.equal(overwritten, reapplies, 'every re-apply was undone');
    assert.ok(quotaWrites >= reapplies - 1, `${quotaWrites} quota writes for ${reapplies} re-applies`);
    assert.ok(quotaWrites <= reapplies + 2, `about one write per re-apply, not a fight: ${quotaWrites} quota writes for ${reapplies} re-applies`);
    assert.ok(statusWrites <= (tEnd - t0) / 1000 + 3, `status written at most once a second: ${statusWrites}`);
    assert.ok(events <= 3, `one DriftRepaired event for the same repeated drift, not one per re-apply: ${events}`);
    assert.equal(s2.namespaceWrites() - s1.namespaceWrites(), 0, 'no write once the user stopped');
    assert.ok(
      recent.some((r) => r.kind === 'ResourceQuota' && r.name === 'posture-quota' && r.namespace === NS && r.change === 'Modified' && r.by === 'fieldManager="kubectl"'),
      `status.drift.recent names kubectl: ${JSON.stringify(recent)}`,
    );
    assert.ok((b.status?.drift?.repaired ?? 0) >= reapplies - 1);
  });
});
