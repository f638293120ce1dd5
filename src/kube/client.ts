import type { KubeConfig } from '@kubernetes/client-node';
import { Readable } from 'node:stream';
import { fetch, request as undiciRequest, type Dispatcher, type Response } from 'undici';
import type { ClusterAccess } from './access.js';
import { kubeConfigAccess } from './dispatcher.js';
import { ApiError, errorMessage } from './errors.js';
import { STARTUP_GRACE_MS, StartupGrace } from './startupgrace.js';
import { retryAfterMs } from './retryafter.js';
import { WatchLines } from './watchlines.js';

export { retryAfterMs };

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

export interface RequestCounter {
  (verb: Verb, resource: string, code: string): void;
}

export interface KubeRequest {
  verb: Verb;
  /** The resource for metrics, e.g. networkpolicies or securitybaselines/status. */
  resource: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  contentType?: string;
  /**
   * Called synchronously at the last moment before each attempt goes out (the first, and each
   * retry after a 429); throwing stops the request unsent. The write gate checks leadership here.
   */
  admit?: () => void;
  /** The Accept header; default application/json (a metadata-only list or watch asks for PartialObjectMetadata). */
  accept?: string;
}

/**
 * A request whose answer is returned whatever its status, for tools and tests that assert on it.
 * headers adds to the credentials; a list sends the header once per value, as Impersonate-Group
 * needs (one value per header line, not joined with commas): on a client with http1Only, since
 * undici joins them over HTTP/2.
 */
export interface RawRequest {
  method: KubeRequest['method'];
  path: string;
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string | readonly string[]>;
}

export interface RawResponse {
  status: number;
  text: string;
  headers: Record<string, string | string[] | undefined>;
}

/** One line of a watch stream. */
export interface WatchEvent {
  type: string;
  object: Record<string, unknown>;
}

/** What the controllers, operations and informers need of the API server; tests record it. */
export interface ApiClient {
  request<T>(req: KubeRequest): Promise<T>;
}

/** A long-lived response (a watch): its body as it arrives, and how it ended. */
export interface KubeStream {
  body: AsyncIterable<Uint8Array>;
}

/** What an informer needs besides requests: watches, which have no deadline of their own here. */
export interface WatchClient extends ApiClient {
  /** Opens a streaming GET; rejects with ApiError when the API server refuses it. The signal ends it. */
  stream(req: KubeRequest, signal: AbortSignal): Promise<KubeStream>;
  /** As request, but a successful answer's body is handed to read as it arrives (a list page, item by item). */
  requestBody<T>(req: KubeRequest, read: (body: AsyncIterable<Uint8Array>) => Promise<T>): Promise<T>;
}

const HEADER_REFRESH_MS = 60_000;

export interface KubeClientOptions {
  /** How often a request answered 429 Too Many Requests is sent again, after its Retry-After. Default 3. */
  maxRetries?: number;
  /** Cap on one wait, whatever Retry-After says. Default 10 s. */
  maxRetryAfterMs?: number;
  /** Injected in tests. */
  sleep?: (ms: number) => Promise<void>;
  /** Each request (headers and body) must complete within this; 0 for no deadline. Default REQUEST_TIMEOUT_MS. */
  timeoutMs?: number;
  /** The pool's bound on waiting for response headers; 0 for none. Default timeoutMs. */
  headersTimeoutMs?: number;
  /** The pool's bound on a silent response body; 0 for none, as long watches need. Default timeoutMs. */
  bodyTimeoutMs?: number;
  /** How long after the API server was unreachable a 403 is retried (StartupGrace). Default STARTUP_GRACE_MS. */
  restartGraceMs?: number;
  /** HTTP/1.1 only: over HTTP/2 undici joins a list header's values with commas (see RawRequest). */
  http1Only?: boolean;
}

/**
 * No request the client sends may hang: undici's defaults wait 300 s for headers and again for the
 * body, which would hold a worker (and, for a lease renewal, leadership) through an API server
 * that accepted the connection and stopped answering. Watches do not go through this client.
 */
export const REQUEST_TIMEOUT_MS = 30_000;

