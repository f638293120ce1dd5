import assert from 'node:assert/strict';
import winston from 'winston';
import type { SecurityBaselineStatus } from '../../src/api/status.js';
import { ManualClock } from './support/manualclock.js';
import { StatusWriter } from '../../src/runtime/statuswriter.js';


const silent = winston.createLogger({ silent: true });

/** Lets pending promise callbacks run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** A write that completes when the test says so. */
interface PendingWrite {
  baseline: string;
  patch: Record<string, unknown>;
  finish: () => void;
}

function harness(maxInFlight: number): { writer: StatusWriter; clock: ManualClock; writes: PendingWrite[]; version: Map<string, number> } {
  const clock = new ManualClock();
  const writes: PendingWrite[] = [];
  // Each compute sees a newer status for the baseline, as namespaces keep changing.
  const version = new Map<string, number>();
  const writer = new StatusWriter({
    clock,
    log: silent,
    maxInFlight,
    compute: (b): { status: SecurityBaselineStatus; current: undefined } => ({ status: { observedGeneration: version.get(b) ?? 0 }, current: undefined }),
    write: (baseline, patch) => new Promise<void>((resolve) => writes.push({ baseline, patch, finish: resolve })),
  });
  return { writer, clock, writes, version };
}

describe('status writer', () => {
  it('never has two writes of one baseline in flight: a change during a write is written after it, computed then', async () => {
    const { writer, clock, writes, version } = harness(8);
    version.set('a', 1);
    writer.schedule('a');
    clock.advance(0);
    await settle();
    assert.equal(writes.length, 1);
    // The write is slow; meanwhile the status changes twice, a second apart.
    version.set('a', 2);
    writer.schedule('a');
    clock.advance(1000);
    version.set('a', 3);
    writer.schedule('a');
    clock.advance(1000);
    await settle();
    assert.equal(writes.length, 1, 'no second write while the first is in flight');
    writes[0]?.finish();
    await settle();
    clock.advance(1000);
    await settle();
    assert.equal(writes.length, 2, 'one more write after the first ends');
    assert.equal(writes[1]?.patch.observedGeneration, 3, 'with the status as it is now, not as it was');
    writes[1].finish();
    await settle();
    clock.advance(5000);
    await settle();
    assert.equal(writes.length, 2);
  });

  it('keeps at most maxInFlight writes in flight across baselines, and writes every one', async () => {
    const { writer, clock, writes } = harness(2);
    for (const b of ['a', 'b', 'c', 'd', 'e']) writer.schedule(b);
    clock.advance(0);
    await settle();
    assert.equal(writes.length, 2);
    const inFlight: number[] = [writer.inFlight];
    for (let i = 0; i < 5; i++) {
      writes.find((w, j) => j === i)?.finish();
      await settle();
      inFlight.push(writer.inFlight);
    }
    assert.deepEqual(inFlight, [2, 2, 2, 2, 1, 0]);
    assert.deepEqual(writes.map((w) => w.baseline), ['a', 'b', 'c', 'd', 'e']);
    await writer.stop();
  });

  it('stop() waits for the writes in flight and drops the rest', async () => {
    const { writer, clock, writes } = harness(1);
    writer.schedule('a');
    writer.schedule('b');
    clock.advance(0);
    await settle();
    let stopped = false;
    const stopping = writer.stop().then(() => (stopped = true));
    await settle();
    assert.equal(stopped, false);
    writes[0]?.finish();
    await stopping;
    assert.equal(writes.length, 1, 'b was never sent');
  });
});
