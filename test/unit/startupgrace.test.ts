import assert from 'node:assert/strict';
import { StartupGrace } from '../../src/kube/startupgrace.js';

describe('a 403 shortly after the API server (re)starts', () => {
  it('is in the window only after the API server was unreachable', () => {
    let t = 1_000_000;
    const grace = new StartupGrace(() => t, 30_000);
    assert.equal(grace.inWindow(), false, 'a 403 before any outage is RBAC\'s verdict');
    grace.unreachable();
    t += 29_000;
    assert.equal(grace.inWindow(), true);
    t += 2_000;
    assert.equal(grace.inWindow(), false);
  });
});
