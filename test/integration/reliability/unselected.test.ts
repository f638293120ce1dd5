// Audit caches only where the audit reads (issue 17, row 1 and "What to build" 1): a tenant fills a
// namespace no baseline selects with 2,000 Deployments, 16 KB of pod template each (paused: the
// Deployment controller adds no ReplicaSets, which would only slow the test down). The operator,
// run compiled with the Deployment's own Node flags, caches none of them, and its memory stays where it was. Once a baseline selects that
// namespace, without a restart, its caches take the namespace in and the audit reports every workload.
import assert from 'node:assert/strict';
import type { ControlPlane } from '../../../hack/controlplane/launcher.js';
import { NAMESPACE_CHECKS } from '../../../src/audit/catalog.js';
import type { RunningOperator } from '../support/operator.js';
import { servePolicyReports } from '../support/policyreports.js';
import { eventually } from '../support/wait.js';
import { converged, deploymentBody } from './fixtures.js';
import { AdminApi, cleanup, CONTAINER_NODE_OPTIONS, inParallel, launchOperator, MEMORY_LIMIT_MIB, ownControlPlane, ProcessProbe, report, Scrape, stopOperator } from './support.js';

const TIER = { 'posture.dev/tier': 'scoped' };
const WATCHED = 'watched';
const ELSEWHERE = 'elsewhere';
const COUNT = 2000;
const VALUE_BYTES = 16_000;
/** What 2,000 Deployments (32 MB of pod templates) would add, cached; dropped, they add noise only. */
const GROWTH_LIMIT_MIB = 24;
const PER_WORKLOAD_CHECKS = NAMESPACE_CHECKS.filter((c) => c.perWorkload === true).length;

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

describe('reliability: audit caches hold only the namespaces some baseline selects', function () {
  this.timeout(1_200_000);
  let cp: ControlPlane;
  let api: AdminApi;
  let op: RunningOperator;
  let probe: ProcessProbe;

  const cached = async (cache: string): Promise<number> => (await Scrape.of(op)).sum('posture_cache_objects', { cache });

  before(async function () {
    this.timeout(600_000);
    cp = await ownControlPlane();
    api = await AdminApi.connect(cp);
    await servePolicyReports(cp);
    await api.createNamespace(WATCHED, TIER);
    await api.createNamespace(ELSEWHERE);
    await api.applyBaseline('scoped', { namespaceSelector: { matchLabels: TIER } });
    op = await launchOperator(cp, [], { env: { NODE_OPTIONS: CONTAINER_NODE_OPTIONS } });
    probe = new ProcessProbe(op, 250).start();
    await converged(api, 'scoped', 1);
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

  it(`caches none of ${COUNT} Deployments in an unselected namespace, and its RSS stays within ${GROWTH_LIMIT_MIB} MiB of idle`, async () => {
    await eventually('two seconds of idle probes', () => probe.rss.length >= 8, 60_000, 250);
    const idleRssMiB = median(probe.rss.slice(-8));
    const from = probe.rss.length;
    const value = 'x'.repeat(VALUE_BYTES);
    const t0 = Date.now();
    await inParallel(Array.from({ length: COUNT }, (_, i) => i), 16, async (i) => {
      await api.send('POST', `/apis/apps/v1/namespaces/${ELSEWHERE}/deployments`, deploymentBody(`app-${i}`, { image: 'registry.example.com/app:latest', padding: value, paused: true }));
    });
    const createdSeconds = (Date.now() - t0) / 1000;
    await eventually('two seconds of probes after', () => probe.rss.length - from >= 8, 60_000, 250);
    const peak = Math.max(0, ...probe.rss.slice(from));
    const observed = {
      deployments: COUNT,
      templateBytes: VALUE_BYTES,
      createdSeconds,
      idleRssMiB: Math.round(idleRssMiB),
      peakRssMiB: Math.round(peak),
      growthMiB: Math.round(peak - idleRssMiB),
      cachedDeployments: await cached('deployments'),
      maxHealthMs: Math.round(probe.maxHealthMs),
      maxEventLoopLagMs: Math.round(probe.maxLoopLagMs),
      maxEventLoopBusyCpuMs: Math.round(probe.maxLoopBusyMs),
      rssLimitMiB: MEMORY_LIMIT_MIB,
      nodeOptions: CONTAINER_NODE_OPTIONS,
    };
    report('2,000 Deployments in an unselected namespace', observed);
    assert.ok(op.alive, 'the operator is running');
    assert.deepEqual(probe.healthFailures, [], '/healthz answered every probe');
    assert.equal(observed.cachedDeployments, 0, 'no Deployment of the unselected namespace is cached');
    assert.ok(observed.growthMiB < GROWTH_LIMIT_MIB, `RSS grew ${observed.growthMiB} MiB over idle`);
    assert.ok(observed.peakRssMiB < MEMORY_LIMIT_MIB, `peak RSS ${observed.peakRssMiB} MiB`);
  });

  it('a namespace selected later is taken into the caches and audited whole, without a restart', async () => {
    const t0 = Date.now();
    await api.send('PATCH', `/api/v1/namespaces/${ELSEWHERE}`, { metadata: { labels: TIER } }, 'application/merge-patch+json');
    await converged(api, 'scoped', 2, 300_000);
    await eventually(`a PolicyReport in ${ELSEWHERE} that counts all ${COUNT} Deployments`, async () => {
      const summary = (await api.get<{ summary?: Record<string, number> }>(`/apis/wgpolicyk8s.io/v1alpha2/namespaces/${ELSEWHERE}/policyreports/posture-audit`).catch(() => undefined))?.summary ?? {};
      return Object.values(summary).reduce((a, b) => a + b, 0) >= COUNT * PER_WORKLOAD_CHECKS;
    }, 600_000, 1000);
    const observed = {
      auditedAfterSeconds: (Date.now() - t0) / 1000,
      cachedDeployments: await cached('deployments'),
      namespaceLists: (await Scrape.of(op)).requests({ verb: 'list', resource: 'deployments' }),
      peakRssMiB: Math.round(probe.peakRssMiB),
      restarts: op.alive ? 0 : 1,
    };
    report('the unselected namespace selected later', observed);
    assert.ok(op.alive, 'the same operator process');
    assert.equal(observed.cachedDeployments, COUNT, 'every Deployment of the namespace is cached now');
    assert.ok(observed.peakRssMiB < MEMORY_LIMIT_MIB, `peak RSS ${observed.peakRssMiB} MiB`);
    // Unselected again: its objects leave the caches.
    await api.send('PATCH', `/api/v1/namespaces/${ELSEWHERE}`, { metadata: { labels: { 'posture.dev/tier': null } } }, 'application/merge-patch+json');
    await eventually('the caches to drop the namespace again', async () => (await cached('deployments')) === 0, 120_000, 500);
  });
});
