import type { KubeConfig } from '@kubernetes/client-node';
import type { RequestOptions } from 'node:https';
import { fetch, type Dispatcher } from 'undici';
import { apiServerDispatcher } from './dispatcher.js';
import { ApiError, errorMessage } from './errors.js';
import { StartupGrace } from './startupgrace.js';

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
}

/** What the controllers, operations and informers need of the API server; tests record it. */
export interface ApiClient {
  request<T>(req: KubeRequest): Promise<T>;
}

const HEADER_REFRESH_MS = 60_000;

export interface KubeClientOptions {
  /** How often a request answered 429 Too Many Requests is sent again, after its Retry-After. Default 3. */
  maxRetries?: number;
  /** Cap on one wait, whatever Retry-After says. Default 10 s. */
  maxRetryAfterMs?: number;
  /** Injected in tests. */
  sleep?: (ms: number) => Promise<void>;
  /** Each request (headers and body) must complete within this. Default REQUEST_TIMEOUT_MS. */
  timeoutMs?: number;
}

/**
 * No request the client sends may hang: undici's defaults wait 300 s for headers and again for the
 * body, which would hold a worker (and, for a lease renewal, leadership) through an API server
 * that accepted the connection and stopped answering. Watches do not go through this client.
 */
export const REQUEST_TIMEOUT_MS = 30_000;

/** Without a usable Retry-After, wait this long: what API Priority and Fairness sends. */
const DEFAULT_RETRY_AFTER_MS = 1000;

/**
 * The wait a 429 asks for: Retry-After in seconds (what the API server sends) or as an HTTP date,
 * capped; a missing or malformed header means one second.
 */
export function retryAfterMs(header: string | null, capMs: number, now = Date.now()): number {
  let ms = DEFAULT_RETRY_AFTER_MS;
  if (header !== null && /^\s*\d+\s*$/.test(header)) ms = Number(header) * 1000;
  else if (header !== null && !Number.isNaN(Date.parse(header))) ms = Math.max(0, Date.parse(header) - now);
  return Math.min(capMs, ms);
}

/**
 * The one door to the API server. It keeps one connection pool (client-node builds a new agent per
 * request), counts every request by verb, resource and status code, and turns error answers into ApiError.
 */
export class KubeClient implements ApiClient {
  readonly server: string;
  private headers: Record<string, string> = {};
  private headersAt = -Infinity;

  private readonly maxRetries: number;
  private readonly maxRetryAfterMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly timeoutMs: number;

  /** Whether a 403 may still be the API server's (re)start rather than RBAC's verdict. */
  readonly grace = new StartupGrace();

  private constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly agent: Dispatcher,
    private readonly count: RequestCounter,
    options: KubeClientOptions,
  ) {
    const cluster = kubeConfig.getCurrentCluster();
    if (cluster === null) throw new Error('kubeconfig has no current cluster');
    this.server = cluster.server.replace(/\/$/, '');
    this.maxRetries = options.maxRetries ?? 3;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 10_000;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
  }

  static async create(kubeConfig: KubeConfig, count: RequestCounter, connections = 32, options: KubeClientOptions = {}): Promise<KubeClient> {
    const timeout = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
    return new KubeClient(kubeConfig, await apiServerDispatcher(kubeConfig, { connections, timeoutMs: timeout }), count, options);
  }

  /**
   * Sends a request. A 429 (API Priority and Fairness rejected it before it ran, so sending it again
   * is safe) is retried after its Retry-After, a few times; then it fails like any other error and
   * the caller's backoff takes over. Every attempt is counted.
   */
  async request<T>(req: KubeRequest): Promise<T> {
    const url = new URL(this.server + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, v);
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { ...(await this.authHeaders()), accept: 'application/json' };
      if (body !== undefined) headers['content-type'] = req.contentType ?? 'application/json';
      // One deadline for the whole exchange, headers and body: the signal also aborts reading it.
      const signal = AbortSignal.timeout(this.timeoutMs);
      let response;
      let text;
      try {
        response = await fetch(url, { method: req.method, headers, body, dispatcher: this.agent, signal });
        text = await response.text();
      } catch (err) {
        const timedOut = signal.aborted;
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
      return (text === '' ? undefined : JSON.parse(text)) as T;
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private async authHeaders(): Promise<Record<string, string>> {
    // Tokens from files (in-cluster) rotate, so headers are re-read now and then, not once.
    if (Date.now() - this.headersAt > HEADER_REFRESH_MS) {
      const opts: RequestOptions = {};
      await this.kubeConfig.applyToHTTPSOptions(opts);
      this.headers = Object.fromEntries(
        Object.entries(opts.headers ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'),
      );
      this.headersAt = Date.now();
    }
    return this.headers;
  }
}

function toApiError(code: number, text: string, req: KubeRequest): ApiError {
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
