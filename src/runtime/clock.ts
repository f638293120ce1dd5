/** Time as the controller sees it; tests pass a manual clock so they never sleep. */
export interface Clock {
  /** Wall time in ms (for timestamps written to the API, and intervals that may follow the wall clock). */
  now(): number;
  /**
   * Milliseconds on a clock that never jumps (NTP steps, a changed time zone or date): for bounds
   * that must hold whatever the wall clock does, such as how long ago the Lease was last renewed.
   */
  monotonic(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimeout: (fn, ms) => {
    const handle = setTimeout(fn, ms);
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

/** The work's result, or timedOut once the clock reaches the deadline (a request that hangs). */
export function beforeDeadline<T>(clock: Clock, work: Promise<T>, deadline: number, timedOut: T): Promise<T> {
  let handle: unknown;
  const timeout = new Promise<T>((resolve) => {
    handle = clock.setTimeout(() => {
      resolve(timedOut);
    }, Math.max(0, deadline - clock.now()));
  });
  return Promise.race([work, timeout]).finally(() => {
    clock.clearTimeout(handle);
  });
}
