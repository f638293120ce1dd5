import assert from 'node:assert/strict';
import { MAX_EVENT_BYTES, WatchLines } from '../../src/kube/watchlines.js';

describe('watch lines', () => {
  it('joins an event that arrives in many chunks, also one cut inside a character', () => {
    const lines = new WatchLines();
    const event = JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'é'.repeat(1000) } } });
    const bytes = Buffer.from(`${event}\n\n${event}\n{"type":"DEL`);
    const got: string[] = [];
    for (let i = 0; i < bytes.length; i += 7) got.push(...lines.push(bytes.subarray(i, i + 7)));
    assert.deepEqual(got, [event, event], 'two whole events, the blank line and the unfinished tail left out');
    assert.deepEqual(lines.push(Buffer.from('ETED"}\n')), ['{"type":"DELETED"}']);
  });

  it('refuses an unfinished line longer than any event the API server sends', () => {
    const lines = new WatchLines();
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    assert.throws(() => {
      for (let i = 0; i <= MAX_EVENT_BYTES / chunk.length; i++) lines.push(chunk);
    }, /an event of over/);
  });
});
