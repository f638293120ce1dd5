// Fault: kube-apiserver restarts while the operator has writes to do, and its authorizer answers 403
// for a while after it is back (a restarting API server serves before its RBAC informers have read
// the roles). Those 403s are retried with backoff and the writes land without anyone's action; the
// status never settles on a terminal error.
//
// Deterministic, not a race with the real authorizer's warm-up: the 403s are real answers of the
// real API server, to writes of ResourceQuotas the operator's ClusterRole is made to lack right
// after the restart (until a SubjectAccessReview says so), given back once the operator has been
// seen retrying them. The window opens when a request of the operator fails to connect during the
// outage (seen in its metrics), and is set long (--restart-grace=10m): however slow the machine,
// every 403 falls inside it.
// Giving the permission back sends the enforcement controller no event (it does not watch
// ClusterRoles): only the retry can land the writes. Were a 403 terminal, the log would say
// "cannot enforce namespace" at the first one, the quota would keep its old value, and status would
// stay ApplyFailed.
import assert from 'node:assert/strict';
import type { ControlPlane } from '../../../hack/controlplane/launcher.js';
import { OPERATOR_NAMESPACE, OPERATOR_SERVICE_ACCOUNT } from '../../../hack/install.js';
import type { RunningOperator } from '../support/operator.js';
import { eventually } from '../support/wait.js';
import { converged, fullSpec } from './fixtures.js';
import { AdminApi, cleanup, launchOperator, logLines, ownControlPlane, report, Scrape, stopOperator } from './support.js';

const BASELINE = 'grace';
const TIER = { 'posture.dev/tier': 'grace' };
const NS = 'grace-00';
const ROLE = '/apis/rbac.authorization.k8s.io/v1/clusterroles/posture-operator';
const QUOTA = `/api/v1/namespaces/${NS}/resourcequotas/posture-quota`;

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
}
interface ClusterRole {
  metadata: Record<string, unknown>;
  rules: Rule[];
}

