import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient, retryAfterMs } from '../../src/kube/client.js';
import { connect, isLoopback } from '../../src/kube/connect.js';
import { ApiError } from '../../src/kube/errors.js';

/** A loopback HTTP server that answers each request with the next canned response. */
async function serve(responses: readonly { status: number; retryAfter?: string }[]): Promise<{ server: Server; url: string; hits: () => number }> {
  let hits = 0;
  const server = createServer((req, res) => {
    req.resume();
    const r = responses[Math.min(hits, responses.length - 1)] ?? { status: 500 };
    hits++;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (r.retryAfter !== undefined) headers['retry-after'] = r.retryAfter;
    const body = r.status === 429 ? { kind: 'Status', reason: 'TooManyRequests', message: 'Too many requests, please try again later.' } : { kind: 'Thing' };
    res.writeHead(r.status, headers).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => hits };
}

function kubeConfig(server: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

describe('kube client: 429 Too Many Requests', () => {
  const servers: Server[] = [];
  after(() => {
    for (const s of servers) s.close();
  });

  async function client(responses: readonly { status: number; retryAfter?: string }[]): Promise<{ kube: KubeClient; waits: number[]; codes: string[]; hits: () => number }> {
    const { server, url, hits } = await serve(responses);
    servers.push(server);
    const waits: number[] = [];
    const codes: string[] = [];
    const kube = await KubeClient.create(kubeConfig(url), (_verb, _resource, code) => codes.push(code), 1, {
      maxRetries: 3,
      maxRetryAfterMs: 5000,
      sleep: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
    });
    return { kube, waits, codes, hits };
  }

  it('waits for Retry-After and sends the request again, counting every attempt', async () => {
    const { kube, waits, codes } = await client([{ status: 429, retryAfter: '1' }, { status: 429, retryAfter: '2' }, { status: 200 }]);
    const got = await kube.request<{ kind: string }>({ verb: 'get', resource: 'things', method: 'GET', path: '/things' });
    assert.equal(got.kind, 'Thing');
    assert.deepEqual(waits, [1000, 2000]);
    assert.deepEqual(codes, ['429', '429', '200']);
    await kube.close();
  });

  it('gives up after a few attempts with the 429, so the work queue backs off', async () => {
    const { kube, waits, codes, hits } = await client([{ status: 429, retryAfter: '3600' }]);
    await assert.rejects(
      kube.request({ verb: 'patch', resource: 'things', method: 'PATCH', path: '/things/a', body: { a: 1 } }),
      (err: unknown) => err instanceof ApiError && err.code === 429 && err.reason === 'TooManyRequests',
    );
    assert.equal(hits(), 4, 'the first attempt and three retries');
    assert.deepEqual(waits, [5000, 5000, 5000], 'a long Retry-After is capped');
    assert.deepEqual(codes, ['429', '429', '429', '429']);
    await kube.close();
  });

  it('does not retry other errors', async () => {
    const { kube, waits, hits } = await client([{ status: 503, retryAfter: '1' }]);
    await assert.rejects(kube.request({ verb: 'get', resource: 'things', method: 'GET', path: '/things' }), (err: unknown) => err instanceof ApiError && err.code === 503);
    assert.equal(hits(), 1);
    assert.deepEqual(waits, []);
    await kube.close();
  });

  it('reads Retry-After as seconds or an HTTP date, and falls back to one second', () => {
    assert.equal(retryAfterMs('2', 10_000), 2000);
    assert.equal(retryAfterMs(' 0 ', 10_000), 0);
    assert.equal(retryAfterMs('120', 10_000), 10_000);
    assert.equal(retryAfterMs(null, 10_000), 1000);
    assert.equal(retryAfterMs('soon', 10_000), 1000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(retryAfterMs('Thu, 01 Jan 2026 00:00:03 GMT', 10_000, now), 3000);
    assert.equal(retryAfterMs('Wed, 31 Dec 2025 23:59:00 GMT', 10_000, now), 0);
  });
});

describe('kube client: request timeouts', () => {
  const servers: Server[] = [];
  after(() => {
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
  });

  /** A server that accepts and never answers, or sends headers and then stalls the body. */
  async function stalling(mode: 'headers' | 'body'): Promise<string> {
    const server = createServer((req, res) => {
      req.resume();
      if (mode === 'body') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"kind":');
      }
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  for (const mode of ['headers', 'body'] as const) {
    it(`gives up on a server that stalls its ${mode}, counting a timeout`, async () => {
      const codes: string[] = [];
      const kube = await KubeClient.create(kubeConfig(await stalling(mode)), (_verb, _resource, code) => codes.push(code), 1, { timeoutMs: 200 });
      await assert.rejects(kube.request({ verb: 'list', resource: 'things', method: 'GET', path: '/things' }), /GET \/things: no complete answer within 200 ms/);
      assert.deepEqual(codes, ['timeout']);
      await kube.close().catch(() => undefined);
    });
  }
});

describe('kube client: raw requests and watch streams (tools, tests, the benchmark)', () => {
  const servers: Server[] = [];
  after(() => {
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
  });

  async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
    const server = createServer(handler);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('send returns an error answer with its headers, and sends a list header once per value', async () => {
    let seen: string[] = [];
    const url = await listen((req, res) => {
      req.resume();
      seen = req.rawHeaders.filter((_, i, all) => i % 2 === 1 && all[i - 1]?.toLowerCase() === 'impersonate-group');
      res.writeHead(403, { 'content-type': 'application/json', warning: '299 - "careful"' }).end('{"kind":"Status","reason":"Forbidden"}');
    });
    const kube = await connect(kubeConfig(url));
    const reply = await kube.send({ method: 'POST', path: '/x', body: { a: 1 }, headers: { 'Impersonate-Group': ['team-a', 'system:authenticated'] } });
    assert.equal(reply.status, 403);
    assert.equal(reply.headers.warning, '299 - "careful"');
    assert.equal((JSON.parse(reply.text) as { reason: string }).reason, 'Forbidden');
    assert.deepEqual(seen, ['team-a', 'system:authenticated'], 'two header lines, not one joined with a comma');
    await kube.close();
  });

  it('watchEvents yields one event per line, lines split across chunks included, until the stream ends', async () => {
    const url = await listen((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"type":"ADDED","object":{"metadata":{"name":"a"}}}\n{"type":"MOD');
      setTimeout(() => res.end('IFIED","object":{"metadata":{"name":"b"}}}\n\n'), 20);
    });
    const kube = await connect(kubeConfig(url), { timeoutMs: 0, bodyTimeoutMs: 0 });
    const got: string[] = [];
    for await (const e of kube.watchEvents('/w?watch=1', new AbortController().signal)) got.push(`${e.type} ${(e.object.metadata as { name: string }).name}`);
    assert.deepEqual(got, ['ADDED a', 'MODIFIED b']);
    await kube.close();
  });

  it('watchEvents throws ApiError on an error answer (410 Gone means list again)', async () => {
    const url = await listen((req, res) => {
      req.resume();
      res.writeHead(410, { 'content-type': 'application/json' }).end('{"kind":"Status","reason":"Expired","message":"too old resource version"}');
    });
    const kube = await connect(kubeConfig(url));
    await assert.rejects(
      async () => {
        for await (const e of kube.watchEvents('/w?watch=1', new AbortController().signal)) assert.fail(`no event expected, got ${e.type}`);
      },
      (err: unknown) => err instanceof ApiError && err.code === 410 && err.reason === 'Expired',
    );
    await kube.close();
  });

  it('loopbackOnly refuses any other server before connecting', async () => {
    await assert.rejects(connect(kubeConfig('https://10.0.0.1:6443'), { loopbackOnly: true }), /refusing a non-loopback server: https:\/\/10\.0\.0\.1:6443/);
    assert.equal(isLoopback('https://127.0.0.1:1'), true);
    assert.equal(isLoopback('https://[::1]:1'), true);
    assert.equal(isLoopback('https://localhost:1'), true);
    assert.equal(isLoopback('https://kube.example:1'), false);
  });
});

describe('kube client: a 403 right after the API server was unavailable', () => {
  const servers: Server[] = [];
  after(() => {
    for (const s of servers) s.close();
  });

  async function forbiddenAfter503(restartGraceMs?: number): Promise<ApiError> {
    const { server, url } = await serve([{ status: 503 }, { status: 403 }]);
    servers.push(server);
    const kube = await KubeClient.create(kubeConfig(url), () => undefined, 1, restartGraceMs === undefined ? {} : { restartGraceMs });
    const req = { verb: 'patch', resource: 'resourcequotas', method: 'PATCH', path: '/q' } as const;
    await assert.rejects(kube.request(req), (err: unknown) => err instanceof ApiError && err.code === 503);
    const err = await kube.request(req).catch((e: unknown) => e);
    await kube.close();
    assert.ok(err instanceof ApiError && err.code === 403);
    return err;
  }

  it('is transient (retried) within --restart-grace, 15 s by default; final with a zero window', async () => {
    assert.equal((await forbiddenAfter503()).transient, true);
    assert.equal((await forbiddenAfter503(600_000)).transient, true);
    assert.equal((await forbiddenAfter503(0)).transient, false);
  });
});
