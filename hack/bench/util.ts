// Small async helpers: a bounded worker pool, a bounded wait, and progress lines.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

export function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(errorMessage(err));
}

/** Runs fn over items with at most `concurrency` in flight; the first failure stops new work and is thrown. */
export async function pool<T>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<void>, signal: AbortSignal): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (failure === undefined && !signal.aborted) {
      const i = next++;
      const item = items[i];
      if (i >= items.length || item === undefined) return;
      try {
        await fn(item, i);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  signal.throwIfAborted();
  if (failure !== undefined) throw toError(failure);
}

/** Polls check every intervalMs until it returns true; throws after timeoutMs with what() in the message. */
export async function waitFor(what: () => string, check: () => boolean | Promise<boolean>, timeoutMs: number, signal: AbortSignal, intervalMs = 50): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    signal.throwIfAborted();
    if (await check()) return;
    if (performance.now() > deadline) throw new Error(`timed out after ${(timeoutMs / 1000).toFixed(0)} s waiting for ${what()}`);
    await sleep(intervalMs, undefined, { signal }).catch(() => undefined);
  }
}

/** Sleeps, but wakes (and throws) on abort. */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
  await sleep(ms, undefined, { signal });
}

/** Prints describe() every intervalMs until stopped: progress for long phases. */
export function progress(label: string, describe: () => string, intervalMs = 3000): { stop: () => void } {
  const start = performance.now();
  const timer = setInterval(() => {
    say(`  [${label}] ${((performance.now() - start) / 1000).toFixed(1)}s ${describe()}`);
  }, intervalMs);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
    },
  };
}

/** Retries fn on errors isRetryable accepts, up to attempts times with a short backoff; counts retries. */
export async function withRetries<T>(fn: () => Promise<T>, isRetryable: (err: unknown) => boolean, attempts: number, onRetry: () => void, signal: AbortSignal): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts || !isRetryable(err) || signal.aborted) throw err;
      onRetry();
      await sleep(20 * 2 ** i, undefined, { signal });
    }
  }
}
