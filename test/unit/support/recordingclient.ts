import { Readable } from 'node:stream';
import type { KubeRequest, KubeStream, WatchClient } from '../../../src/kube/client.js';

/**
 * An ApiClient that records every request and answers as the API server would for the writes a
 * controller sends: an apply or patch returns its body with a new resourceVersion. fail() makes
 * matching requests throw.
 */
export class RecordingClient implements WatchClient {
  readonly requests: KubeRequest[] = [];
  private version = 100;
  private failing: ((req: KubeRequest) => Error | undefined) | undefined;
  /** What the server holds at a path, for answers that return more than was sent. */
  stored: ((path: string) => (Record<string, unknown> & { metadata?: Record<string, unknown> }) | undefined) | undefined;

  fail(when: (req: KubeRequest) => Error | undefined): void {
    this.failing = when;
  }

  request<T>(req: KubeRequest): Promise<T> {
    // As KubeClient does just before sending: a refusal means the request never went out.
    try {
      req.admit?.();
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    this.requests.push(req);
    const error = this.failing?.(req);
    if (error !== undefined) return Promise.reject(error);
    const body = (req.body ?? {}) as Record<string, unknown> & { metadata?: Record<string, unknown> };
    // An apply to a Namespace answers the whole namespace, its other labels included.
    const base = req.method === 'PATCH' ? this.stored?.(req.path) : undefined;
    if (base !== undefined) {
      const labels = { ...(base.metadata?.labels as Record<string, string> | undefined), ...(body.metadata?.labels as Record<string, string> | undefined) };
      return Promise.resolve({ ...base, ...body, metadata: { ...base.metadata, ...body.metadata, labels, resourceVersion: String(++this.version) } } as T);
    }
    return Promise.resolve({ ...body, metadata: { ...body.metadata, resourceVersion: String(++this.version) } } as T);
  }

  /** No watches in unit tests: the caches are MemoryCaches there. */
  /** The answer request gives, as the bytes of one response. */
  async requestBody<T>(req: KubeRequest, read: (body: AsyncIterable<Uint8Array>) => Promise<T>): Promise<T> {
    const answer = await this.request<unknown>(req);
    return read(Readable.from([Buffer.from(JSON.stringify(answer))]));
  }

  stream(req: KubeRequest): Promise<KubeStream> {
    return Promise.reject(new Error(`RecordingClient: no watch (${req.path})`));
  }

  /** "VERB resource path" of each request, for assertions that read like a log. */
  get lines(): string[] {
    return this.requests.map((r) => `${r.method} ${r.path}`);
  }

  clear(): void {
    this.requests.length = 0;
  }
}
