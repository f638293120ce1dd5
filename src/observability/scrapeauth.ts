import { createHash } from 'node:crypto';

/**
 * Who may read /metrics, decided as controller-runtime's metrics filter does: the bearer token is
 * authenticated with a TokenReview, and the user it names is authorised with a SubjectAccessReview
 * for the non-resource URL /metrics, verb get. Decisions are cached briefly by a hash of the token,
 * so a scrape every few seconds costs the API server two requests a minute, not two per scrape.
 */

export interface ReviewedUser {
  username: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

/** The two reviews, against the API server in production (kubeReviewer), in memory in unit tests. */
export interface Reviewer {
  authenticate(token: string): Promise<ReviewedUser | undefined>;
  authorize(user: ReviewedUser): Promise<boolean>;
}

export interface ScrapeDecision {
  status: 200 | 401 | 403 | 500 | 503;
  /** For the response body; never the token. */
  reason: string;
}

export interface ScrapeAuthorizerOptions {
  /** How long an allowed token is trusted (controller-runtime: 1 minute for authentication). */
  allowTtlMs?: number;
  /** How long a refusal is remembered (controller-runtime: 30 seconds for a denial). */
  denyTtlMs?: number;
  /** Cached decisions kept at most: anyone who reaches the port can send new tokens. */
  maxEntries?: number;
  /** Reviews in flight at most; beyond, a scrape is answered 503, not queued. */
  maxInFlight?: number;
  now?: () => number;
}

const MAX_TOKEN_LENGTH = 16_384;

export class ScrapeAuthorizer {
  private readonly cache = new Map<string, { decision: ScrapeDecision; expires: number }>();
  private readonly pending = new Map<string, Promise<ScrapeDecision>>();
  private readonly allowTtlMs: number;
  private readonly denyTtlMs: number;
  private readonly maxEntries: number;
  private readonly maxInFlight: number;
  private readonly now: () => number;

  constructor(
    private readonly reviewer: Reviewer,
    options: ScrapeAuthorizerOptions = {},
  ) {
    this.allowTtlMs = options.allowTtlMs ?? 60_000;
    this.denyTtlMs = options.denyTtlMs ?? 10_000;
    this.maxEntries = options.maxEntries ?? 1024;
    this.maxInFlight = options.maxInFlight ?? 16;
    this.now = options.now ?? Date.now;
  }

  /** Decides on the Authorization header of one scrape. */
  async check(authorization: string | undefined): Promise<ScrapeDecision> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    const token = match?.[1];
    if (token === undefined) return { status: 401, reason: 'Unauthorized: a bearer token is required' };
    if (token.length > MAX_TOKEN_LENGTH) return { status: 401, reason: 'Unauthorized: token too long' };
    const key = createHash('sha256').update(token).digest('base64');
    const cached = this.cache.get(key);
    if (cached !== undefined && cached.expires > this.now()) return cached.decision;
    const inFlight = this.pending.get(key);
    if (inFlight !== undefined) return inFlight;
    if (this.pending.size >= this.maxInFlight) return { status: 503, reason: 'Service Unavailable: too many scrapes being reviewed' };
    const review = this.review(token).then((decision) => {
      this.remember(key, decision);
      return decision;
    });
    this.pending.set(key, review);
    try {
      return await review;
    } finally {
      this.pending.delete(key);
    }
  }

  private async review(token: string): Promise<ScrapeDecision> {
    let user: ReviewedUser | undefined;
    try {
      user = await this.reviewer.authenticate(token);
    } catch {
      return { status: 500, reason: 'Internal Server Error: TokenReview failed' };
    }
    if (user === undefined) return { status: 401, reason: 'Unauthorized' };
    let allowed: boolean;
    try {
      allowed = await this.reviewer.authorize(user);
    } catch {
      return { status: 500, reason: 'Internal Server Error: SubjectAccessReview failed' };
    }
    if (!allowed) return { status: 403, reason: `Forbidden: ${user.username} may not get /metrics (bind the ClusterRole posture-metrics-reader)` };
    return { status: 200, reason: 'OK' };
  }

  private remember(key: string, decision: ScrapeDecision): void {
    // An API server error is not an answer about the token: ask again next time.
    if (decision.status === 500 || decision.status === 503) return;
    this.cache.delete(key);
    for (const [k, v] of this.cache) {
      if (this.cache.size < this.maxEntries && v.expires > this.now()) break;
      this.cache.delete(k); // oldest first: Map keeps insertion order
    }
    this.cache.set(key, { decision, expires: this.now() + (decision.status === 200 ? this.allowTtlMs : this.denyTtlMs) });
  }
}
