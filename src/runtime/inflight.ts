/**
 * A bound on requests in flight, shared by every reconcile: a namespace's writes go out at once, and
 * many namespaces are reconciled at once, so without it a burst would put hundreds of requests on the
 * API server at the same moment (its own limit answers 429 and the client retries, which costs more).
 * Waiters are served in arrival order.
 */
export class InFlight {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`requests in flight: expected a positive integer, got ${String(limit)}`);
  }

  /** Runs task when a slot is free, and frees the slot when it settles. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so running never exceeds the limit.
      if (next !== undefined) next();
      else this.running--;
    }
  }

  /** Requests running now. */
  get active(): number {
    return this.running;
  }

  /** Requests waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }
}
