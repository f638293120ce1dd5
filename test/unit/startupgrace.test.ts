import assert from 'node:assert/strict';
import { StartupGrace } from '../../src/kube/startupgrace.js';

describe('a 403 shortly after the API server (re)starts', () => {
  it('is in the window after the operator starts and after the API server was unreachable, and not otherwise', () => {
    let t = 1_000_000;
    const grace = new StartupGrace(() => t, 30_000);
    assert.equal(grace.inWindow(), true);
    t += 30_001;
    assert.equal(grace.inWindow(), false);
    grace.unreachable();
    t += 29_000;
    assert.equal(grace.inWindow(), true);
    t += 2_000;
    assert.equal(grace.inWindow(), false);
  });
});
