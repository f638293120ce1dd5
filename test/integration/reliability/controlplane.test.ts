// Faults of the control plane under a running operator: kube-apiserver crashes and restarts, etcd
// stops, and watches expire (410 Gone) after a compaction. The same operator process lives through
// all of them: it must not crash, hot-loop or flood its log, and it must repair drift made around
// each outage, including drift it could not see happen.
import assert from 'node:assert/strict';
import type { ControlPlane } from '../../../hack/controlplane/launcher.js';
import type { RunningOperator } from '../support/operator.js';
import { eventually } from '../support/wait.js';
import { byNamespace, converged, FULL_OBJECTS, fullSpec } from './fixtures.js';
import { AdminApi, cleanup, inParallel, launchOperator, logLines, ownControlPlane, ProcessProbe, report, Scrape, sleep, stopOperator, type LogLine } from './support.js';

const BASELINE = 'faults';
const TIER = { 'posture.dev/tier': 'faults' };
const NAMESPACES = Array.from({ length: 12 }, (_, i) => `faults-${String(i).padStart(2, '0')}`);
const OUTAGE_MS = 15_000;
/** Watched resources: the baselines, namespaces, five managed and fourteen audited kinds. */
const INFORMERS = 21;
/**
 * The five managed kinds are watched twice: cluster-wide for the audit and by the managed-by label
 * for enforcement (docs/decisions/0014). The watch metric counts per resource, so the bound per
 * informer is multiplied by this.
 */
const INFORMERS_PER_RESOURCE: Record<string, number> = { networkpolicies: 2, resourcequotas: 2, limitranges: 2, roles: 2, rolebindings: 2 };
/**
 * Watch restarts back off 0.5 s, 1 s, 2 s ... 30 s; an outage of 15 s (plus the API server's start)
 * fits in 7 attempts per informer. A hot loop would be one every 500 ms: 40 per informer.
 */
const MAX_ATTEMPTS_PER_INFORMER = 8;
/**
 * Warnings about an outage: watches, reconciles and status writes each log their first failure and at
 * most one more per 30 s while failures last (recoveries are info). Before that, every retry logged.
 */
const MAX_OUTAGE_LOG_LINES = 6;

const NP = '/apis/networking.k8s.io/v1';
const RBAC = '/apis/rbac.authorization.k8s.io/v1';

function countBy(items: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[i] = (out[i] ?? 0) + 1;
  return out;
}

