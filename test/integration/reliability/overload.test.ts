// Overload: 10,000 namespaces appearing at once must not push the operator past its memory limit or
// starve its liveness probe; and when API Priority and Fairness answers 429, the operator backs off
// (Retry-After, then the work queue's backoff) instead of hammering, and converges once the
// throttle goes.
import assert from 'node:assert/strict';
import type { ControlPlane } from '../../../hack/controlplane/launcher.js';
import path from 'node:path';
import { connect } from '../../../src/kube/connect.js';
import { ApiError } from '../../../src/kube/errors.js';
import type { RunningOperator } from '../support/operator.js';
import { converged } from './fixtures.js';
import { AdminApi, cleanup, condition, CONTAINER_NODE_OPTIONS, inParallel, launchOperator, MEMORY_LIMIT_MIB, ownControlPlane, ProcessProbe, report, Scrape, sleep, stopOperator } from './support.js';

const NAMESPACES = Number(process.env.RELIABILITY_OVERLOAD_NAMESPACES ?? 10_000);
/** One namespace in SELECT_EVERY is selected: all of them are cached, listed, reconciled and audited; a tenth get written. */
const SELECT_EVERY = Number(process.env.RELIABILITY_OVERLOAD_SELECT_EVERY ?? 10);
const CREATE_CONCURRENCY = 64;
const RSS_LIMIT_MIB = MEMORY_LIMIT_MIB;
const HEALTH_LIMIT_MS = 2000;
const THROTTLE_WINDOW_MS = 20_000;
const THROTTLED = 200;
const FLOWCONTROL = '/apis/flowcontrol.apiserver.k8s.io/v1';

const NOISY = 'noisy-neighbour';

interface Noise {
  start(): void;
  /** Stops the loops; returns what they sent and how much was refused. */
  stop(): Promise<{ sent: number; rejected: number }>;
}

/** Another tenant's client: four loops listing namespaces back to back, under its own ServiceAccount. */
async function noisyNeighbour(cp: ControlPlane, api: AdminApi): Promise<Noise> {
  await api.send('POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', { metadata: { name: NOISY }, rules: [{ apiGroups: [''], resources: ['namespaces'], verbs: ['list'] }] });
  await api.send('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
    metadata: { name: NOISY },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: NOISY },
    subjects: [{ kind: 'ServiceAccount', namespace: 'posture-system', name: NOISY }],
  });
  const client = await connect(await cp.mintServiceAccountKubeconfig('posture-system', NOISY, path.join(cp.dir, 'noisy.kubeconfig')), { maxRetries: 0 });
  let running = false;
  let sent = 0;
  let rejected = 0;
  const loops: Promise<void>[] = [];
  const loop = async (): Promise<void> => {
    while (running) {
      sent++;
      await client.request({ verb: 'list', resource: 'namespaces', method: 'GET', path: '/api/v1/namespaces', query: { limit: '500' } }).catch((err: unknown) => {
        if (err instanceof ApiError && err.code === 429) rejected++;
      });
    }
  };
  return {
    start: () => {
      running = true;
      for (let i = 0; i < 4; i++) loops.push(loop());
    },
    stop: async () => {
      running = false;
      await Promise.all(loops);
      await client.close();
      return { sent, rejected };
    },
  };
}

function policySpec(tier: string, defaultDeny: string[]): Record<string, unknown> {
  return { namespaceSelector: { matchLabels: { 'posture.dev/tier': tier } }, networkPolicy: { defaultDeny, allowDNS: false, allowSameNamespace: false } };
}

