// A list page of large objects (issue 17, item 1: "never buffer a whole response"): a tenant with
// `edit` in a namespace no baseline selects creates 150 Deployments of ~1 MB each (paused, no
// replicas: the Deployment controller adds no ReplicaSets). The operator, run compiled with the
// Deployment's own Node flags, is restarted over them: its first Deployment list is one page of
// ~150 MB, which parsed whole would be far past the 160 MB heap. Read item by item, each dropped
// as it arrives, the operator's peak RSS since start stays near its idle level. One more Deployment
// holds 1 MB of '<', which the API server's JSON escapes six-fold: a legitimate 6 MB item (listed)
// and watch event (in a selected namespace), both taken.
import assert from 'node:assert/strict';
import path from 'node:path';
import type { ControlPlane } from '../../../hack/controlplane/launcher.js';
import { adminClient } from '../../../hack/install.js';
import type { KubeClient } from '../../../src/kube/client.js';
import type { RunningOperator } from '../support/operator.js';
import { servePolicyReports } from '../support/policyreports.js';
import { eventually } from '../support/wait.js';
import { converged, deploymentBody } from './fixtures.js';
import { AdminApi, cleanup, CONTAINER_NODE_OPTIONS, inParallel, launchOperator, MEMORY_LIMIT_MIB, ownControlPlane, peakRssMiB, ProcessProbe, report, Scrape, stopOperator } from './support.js';

const TIER = { 'posture.dev/tier': 'scoped' };
const WATCHED = 'watched';
const HEAVY = 'heavy';
const COUNT = 150;
const VALUE_BYTES = 1_000_000;
/** Whole-page parsing needs the page's 150 MB as one string before its first item is dropped. */
const PEAK_LIMIT_MIB = 200;

const heavyDeployment = (i: number, padding: string): Record<string, unknown> => deploymentBody(`big-${i}`, { image: 'registry.example.com/app:1', padding, paused: true });

describe('reliability: a list page of large objects is read item by item', function () {
  this.timeout(1_200_000);
  let cp: ControlPlane;
  let api: AdminApi;
  let tenant: KubeClient | undefined;
  let op: RunningOperator | undefined;
  let probe: ProcessProbe | undefined;

  before(async function () {
    this.timeout(600_000);
    cp = await ownControlPlane();
    api = await AdminApi.connect(cp);
    await servePolicyReports(cp);
    await api.createNamespace(WATCHED, TIER);
    await api.createNamespace(HEAVY);
    await api.send('POST', `/api/v1/namespaces/${HEAVY}/serviceaccounts`, { metadata: { name: 'mallory' } });
    await api.send('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${HEAVY}/rolebindings`, {
      metadata: { name: 'mallory-edit' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
      subjects: [{ kind: 'ServiceAccount', name: 'mallory', namespace: HEAVY }],
    });
    tenant = await adminClient(await cp.mintServiceAccountKubeconfig(HEAVY, 'mallory', path.join(cp.dir, 'mallory.kubeconfig')));
    await api.applyBaseline('scoped', { namespaceSelector: { matchLabels: TIER } });
    op = await launchOperator(cp, [], { env: { NODE_OPTIONS: CONTAINER_NODE_OPTIONS } });
    await converged(api, 'scoped', 1);
  });

  after(async function () {
    this.timeout(180_000);
    // The control plane (and its etcd, with the 150 MB) goes whole; deleting the namespace first
    // would only make etcd work before it is removed.
    await cleanup(
      () => probe?.stop(),
      () => stopOperator(op),
      () => tenant?.close(),
      () => api.close(),
      () => cp.stop(),
    );
  });

  it(`restarted over ${COUNT} Deployments of 1 MB in an unselected namespace, the operator's peak RSS stays under ${PEAK_LIMIT_MIB} MiB`, async () => {
    const client = tenant;
    assert.ok(client !== undefined);
    const value = 'x'.repeat(VALUE_BYTES);
    const t0 = Date.now();
    await inParallel(Array.from({ length: COUNT }, (_, i) => i), 4, async (i) => {
      await client.request({ verb: 'create', resource: 'tenant', method: 'POST', path: `/apis/apps/v1/namespaces/${HEAVY}/deployments`, body: heavyDeployment(i, value) });
    });
    // JSON escapes each < as \u003c: 1 MB of them is a 6 MB item, over a 4 MiB bound and legitimate.
    const escaped = '<'.repeat(VALUE_BYTES);
    await client.request({ verb: 'create', resource: 'tenant', method: 'POST', path: `/apis/apps/v1/namespaces/${HEAVY}/deployments`, body: heavyDeployment(COUNT, escaped) });
    const createdSeconds = (Date.now() - t0) / 1000;

    await stopOperator(op);
    op = await launchOperator(cp, [], { env: { NODE_OPTIONS: CONTAINER_NODE_OPTIONS } });
    probe = new ProcessProbe(op, 250).start();
    const b = await converged(api, 'scoped', 1);
    const scrape = await Scrape.of(op);
    // VmHWM: the peak since the process started, its first lists included.
    const peak = await peakRssMiB(op.pid);
    const lists = scrape.requests({ verb: 'list', resource: 'deployments' });
    report('a list page of 150 x 1 MB Deployments, restart', {
      createdSeconds,
      peakRssSinceStartMiB: Math.round(peak),
      peakLimitMiB: PEAK_LIMIT_MIB,
      rssLimitMiB: MEMORY_LIMIT_MIB,
      nodeOptions: CONTAINER_NODE_OPTIONS,
      heapUsedMiB: Math.round(scrape.sum('nodejs_heap_size_used_bytes') / 1048576),
      deploymentLists: lists,
      cachedDeployments: scrape.sum('posture_cache_objects', { cache: 'deployments' }),
      ready: b.status?.conditions?.find((c) => c.type === 'Ready')?.status,
    });
    assert.ok(lists >= 1, 'the operator listed the Deployments');
    assert.equal(scrape.sum('posture_cache_objects', { cache: 'deployments' }), 0, 'none of them is cached');
    assert.ok(peak < PEAK_LIMIT_MIB, `peak RSS since start ${Math.round(peak)} MiB`);
  });

  it('takes a 6 MB watch event (1 MB of escaped characters) in a selected namespace without listing again', async () => {
    assert.ok(op !== undefined);
    const running = op;
    await api.send('POST', `/apis/apps/v1/namespaces/${WATCHED}/deployments`, heavyDeployment(COUNT + 1, '<'.repeat(VALUE_BYTES)));
    await eventually('the Deployment in the cache', async () => (await Scrape.of(running)).sum('posture_cache_objects', { cache: 'deployments' }) === 1, 120_000, 500);
    const scrape = await Scrape.of(running);
    report('a 6 MB watch event', { deploymentLists: scrape.requests({ verb: 'list', resource: 'deployments' }), peakRssSinceStartMiB: Math.round(await peakRssMiB(running.pid)) });
    assert.equal(scrape.requests({ verb: 'list', resource: 'deployments' }), 1, 'the watch carried it: no list again');
  });
});