/**
 * The one door to the API server. It keeps one connection pool (client-node builds a new agent per
 * request), counts every request by verb, resource and status code, and turns error answers into ApiError.
 */
export class KubeClient implements WatchClient {
  readonly server: string;
  private headers: Record<string, string> = {};
  private headersAt = -Infinity;

  private readonly maxRetries: number;
  private readonly maxRetryAfterMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly timeoutMs: number;

  /** Whether a 403 may still be the API server's (re)start rather than RBAC's verdict. */
  readonly grace: StartupGrace;

  private constructor(
    private readonly access: ClusterAccess,
    private readonly agent: Dispatcher,
    private readonly count: RequestCounter,
    options: KubeClientOptions,
  ) {
    this.server = access.server.replace(/\/$/, '');
    this.maxRetries = options.maxRetries ?? 3;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 10_000;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
    this.grace = new StartupGrace(Date.now, options.restartGraceMs ?? STARTUP_GRACE_MS);
  }

  /** From a ClusterAccess (src/kubeconfig.ts: no client library), or a client-node KubeConfig (the CLI, tools, tests). */
  static async create(cluster: KubeConfig | ClusterAccess, count: RequestCounter, connections = 32, options: KubeClientOptions = {}): Promise<KubeClient> {
    const timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
    const pool = { connections, headersTimeoutMs: options.headersTimeoutMs ?? timeoutMs, bodyTimeoutMs: options.bodyTimeoutMs ?? timeoutMs, http1Only: options.http1Only ?? false };
    const access = 'dispatcher' in cluster && 'headers' in cluster ? cluster : kubeConfigAccess(cluster);
    return new KubeClient(access, await access.dispatcher(pool), count, options);
  }

  /**
   * Sends a request. A 429 (API Priority and Fairness rejected it before it ran, so sending it again
   * is safe) is retried after its Retry-After, a few times; then it fails like any other error and
   * the caller's backoff takes over. Every attempt is counted.
   */
  async request<T>(req: KubeRequest): Promise<T> {
    const text = await this.exchange(req, (response) => response.text());
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  requestBody<T>(req: KubeRequest, read: (body: AsyncIterable<Uint8Array>) => Promise<T>): Promise<T> {
    return this.exchange(req, (response) => read(response.body ?? Readable.from([])));
  }

  private async exchange<T>(req: KubeRequest, read: (response: Response) => Promise<T>): Promise<T> {
    const url = new URL(this.server + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, v);
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { ...(await this.authHeaders()), accept: req.accept ?? 'application/json' };
      if (body !== undefined) headers['content-type'] = req.contentType ?? 'application/json';
      // One deadline for the whole exchange, headers and body: the signal also aborts reading it.
      const signal = this.deadline();
      req.admit?.();
      let response;
      let text = '';
      let value;
      try {
        response = await fetch(url, { method: req.method, headers, body, dispatcher: this.agent, signal });
        if (response.ok) value = await read(response);
        else text = await response.text();
      } catch (err) {
        const timedOut = signal?.aborted === true;
        this.count(req.verb, req.resource, timedOut ? 'timeout' : response === undefined ? 'error' : String(response.status));
        if (timedOut) throw new Error(`${req.method} ${req.path}: no complete answer within ${this.timeoutMs} ms`, { cause: err });
        if (response === undefined) this.grace.unreachable();
        // "fetch failed" alone says neither where nor why.
        throw new Error(`${req.method} ${url.origin}${req.path}: ${errorMessage(err)}`, { cause: err });
      }
      this.count(req.verb, req.resource, String(response.status));
      if (response.status === 429 && attempt < this.maxRetries) {
        await this.sleep(retryAfterMs(response.headers.get('retry-after'), this.maxRetryAfterMs));
        continue;
      }
      if (response.status === 503) this.grace.unreachable();
      if (!response.ok) {
        const error = toApiError(response.status, text, req);
        if (response.status === 403 && this.grace.inWindow()) error.transient = true;
        throw error;
      }
      return value as T;
    }
  }

