// Runs the real operator as a child process, under its own ServiceAccount and the ClusterRole from
// config/rbac, against the shared control plane. Never as admin.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { installOperatorPrerequisites, OPERATOR_NAMESPACE, OPERATOR_SERVICE_ACCOUNT, repoRoot } from '../../../hack/install.js';
import type { ControlPlane } from '../../../hack/controlplane/launcher.js';
import { eventually } from './wait.js';

export interface RunningOperator {
  metricsUrl: string;
  healthUrl: string;
  logPath: string;
  pid: number;
  /** SIGTERM and wait for a clean exit. */
  stop(): Promise<number | null>;
  /** Sends a signal (SIGKILL: kill -9) and resolves on exit: the exit code, or null when the signal ended it. */
  kill(signal: NodeJS.Signals): Promise<number | null>;
  /** Whether the process is still running. */
  readonly alive: boolean;
  /** Resolves when the process exits, however: its exit code, or null when a signal ended it. */
  readonly exited: Promise<number | null>;
  /** Reads /metrics and returns the sum of a counter's samples whose labels match. */
  counter(name: string, labels?: Record<string, string>): Promise<number>;
}

const installed = new WeakSet<ControlPlane>();

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

export interface StartOperatorOptions {
  /** Extra environment for the operator process, e.g. POD_NAME; overrides the defaults. */
  env?: Record<string, string>;
  /** The test installed the CRD and RBAC itself (from the rendered config/default, say). */
  preinstalled?: boolean;
}

export async function startOperator(cp: ControlPlane, args: readonly string[] = [], options: StartOperatorOptions = {}): Promise<RunningOperator> {
  if (options.preinstalled !== true && !installed.has(cp)) {
    await installOperatorPrerequisites(cp.kubeconfigPath);
    installed.add(cp);
  }
  const kubeconfig = await cp.mintServiceAccountKubeconfig(OPERATOR_NAMESPACE, OPERATOR_SERVICE_ACCOUNT, join(cp.dir, 'operator.kubeconfig'));
  const [metricsPort, healthPort] = [await freePort(), await freePort()];
  const podName = options.env?.POD_NAME;
  const logPath = join(cp.dir, `operator-${Date.now()}${podName === undefined ? '' : `-${podName}`}.log`);
  // Not in-cluster, whatever the test runner is: --leader-elect defaults off, as on a laptop.
  const env: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: kubeconfig, POD_NAMESPACE: OPERATOR_NAMESPACE, ...options.env };
  delete env.KUBERNETES_SERVICE_HOST;
  delete env.KUBERNETES_SERVICE_PORT;
  const log = createWriteStream(logPath);
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(repoRoot, 'src/main.ts'),
      `--metrics-bind-address=127.0.0.1:${metricsPort}`,
      `--health-probe-bind-address=127.0.0.1:${healthPort}`,
      ...args,
    ],
    { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      resolve(code);
    });
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('operator did not start');
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  const healthUrl = `http://127.0.0.1:${healthPort}`;
  let alive = true;
  void exited.then(() => (alive = false));
  try {
    await eventually('the operator to be ready', async () => {
      if (!alive) throw new Error(`operator exited:\n${await readFile(logPath, 'utf8')}`);
      const res = await fetch(`${healthUrl}/readyz`);
      return res.status === 200;
    });
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    metricsUrl,
    healthUrl,
    logPath,
    pid,
    stop: async () => {
      if (alive) child.kill('SIGTERM');
      return exited;
    },
    kill: async (signal) => {
      if (alive) child.kill(signal);
      return exited;
    },
    get alive() {
      return alive;
    },
    exited,
    counter: async (name, labels = {}) => sumSamples(await (await fetch(metricsUrl)).text(), name, labels),
  };
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
