import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { ClusterAccess } from '../../src/kube/access.js';
import { KubeClient } from '../../src/kube/client.js';
import { loadClusterAccess } from '../../src/kubeconfig.js';
import { errorMessage } from '../../src/kube/errors.js';
import { selfSignedCertificate } from '../../src/observability/selfsigned.js';

/**
 * What a kubeconfig asks for reaches the wire: tls-server-name, proxy-url and exec credential
 * plugins (client-node reads them; KubeClient must not drop them), and a refused connection says why.
 */

const SERVER_NAME = 'api.posture.internal';

interface Listening {
  port: number;
  close: () => Promise<void>;
}

async function listen(server: HttpServer | HttpsServer): Promise<Listening> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => {
        resolve();
      }));
    },
  };
}

function kubeconfigYaml(cluster: Record<string, unknown>, user: Record<string, unknown>): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'x',
  });
}

/** Through client-node's KubeConfig, as the CLI and tools read a kubeconfig. */
async function viaClientNode(yaml: string): Promise<KubeConfig> {
  const kc = new KubeConfig();
  kc.loadFromString(yaml);
  return Promise.resolve(kc);
}

let fileCount = 0;
/** Through the operator's own loader: from a file, without client-node where the kubeconfig is simple. */
async function viaOperatorLoader(yaml: string): Promise<ClusterAccess> {
  const path = join(tmpdir(), `posture-kubeconn-${process.pid}-${fileCount++}.yaml`);
  writeFileSync(path, yaml);
  try {
    return await loadClusterAccess(path, {});
  } finally {
    rmSync(path, { force: true });
  }
}

const LOADERS = [
  ['client-node KubeConfig', viaClientNode],
  ['the operator loader (src/kubeconfig.ts)', viaOperatorLoader],
] as const;

for (const [loaderName, load] of LOADERS) {
async function get(yaml: string): Promise<unknown> {
  const client = await KubeClient.create(await load(yaml), () => undefined);
  try {
    return await client.request({ verb: 'get', resource: 'namespaces', method: 'GET', path: '/api/v1/namespaces/default' });
  } finally {
    await client.close();
  }
}

describe(`kube connection: what the kubeconfig says is honoured (${loaderName})`, function () {
  // The operator loader imports client-node on first need (proxy-url, exec): seconds on a busy machine.
  this.timeout(30_000);
  // The API server's certificate names only SERVER_NAME, not 127.0.0.1, as behind a tunnel.
  const tls = selfSignedCertificate([SERVER_NAME]);
  const ca = Buffer.from(tls.cert).toString('base64');
  let api: Listening;
  const seen: { authorization?: string }[] = [];
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'posture-kubeconn-'));
    api = await listen(
      createHttpsServer({ cert: tls.cert, key: tls.key }, (req, res) => {
        seen.push({ authorization: req.headers.authorization });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"kind":"Namespace"}');
      }),
    );
  });
  after(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('tls-server-name: the certificate is checked against it, not the address', async () => {
    const server = `https://127.0.0.1:${api.port}`;
    await assert.rejects(get(kubeconfigYaml({ server, 'certificate-authority-data': ca }, { token: 't' })), (err: unknown) => {
      assert.match(errorMessage(err), /fetch failed: .*(altnames|IP: 127\.0\.0\.1)/, 'without it the cause names the mismatch');
      return true;
    });
    assert.deepEqual(await get(kubeconfigYaml({ server, 'certificate-authority-data': ca, 'tls-server-name': SERVER_NAME }, { token: 't' })), { kind: 'Namespace' });
  });

  it('proxy-url: requests are tunnelled through the proxy', async () => {
    const tunnels: string[] = [];
    const proxyServer = createHttpServer();
    proxyServer.on('connect', (req, socket, head) => {
      tunnels.push(req.url ?? '');
      const [host = '', port = ''] = (req.url ?? '').split(':');
      const upstream = connect(Number(port), host, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
    const proxy = await listen(proxyServer);
    try {
      const yaml = kubeconfigYaml(
        { server: `https://127.0.0.1:${api.port}`, 'certificate-authority-data': ca, 'tls-server-name': SERVER_NAME, 'proxy-url': `http://127.0.0.1:${proxy.port}` },
        { token: 't' },
      );
      assert.deepEqual(await get(yaml), { kind: 'Namespace' });
      assert.deepEqual(tunnels, [`127.0.0.1:${api.port}`]);
    } finally {
      await proxy.close();
    }
  });

  it('exec credential plugin: its token is sent', async () => {
    const plugin = join(dir, 'credential-plugin.sh');
    writeFileSync(
      plugin,
      '#!/bin/sh\necho \'{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"from-the-plugin"}}\'\n',
    );
    chmodSync(plugin, 0o755);
    seen.length = 0;
    const yaml = kubeconfigYaml(
      { server: `https://127.0.0.1:${api.port}`, 'certificate-authority-data': ca, 'tls-server-name': SERVER_NAME },
      { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: plugin, interactiveMode: 'Never' } },
    );
    assert.deepEqual(await get(yaml), { kind: 'Namespace' });
    assert.deepEqual(seen, [{ authorization: 'Bearer from-the-plugin' }]);
  });

  it('a refused connection names the address and the cause, not only "fetch failed"', async () => {
    const closed = await listen(createHttpServer());
    await closed.close();
    await assert.rejects(get(kubeconfigYaml({ server: `https://127.0.0.1:${closed.port}`, 'certificate-authority-data': ca }, { token: 't' })), (err: unknown) => {
      assert.equal(errorMessage(err), `GET https://127.0.0.1:${closed.port}/api/v1/namespaces/default: fetch failed: connect ECONNREFUSED 127.0.0.1:${closed.port}`);
      return true;
    });
  });
});

}

describe('errorMessage', () => {
  it('follows causes, skips repeats, and opens an AggregateError', () => {
    const refused = new AggregateError([new Error('connect ECONNREFUSED ::1:6443'), new Error('connect ECONNREFUSED 127.0.0.1:6443')], '');
    assert.equal(errorMessage(new TypeError('fetch failed', { cause: refused })), 'fetch failed: connect ECONNREFUSED ::1:6443; connect ECONNREFUSED 127.0.0.1:6443');
    const inner = new Error('self-signed certificate');
    assert.equal(errorMessage(new Error('GET x: fetch failed: self-signed certificate', { cause: new Error('fetch failed', { cause: inner }) })), 'GET x: fetch failed: self-signed certificate');
    assert.equal(errorMessage('plain'), 'plain');
  });
});
