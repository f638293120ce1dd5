// Local control plane for development:
//   npx tsx hack/controlplane/cli.ts up     start in the background, return once ready
//   npx tsx hack/controlplane/cli.ts down   stop it
// `up` re-runs this file detached as `serve`, which owns the control plane until SIGTERM/SIGINT.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { copyFile, mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { startControlPlane, type ControlPlane } from './launcher.js';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const localDir = path.join(repoRoot, '.local');
const statePath = path.join(localDir, 'controlplane.json');
const kubeconfigPath = path.join(localDir, 'kubeconfig');
const logPath = path.join(localDir, 'controlplane.log');
const upTimeoutMs = 30 * 60_000; // a cold build of kube-apiserver takes minutes
const downTimeoutMs = 60_000;

interface State {
  pid: number;
  dir: string;
  server: string;
}

function usage(server: string): string {
  return [
    `control plane running at ${server}`,
    '  export KUBECONFIG=$PWD/.local/kubeconfig; kubectl get ns',
    '  npm run cluster:down   # stop it',
  ].join('\n');
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readState(): Promise<State | undefined> {
  let text: string;
  try {
    text = await readFile(statePath, 'utf8');
  } catch {
    return undefined;
  }
  const parsed = JSON.parse(text) as Partial<State>;
  if (typeof parsed.pid !== 'number' || typeof parsed.dir !== 'string' || typeof parsed.server !== 'string') {
    return undefined;
  }
  return { pid: parsed.pid, dir: parsed.dir, server: parsed.server };
}

async function removeState(): Promise<void> {
  await rm(statePath, { force: true });
  await rm(kubeconfigPath, { force: true });
}

async function up(): Promise<number> {
  const existing = await readState();
  if (existing && pidAlive(existing.pid)) {
    console.log(`already running (pid ${existing.pid})`);
    console.log(usage(existing.server));
    return 0;
  }
  if (existing) await removeState(); // left behind by a serve process that was killed

  await mkdir(localDir, { recursive: true });
  const fd = openSync(logPath, 'w');
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), 'serve'], {
    cwd: repoRoot,
    detached: true,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  child.unref();
  const serveProcess = { exited: false };
  child.on('exit', () => { serveProcess.exited = true; });

  // Stream serve's log (build progress, stage timings) while waiting.
  const logFile = await open(logPath, 'r');
  let offset = 0;
  const pump = async (): Promise<void> => {
    const buf = Buffer.alloc(64 * 1024);
    for (;;) {
      const { bytesRead } = await logFile.read(buf, 0, buf.length, offset);
      if (bytesRead === 0) return;
      offset += bytesRead;
      process.stdout.write(buf.subarray(0, bytesRead));
    }
  };
  try {
    const deadline = Date.now() + upTimeoutMs;
    for (;;) {
      await pump();
      const state = await readState();
      if (state && state.pid === child.pid) {
        console.log(usage(state.server));
        return 0;
      }
      if (serveProcess.exited) {
        await pump();
        console.error(`control plane failed to start; see ${path.relative(process.cwd(), logPath)}`);
        return 1;
      }
      if (Date.now() > deadline) {
        console.error(`control plane not ready after ${upTimeoutMs / 1000}s; see ${logPath}`);
        return 1;
      }
      await sleep(250);
    }
  } finally {
    await logFile.close();
  }
}

async function serve(): Promise<void> {
  let cp: ControlPlane | undefined;
  const flags = { stopRequested: false, exiting: false };
  const shutdown = async (code: number): Promise<void> => {
    if (flags.exiting) return;
    flags.exiting = true;
    console.log('stopping');
    try {
      await cp?.stop();
    } finally {
      await removeState();
      console.log('stopped');
      process.exit(code);
    }
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    console.log(`received ${signal}`);
    if (cp) void shutdown(0);
    else flags.stopRequested = true; // stop as soon as startup finishes
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGHUP', () => { /* detached: ignore terminal hangups */ });

  const log = (line: string): void => { console.log(`${new Date().toISOString()} ${line}`); };
  try {
    cp = await startControlPlane({ log });
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
  if (flags.stopRequested) {
    await shutdown(0);
    return;
  }
  await copyFile(cp.kubeconfigPath, kubeconfigPath);
  const state: State = { pid: process.pid, dir: cp.dir, server: cp.server };
  await writeFile(`${statePath}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  await rename(`${statePath}.tmp`, statePath); // `up` must never read a half-written file
  log(`ready; state in ${statePath}`);

  // Stay alive; if one of the processes dies, tear the rest down instead of leaving a broken cluster.
  const { pids } = cp;
  setInterval(() => {
    const all: [string, number][] = [
      ['etcd', pids.etcd],
      ['kube-apiserver', pids.kubeApiserver],
      ['kube-controller-manager', pids.kubeControllerManager],
    ];
    for (const [name, pid] of all) {
      if (!pidAlive(pid)) {
        log(`${name} (pid ${pid}) died; stopping the control plane`);
        void shutdown(1);
        return;
      }
    }
  }, 2_000);
}

async function down(): Promise<number> {
  const state = await readState();
  if (!state || !pidAlive(state.pid)) {
    if (state) await removeState();
    console.log('no control plane running');
    return 0;
  }
  process.kill(state.pid, 'SIGTERM');
  const deadline = Date.now() + downTimeoutMs;
  while (pidAlive(state.pid)) {
    if (Date.now() > deadline) {
      console.error(`pid ${state.pid} still alive after ${downTimeoutMs / 1000}s; see ${logPath}`);
      return 1;
    }
    await sleep(200);
  }
  console.log('control plane stopped');
  return 0;
}

const command = process.argv[2];
switch (command) {
  case 'up':
    process.exitCode = await up();
    break;
  case 'down':
    process.exitCode = await down();
    break;
  case 'serve':
    await serve();
    break;
  default:
    console.error('usage: tsx hack/controlplane/cli.ts up|down');
    process.exitCode = 2;
}
