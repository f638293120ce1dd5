/**
 * An API server that is (re)starting answers 403 for a moment: its RBAC authorizer serves before
 * its informers have read the roles and bindings. A 403 in that window says nothing about the
 * operator's permissions, so it is retried with backoff like any transient error; after it, a 403
 * is terminal (a missing permission does not appear by asking again).
 */
export const STARTUP_GRACE_MS = 15_000;

export class StartupGrace {
  /** When the API server was last seen unreachable; never, at first. */
  private since = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly windowMs = STARTUP_GRACE_MS,
  ) {}

  /** The API server could not be reached (refused, reset, 503): it may be restarting. */
  unreachable(): void {
    this.since = this.now();
  }

  /** Whether a 403 now may be the restart's rather than RBAC's verdict. */
  inWindow(): boolean {
    return this.now() - this.since < this.windowMs;
  }
}