describe('reliability: kube-apiserver and etcd restarts, and watch expiry, under a running operator', function () {
  this.timeout(600_000);
  let cp: ControlPlane;
  let api: AdminApi;
  let op: RunningOperator;
  let probe: ProcessProbe;
  let pid: number;

  before(async function () {
    this.timeout(900_000);
    cp = await ownControlPlane();
    api = await AdminApi.connect(cp);
    await inParallel(NAMESPACES, 8, (ns) => api.createNamespace(ns, TIER));
    await api.createNamespace('noise');
    await api.applyBaseline(BASELINE, fullSpec(TIER));
    op = await launchOperator(cp);
    pid = op.pid;
    probe = new ProcessProbe(op, 500).start();
    await converged(api, BASELINE, NAMESPACES.length);
  });

  after(async function () {
    this.timeout(60_000);
    await cleanup(
      () => probe.stop(),
      () => { if (op.alive) process.kill(op.pid, 'SIGCONT'); },
      () => stopOperator(op),
      () => api.close(),
      () => cp.stop(),
    );
  });

  afterEach(function () {
    // Whatever the fault, the process is the one started in before() and never stopped answering /healthz.
    assert.ok(op.alive, 'the operator is still running');
    assert.equal(op.pid, pid);
  });

  async function exists(path: string): Promise<boolean> {
    return api.get(path).then(() => true, () => false);
  }

  /** The baseline with another quota: every namespace has an update to make. */
  async function changeQuota(pods: string): Promise<void> {
    const spec = fullSpec(TIER);
    spec.resourceQuota = { hard: { 'requests.cpu': '8', 'requests.memory': '16Gi', 'limits.cpu': '16', 'limits.memory': '32Gi', pods } };
    await api.applyBaseline(BASELINE, spec);
  }

  /**
   * Pauses the operator, changes the baseline so that every namespace needs a write, lets the watch
   * event reach the operator's socket, injects the fault and resumes: the operator has work it cannot do.
   */
  async function withPendingWork(pods: string, fault: () => Promise<void>): Promise<void> {
    await probe.pause();
    process.kill(op.pid, 'SIGSTOP');
    try {
      await changeQuota(pods);
      await sleep(1000);
      await fault();
    } finally {
      process.kill(op.pid, 'SIGCONT');
      probe.resume();
    }
  }

  async function quotaPods(ns: string): Promise<string | undefined> {
    const q = await api.get<{ spec: { hard: Record<string, string> } }>(`/api/v1/namespaces/${ns}/resourcequotas/posture-quota`);
    return q.spec.hard.pods;
  }

  /** Warnings and errors the operator logged since `since` (epoch ms). */
  async function failureLines(since: number): Promise<LogLine[]> {
    return (await logLines(op)).filter((l) => l.time >= since && (l.level === 'warn' || l.level === 'error'));
  }

  /** No informer retried its watch more often than its backoff allows. */
  function assertBackedOff(failures: Record<string, number>): void {
    for (const [resource, n] of Object.entries(failures)) {
      const informers = INFORMERS_PER_RESOURCE[resource] ?? 1;
      assert.ok(n <= MAX_ATTEMPTS_PER_INFORMER * informers, `${resource}: ${n} failed watch attempts by ${informers} informer(s) in a 15 s outage`);
    }
  }

  /** Watch attempts that failed, per resource, between two scrapes. */
  function watchFailures(before: Scrape, after: Scrape): Record<string, number> {
    const out: Record<string, number> = {};
    for (const line of after.text.split('\n')) {
      const m = /^posture_kube_requests_total\{verb="watch",resource="([^"]+)",code="([^"]+)"\} (\S+)$/.exec(line);
      if (m === null || m[2] === '200') continue;
      const [, resource = '', code = ''] = m;
      const delta = Number(m[3]) - before.requests({ verb: 'watch', resource, code });
      if (delta > 0) out[resource] = (out[resource] ?? 0) + delta;
    }
    return out;
  }

  async function everythingConverged(pods = '100'): Promise<void> {
    await converged(api, BASELINE, NAMESPACES.length);
    const have = byNamespace(await api.managedObjects());
    for (const ns of NAMESPACES) {
      assert.deepEqual(have.get(ns), FULL_OBJECTS, ns);
      assert.equal(await quotaPods(ns), pods, `the quota in ${ns}`);
    }
  }

  it('kube-apiserver crash (kill -9) for 15 s with work pending: no crash, no hot loop, the outage logged a few times, drift right after it repaired', async () => {
    const s0 = await Scrape.of(op);
    const tDown = Date.now();
    await withPendingWork('150', () => cp.stopApiServer('SIGKILL'));
    await sleep(OUTAGE_MS);
    await cp.startApiServer();
    const tUp = Date.now();
    // Drift the moment the API server answers again, while the operator's watches are still backing off.
    await api.send('DELETE', `${NP}/namespaces/faults-00/networkpolicies/posture-default-deny`);
    await api.send('PATCH', `/api/v1/namespaces/faults-01/resourcequotas/posture-quota?fieldManager=intruder`, { spec: { hard: { pods: '999' } } }, 'application/merge-patch+json');
    const tDrift = Date.now();
    await eventually('the deleted policy and the edited quota repaired', async () =>
      (await exists(`${NP}/namespaces/faults-00/networkpolicies/posture-default-deny`)) && (await quotaPods('faults-01')) === '150', 120_000, 200);
    const tRepaired = Date.now();
    await everythingConverged('150');

    const s1 = await Scrape.of(op);
    const failures = watchFailures(s0, s1);
    // An informer whose retry met the API server still starting (403, 429) backs off once more: up to 30 s.
    let recovered: LogLine | undefined;
    await eventually('the log line saying every watch is back', async () => {
      recovered = (await logLines(op)).find((l) => l.time >= tDown && l.message === 'watch recovered');
      return recovered !== undefined;
    }, 60_000, 500);
    const lines = await failureLines(tDown);
    report('kube-apiserver kill -9, 15 s down, 12 namespaces to update', {
      injected: 1,
      downSeconds: (tUp - tDown) / 1000,
      failedRequestsByCode: s1.failedSince(s0),
      failedRequests: s1.failedSince(s0, true),
      failedWatchAttemptsTotal: Object.values(failures).reduce((a, b) => a + b, 0),
      failedWatchAttemptsMaxPerInformer: Math.max(0, ...Object.values(failures)),
      informersThatSawIt: Object.keys(failures).length,
      warnOrErrorLogLines: lines.length,
      logMessages: countBy(lines.map((l) => l.message)),
      allWatchesBackSecondsAfterApiServerUp: recovered === undefined ? undefined : (recovered.time - tUp) / 1000,
      driftMadeSecondsAfterApiServerUp: (tDrift - tUp) / 1000,
      repairedSecondsAfterDrift: (tRepaired - tDrift) / 1000,
    });
    assert.ok(Object.keys(failures).length >= INFORMERS - 2, `every informer saw the outage: ${JSON.stringify(failures)}`);
    assertBackedOff(failures);
    assert.ok(lines.length <= MAX_OUTAGE_LOG_LINES, `the outage took ${lines.length} log lines:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`);
  });

  it('kube-apiserver restart while the operator is paused: drift made after the API server is back, before the operator reconnects, is repaired', async () => {
    const s0 = await Scrape.of(op);
    const tDown = Date.now();
    // Paused as a long GC pause or a partitioned node pauses it: it cannot reconnect until SIGCONT.
    await probe.pause();
    process.kill(op.pid, 'SIGSTOP');
    try {
      await cp.stopApiServer('SIGTERM');
      await cp.startApiServer();
      await api.send('DELETE', `${RBAC}/namespaces/faults-02/roles/posture-pod-service-reader`);
      await api.send('DELETE', `${RBAC}/namespaces/faults-03/rolebindings/posture-view`);
      await api.send('PATCH', `/api/v1/namespaces/faults-04?fieldManager=intruder`, { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } }, 'application/merge-patch+json');
    } finally {
      process.kill(op.pid, 'SIGCONT');
      probe.resume();
    }
    const tResumed = Date.now();
    await eventually('the role, the binding and the Pod Security label repaired', async () => {
      const ns = await api.get<{ metadata: { labels?: Record<string, string> } }>('/api/v1/namespaces/faults-04');
      return (
        (await exists(`${RBAC}/namespaces/faults-02/roles/posture-pod-service-reader`)) &&
        (await exists(`${RBAC}/namespaces/faults-03/rolebindings/posture-view`)) &&
        ns.metadata.labels?.['pod-security.kubernetes.io/enforce'] === 'restricted'
      );
    }, 120_000, 200);
    const tRepaired = Date.now();
    await everythingConverged('150');
    const s1 = await Scrape.of(op);
    const lines = await failureLines(tDown);
    report('kube-apiserver SIGTERM restart while the operator was paused (SIGSTOP)', {
      injected: 1,
      driftsMadeBeforeReconnect: 3,
      repairedSecondsAfterResume: (tRepaired - tResumed) / 1000,
      relists: s1.requests({ verb: 'list' }) - s0.requests({ verb: 'list' }),
      failedRequestsByCode: s1.failedSince(s0),
      warnOrErrorLogLines: lines.length,
      logMessages: countBy(lines.map((l) => l.message)),
    });
    assert.ok(lines.length <= MAX_OUTAGE_LOG_LINES, `${lines.length} log lines:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`);
  });

  it('etcd down (kill -9) for 15 s with work pending: no crash, no hot loop, bounded log, drift right after it repaired', async () => {
    const s0 = await Scrape.of(op);
    const tDown = Date.now();
    await withPendingWork('200', () => cp.stopEtcd('SIGKILL'));
    await sleep(OUTAGE_MS);
    await cp.startEtcd();
    const tUp = Date.now();
    await api.send('DELETE', `${NP}/namespaces/faults-05/networkpolicies/posture-allow-dns`);
    await api.send('DELETE', `/api/v1/namespaces/faults-06/limitranges/posture-limits`);
    const tDrift = Date.now();
    await eventually('the policy and the LimitRange repaired', async () =>
      (await exists(`${NP}/namespaces/faults-05/networkpolicies/posture-allow-dns`)) && (await exists('/api/v1/namespaces/faults-06/limitranges/posture-limits')), 120_000, 200);
    const tRepaired = Date.now();
    await everythingConverged('200');
    const s1 = await Scrape.of(op);
    const failures = watchFailures(s0, s1);
    const lines = await failureLines(tDown);
    report('etcd kill -9, 15 s down, 12 namespaces to update', {
      injected: 1,
      downSeconds: (tUp - tDown) / 1000,
      failedRequestsByCode: s1.failedSince(s0),
      failedWatchAttemptsTotal: Object.values(failures).reduce((a, b) => a + b, 0),
      failedWatchAttemptsMaxPerInformer: Math.max(0, ...Object.values(failures)),
      warnOrErrorLogLines: lines.length,
      logMessages: countBy(lines.map((l) => l.message)),
      repairedSecondsAfterDrift: (tRepaired - tDrift) / 1000,
    });
    assertBackedOff(failures);
    assert.ok(lines.length <= MAX_OUTAGE_LOG_LINES, `${lines.length} log lines:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`);
  });

  it('watch expiry: etcd compacted past every watch, the API server restarted, changes made in the gap; the informers relist and miss nothing', async () => {
    const s0 = await Scrape.of(op);
    await probe.pause();
    process.kill(op.pid, 'SIGSTOP');
    let compactedTo: number;
    let revisionBefore: number;
    try {
      revisionBefore = await cp.etcdRevision();
      // Unrelated writes move the revision far past every watch's, then etcd forgets the history.
      await inParallel(Array.from({ length: 300 }, (_, i) => `noise-${i}`), 16, (name) => api.send('POST', '/api/v1/namespaces/noise/configmaps', { metadata: { name }, data: { a: 'b' } }));
      compactedTo = await cp.compactEtcd();
      // The operator's watches end with the old API server; the new one's watch cache starts after the compaction.
      await cp.stopApiServer('SIGKILL');
      await cp.startApiServer();
      // The gap: no watch of the operator's is open, so only a relist can show these.
      await api.send('DELETE', '/api/v1/namespaces/faults-07/limitranges/posture-limits');
      await api.send('PATCH', `/api/v1/namespaces/faults-08/resourcequotas/posture-quota?fieldManager=intruder`, { spec: { hard: { pods: '7' } } }, 'application/merge-patch+json');
      await api.send('DELETE', `${NP}/namespaces/faults-09/networkpolicies/posture-allow-same-namespace`);
    } finally {
      process.kill(op.pid, 'SIGCONT');
      probe.resume();
    }
    const tResumed = Date.now();
    await eventually('every change made in the gap repaired', async () =>
      (await exists('/api/v1/namespaces/faults-07/limitranges/posture-limits')) &&
      (await quotaPods('faults-08')) === '200' &&
      (await exists(`${NP}/namespaces/faults-09/networkpolicies/posture-allow-same-namespace`)), 120_000, 200);
    const tRepaired = Date.now();
    await everythingConverged('200');
    const s1 = await Scrape.of(op);
    const relisted = ['limitranges', 'resourcequotas', 'networkpolicies', 'namespaces', 'securitybaselines', 'configmaps'].map((r) => [r, s1.requests({ verb: 'list', resource: r }) - s0.requests({ verb: 'list', resource: r })] as const);
    report('watch expiry (410 Gone) after etcd compaction and an API server restart', {
      injected: 1,
      etcdRevisionBefore: revisionBefore,
      compactedTo,
      relistsPerResource: Object.fromEntries(relisted),
      relistsTotal: s1.requests({ verb: 'list' }) - s0.requests({ verb: 'list' }),
      changesMadeInTheGap: 3,
      repairedSecondsAfterResume: (tRepaired - tResumed) / 1000,
    });
    // Their last events predate the compaction, so their watches cannot resume: they must have relisted.
    for (const [resource, n] of relisted.slice(0, 4)) assert.ok(n >= 1, `${resource} was listed again after its watch expired (${n})`);
  });

  it('kept /healthz answering within 2 s throughout (except while paused on purpose)', () => {
    report('control plane faults: liveness', { healthProbes: probe.healthMs.length, maxHealthMs: Math.round(probe.maxHealthMs), maxEventLoopLagMs: Math.round(probe.maxLoopLagMs), healthFailures: probe.healthFailures.length, peakRssMiB: Math.round(probe.peakRssMiB) });
    assert.deepEqual(probe.healthFailures, []);
    assert.ok(probe.maxHealthMs < 2000);
  });
});
