import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { Agent, fetch } from 'undici';
import type { ControlPlane } from '../../hack/controlplane/launcher.js';
import { adminClient, applyAll, readManifests } from '../../hack/install.js';
import { selfSignedCertificate } from '../../src/observability/selfsigned.js';
import { sharedControlPlane } from './support/controlplane.js';
import { fetchAsAdmin } from './support/kube.js';
import { startOperator, type RunningOperator } from './support/operator.js';

/**
 * Secure metrics on the real API server: HTTPS, and every scrape authenticated with a TokenReview and
 * authorised with a SubjectAccessReview, made by the operator under its own ServiceAccount and
 * ClusterRole (config/rbac). No token is 401, a token without posture-metrics-reader is 403, with it 200.
 */

const NS = 'metrics-scrapers';

async function token(cp: ControlPlane, serviceAccount: string): Promise<string> {
  const r = (await fetchAsAdmin(cp, 'POST', `/api/v1/namespaces/${NS}/serviceaccounts/${serviceAccount}/token`, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { expirationSeconds: 3600 },
  })) as { status: { token: string } };
  return r.status.token;
}

async function scrape(url: string, dispatcher: Agent, bearer?: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { dispatcher, headers: bearer === undefined ? {} : { authorization: `Bearer ${bearer}` } });
  return { status: res.status, body: await res.text() };
}

describe('secure metrics (--metrics-secure) on the real API server', function () {
  let cp: ControlPlane;
  let op: RunningOperator | undefined;
  let reader: string;
  let stranger: string;
  const insecure = new Agent({ connect: { rejectUnauthorized: false } });

  before(async function () {
    this.timeout(300_000);
    cp = await sharedControlPlane();
    const client = await adminClient(cp.kubeconfigPath);
    await applyAll(client, [
      ...(await readManifests('config/rbac/metrics_reader_role.yaml')),
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'prometheus', namespace: NS } },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'stranger', namespace: NS } },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'posture-metrics-reader-test' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'posture-metrics-reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'prometheus', namespace: NS }],
      } as KubernetesObject,
    ]);
    await client.close();
    reader = await token(cp, 'prometheus');
    stranger = await token(cp, 'stranger');
  });
  after(async () => {
    if (op?.alive === true) await op.stop();
    await insecure.close();
  });

  it('with a self-signed certificate: no token 401, a token without the role 403, with it 200', async function () {
    this.timeout(120_000);
    op = await startOperator(cp, ['--metrics-secure']);
    const url = op.metricsUrl.replace(/^http:/, 'https:');
    await assert.rejects(fetch(op.metricsUrl), 'plain HTTP is not served');
    const none = await scrape(url, insecure);
    const garbage = await scrape(url, insecure, 'not-a-token');
    const forbidden = await scrape(url, insecure, stranger);
    const allowed = await scrape(url, insecure, reader);
    console.log(`      scrape ${url}: no token ${none.status}; bad token ${garbage.status}; stranger ${forbidden.status} (${forbidden.body.trim()}); posture-metrics-reader ${allowed.status}`);
    assert.equal(none.status, 401);
    assert.equal(garbage.status, 401);
    assert.equal(forbidden.status, 403);
    assert.match(forbidden.body, /system:serviceaccount:metrics-scrapers:stranger may not get \/metrics/);
    assert.equal(allowed.status, 200);
    assert.match(allowed.body, /^posture_leader 1$/m);
    // The reviews were made as the operator, and counted like every other request.
    assert.match(allowed.body, /posture_kube_requests_total\{verb="create",resource="tokenreviews",code="201"\} [1-9]/);
    assert.match(allowed.body, /posture_kube_requests_total\{verb="create",resource="subjectaccessreviews",code="201"\} [1-9]/);
    await op.stop();
  });

  it('serves a mounted certificate (--metrics-cert-path), which a client can verify', async function () {
    this.timeout(120_000);
    const dir = await mkdtemp(join(tmpdir(), 'posture-metrics-cert-'));
    try {
      const mounted = selfSignedCertificate(['posture-operator-metrics.posture-system.svc', '127.0.0.1']);
      await writeFile(join(dir, 'tls.crt'), mounted.cert);
      await writeFile(join(dir, 'tls.key'), mounted.key);
      op = await startOperator(cp, ['--metrics-secure', `--metrics-cert-path=${dir}`]);
      const verifying = new Agent({ connect: { ca: mounted.cert } });
      try {
        const res = await scrape(op.metricsUrl.replace(/^http:/, 'https:'), verifying, reader);
        assert.equal(res.status, 200);
      } finally {
        await verifying.close();
      }
      await op.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
