// Runs the operator as a child process, as the integration tests, the reliability suite and the
// benchmark all need it: metrics and probes on free loopback ports, its log in a file, Ready once
// /readyz answers 200, never outliving the process that started it. Under tsx from src/main.ts, or
// compiled (compileOperator), as deployed.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { OPERATOR_NAMESPACE, repoRoot } from './install.js';

export interface OperatorProcess {
  metricsUrl: string;
  healthUrl: string;
  logPath: string;
  pid: number;
  /** SIGTERM and wait for the exit; with graceMs, SIGKILL once it has passed. The exit code, or null after a signal. */
  stop(graceMs?: number): Promise<number | null>;
  /** Sends a signal (SIGKILL: kill -9) and resolves on exit: the exit code, or null when the signal ended it. */
  kill(signal: NodeJS.Signals): Promise<number | null>;
  /** Whether the process is still running. */
  readonly alive: boolean;
  /** Resolves when the process exits, however: its exit code, or null when a signal ended it. */
  readonly exited: Promise<number | null>;
  /** Reads /metrics and returns the sum of a counter's samples whose labels match. */
  counter(name: string, labels?: Record<string, string>): Promise<number>;
}

export interface SpawnOptions {
  /** Compiled entry (compileOperator), or undefined to run src/main.ts through tsx. */
  entry?: string;
  /** The operator's ServiceAccount kubeconfig. */
  kubeconfig: string;
  args?: readonly string[];
  /** Extra environment, e.g. POD_NAME; overrides the defaults. */
  env?: Record<string, string>;
  logPath: string;
  /** Default 60 s. */
  readyTimeoutMs?: number;
  signal?: AbortSignal;
}

/** Every operator process started here and not yet seen to exit: killed when this process exits. */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

export async function spawnOperator(options: SpawnOptions): Promise<OperatorProcess> {
  const [metricsPort, healthPort] = [await freePort(), await freePort()];
  // Not in-cluster, whatever runs this: --leader-elect defaults off, as on a laptop.
  const env: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: options.kubeconfig, POD_NAMESPACE: OPERATOR_NAMESPACE, ...options.env };
  delete env.KUBERNETES_SERVICE_HOST;
  delete env.KUBERNETES_SERVICE_PORT;
  const entry = options.entry === undefined ? ['--import', 'tsx', join(repoRoot, 'src/main.ts')] : [options.entry];
  const ports = [`--metrics-bind-address=127.0.0.1:${metricsPort}`, `--health-probe-bind-address=127.0.0.1:${healthPort}`];
  const child = spawn(process.execPath, [...entry, ...ports, ...(options.args ?? [])], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const op = track(child, options.logPath, `http://127.0.0.1:${metricsPort}/metrics`, `http://127.0.0.1:${healthPort}`);
  try {
    await untilReady(op, options.readyTimeoutMs ?? 60_000, options.signal);
  } catch (err) {
    await op.kill('SIGKILL');
    throw err;
  }
  return op;
}

function track(child: ChildProcess, logPath: string, metricsUrl: string, healthUrl: string): OperatorProcess {
  const pid = child.pid;
  if (pid === undefined) throw new Error('the operator did not start');
  live.add(child);
  const log = createWriteStream(logPath, { flags: 'a' });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  let alive = true;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      alive = false;
      live.delete(child);
      resolve(code);
    });
  });
  const kill = async (signal: NodeJS.Signals): Promise<number | null> => {
    if (alive) child.kill(signal);
    return exited;
  };
  return {
    metricsUrl,
    healthUrl,
    logPath,
    pid,
    stop: async (graceMs) => {
      const timer = graceMs === undefined ? undefined : setTimeout(() => void kill('SIGKILL'), graceMs);
      try {
        return await kill('SIGTERM');
      } finally {
        clearTimeout(timer);
      }
    },
    kill,
    get alive() {
      return alive;
    },
    exited,
    counter: async (name, labels = {}) => sumSamples(await (await fetch(metricsUrl)).text(), name, labels),
  };
}

async function untilReady(op: OperatorProcess, timeoutMs: number, signal: AbortSignal | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    if (!op.alive) throw new Error(`the operator exited before it was ready; its log:\n${(await readFile(op.logPath, 'utf8')).slice(-3000)}`);
    const ready = await fetch(`${op.healthUrl}/readyz`, { signal: AbortSignal.timeout(2000) }).then((r) => r.status === 200, () => false);
    if (ready) return;
    if (Date.now() > deadline) throw new Error(`the operator was not ready after ${timeoutMs / 1000} s; its log: ${op.logPath}`);
    await sleep(100);
  }
}

/**
 * Compiles src/ with tsc into outDir and returns the entry (outDir/main.js): the operator runs as it is
 * deployed (`node dist/main.js`), not through tsx, whose loader adds about 40 MiB of RSS. outDir must
 * lie inside the repository so that node_modules and package.json's "type": "module" are found.
 */
export async function compileOperator(outDir: string): Promise<string> {
  const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  const output: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [tsc, '-p', join(repoRoot, 'tsconfig.build.json'), '--outDir', outDir], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => output.push(d.toString()));
    child.stderr.on('data', (d: Buffer) => output.push(d.toString()));
    child.once('error', reject);
    child.once('exit', resolve);
  });
  const entry = join(outDir, 'main.js');
  const emitted = await readFile(entry, 'utf8').then(() => true, () => false);
  // Type errors (someone else's work in progress) still emit JavaScript; only a missing entry is fatal.
  if (!emitted) throw new Error(`tsc exited with ${String(code)} and emitted no ${entry}:\n${output.join('').slice(-2000)}`);
  return entry;
}

/** Sums the samples of one metric in Prometheus text format whose labels include the given ones. */
export function sumSamples(text: string, name: string, labels: Record<string, string>): number {
  let total = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    const have = new Map([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m): [string, string] => [m[1] ?? '', m[2] ?? '']));
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) total += Number(match[3]);
  }
  return total;
}
