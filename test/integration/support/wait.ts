import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls until check returns true (or throws the last error after the timeout). Tests wait for a
 * state, never for a fixed time, so a slow machine makes them slower, not red.
 */
export async function eventually(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await check()) return;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await sleep(intervalMs);
  }
}
