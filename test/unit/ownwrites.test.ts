import assert from 'node:assert/strict';
import { OwnWrites } from '../../src/runtime/ownwrites.js';

describe('own writes: a namespace waits until the caches have seen the operator\'s own writes', () => {
  it('is behind until every informer written through has seen the write\'s resourceVersion', () => {
    const w = new OwnWrites();
    w.record('team-a', 'resourcequotas', '281', 0);
    w.record('team-a', 'namespaces', '279', 0);
    const seen: Record<string, string> = { resourcequotas: '280', namespaces: '279' };
    assert.ok(w.isBehind('team-a', (p) => seen[p], 10), 'the quota informer has not seen 281 yet');
    seen.resourcequotas = '1000';
    assert.ok(!w.isBehind('team-a', (p) => seen[p], 20));
    assert.equal(w.size, 0, 'caught-up writes are forgotten');
  });

  it('compares resource versions as integers, not strings', () => {
    const w = new OwnWrites();
    w.record('a', 'roles', '1000', 0);
    assert.ok(w.isBehind('a', () => '999', 0), '"999" > "1000" as strings, but not as numbers');
    assert.ok(!w.isBehind('a', () => '1000', 0));
  });

  it('keeps the highest write per resource', () => {
    const w = new OwnWrites();
    w.record('a', 'roles', '20', 0);
    w.record('a', 'roles', '10', 0);
    assert.ok(w.isBehind('a', () => '15', 0));
  });

  it('never waits for what it cannot compare, for other namespaces, or longer than the limit', () => {
    const w = new OwnWrites(5000);
    w.record('a', 'roles', undefined, 0);
    w.record('a', 'limitranges', 'abc', 0);
    assert.ok(!w.isBehind('a', () => '1', 0));
    w.record('b', 'roles', '50', 0);
    assert.ok(!w.isBehind('c', () => undefined, 0));
    assert.ok(w.isBehind('b', () => '', 1000), 'an informer that is relisting has seen nothing yet');
    assert.ok(!w.isBehind('b', () => '', 6000), 'a watch that stays down is not waited for forever');
  });

  it('forgets a deleted namespace', () => {
    const w = new OwnWrites();
    w.record('a', 'roles', '50', 0);
    w.forget('a');
    assert.ok(!w.isBehind('a', () => '1', 0));
    assert.equal(w.size, 0);
  });
});
