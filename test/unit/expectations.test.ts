import assert from 'node:assert/strict';
import type { CachedObject } from '../../src/runtime/caches.js';
import { Expectations } from '../../src/runtime/expectations.js';

function quota(rv: string, hard = '10', uid = 'u1'): CachedObject {
  return { metadata: { name: 'posture-quota', namespace: 'team-a', uid, resourceVersion: rv } as CachedObject['metadata'], spec: { hard: { pods: hard } } };
}

const names = (objects: readonly CachedObject[]): (string | undefined)[] => objects.map((o) => (o.metadata as { resourceVersion?: string }).resourceVersion);

describe('expectations: the operator trusts what its writes returned until the caches have seen them', () => {
  it('reads the write instead of a cache that has not seen it yet, and the cache once it has', () => {
    const e = new Expectations();
    e.wrote('resourcequotas', 'team-a', 'posture-quota', quota('281'), 0);
    assert.deepEqual(names(e.view('resourcequotas', 'team-a', [], '280', 10)), ['281'], 'the cache\'s "missing" is not believed');
    assert.deepEqual(names(e.view('resourcequotas', 'team-a', [quota('279', '5')], '280', 10)), ['281'], 'nor its older version');
    assert.deepEqual(names(e.view('resourcequotas', 'team-a', [], '1000', 20)), [], 'caught up: a deletion after the write is seen');
    assert.deepEqual(e.view('roles', 'team-a', [], '1', 20), [], 'other types and namespaces are untouched');
  });

  it('compares resource versions as integers, not strings', () => {
    const e = new Expectations();
    e.wrote('resourcequotas', 'team-a', 'posture-quota', quota('1000'), 0);
    assert.equal(e.view('resourcequotas', 'team-a', [], '999', 0).length, 1, '"999" > "1000" as strings, but not as numbers');
    assert.equal(e.view('resourcequotas', 'team-a', [], '1000', 0).length, 0);
  });

  it('keeps the latest write of an object', () => {
    const e = new Expectations();
    e.wrote('resourcequotas', 'team-a', 'posture-quota', quota('20', '7'), 0);
    e.wrote('resourcequotas', 'team-a', 'posture-quota', quota('30', '8'), 0);
    assert.deepEqual(names(e.view('resourcequotas', 'team-a', [quota('20', '7')], '25', 0)), ['30']);
  });

  it('never waits for what it cannot compare, or longer than the limit', () => {
    const e = new Expectations(5000);
    e.wrote('resourcequotas', 'team-a', 'posture-quota', quota('abc'), 0);
    assert.deepEqual(e.view('resourcequotas', 'team-a', [], '1', 0), []);
    e.wrote('resourcequotas', 'team-b', 'posture-quota', quota('50'), 0);
    assert.equal(e.view('resourcequotas', 'team-b', [], '', 1000).length, 1, 'an informer that is relisting has seen nothing yet');
    assert.equal(e.view('resourcequotas', 'team-b', [], '', 6000).length, 0, 'a watch that stays down is not waited for forever');
  });

  it('forgets a deleted namespace, and writes older than the limit', () => {
    const e = new Expectations(5000);
    e.wrote('resourcequotas', 'team-a', 'posture-quota', quota('50'), 0);
    e.forget('team-a');
    assert.equal(e.view('resourcequotas', 'team-a', [], '1', 0).length, 0);
    assert.equal(e.size, 0);
    e.wrote('resourcequotas', 'team-b', 'posture-quota', quota('50'), 0);
    e.wrote('resourcequotas', 'team-c', 'posture-quota', quota('60'), 6000);
    assert.equal(e.size, 1, 'the older write is swept');
  });

  it('hides what it deleted until the cache sees the delete', () => {
    const e = new Expectations();
    e.deleted('resourcequotas', 'team-a', 'posture-quota', 0);
    assert.equal(e.view('resourcequotas', 'team-a', [quota('40')], '45', 0).length, 0);
    assert.equal(e.shouldReconcile('resourcequotas', 'team-a', 'delete', quota('40'), 1), false, 'its own delete starts nothing');
    assert.equal(e.view('resourcequotas', 'team-a', [quota('90')], '95', 2).length, 1, 'one created again after it is seen');
  });

  it('starts no reconcile for an echo of its own write or a status update, but one for any change by others', () => {
    const e = new Expectations();
    e.wrote('resourcequotas', 'team-a', 'posture-quota', quota('100'), 0);
    assert.equal(e.shouldReconcile('resourcequotas', 'team-a', 'add', quota('100'), 1), false, 'the echo');
    assert.equal(e.shouldReconcile('resourcequotas', 'team-a', 'update', { ...quota('101'), status: { used: { pods: '1' } } }, 1), false, 'the quota controller\'s status');
    assert.equal(e.shouldReconcile('resourcequotas', 'team-a', 'update', quota('102', '99'), 1), true, 'an edit');
    assert.equal(e.shouldReconcile('resourcequotas', 'team-a', 'update', quota('103', '10', 'u2'), 1), true, 'another object of the same name');
    assert.equal(e.shouldReconcile('resourcequotas', 'team-a', 'delete', quota('104'), 1), true, 'a delete');
    assert.equal(e.shouldReconcile('resourcequotas', 'team-b', 'add', quota('105'), 1), true, 'what it did not write');
  });

  it('holds the events of a namespace being written and judges them when the writes are answered', () => {
    const e = new Expectations();
    e.begin('team-a');
    // The echo can arrive before the answer.
    assert.equal(e.shouldReconcile('resourcequotas', 'team-a', 'add', quota('100'), 0), false);
    e.wrote('resourcequotas', 'team-a', 'posture-quota', quota('100'), 0);
    assert.equal(e.end('team-a'), false, 'only echoes: nothing more to do');

    e.begin('team-a');
    e.wrote('resourcequotas', 'team-a', 'posture-quota', quota('200'), 0);
    assert.equal(e.shouldReconcile('resourcequotas', 'team-a', 'delete', quota('201'), 0), false, 'held');
    assert.equal(e.end('team-a'), true, 'a drift while the write was in flight: reconcile again');
  });
});
