// The state of one benchmark run: what it measured so far, the notes that go into the record, the
// processes it must stop, and CPU accounting per phase.
import { join } from 'node:path';
import type { BenchOptions } from './args.js';
import type { BenchResult } from './report.js';
import { startBenchCluster, type BenchCluster } from './cluster.js';
import { startOperator, type RunningOperator } from './operator.js';
import { describeCpu, snapshotCpu, type CpuSnapshot, type Pids } from './proc.js';
import { CONTAINER_NODE_OPTIONS } from '../container.js';
import { errorMessage, say } from './util.js';

// The floor's candidates go as high as the API server's defaults comfortably allow; the operator's
// include 32 and 64 too, since the floor's best is often that high and a lower cap would decide the ratio.
export const FLOOR_LEVELS = [8, 16, 32, 64, 128] as const;
export const OPERATOR_LEVELS = [4, 8, 16, 32, 64] as const;
export const DRIFT_PER_SECOND = 10;

/** What a run measured: the result's figures, with latencies and drift repair times unreduced. */
export type Measured = Pick<
  BenchResult,
  | 'floorSeconds'
  | 'operatorSeconds'
  | 'writesPerNamespace'
  | 'steadyWrites'
  | 'rssMiB'
  | 'heapMiB'
  | 'falseDrift'
  | 'reconcilesPerNamespace'
  | 'idleRssMiB'
  | 'peakRssMiB'
  | 'auditCpuMs'
  | 'auditNamespaces'
  | 'kubernetesVersion'
> & {
  latencies: number[] | null;
  drift: number[] | null;
};

/** The state of one run: options, what was measured, notes for the record, and what to stop at the end. */
export class Run {
  readonly notes: string[] = [];
  readonly errors: string[] = [];
  private readonly cleanups: (() => Promise<void>)[] = [];
  readonly m: Measured = {
    floorSeconds: null,
    operatorSeconds: null,
    latencies: null,
    writesPerNamespace: null,
    steadyWrites: null,
    drift: null,
    rssMiB: null,
    heapMiB: null,
    falseDrift: null,
    reconcilesPerNamespace: null,
    idleRssMiB: null,
    peakRssMiB: null,
    auditCpuMs: null,
    auditNamespaces: 0,
    kubernetesVersion: 'unknown',
  };
  floorConcurrency: number = FLOOR_LEVELS[2];
  operatorConcurrency: number;
  /** The compiled operator; undefined runs src/main.ts through tsx. */
  entry: string | undefined;
  /** The commit the operator was built from (a run takes minutes, and HEAD may move meanwhile). */
  builtFrom = 'not recorded';
  /** The operator's NODE_OPTIONS: as config/manager ships them, unless --node-options says otherwise. */
  readonly nodeOptions: string;

  constructor(
    readonly options: BenchOptions,
    readonly signal: AbortSignal,
    readonly dir: string,
  ) {
    this.operatorConcurrency = options.concurrency ?? 8;
    this.nodeOptions = options.nodeOptions ?? CONTAINER_NODE_OPTIONS;
  }

  /** A finding worth keeping with the record: printed now and listed under the table. */
  note(line: string): void {
    this.notes.push(line);
    say(`  * ${line}`);
  }

  fail(phase: string, err: unknown): void {
    if (this.signal.aborted) throw err;
    const line = `${phase} failed: ${errorMessage(err)}`;
    this.errors.push(line);
    say(`  ! ${line}`);
  }

  onCleanup(fn: () => Promise<void>): () => Promise<void> {
    let done = false;
    const once = async (): Promise<void> => {
      if (done) return;
      done = true;
      const i = this.cleanups.indexOf(once);
      if (i >= 0) this.cleanups.splice(i, 1);
      await fn();
    };
    this.cleanups.push(once);
    return once;
  }

  async cleanup(): Promise<void> {
    while (this.cleanups.length > 0) {
      const fn = this.cleanups.at(-1);
      if (fn === undefined) break;
      await fn().catch((err: unknown) => {
        say(`cleanup: ${errorMessage(err)}`);
      });
    }
  }

  pids(cluster: BenchCluster, op?: RunningOperator): Pids {
    return {
      'kube-apiserver': cluster.cp.pids.kubeApiserver,
      etcd: cluster.cp.pids.etcd,
      'kube-controller-manager': cluster.cp.pids.kubeControllerManager,
      ...(op === undefined ? {} : { operator: op.pid }),
      bench: process.pid,
    };
  }

  /** Wall seconds of the phases with a CPU account, and what other processes used in them. */
  readonly shared = { wall: 0, others: 0 };

  cpu(label: string, before: CpuSnapshot, pids: Pids): void {
    const { line, wall, others } = describeCpu(before, snapshotCpu(pids));
    if (line === '') return;
    this.shared.wall += wall;
    this.shared.others += others;
    this.note(`${label} ${line}`);
  }

  async operator(cluster: BenchCluster, concurrency: number, tag: string): Promise<{ op: RunningOperator; stop: () => Promise<void> }> {
    const op = await startOperator({ entry: this.entry, kubeconfig: cluster.operatorKubeconfig, concurrency, logPath: join(this.dir, `operator-${tag}.log`), signal: this.signal, nodeOptions: this.nodeOptions });
    return { op, stop: this.onCleanup(() => op.stop()) };
  }

  async cluster(label: string): Promise<{ cluster: BenchCluster; stop: () => Promise<void> }> {
    const cluster = await startBenchCluster(label, Math.max(...FLOOR_LEVELS));
    this.m.kubernetesVersion = cluster.cp.version;
    return { cluster, stop: this.onCleanup(() => cluster.stop()) };
  }
}

export function section(title: string): void {
  say(`\n== ${title} (${new Date().toISOString().slice(11, 19)})`);
}
