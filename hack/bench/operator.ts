// Runs the operator as a child process under its ServiceAccount and the ClusterRole from config/rbac,
// as the integration tests do (test/integration/support/operator.ts; a bench-local copy, since hack/
// does not import from test/), but compiled, as deployed.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { OPERATOR_NAMESPACE, repoRoot } from '../install.js';
import { fetchSamples, type Sample } from './prom.js';
import { statusMiB } from './proc.js';

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

/** Every operator process this module started and has not seen exit: killed on process exit. */
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

export interface StartOptions {
  /** Compiled entry (compileOperator), or undefined to run src/main.ts through tsx as the tests do. */
  entry: string | undefined;
  kubeconfig: string;
  concurrency: number;
  logPath: string;
  signal: AbortSignal;
}

export async function startOperator(options: StartOptions): Promise<RunningOperator> {
  const [metricsPort, healthPort] = [await freePort(), await freePort()];
  const log = createWriteStream(options.logPath, { flags: 'a' });
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...(options.entry === undefined ? ['--import', 'tsx', join(repoRoot, 'src/main.ts')] : [options.entry]),
      `--metrics-bind-address=127.0.0.1:${metricsPort}`,
      `--health-probe-bind-address=127.0.0.1:${healthPort}`,
      `--concurrency=${options.concurrency}`,
    ],
    {
      cwd: repoRoot,
      env: { ...process.env, KUBECONFIG: options.kubeconfig, POD_NAMESPACE: OPERATOR_NAMESPACE, POD_NAME: 'posture-bench' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  live.add(child);
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      live.delete(child);
      resolve();
    });
    child.once('error', () => {
      live.delete(child);
      resolve();
    });
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('the operator did not start');
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  const stop = async (): Promise<void> => {
    if (alive()) child.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (alive()) child.kill('SIGKILL');
    }, STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
    await new Promise<void>((resolve) => log.end(resolve));
  };

  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    for (;;) {
      options.signal.throwIfAborted();
      if (!alive()) throw new Error(`the operator exited before it was ready; its log:\n${(await readFile(options.logPath, 'utf8')).slice(-3000)}`);
      const ready = await fetch(`http://127.0.0.1:${healthPort}/readyz`, { signal: AbortSignal.timeout(2000) })
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ready) break;
      if (Date.now() > deadline) throw new Error(`the operator was not ready after ${READY_TIMEOUT_MS / 1000}s; log: ${options.logPath}`);
      await sleep(100);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    pid,
    concurrency: options.concurrency,
    logPath: options.logPath,
    metrics: () => fetchSamples(metricsUrl),
    rssMiB: () => statusMiB(pid, 'VmRSS'),
    peakRssMiB: () => statusMiB(pid, 'VmHWM'),
    alive,
    stop,
  };
}