describe('reliability: 403s right after a kube-apiserver restart are retried, not final', function () {
  this.timeout(600_000);
  let cp: ControlPlane;
  let api: AdminApi;
  let op: RunningOperator;

  before(async function () {
    this.timeout(900_000);
    cp = await ownControlPlane();
    api = await AdminApi.connect(cp);
    await api.createNamespace(NS, TIER);
    await api.applyBaseline(BASELINE, fullSpec(TIER));
    op = await launchOperator(cp, ['--restart-grace=10m', '--log-level=debug']);
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

  /** What the API server's authorizer says about the operator patching the quota (a SubjectAccessReview). */
  async function mayPatchQuota(): Promise<boolean> {
    const review = await api.send<{ status: { allowed: boolean } }>('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: { user: `system:serviceaccount:${OPERATOR_NAMESPACE}:${OPERATOR_SERVICE_ACCOUNT}`, resourceAttributes: { namespace: NS, verb: 'patch', resource: 'resourcequotas', name: 'posture-quota' } },
    });
    return review.status.allowed;
  }

  async function quotaPods(): Promise<string | undefined> {
    return (await api.get<{ spec: { hard: Record<string, string> } }>(QUOTA)).spec.hard.pods;
  }

  it('a quota write answered 403 after the restart is retried until it lands; no terminal error, no ApplyFailed', async () => {
    const original = await api.get<ClusterRole>(ROLE);
    const quotaRule = (r: Rule): boolean => (r.resources ?? []).includes('resourcequotas');
    assert.equal(original.rules.filter(quotaRule).length, 1, 'one rule grants the quota writes');
    const s0 = await Scrape.of(op);
    const tEpisode = Date.now();

    // The API server goes; the operator's next request cannot reach it: the grace window opens.
    // Then it comes back.
    await cp.stopApiServer('SIGTERM');
    // Watches do not go through the client; its other requests do (the PolicyReport discovery runs
    // every 15 s whatever else happens): one that cannot connect marks the API server unreachable.
    const unreachable = async (): Promise<boolean> => Object.entries((await Scrape.of(op)).failedSince(s0, true)).some(([k, n]) => !k.startsWith('watch ') && k.endsWith(' error') && n > 0);
    await eventually('the operator to meet the outage (a request that cannot connect)', unreachable, 120_000, 200);
    await cp.startApiServer();

    // Right after the restart its authorizer does not grant the quota writes yet, and the operator has one to make.
    await api.send('PUT', ROLE, { ...original, rules: original.rules.map((r) => (quotaRule(r) ? { ...r, verbs: ['list', 'watch'] } : r)) });
    await eventually('the authorizer to refuse the operator the quota patch', async () => !(await mayPatchQuota()), 60_000, 100);
    const spec = fullSpec(TIER);
    spec.resourceQuota = { hard: { 'requests.cpu': '8', 'requests.memory': '16Gi', 'limits.cpu': '16', 'limits.memory': '32Gi', pods: '150' } };
    await api.applyBaseline(BASELINE, spec);

    // Back: the quota patch is answered 403, and the operator retries it.
    let retried: Record<string, unknown> | undefined;
    await eventually('the operator retrying a 403 on the quota write', async () => {
      retried = (await logLines(op)).find(
        (l) => l.time >= tEpisode && l.message === 'reconcile failed; retrying' && l.controller === 'enforcement' && l.key === NS && /: 403 Forbidden: /.test(String(l.error)),
      );
      return retried !== undefined;
    }, 120_000, 200);
    assert.equal(await quotaPods(), '100', 'not written while forbidden');
    const forbidden = (await Scrape.of(op)).requests({ verb: 'patch', resource: 'resourcequotas', code: '403' }) - s0.requests({ verb: 'patch', resource: 'resourcequotas', code: '403' });
    assert.ok(forbidden >= 1, 'the API server answered the quota write 403');

    // The authorizer "warms up": the permission is back. Nothing else happens.
    const tRestored = Date.now();
    await api.send('PUT', ROLE, { ...original, metadata: { ...original.metadata, resourceVersion: undefined } });
    await eventually('the authorizer to grant the quota patch again', mayPatchQuota, 60_000, 100);
    await eventually('the quota written', async () => (await quotaPods()) === '150', 180_000, 200);
    const b = await converged(api, BASELINE, 1, 180_000);
    const tLanded = Date.now();

    const lines = (await logLines(op)).filter((l) => l.time >= tEpisode);
    const terminal = lines.filter((l) => l.message === 'cannot enforce namespace');
    assert.deepEqual(terminal, [], 'no 403 was taken as final');
    const events = await api.get<{ items: { reason?: string; regarding?: { name?: string }; eventTime?: string }[] }>('/apis/events.k8s.io/v1/namespaces/default/events');
    const applyFailed = events.items.filter((e) => e.reason === 'ApplyFailed' && e.regarding?.name === BASELINE && Date.parse(e.eventTime ?? '') >= tEpisode - 1000);
    assert.deepEqual(applyFailed, [], 'no ApplyFailed event');
    assert.equal(b.status?.conditions?.find((c) => c.type === 'Ready')?.reason, 'Enforced');

    const s1 = await Scrape.of(op);
    report('kube-apiserver restart with 403s from its authorizer after it (RBAC made to lack the quota writes)', {
      forbiddenQuotaPatches: s1.requests({ verb: 'patch', resource: 'resourcequotas', code: '403' }) - s0.requests({ verb: 'patch', resource: 'resourcequotas', code: '403' }),
      retriesLogged: lines.filter((l) => l.message === 'reconcile failed; retrying' && /: 403 /.test(String(l.error))).length,
      landedSecondsAfterPermissionBack: (tLanded - tRestored) / 1000,
      failedRequestsByCode: s1.failedSince(s0),
    });
  });
});
