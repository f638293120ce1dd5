// The benchmark's own minimal client: one undici Agent with keep-alive and a bounded connection pool,
// raw JSON bodies, no typed models. It is both the "floor" client (server-side apply PATCHes exactly
// like the operator's) and the client that creates namespaces and watches.
import { KubeConfig } from '@kubernetes/client-node';
import type { RequestOptions } from 'node:https';
import { StringDecoder } from 'node:string_decoder';
import { Agent, request } from 'undici';

export interface Response {
  status: number;
  text: string;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly method: string,
    readonly path: string,
    body: string,
  ) {
    super(`${method} ${path}: HTTP ${status} ${body.slice(0, 300)}`);
  }
}

interface Credentials {
  server: string;
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  headers: Record<string, string>;
}

async function credentials(kubeconfigPath: string): Promise<Credentials> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new Error(`${kubeconfigPath}: no current cluster`);
  const url = new URL(cluster.server);
  if (url.hostname !== '127.0.0.1' && url.hostname !== 'localhost' && url.hostname !== '::1') {
    // The benchmark sends tens of thousands of writes: only ever to the throwaway control plane it started.
    throw new Error(`refusing to benchmark a non-loopback server: ${cluster.server}`);
  }
  const opts: RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const pick = (v: unknown): string | Buffer | undefined => (typeof v === 'string' || Buffer.isBuffer(v) ? v : undefined);
  const headers = Object.fromEntries(Object.entries(opts.headers ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'));
  return { server: cluster.server.replace(/\/$/, ''), ca: pick(opts.ca), cert: pick(opts.cert), key: pick(opts.key), headers };
}

export type WatchHandler = (type: string, object: Record<string, unknown>) => void;

export class BenchClient {
  private constructor(
    readonly server: string,
    private readonly agent: Agent,
    private readonly headers: Record<string, string>,
  ) {}

  /** connections: the pool size; requests beyond it queue in the client. */
  static async fromKubeconfig(kubeconfigPath: string, connections: number): Promise<BenchClient> {
    const c = await credentials(kubeconfigPath);
    const agent = new Agent({
      connections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      headersTimeout: 60_000,
      bodyTimeout: 0,
      connect: { ca: c.ca, cert: c.cert, key: c.key, rejectUnauthorized: true },
    });
    return new BenchClient(c.server, agent, c.headers);
  }

  async send(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown, contentType = 'application/json'): Promise<Response> {
    const headers: Record<string, string> = { ...this.headers, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = contentType;
    const res = await request(this.server + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      dispatcher: this.agent,
    });
    return { status: res.statusCode, text: await res.body.text() };
  }

  /** Sends and throws HttpError unless the answer is 2xx (or one of the accepted codes). */
  async ok(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown, contentType?: string, accept: readonly number[] = []): Promise<Response> {
    const res = await this.send(method, path, body, contentType);
    if ((res.status < 200 || res.status > 299) && !accept.includes(res.status)) throw new HttpError(res.status, method, path, res.text);
    return res;
  }

  async getJson<T>(path: string): Promise<T> {
    return JSON.parse((await this.ok('GET', path)).text) as T;
  }

  /** Server-side apply, as the operator sends it: apply-patch+yaml with a JSON body, force, field manager. */
  async apply(path: string, object: unknown, fieldManager: string): Promise<Response> {
    return this.ok('PATCH', `${path}?fieldManager=${encodeURIComponent(fieldManager)}&force=true`, object, 'application/apply-patch+yaml');
  }

  /**
   * One watch request: calls onEvent per line (with the arrival time read by the handler) until the
   * server ends it or signal aborts. Returns normally when the stream ends; throws HttpError on a
   * non-200 answer. Lines are newline-delimited JSON watch events.
   */
  async watchOnce(path: string, onEvent: WatchHandler, signal: AbortSignal): Promise<void> {
    const res = await request(this.server + path, {
      method: 'GET',
      headers: { ...this.headers, accept: 'application/json' },
      dispatcher: this.agent,
      signal,
    });
    if (res.statusCode !== 200) {
      const text = await res.body.text();
      throw new HttpError(res.statusCode, 'GET', path, text);
    }
    const decoder = new StringDecoder('utf8');
    let pending = '';
    for await (const chunk of res.body) {
      pending += decoder.write(chunk as Buffer);
      let nl = pending.indexOf('\n');
      while (nl >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (line.trim() !== '') {
          const event = JSON.parse(line) as { type?: string; object?: Record<string, unknown> };
          onEvent(event.type ?? '', event.object ?? {});
        }
        nl = pending.indexOf('\n');
      }
    }
  }

  async close(): Promise<void> {
    await this.agent.close().catch(() => undefined);
  }

  /** Tears connections down now (for Ctrl-C), without waiting for requests in flight. */
  async destroy(): Promise<void> {
    await this.agent.destroy().catch(() => undefined);
  }
}
