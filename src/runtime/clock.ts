/** Time as the controller sees it; tests pass a manual clock so they never sleep. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
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
