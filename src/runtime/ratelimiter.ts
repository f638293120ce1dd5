import type { Clock } from './clock.js';

/** How long a key that failed waits before it is tried again, after client-go's workqueue rate limiters. */
export interface RateLimiter {
  /** The delay for one more retry of the key; counts the retry. */
  when(key: string): number;
  /** The key succeeded: its failure history is cleared. */
  forget(key: string): void;
}

/** base * 2^failures per key, capped: one failing key backs off without slowing the others. */
export class ExponentialRateLimiter implements RateLimiter {
  private readonly failures = new Map<string, number>();

  constructor(
    private readonly baseDelayMs = 5,
    private readonly maxDelayMs = 60_000,
  ) {}

  when(key: string): number {
    const failures = this.failures.get(key) ?? 0;
    this.failures.set(key, failures + 1);
    return Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** failures);
  }

  forget(key: string): void {
    this.failures.delete(key);
  }
}

/**
 * An overall token bucket over every retry of a queue: when every key fails at once (the API server
 * is away), retries together stay under ratePerSecond after a burst, whatever each key's own backoff.
 * Each retry reserves the next free token, as golang.org/x/time/rate's Reserve does.
 */
export class TokenBucketRateLimiter implements RateLimiter {
  private tokens: number;
  private last: number;

  constructor(
    private readonly clock: Clock,
    private readonly ratePerSecond: number,
    private readonly burst: number,
  ) {
    if (!(ratePerSecond > 0 && burst >= 1)) throw new Error('token bucket: rate must be positive and burst at least 1');
    this.tokens = burst;
    this.last = clock.now();
  }

  when(): number {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.ratePerSecond) / 1000);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.ratePerSecond);
  }

  forget(): void {
    // The bucket keeps no per-key history.
  }
}

/** The longest delay any of the limiters asks for: client-go's MaxOfRateLimiter. */
export class MaxOfRateLimiter implements RateLimiter {
  private readonly limiters: readonly RateLimiter[];

  constructor(...limiters: RateLimiter[]) {
    this.limiters = limiters;
  }

  when(key: string): number {
    return Math.max(0, ...this.limiters.map((l) => l.when(key)));
  }

  forget(key: string): void {
    for (const l of this.limiters) l.forget(key);
  }
}

/**
 * A controller's default, as client-go's DefaultControllerRateLimiter: per-key exponential backoff
 * (5 ms doubling to 60 s, the operator's queue before) and an overall bucket. client-go's bucket is
 * 10/s with a burst of 100; this one is wider (50/s, 500) because a namespace retry costs a few
 * cached reads and one write, and a 15 s outage of 1,000 namespaces must not take minutes to drain.
 */
export function defaultControllerRateLimiter(clock: Clock): RateLimiter {
  return new MaxOfRateLimiter(new ExponentialRateLimiter(5, 60_000), new TokenBucketRateLimiter(clock, 50, 500));
}
