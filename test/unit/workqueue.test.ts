import assert from 'node:assert/strict';
import { ManualClock } from './support/manualclock.js';
import { WorkQueue } from '../../src/runtime/workqueue.js';


describe('work queue', () => {
  it('deduplicates keys that are waiting', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('b');
    q.add('a');
    assert.equal(q.length, 2);
    assert.equal(await q.get(), 'a');
    assert.equal(await q.get(), 'b');
  });

  it('never hands one key to two workers; a key added while processed runs once more after', async () => {
    const q = new WorkQueue();
    q.add('a');
    const first = await q.get();
    q.add('a');
    q.add('a');
    assert.equal(q.length, 0, 'not queued while processing');
    q.done(first ?? '');
    assert.equal(q.length, 1);
    assert.equal(await q.get(), 'a');
  });

  it('backs off per key, doubling, capped', () => {
    const clock = new ManualClock();
    const q = new WorkQueue({ clock, baseDelayMs: 10, maxDelayMs: 50 });
    assert.deepEqual([q.addRateLimited('a'), q.addRateLimited('a'), q.addRateLimited('a'), q.addRateLimited('a')], [10, 20, 40, 50]);
    assert.equal(q.addRateLimited('b'), 10, 'other keys keep their own history');
    q.forget('a');
    assert.equal(q.addRateLimited('a'), 10);
  });

  it('adds a delayed key only when its time comes', async () => {
    const clock = new ManualClock();
    const q = new WorkQueue({ clock });
    q.addAfter('a', 100);
    assert.equal(q.length, 0);
    clock.advance(99);
    assert.equal(q.length, 0);
    clock.advance(1);
    assert.equal(q.length, 1);
    assert.equal(await q.get(), 'a');
  });

  it('reports how long a key waited', async () => {
    const clock = new ManualClock();
    const waits: number[] = [];
    const q = new WorkQueue({ clock, onDequeue: (ms) => waits.push(ms) });
    q.add('a');
    clock.advance(7);
    await q.get();
    assert.deepEqual(waits, [7]);
  });

  it('wakes waiting workers with undefined on shutdown and drops delayed keys', async () => {
    const clock = new ManualClock();
    const q = new WorkQueue({ clock });
    const waiting = q.get();
    q.addAfter('later', 10);
    q.shutDown();
    assert.equal(await waiting, undefined);
    clock.advance(10);
    assert.equal(q.length, 0);
    q.add('x');
    assert.equal(q.length, 0, 'no new work after shutdown');
  });

  it('whenIdle resolves once processing ends', async () => {
    const q = new WorkQueue();
    q.add('a');
    const key = await q.get();
    let idle = false;
    const p = q.whenIdle().then(() => (idle = true));
    await Promise.resolve();
    assert.equal(idle, false);
    q.done(key ?? '');
    await p;
    assert.equal(idle, true);
  });
});
