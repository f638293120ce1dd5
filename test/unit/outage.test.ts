import assert from 'node:assert/strict';
import type { Clock } from '../../src/runtime/clock.js';
import { OutageLog, type OutageLogger } from '../../src/runtime/outage.js';

class FixedClock implements Clock {
  t = 0;
  now(): number {
    return this.t;
  }
  monotonic(): number {
    return this.t;
  }
  setTimeout(): unknown {
    return undefined;
  }
  clearTimeout(): void {
    // no timers
  }
}

interface Line {
  level: 'warn' | 'info';
  message: string;
  meta: Record<string, unknown>;
}

function recorder(): { logger: OutageLogger; lines: Line[] } {
  const lines: Line[] = [];
  return {
    lines,
    logger: {
      warn: (message, meta) => lines.push({ level: 'warn', message, meta }),
      info: (message, meta) => lines.push({ level: 'info', message, meta }),
    },
  };
}

describe('outage log', () => {
  it('logs an outage of 21 informers retrying for a minute in a handful of lines, not one per retry', () => {
    const clock = new FixedClock();
    const { logger, lines } = recorder();
    const outage = new OutageLog(logger, clock, 'watch', 30_000);
    const sources = Array.from({ length: 21 }, (_, i) => `r${i}`);
    // Every informer retries every 500 ms (the worst case; real retries back off).
    for (clock.t = 0; clock.t < 60_000; clock.t += 500) for (const s of sources) outage.failed(s, 'ECONNREFUSED', 500);
    assert.equal(lines.length, 2, lines.map((l) => l.message).join('\n'));
    assert.match(lines[0]?.message ?? '', /^watch failed; retrying with backoff/);
    assert.equal(lines[1]?.message, 'watch still failing');
    assert.equal(lines[1].meta.failures, 30_000 / 500 * 21, 'the retries in between are counted, not logged');
    assert.deepEqual(lines[1].meta.failing, [...sources].sort().slice(0, 10), 'ten sources named');
    assert.equal(lines[1].meta.failingCount, 21, 'and all of them counted');
    assert.equal(lines[0]?.meta.source, 'r0');

    for (const s of sources.slice(1)) outage.recovered(s);
    assert.equal(lines.length, 2, 'not recovered while one source still fails');
    assert.ok(outage.isFailing);
    clock.t = 61_000;
    outage.recovered('r0');
    assert.equal(lines.length, 3);
    assert.deepEqual(lines[2], { level: 'info', message: 'watch recovered', meta: { outageMs: 61_000, failures: 120 * 21 } });
    assert.ok(!outage.isFailing);
  });

  it('starts over after a recovery: the next outage is logged at once', () => {
    const clock = new FixedClock();
    const { logger, lines } = recorder();
    const outage = new OutageLog(logger, clock);
    outage.failed('a', 'boom', 500);
    outage.recovered('a');
    clock.t = 1000;
    outage.failed('a', 'boom again', 500);
    assert.deepEqual(lines.map((l) => l.level), ['warn', 'info', 'warn']);
    assert.equal(lines[2]?.meta.error, 'boom again');
    assert.equal(lines[2].meta.outageMs, 0);
  });

  it('ignores a recovery of a source that never failed', () => {
    const { logger, lines } = recorder();
    const outage = new OutageLog(logger, new FixedClock());
    outage.recovered('a');
    assert.deepEqual(lines, []);
  });
});
