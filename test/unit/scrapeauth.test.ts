import assert from 'node:assert/strict';
import { ScrapeAuthorizer, type ReviewedUser, type Reviewer } from '../../src/observability/scrapeauth.js';

/** A reviewer that knows two tokens, counts its calls, and can be made to fail or hang. */
function reviewer(): Reviewer & { calls: string[]; fail: boolean; hold: Promise<void> | undefined } {
  const users: Record<string, ReviewedUser> = {
    'reader-token': { username: 'system:serviceaccount:monitoring:prometheus', groups: ['system:serviceaccounts'] },
    'other-token': { username: 'system:serviceaccount:team-a:app' },
  };
  const r = {
    calls: [] as string[],
    fail: false,
    hold: undefined as Promise<void> | undefined,
    async authenticate(token: string): Promise<ReviewedUser | undefined> {
      r.calls.push(`TokenReview ${token}`);
      if (r.hold !== undefined) await r.hold;
      if (r.fail) throw new Error('fetch failed');
      return users[token];
    },
    authorize(user: ReviewedUser): Promise<boolean> {
      r.calls.push(`SubjectAccessReview ${user.username}`);
      return Promise.resolve(user.username.endsWith(':prometheus'));
    },
  };
  return r;
}

describe('secure metrics: who may scrape', () => {
  it('401 without a bearer token, 401 for an unknown one, 403 without the role, 200 with it', async () => {
    const r = reviewer();
    const auth = new ScrapeAuthorizer(r);
    assert.equal((await auth.check(undefined)).status, 401);
    assert.equal((await auth.check('Basic dXNlcjpwYXNz')).status, 401);
    assert.equal((await auth.check('Bearer nobody')).status, 401);
    const forbidden = await auth.check('Bearer other-token');
    assert.equal(forbidden.status, 403);
    assert.match(forbidden.reason, /system:serviceaccount:team-a:app may not get \/metrics \(bind the ClusterRole posture-metrics-reader\)/);
    assert.equal((await auth.check('Bearer reader-token')).status, 200);
    assert.deepEqual(r.calls, ['TokenReview nobody', 'TokenReview other-token', 'SubjectAccessReview system:serviceaccount:team-a:app', 'TokenReview reader-token', 'SubjectAccessReview system:serviceaccount:monitoring:prometheus']);
  });

  it('caches a decision briefly, allowed longer than denied, and asks again after', async () => {
    const r = reviewer();
    let now = 0;
    const auth = new ScrapeAuthorizer(r, { allowTtlMs: 60_000, denyTtlMs: 10_000, now: () => now });
    await auth.check('Bearer reader-token');
    await auth.check('Bearer other-token');
    r.calls.length = 0;
    now = 9_000;
    assert.equal((await auth.check('Bearer reader-token')).status, 200);
    assert.equal((await auth.check('Bearer other-token')).status, 403);
    assert.deepEqual(r.calls, [], 'both cached');
    now = 11_000;
    await auth.check('Bearer other-token');
    await auth.check('Bearer reader-token');
    assert.deepEqual(r.calls, ['TokenReview other-token', 'SubjectAccessReview system:serviceaccount:team-a:app'], 'the denial expired, the allowance did not');
    now = 61_000;
    await auth.check('Bearer reader-token');
    assert.equal(r.calls.length, 4);
  });

  it('does not cache an API server failure (500), and reviews one token once however many scrapes wait', async () => {
    const r = reviewer();
    const auth = new ScrapeAuthorizer(r);
    r.fail = true;
    assert.equal((await auth.check('Bearer reader-token')).status, 500);
    r.fail = false;
    let release: () => void = () => undefined;
    r.hold = new Promise((resolve) => (release = resolve));
    r.calls.length = 0;
    const waiting = [auth.check('Bearer reader-token'), auth.check('Bearer reader-token'), auth.check('Bearer reader-token')];
    release();
    assert.deepEqual((await Promise.all(waiting)).map((d) => d.status), [200, 200, 200]);
    assert.equal(r.calls.filter((c) => c.startsWith('TokenReview')).length, 1);
  });

  it('bounds what an attacker with random tokens can cost: cache size, reviews in flight, token length', async () => {
    const r = reviewer();
    const auth = new ScrapeAuthorizer(r, { maxEntries: 100, maxInFlight: 4 });
    for (let i = 0; i < 1000; i++) await auth.check(`Bearer random-${i}`);
    const cacheSize = (auth as unknown as { cache: Map<string, unknown> }).cache.size;
    assert.ok(cacheSize <= 100, `cache holds ${cacheSize}`);
    let release: () => void = () => undefined;
    r.hold = new Promise((resolve) => (release = resolve));
    const slow = [1, 2, 3, 4].map((i) => auth.check(`Bearer slow-${i}`));
    assert.equal((await auth.check('Bearer one-too-many')).status, 503);
    release();
    await Promise.all(slow);
    assert.equal((await auth.check(`Bearer ${'x'.repeat(20_000)}`)).status, 401);
  });
});
