// Runs the operator for the benchmark: hack/operatorprocess.ts's process (as the integration tests
// run it), compiled as deployed, with the bench's concurrency, metrics samples and memory readings.
import { spawnOperator } from '../operatorprocess.js';
import { fetchSamples, type Sample } from './prom.js';
import { statusMiB } from './proc.js';

export { compileOperator, freePort } from '../operatorprocess.js';

export interface RunningOperator {
  pid: number;
  concurrency: number;
  logPath: string;
  metrics(): Promise<Sample[]>;
  rssMiB(): Promise<number | undefined>;
  peakRssMiB(): Promise<number | undefined>;
  alive(): boolean;
  /** SIGTERM, then SIGKILL after a grace period; resolves when the process is gone. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 180_000;
const STOP_GRACE_MS = 15_000;

export interface StartOptions {
  /** Compiled entry (compileOperator), or undefined to run src/main.ts through tsx as the tests do. */
  entry: string | undefined;
  kubeconfig: string;
  concurrency: number;
  logPath: string;
  signal: AbortSignal;
  /** NODE_OPTIONS: the heap flags the operator runs with. */
  nodeOptions: string;
}

export async function startOperator(options: StartOptions): Promise<RunningOperator> {
  const op = await spawnOperator({
    ...(options.entry === undefined ? {} : { entry: options.entry }),
    kubeconfig: options.kubeconfig,
    args: [`--concurrency=${options.concurrency}`],
    env: { POD_NAME: 'posture-bench', NODE_OPTIONS: options.nodeOptions },
    logPath: options.logPath,
    readyTimeoutMs: READY_TIMEOUT_MS,
    signal: options.signal,
  });
  return {
    pid: op.pid,
    concurrency: options.concurrency,
    logPath: options.logPath,
    metrics: () => fetchSamples(op.metricsUrl),
    rssMiB: () => statusMiB(op.pid, 'VmRSS'),
    peakRssMiB: () => statusMiB(op.pid, 'VmHWM'),
    alive: () => op.alive,
    stop: async () => {
      await op.stop(STOP_GRACE_MS);
    },
  };
}