  /**
   * One attempt, not counted, not retried; an error answer is returned, not thrown (a broken
   * connection or the deadline still throws). For tools and tests, and the benchmark's floor.
   */
  async send(req: RawRequest): Promise<RawResponse> {
    const headers: Record<string, string | string[]> = { ...(await this.authHeaders()), accept: 'application/json' };
    for (const [k, v] of Object.entries(req.headers ?? {})) headers[k.toLowerCase()] = typeof v === 'string' ? v : [...v];
    if (req.body !== undefined) headers['content-type'] = req.contentType ?? 'application/json';
    const res = await undiciRequest(this.server + req.path, {
      method: req.method,
      headers,
      body: req.body === undefined ? undefined : JSON.stringify(req.body),
      dispatcher: this.agent,
      signal: this.deadline(),
    });
    return { status: res.statusCode, text: await res.body.text(), headers: res.headers };
  }

  /**
   * The events of one watch request (path with watch=1), until the server ends it or signal aborts;
   * an error answer throws ApiError. No deadline: the pool's bodyTimeoutMs bounds a silent stream.
   */
  async *watchEvents(path: string, signal: AbortSignal): AsyncGenerator<WatchEvent> {
    const res = await undiciRequest(this.server + path, {
      method: 'GET',
      headers: { ...(await this.authHeaders()), accept: 'application/json' },
      dispatcher: this.agent,
      signal,
    });
    if (res.statusCode !== 200) throw toApiError(res.statusCode, await res.body.text(), { method: 'GET', path });
    const lines = new WatchLines();
    for await (const chunk of res.body) {
      for (const line of lines.push(chunk as Buffer)) {
        const event = JSON.parse(line) as { type?: string; object?: Record<string, unknown> };
        yield { type: event.type ?? '', object: event.object ?? {} };
      }
    }
  }

  /**
   * A watch: no deadline on the body (the API server closes it after the timeoutSeconds the caller
   * asks for), one on the headers. Counted by the caller when it ends.
   */
  async stream(req: KubeRequest, signal: AbortSignal): Promise<KubeStream> {
    const url = new URL(this.server + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, v);
    const headers: Record<string, string> = { ...(await this.authHeaders()), accept: req.accept ?? 'application/json' };
    let response;
    try {
      // bodyTimeout 0: the API server sends nothing while nothing changes; it ends the watch itself.
      response = await undiciRequest(url, { method: 'GET', headers, dispatcher: this.agent, signal, headersTimeout: this.timeoutMs, bodyTimeout: 0 });
    } catch (err) {
      if (!signal.aborted) this.grace.unreachable();
      throw new Error(`GET ${url.origin}${req.path}: ${errorMessage(err)}`, { cause: err });
    }
    if (response.statusCode < 200 || response.statusCode > 299) throw toApiError(response.statusCode, await response.body.text(), req);
    return { body: response.body };
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  /** Tears connections down now (for Ctrl-C), without waiting for requests in flight. */
  async destroy(): Promise<void> {
    await this.agent.destroy();
  }

  private deadline(): AbortSignal | undefined {
    return this.timeoutMs > 0 ? AbortSignal.timeout(this.timeoutMs) : undefined;
  }

  private async authHeaders(): Promise<Record<string, string>> {
    // Tokens from files (in-cluster) rotate, so headers are re-read now and then, not once.
    if (Date.now() - this.headersAt > HEADER_REFRESH_MS) {
      this.headers = await this.access.headers();
      this.headersAt = Date.now();
    }
    return this.headers;
  }
}

/** An error answer as ApiError, with the reason and message of its Status when it has one. */
export function toApiError(code: number, text: string, req: Pick<KubeRequest, 'method' | 'path'>): ApiError {
  let reason = 'Unknown';
  let message = text.slice(0, 2000);
  try {
    const status = JSON.parse(text) as { reason?: unknown; message?: unknown };
    if (typeof status.reason === 'string') reason = status.reason;
    if (typeof status.message === 'string') message = status.message;
  } catch {
    // Not a Status object (a proxy's answer, say): keep the raw text.
  }
  return new ApiError(code, reason, message, req.method, req.path);
}
