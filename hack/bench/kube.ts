// The benchmark's view of the API server: the operator's own client (src/kube), loopback only, with
// a pool sized to the load and no deadline on watch streams. It is both the "floor" client
// (server-side apply PATCHes exactly like the operator's) and the client that creates namespaces and watches.
import { toApiError, type KubeClient, type RawResponse } from '../../src/kube/client.js';
import { connect } from '../../src/kube/connect.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export type WatchHandler = (type: string, object: Record<string, unknown>) => void;

export class BenchClient {
  private constructor(private readonly client: KubeClient) {}

  get server(): string {
    return this.client.server;
  }

  /** connections: the pool size; requests beyond it queue in the client. */
  static async fromKubeconfig(kubeconfigPath: string, connections: number): Promise<BenchClient> {
    return new BenchClient(await connect(kubeconfigPath, { connections, loopbackOnly: true, timeoutMs: 0, headersTimeoutMs: 60_000, bodyTimeoutMs: 0 }));
  }

  async send(method: Method, path: string, body?: unknown, contentType = 'application/json'): Promise<RawResponse> {
    return this.client.send({ method, path, body, contentType });
  }

  /** Sends and throws ApiError unless the answer is 2xx (or one of the accepted codes). */
  async ok(method: Method, path: string, body?: unknown, contentType?: string, accept: readonly number[] = []): Promise<RawResponse> {
    const res = await this.send(method, path, body, contentType);
    if ((res.status < 200 || res.status > 299) && !accept.includes(res.status)) throw toApiError(res.status, res.text, { method, path });
    return res;
  }

  async getJson<T>(path: string): Promise<T> {
    return JSON.parse((await this.ok('GET', path)).text) as T;
  }

  /** Server-side apply, as the operator sends it: apply-patch+yaml with a JSON body, force, field manager. */
  async apply(path: string, object: unknown, fieldManager: string): Promise<RawResponse> {
    return this.ok('PATCH', `${path}?fieldManager=${encodeURIComponent(fieldManager)}&force=true`, object, 'application/apply-patch+yaml');
  }

  /**
   * One watch request: calls onEvent per event until the server ends it or signal aborts. Returns
   * normally when the stream ends; throws ApiError on a non-200 answer.
   */
  async watchOnce(path: string, onEvent: WatchHandler, signal: AbortSignal): Promise<void> {
    for await (const event of this.client.watchEvents(path, signal)) onEvent(event.type, event.object);
  }

  async close(): Promise<void> {
    await this.client.close().catch(() => undefined);
  }

  /** Tears connections down now (for Ctrl-C), without waiting for requests in flight. */
  async destroy(): Promise<void> {
    await this.client.destroy().catch(() => undefined);
  }
}
