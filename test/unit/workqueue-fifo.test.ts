import assert from 'node:assert/strict';
import { WorkQueue } from '../../src/runtime/workqueue.js';

/**
 * Counts the array elements that Array.prototype.shift and slice move while `run` runs. shift moves
 * every remaining element (O(n)), so a queue that drains with it is quadratic; counting moves instead
 * of timing keeps the test independent of how fast or busy the machine is.
 */
async function elementsMoved(run: () => Promise<void>): Promise<number> {
  const { shift, slice } = Array.prototype;
  let moved = 0;
  Array.prototype.shift = function (this: unknown[]): unknown {
    moved += Math.max(0, this.length - 1);
    return shift.call(this);
  };
  Array.prototype.slice = function (this: unknown[], start?: number, end?: number): unknown[] {
    const out = slice.call(this, start, end);
    moved += out.length;
    return out;
  };
  try {
    await run();
  } finally {
    Array.prototype.shift = shift;
    Array.prototype.slice = slice;
  }
  return moved;
}

describe('work queue at scale', () => {
  it('keeps 20,000 keys queued while 40,000 pass through, in order, moving O(1) elements per key', async function () {
    // Correctness is judged by the count below, never by time: a busy machine may take long.
    this.timeout(120_000);
    const q = new WorkQueue();
    for (let i = 0; i < 20_000; i++) q.add(`ns-${i}`);
    const operations = 40_000;
    const moved = await elementsMoved(async () => {
      for (let i = 0; i < operations; i++) {
        const key = await q.get();
        assert.equal(key, i < 20_000 ? `ns-${i}` : `audit-${i - 20_000}`);
        q.done(key);
        q.add(`audit-${i}`);
      }
    });
    assert.equal(q.length, 20_000);
    assert.equal(await q.get(), 'audit-20000');
    // Array.prototype.shift on the 20,000 queued keys would move about 800 million elements here.
    assert.ok(moved <= 4 * operations, `${moved} elements moved for ${operations} keys`);
  });
});
