// Proves the local control plane (hack/controlplane/launcher.ts) is a real, working Kubernetes:
// real RBAC, a running garbage collector and namespace controller, and a clean shutdown.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startControlPlane, type ControlPlane } from '../../hack/controlplane/launcher.js';
import type { KubeClient, KubeRequest } from '../../src/kube/client.js';
import { connect } from '../../src/kube/connect.js';
import { sharedControlPlane } from './support/controlplane.js';

function kubernetesVersionFromGoMod(): string {
  const goMod = readFileSync(path.join(import.meta.dirname, '../../hack/controlplane/kube/go.mod'), 'utf8');
  const version = /^(?:require |\t)k8s\.io\/kubernetes (v\d+\.\d+\.\d+)$/m.exec(goMod)?.[1];
  if (version === undefined) throw new Error('k8s.io/kubernetes not found in hack/controlplane/kube/go.mod');
  return version;
}

const KUBERNETES_VERSION = kubernetesVersionFromGoMod();

/** Polls check() every 250 ms until it returns true; fails after timeoutMs with the last error seen. */
async function pollUntil(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'condition still false';
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what} (${last})`);
    await sleep(250);
  }
}

interface KubeResponse {
  code: number;
  body: string;
}

/** One API request, returning the status instead of throwing. Plain JSON bodies. */
async function kube(client: KubeClient, method: KubeRequest['method'], apiPath: string, body?: unknown): Promise<KubeResponse> {
  const res = await client.send({ method, path: apiPath, body });
  return { code: res.status, body: res.text };
}

/** Like kube(), but fails unless the response code is one of expected. Returns the parsed body. */
async function kubeOk(client: KubeClient, method: KubeRequest['method'], apiPath: string, body?: unknown, expected = [200, 201]): Promise<unknown> {
  const res = await kube(client, method, apiPath, body);
  if (!expected.includes(res.code)) throw new Error(`${method} ${apiPath}: HTTP ${res.code} ${res.body}`);
  return JSON.parse(res.body) as unknown;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function suffix(): string {
  return randomBytes(3).toString('hex');
}

const namespaces = '/api/v1/namespaces';

describe('local control plane', function () {
  let cp: ControlPlane;
  let admin: KubeClient;
  let tmp: string;

  before(async function () {
    cp = await sharedControlPlane();
    admin = await connect(cp.kubeconfigPath);
    tmp = await mkdtemp(path.join(os.tmpdir(), 'posture-cp-test-'));
  });

  after(async function () {
    await rm(tmp, { recursive: true, force: true });
    await admin.close();
  });

  const createNamespace = async (name: string): Promise<void> => {
    await kubeOk(admin, 'POST', namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  };

  it(`runs the kube-apiserver version pinned in hack/controlplane/kube/go.mod (${KUBERNETES_VERSION})`, async function () {
    const info = (await kubeOk(admin, 'GET', '/version')) as { gitVersion?: string };
    assert.equal(info.gitVersion, KUBERNETES_VERSION);
    assert.equal(cp.version, KUBERNETES_VERSION);
  });

  it('enforces RBAC for a minted ServiceAccount token', async function () {
    const ns = `rbac-${suffix()}`;
    const name = `posture-test-list-namespaces-${suffix()}`;
    let reader: KubeClient | undefined;
    await createNamespace(ns);
    try {
      const kubeconfigPath = await cp.mintServiceAccountKubeconfig(ns, 'reader', path.join(tmp, `${ns}.kubeconfig`));
      reader = await connect(kubeconfigPath);

      const asReader = reader;
      const denied = await kube(asReader, 'GET', namespaces);
      assert.equal(denied.code, 403, denied.body);
      // 403, not 401: the token authenticated as the ServiceAccount and RBAC said no.
      assert.match(denied.body, new RegExp(`system:serviceaccount:${ns}:reader`));

      await kubeOk(admin, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name },
        rules: [{ apiGroups: [''], resources: ['namespaces'], verbs: ['list'] }],
      });
      await kubeOk(admin, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
        subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: ns }],
      });
      await pollUntil('the ServiceAccount to be allowed to list namespaces', 30_000, async () => {
        const res = await kube(asReader, 'GET', namespaces);
        return res.code === 200;
      });
    } finally {
      await reader?.close();
      await kube(admin, 'DELETE', `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${name}`);
      await kube(admin, 'DELETE', `/apis/rbac.authorization.k8s.io/v1/clusterroles/${name}`);
      await kube(admin, 'DELETE', `${namespaces}/${ns}`);
    }
  });

  it('garbage-collects a ConfigMap whose owner was deleted', async function () {
    const ns = `gc-${suffix()}`;
    const configMaps = `${namespaces}/${ns}/configmaps`;
    await createNamespace(ns);
    try {
      const owner = (await kubeOk(admin, 'POST', configMaps, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'owner' },
      })) as { metadata?: { uid?: string } };
      const uid = owner.metadata?.uid;
      assert.ok(uid, 'owner has a uid');
      await kubeOk(admin, 'POST', configMaps, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'dependent', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid }] },
      });
      assert.equal((await kube(admin, 'GET', `${configMaps}/dependent`)).code, 200);

      await kubeOk(admin, 'DELETE', `${configMaps}/owner`);
      await pollUntil('the dependent ConfigMap to be garbage-collected', 60_000, async () => {
        const res = await kube(admin, 'GET', `${configMaps}/dependent`);
        return res.code === 404;
      });
    } finally {
      await kube(admin, 'DELETE', `${namespaces}/${ns}`);
    }
  });

  it('completes namespace deletion', async function () {
    const ns = `del-${suffix()}`;
    await createNamespace(ns);
    await kubeOk(admin, 'POST', `${namespaces}/${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'content' } });
    await kubeOk(admin, 'DELETE', `${namespaces}/${ns}`);
    await pollUntil(`namespace ${ns} to disappear`, 60_000, async () => {
      const res = await kube(admin, 'GET', `${namespaces}/${ns}`);
      return res.code === 404;
    });
  });

  it('starts an independent control plane (with audit log) and stops it without leftovers', async function () {
    const policy = path.join(tmp, 'audit-policy.yaml');
    await writeFile(policy, 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n');
    const lines: string[] = [];
    const second = await startControlPlane({ log: (line) => lines.push(line), auditPolicyFile: policy });
    const pids = [second.pids.etcd, second.pids.kubeApiserver, second.pids.kubeControllerManager];
    try {
      assert.notEqual(second.server, cp.server);
      assert.notEqual(second.dir, cp.dir);
      assert.equal(pids.length, 3);
      for (const pid of pids) assert.ok(pidAlive(pid), `pid ${pid} is alive while running`);
      await access(second.dir);
      assert.ok(lines.some((line) => line.startsWith('controllers ready')), lines.join('\n'));

      const auditLogPath = second.auditLogPath;
      assert.ok(auditLogPath, 'auditLogPath is set when auditPolicyFile is given');
      await pollUntil('audit events', 30_000, async () => (await readFile(auditLogPath, 'utf8')).includes('"kind":"Event"'));
    } finally {
      await second.stop();
    }

    await assert.rejects(access(second.dir), { code: 'ENOENT' });
    for (const pid of pids) {
      assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, `pid ${pid} is gone after stop()`);
    }
    await second.stop(); // idempotent
  });
});
