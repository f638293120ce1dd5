/** How often the monitor looks: a hold shorter than this may go unseen; one longer never does. */
const TICK_MS = 20;

/** The main thread's CPU time so far, in ms. */
function threadCpuMs(): number {
  const { user, system } = process.threadCpuUsage();
  return (user + system) / 1000;
}

/**
 * The longest the event loop was held, in CPU time of the main thread: the thread's CPU used between
 * two ticks of a 20 ms timer, at most, since the last look. nodejs_eventloop_lag_max_seconds is wall
 * time, so it also counts the time a busy machine gives the process no CPU; this counts only the
 * operator's own work (a long synchronous step, a main-thread GC pause), what the operator can be
 * held to whatever else runs on the node.
 */
export class LoopBusyMonitor {
  private timer: NodeJS.Timeout | undefined;
  private last = 0;
  private max = 0;

  start(): void {
    if (this.timer !== undefined) return;
    this.last = threadCpuMs();
    this.timer = setInterval(() => {
      const now = threadCpuMs();
      this.max = Math.max(this.max, now - this.last);
      this.last = now;
    }, TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The longest hold since the last call, in ms, counting the current stretch; starts again from 0. */
  takeMaxMs(): number {
    const now = threadCpuMs();
    const max = Math.max(this.max, now - this.last);
    this.max = 0;
    return max;
  }
}
