import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../src/kube/client.js';
import { ApiError } from '../../src/kube/errors.js';
import { typeOfKind } from '../../src/kube/resources.js';
import { listPages } from '../../src/runtime/listpages.js';

const DEPLOYMENT = typeOfKind('Deployment');

/** A loopback API server answering each list page with the body its answer function gives, 3 bytes per write. */
async function serve(answer: (query: URLSearchParams) => { status: number; body: string }): Promise<{ server: Server; url: string; queries: URLSearchParams[] }> {
  const queries: URLSearchParams[] = [];
  const server = createServer((req, res) => {
    req.resume();
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    queries.push(query);
    const { status, body } = answer(query);
    res.writeHead(status, { 'content-type': 'application/json' });
    const bytes = Buffer.from(body);
    const write = (at: number): void => {
      if (at >= bytes.length) {
        res.end();
        return;
      }
      res.write(bytes.subarray(at, at + 3), () => {
        setImmediate(() => {
          write(at + 3);
        });
      });
    };
    write(0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, queries };
}

async function client(url: string, codes: string[] = []): Promise<KubeClient> {
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: [{ name: 'c', server: url, skipTLSVerify: true }], users: [{ name: 'u' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
  return KubeClient.create(kc, (_verb, _resource, code) => codes.push(code), 1);
}

describe('listPages through KubeClient: items read as the response arrives', () => {
  const servers: Server[] = [];
  const clients: KubeClient[] = [];
  after(async () => {
    for (const c of clients) await c.close();
    for (const s of servers) s.close();
  });

  it('follows continue tokens, takes each item, returns the last resourceVersion (metadata after the items too)', async () => {
    const pages: Record<string, string> = {
      '': JSON.stringify({ kind: 'DeploymentList', metadata: { resourceVersion: '10', continue: 'p2' }, items: [{ metadata: { name: 'a', annotations: { x: 'é"}]' } } }] }),
      p2: JSON.stringify({ items: [{ metadata: { name: 'b' } }, { metadata: { name: 'c' } }], metadata: { resourceVersion: '11' }, kind: 'DeploymentList' }),
    };
    const { server, url, queries } = await serve((q) => ({ status: 200, body: pages[q.get('continue') ?? ''] ?? '' }));
    servers.push(server);
    const codes: string[] = [];
    const kube = await client(url, codes);
    clients.push(kube);
    const names: string[] = [];
    const rv = await listPages({ client: kube, type: DEPLOYMENT, path: '/apis/apps/v1/deployments', query: {}, metadataOnly: false }, (item) => {
      names.push((item as { metadata: { name: string } }).metadata.name);
    });
    assert.deepEqual(names, ['a', 'b', 'c']);
    assert.equal(rv, '11');
    assert.deepEqual(queries.map((q) => [q.get('limit'), q.get('continue')]), [['500', null], ['500', 'p2']]);
    assert.deepEqual(codes, ['200', '200']);
  });

  it('an error answer is an ApiError; a truncated or malformed body fails the list naming its path', async () => {
    const bodies = [
      { status: 410, body: JSON.stringify({ kind: 'Status', reason: 'Expired', message: 'continue token expired' }) },
      { status: 200, body: '{"metadata":{},"items":[{"metadata":{"name":"a"}},' },
      { status: 200, body: '<html>bad gateway</html>' },
    ];
    let n = 0;
    const { server, url } = await serve(() => bodies[n++] ?? { status: 500, body: '' });
    servers.push(server);
    const kube = await client(url);
    clients.push(kube);
    const list = (): Promise<string> => listPages({ client: kube, type: DEPLOYMENT, path: '/apis/apps/v1/deployments', query: {}, metadataOnly: false }, () => undefined);
    await assert.rejects(list(), (err: unknown) => err instanceof ApiError && err.code === 410);
    await assert.rejects(list(), /list \/apis\/apps\/v1\/deployments: the response ended before the list did/);
    await assert.rejects(list(), /list \/apis\/apps\/v1\/deployments: malformed response near byte 0/);
  });
});
