import assert from 'node:assert/strict';
import { defaultControllerRateLimiter, ExponentialRateLimiter, MaxOfRateLimiter, TokenBucketRateLimiter } from '../../../src/runtime/ratelimiter.js';
import { ManualClock } from '../support/manualclock.js';

describe('rate limiters', () => {
  it('exponential: doubles per key, capped, and forgets', () => {
    const l = new ExponentialRateLimiter(10, 50);
    assert.deepEqual([l.when('a'), l.when('a'), l.when('a'), l.when('a')], [10, 20, 40, 50]);
    assert.equal(l.when('b'), 10);
    l.forget('a');
    assert.equal(l.when('a'), 10);
  });

  it('token bucket: a burst goes at once, then retries are spaced at the rate, and it refills with time', () => {
    const clock = new ManualClock();
    const l = new TokenBucketRateLimiter(clock, 10, 3);
    assert.deepEqual([l.when(), l.when(), l.when()], [0, 0, 0]);
    assert.deepEqual([l.when(), l.when()], [100, 200], 'each retry past the burst reserves the next token');
    clock.advance(1000);
    // 10 tokens refilled, minus the 2 reserved, capped at the burst of 3.
    assert.deepEqual([l.when(), l.when(), l.when(), l.when()], [0, 0, 0, 100]);
  });

  it('max of: the longest delay wins, and every limiter counts the retry', () => {
    const clock = new ManualClock();
    const l = new MaxOfRateLimiter(new ExponentialRateLimiter(5, 60_000), new TokenBucketRateLimiter(clock, 1, 1));
    assert.equal(l.when('a'), 5, 'the bucket had a token; the key its first backoff');
    assert.equal(l.when('b'), 1000, 'the bucket is empty: a fresh key waits for the next token');
  });

  it('the controller default keeps one failing key cheap and holds a storm of failures to the overall rate', () => {
    const clock = new ManualClock();
    const l = defaultControllerRateLimiter(clock);
    assert.equal(l.when('a'), 5);
    const delays = Array.from({ length: 1000 }, (_, i) => l.when(`ns-${i}`));
    assert.equal(Math.max(...delays.slice(0, 499)), 5, 'the burst passes at per-key backoff');
    assert.ok(delays[999] !== undefined && delays[999] >= 9_000, `1,000 retries at once are spread over ~10 s: ${delays[999]}`);
  });
});