describe(`reliability: ${NAMESPACES.toLocaleString('en')} namespaces at once, and 429s from API Priority and Fairness`, function () {
  this.timeout(900_000);
  let cp: ControlPlane;
  let api: AdminApi;
  let op: RunningOperator;
  let probe: ProcessProbe;
  const names = Array.from({ length: NAMESPACES }, (_, i) => `load-${String(i).padStart(5, '0')}`);
  const selected = names.filter((_, i) => i % SELECT_EVERY === 0);

  before(async function () {
    this.timeout(900_000);
    cp = await ownControlPlane();
    api = await AdminApi.connect(cp);
    await api.applyBaseline('overload', policySpec('overload', ['Ingress']));
    op = await launchOperator(cp, [], { env: { NODE_OPTIONS: CONTAINER_NODE_OPTIONS } });
    probe = new ProcessProbe(op, 250, HEALTH_LIMIT_MS).start();
  });

  after(async function () {
    this.timeout(120_000);
    await cleanup(
      () => probe.stop(),
      () => stopOperator(op),
      () => api.close(),
      () => cp.stop(),
    );
  });

  it(`takes ${NAMESPACES.toLocaleString('en')} new namespaces within its memory limit, answering /healthz within 2 s throughout`, async () => {
    const t0 = Date.now();
    await inParallel(names, CREATE_CONCURRENCY, (ns, i) => api.createNamespace(ns, i % SELECT_EVERY === 0 ? { 'posture.dev/tier': 'overload' } : { 'posture.dev/tier': 'other' }));
    const created = Date.now() - t0;
    await converged(api, 'overload', selected.length, 600_000);
    const convergedAt = Date.now() - t0;
    const s = await Scrape.of(op);
    report(`overload: ${NAMESPACES} namespaces created at once`, {
      injected: NAMESPACES,
      createConcurrency: CREATE_CONCURRENCY,
      createdInSeconds: created / 1000,
      createdPerSecond: Math.round(NAMESPACES / (created / 1000)),
      selected: selected.length,
      convergedInSeconds: convergedAt / 1000,
      reconciles: s.sum('posture_reconcile_total'),
      policyWrites: s.writes('networkpolicies'),
      peakRssMiB: Math.round(probe.peakRssMiB),
      rssLimitMiB: RSS_LIMIT_MIB,
      heapUsedMiBNow: Math.round(s.sum('nodejs_heap_size_used_bytes') / 1048576),
      healthProbes: probe.healthMs.length,
      maxHealthMs: Math.round(probe.maxHealthMs),
      maxEventLoopLagMs: Math.round(probe.maxLoopLagMs),
      healthFailures: probe.healthFailures.length,
    });
    assert.ok(op.alive, 'the operator is still running');
    assert.deepEqual(probe.healthFailures, [], '/healthz answered every probe within 2 s');
    assert.ok(probe.peakRssMiB < RSS_LIMIT_MIB, `peak RSS ${Math.round(probe.peakRssMiB)} MiB`);
    assert.equal(s.writes('networkpolicies'), selected.length, 'one write per selected namespace, none for the others');
  });

  it('backs off on 429 from API Priority and Fairness, and converges once the throttle is lifted', async () => {
    const throttled = names.slice(1, THROTTLED + 1);
    await inParallel(throttled, 16, (ns) => api.send('PATCH', `/api/v1/namespaces/${ns}`, { metadata: { labels: { 'posture.dev/tier': 'throttled' } } }, 'application/merge-patch+json'));
    await api.applyBaseline('throttled', policySpec('throttled', ['Ingress']));
    await converged(api, 'throttled', THROTTLED, 300_000);

    // A noisy neighbour: another ServiceAccount that lists namespaces back to back, in the same
    // priority level as the operator, which has one seat and no queue. Whatever finds the seat
    // taken is answered 429 at once.
    const noisy = await noisyNeighbour(cp, api);
    await api.send('POST', `${FLOWCONTROL}/prioritylevelconfigurations`, {
      apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
      kind: 'PriorityLevelConfiguration',
      metadata: { name: 'posture-throttle' },
      spec: { type: 'Limited', limited: { nominalConcurrencyShares: 0, lendablePercent: 0, borrowingLimitPercent: 0, limitResponse: { type: 'Reject' } } },
    });
    await api.send('POST', `${FLOWCONTROL}/flowschemas`, {
      apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
      kind: 'FlowSchema',
      metadata: { name: 'posture-throttle' },
      spec: {
        priorityLevelConfiguration: { name: 'posture-throttle' },
        matchingPrecedence: 10,
        distinguisherMethod: { type: 'ByUser' },
        rules: [
          {
            subjects: [
              { kind: 'ServiceAccount', serviceAccount: { namespace: 'posture-system', name: 'posture-operator' } },
              { kind: 'ServiceAccount', serviceAccount: { namespace: 'posture-system', name: NOISY } },
            ],
            resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], namespaces: ['*'], clusterScope: true }],
            nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
          },
        ],
      },
    });
    await sleep(1000);
    noisy.start();
    // Every throttled namespace now needs an update: four workers, a status writer and an event
    // recorder compete with the neighbour for one seat.
    const s0 = await Scrape.of(op);
    const t0 = Date.now();
    await api.applyBaseline('throttled', policySpec('throttled', ['Ingress', 'Egress']));
    await sleep(THROTTLE_WINDOW_MS);
    const s1 = await Scrape.of(op);
    const window = (Date.now() - t0) / 1000;
    const neighbour = await noisy.stop();
    await api.send('DELETE', `${FLOWCONTROL}/flowschemas/posture-throttle`);
    await api.send('DELETE', `${FLOWCONTROL}/prioritylevelconfigurations/posture-throttle`);
    const tLifted = Date.now();
    const b = await converged(api, 'throttled', THROTTLED, 300_000);
    const recovered = (Date.now() - tLifted) / 1000;
    const s2 = await Scrape.of(op);

    const tooMany = s1.requests({ code: '429' }) - s0.requests({ code: '429' });
    const attempts = s1.requests({ verb: 'patch', resource: 'networkpolicies' }) - s0.requests({ verb: 'patch', resource: 'networkpolicies' });
    const went = s1.requests({ verb: 'patch', resource: 'networkpolicies', code: '200' }) - s0.requests({ verb: 'patch', resource: 'networkpolicies', code: '200' });
    // Retry-After is 1 s and every client of the operator waits it out: per second, at most one 429
    // per worker (4), status write in flight (8), event, and informer restart (21).
    const bound = Math.ceil(window) * (4 + 8 + 1 + 21);
    report('overload: API Priority and Fairness throttling the operator (1 seat, no queue)', {
      injected: 1,
      windowSeconds: window,
      requests429: tooMany,
      requests429PerSecond: Math.round((tooMany / window) * 10) / 10,
      bound,
      neighbourRequests: neighbour.sent,
      neighbour429: neighbour.rejected,
      policyPatchAttempts: attempts,
      policyPatchesThatWentThrough: went,
      reconcileErrors: s1.sum('posture_reconcile_total', { result: 'error' }) - s0.sum('posture_reconcile_total', { result: 'error' }),
      convergedSecondsAfterLift: recovered,
      writesAfterLift: s2.writes('networkpolicies') - s1.writes('networkpolicies'),
      maxHealthMs: Math.round(probe.maxHealthMs),
      maxEventLoopLagMs: Math.round(probe.maxLoopLagMs),
      healthFailures: probe.healthFailures.length,
      peakRssMiB: Math.round(probe.peakRssMiB),
    });
    assert.ok(tooMany > 0, 'the throttle answered 429');
    assert.ok(tooMany <= bound, `${tooMany} 429s in ${window} s: more than ${bound} means a client did not back off`);
    assert.ok(went < THROTTLED, `the throttle held the operator back (${went} of ${THROTTLED} updates went through)`);
    assert.equal(condition(b, 'Ready')?.status, 'True');
    assert.deepEqual(probe.healthFailures, []);
    assert.ok(op.alive);
  });
});
