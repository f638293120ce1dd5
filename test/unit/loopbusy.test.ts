import assert from 'node:assert/strict';
import { LoopBusyMonitor } from '../../src/observability/loopbusy.js';

const threadCpuMs = (): number => {
  const { user, system } = process.threadCpuUsage();
  return (user + system) / 1000;
};

describe('event loop busy monitor (main-thread CPU)', () => {
  it('sees a synchronous hold of 80 ms of CPU, and starts again from 0 after each look', async () => {
    const monitor = new LoopBusyMonitor();
    monitor.start();
    try {
      await new Promise((resolve) => setTimeout(resolve, 50));
      monitor.takeMaxMs();
      const from = threadCpuMs();
      while (threadCpuMs() - from < 80) {
        // hold the thread
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.ok(monitor.takeMaxMs() >= 80);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.ok(monitor.takeMaxMs() < 80, 'an idle loop since the last look');
    } finally {
      monitor.stop();
    }
  });
});
