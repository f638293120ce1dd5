import assert from 'node:assert/strict';
import type { Logger } from 'winston';
import type { ApiClient } from '../../src/kube/client.js';
import { EventRecorder } from '../../src/kube/events.js';

/** Every request fails, as during an API server outage. */
const down: ApiClient = { request: () => Promise.reject(new Error('fetch failed: other side closed')) };

function recordingLogger(): { logger: Logger; warned: Record<string, unknown>[]; debugged: number } {
  const out = { warned: [] as Record<string, unknown>[], debugged: 0 };
  const logger = {
    warn: (_message: string, meta: Record<string, unknown>) => out.warned.push(meta),
    debug: () => out.debugged++,
  } as unknown as Logger;
  return { logger, get warned() { return out.warned; }, get debugged() { return out.debugged; } };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('EventRecorder', () => {
  it('warns about events it could not send at most once per 30 s, counting the rest', async () => {
    let now = 1_000_000;
    const log = recordingLogger();
    const events = new EventRecorder(down, log.logger, 'test', () => now);
    for (let i = 0; i < 4; i++) events.record({ apiVersion: 'v1', kind: 'Namespace', name: `ns-${i}` }, 'Warning', 'FindingOpened', 'Audit', 'x');
    await settle();
    assert.equal(log.warned.length, 1, 'an outage that fails four events is one warning');
    assert.equal(log.debugged, 3);
    now += 30_000;
    events.record({ apiVersion: 'v1', kind: 'Namespace', name: 'ns-later' }, 'Warning', 'FindingOpened', 'Audit', 'x');
    await settle();
    assert.equal(log.warned.length, 2);
    assert.equal(log.warned[1]?.notRecordedSinceLastWarning, 3);
  });
});
