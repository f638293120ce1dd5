// The result of a run as JSON, and its record for docs/benchmarks.md.
import { execFileSync } from 'node:child_process';
import { repoRoot } from '../install.js';
import { machine } from './proc.js';
import { formatMarkdown, ratioOf, rows, type BenchResult } from './report.js';
import type { Run } from './run.js';
import { percentile, round } from './stats.js';

export function result(run: Run): BenchResult {
  const m = run.m;
  const lat = m.latencies;
  const drift = m.drift;
  const floorSeconds = round(m.floorSeconds, 2);
  const operatorSeconds = round(m.operatorSeconds, 2);
  return {
    namespaces: run.options.namespaces,
    floorSeconds,
    operatorSeconds,
    ratio: round(ratioOf(m.operatorSeconds, m.floorSeconds), 3),
    p50Ms: lat === null ? null : round(percentile(lat, 50), 1),
    p95Ms: lat === null ? null : round(percentile(lat, 95), 1),
    p99Ms: lat === null ? null : round(percentile(lat, 99), 1),
    writesPerNamespace:
      m.writesPerNamespace === null ? null : Object.fromEntries(Object.entries(m.writesPerNamespace).map(([k, v]) => [k, round(v, 4) ?? 0])),
    steadyWrites: m.steadyWrites,
    driftP50Ms: drift === null ? null : round(percentile(drift, 50), 1),
    driftP99Ms: drift === null ? null : round(percentile(drift, 99), 1),
    rssMiB: round(m.rssMiB, 1),
    heapMiB: round(m.heapMiB, 1),
    falseDrift: m.falseDrift,
    reconcilesPerNamespace: round(m.reconcilesPerNamespace, 3),
    idleRssMiB: round(m.idleRssMiB, 1),
    peakRssMiB: round(m.peakRssMiB, 1),
    auditCpuMs: round(m.auditCpuMs, 0),
    auditNamespaces: m.auditNamespaces,
    date: new Date().toISOString(),
    machine: machine(),
    kubernetesVersion: m.kubernetesVersion,
  };
}

function sharedShare(run: Run): string {
  if (run.shared.wall <= 0) return 'an unknown share';
  return `${Math.round((run.shared.others / (run.shared.wall * machine().cpus)) * 100)}%`;
}

/** The commit checked out now, and whether the operator's sources have uncommitted changes: taken when the operator is built. */
export function revision(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'config', 'crds', 'hack/install.ts'], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty === '' ? `commit ${sha}` : `commit ${sha} with uncommitted changes`;
  } catch {
    return 'not a git checkout';
  }
}

export function record(run: Run, r: BenchResult, minutes: number): string {
  const o = run.options;
  return [
    `### ${r.date.slice(0, 10)}: N=${r.namespaces.toLocaleString('en')}, ${run.builtFrom}`,
    '',
    `- Date: ${r.date}`,
    `- Machine: ${r.machine.cpus} CPUs (${r.machine.cpuModel}), ${(r.machine.memoryMiB / 1024).toFixed(1)} GiB memory, Node.js ${r.machine.node}; Kubernetes ${r.kubernetesVersion}`,
    `- Shared machine: other processes (other engineers' test suites) used on average ${sharedShare(run)} of the ${r.machine.cpus} cores during the measured phases; see "other processes" per phase below`,
    `- Command: \`npm run bench -- --namespaces ${o.namespaces}${o.concurrency === undefined ? '' : ` --concurrency ${o.concurrency}`} --steady-seconds ${o.steadySeconds} --rate ${o.rate} --rate-seconds ${o.rateSeconds} --drift ${o.drift}${o.nodeOptions === undefined ? '' : ` --node-options='${o.nodeOptions}'`}${o.quick ? ' --quick' : ''}\``,
    `- Operator: ${run.builtFrom}, ${run.entry === undefined ? 'src/main.ts through tsx' : 'compiled (node dist/main.js)'}, --concurrency ${run.operatorConcurrency}; floor concurrency ${run.floorConcurrency}; run took ${minutes.toFixed(1)} min`,
    '',
    formatMarkdown(rows(r)),
    '',
    'Details:',
    '',
    ...run.notes.map((n) => `- ${n}`),
    ...run.errors.map((e) => `- FAILED: ${e}`),
    '',
  ].join('\n');
}
