import type { ApiClient, KubeRequest, Verb } from '../kube/client.js';
import type { WriteVerdict } from './electionoptions.js';

/** The verbs that change something on the API server. */
const WRITES: ReadonlySet<Verb> = new Set<Verb>(['create', 'update', 'patch', 'delete']);

/** Whether a write may go out now (the leader elector, or always yes without leader election). */
export interface WriteFence {
  mayWrite(): WriteVerdict;
}

export const ALWAYS_OPEN: WriteFence = { mayWrite: () => ({ ok: true }) };

export interface WriteGateHooks {
  /** A write was not sent: count it. */
  refused?(req: KubeRequest, reason: string): void;
  /** A write is about to be sent (a debug log line per write). */
  sending?(req: KubeRequest): void;
}

/** A write the gate did not send because this replica may no longer lead. Retried like any transient error. */
export class WriteFencedError extends Error {
  constructor(
    readonly req: KubeRequest,
    readonly reason: string,
  ) {
    super(`${req.method} ${req.path}: not sent: ${reason === 'not-leading' ? 'this replica does not lead' : 'the lease may have expired; this replica stopped leading'}`);
    this.name = 'WriteFencedError';
  }
}

/**
 * The client the controllers write through. Every write asks the fence, synchronously, when it is
 * requested and again at the moment each attempt goes out (KubeRequest.admit); a refused write is not sent and fails with WriteFencedError, so the
 * reconcile fails and its key is retried (by whichever replica leads by then). Reads pass
 * untouched. The Lease itself and the metrics endpoint's TokenReviews use the ungated client.
 */
export class WriteGate implements ApiClient {
  constructor(
    private readonly inner: ApiClient,
    private readonly fence: WriteFence,
    private readonly hooks: WriteGateHooks = {},
  ) {}

  request<T>(req: KubeRequest): Promise<T> {
    if (!WRITES.has(req.verb)) return this.inner.request<T>(req);
    const refused = this.refusal(req);
    if (refused !== undefined) return Promise.reject(refused);
    // Asked again as each attempt goes out: after the client's own awaits, and before a retry
    // that a 429 delayed by up to 10 s, long enough for the lease to run out.
    const admit = (): void => {
      req.admit?.();
      const late = this.refusal(req);
      if (late !== undefined) throw late;
      this.hooks.sending?.(req);
    };
    return this.inner.request<T>({ ...req, admit });
  }

  private refusal(req: KubeRequest): WriteFencedError | undefined {
    const verdict = this.fence.mayWrite();
    if (verdict.ok) return undefined;
    this.hooks.refused?.(req, verdict.reason);
    return new WriteFencedError(req, verdict.reason);
  }
}
