// The result of a run: the JSON shape, the targets from the issue, and the table for people. Pure.

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryMiB: number;
  node: string;
}

/** Exactly the keys `--json FILE` writes. null: the phase failed or did not run (see the log). */
export interface BenchResult {
  namespaces: number;
  floorSeconds: number | null;
  operatorSeconds: number | null;
  ratio: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  writesPerNamespace: Record<string, number> | null;
  steadyWrites: number | null;
  driftP50Ms: number | null;
  driftP99Ms: number | null;
  rssMiB: number | null;
  heapMiB: number | null;
  /** Drift the operator detected (each a status record and a DriftRepaired event) where the benchmark made none. */
  falseDrift: number | null;
  /** Enforcement reconciles per namespace in the burst. */
  reconcilesPerNamespace: number | null;
  /** RSS with the 5 system namespaces, 20 s after the operator started. */
  idleRssMiB: number | null;
  /** The operator's peak RSS (VmHWM) over the burst and the quiet period. */
  peakRssMiB: number | null;
  /** Operator CPU to re-audit every workload after an audit-only spec change, at auditNamespaces namespaces with 10 pods each. */
  auditCpuMs: number | null;
  auditNamespaces: number;
  date: string;
  machine: Machine;
  kubernetesVersion: string;
}

/** The writes one namespace needs under a full baseline: 9 objects and one apply of the Namespace's labels. */
export const OBJECTS_PER_NAMESPACE = 10;

export const TARGETS = {
  ratio: 1.2,
  p99Ms: 250,
  driftP99Ms: 200,
  writesPerNamespace: OBJECTS_PER_NAMESPACE,
  steadyWrites: 0,
  rssMiB: 150,
  rssAtNamespaces: 10_000,
  falseDrift: 0,
  reconcilesPerNamespace: 1.1,
  idleRssMiB: 80,
  peakRssMiB: 250,
  auditCpuMs: 2000,
  auditAtNamespaces: 1000,
} as const;

export type Verdict = 'PASS' | 'MISS' | 'n/a' | '';

export interface Row {
  metric: string;
  value: string;
  target: string;
  verdict: Verdict;
}

function fmt(value: number | null, decimals: number, unit = ''): string {
  return value === null ? 'not measured' : `${value.toFixed(decimals)}${unit}`;
}

function verdict(value: number | null, ok: (v: number) => boolean): Verdict {
  if (value === null) return 'MISS';
  return ok(value) ? 'PASS' : 'MISS';
}

function writesText(w: Record<string, number> | null): string {
  if (w === null) return 'not measured';
  const entries = Object.entries(w);
  const total = entries.reduce((s, [, v]) => s + v, 0);
  if (entries.length === 0) return '0';
  // Three decimals: one extra write in a thousand namespaces must show, not round to 10.00.
  const parts = entries.map(([verb, v]) => `${verb} ${v.toFixed(3)}`).join(', ');
  return entries.length === 1 ? parts : `${total.toFixed(3)} (${parts})`;
}

export function writesTotal(w: Record<string, number>): number {
  return Object.values(w).reduce((s, v) => s + v, 0);
}

/** One row per figure, with the target and whether this run met it. */
export function rows(r: BenchResult): Row[] {
  const atScale = r.namespaces >= TARGETS.rssAtNamespaces;
  const rssVerdict: Verdict = r.rssMiB === null ? 'MISS' : r.rssMiB >= TARGETS.rssMiB ? 'MISS' : atScale ? 'PASS' : 'n/a';
  const peakVerdict: Verdict = r.peakRssMiB === null ? 'MISS' : r.peakRssMiB > TARGETS.peakRssMiB ? 'MISS' : atScale ? 'PASS' : 'n/a';
  const auditVerdict: Verdict =
    r.auditCpuMs === null ? 'MISS' : r.auditCpuMs > TARGETS.auditCpuMs ? (r.auditNamespaces >= TARGETS.auditAtNamespaces ? 'MISS' : 'n/a') : r.auditNamespaces >= TARGETS.auditAtNamespaces ? 'PASS' : 'n/a';
  return [
    { metric: 'namespaces (N)', value: String(r.namespaces), target: '', verdict: '' },
    { metric: 'floorSeconds', value: fmt(r.floorSeconds, 2, ' s'), target: 'the machine\'s limit', verdict: '' },
    { metric: 'operatorSeconds', value: fmt(r.operatorSeconds, 2, ' s'), target: '', verdict: '' },
    { metric: 'ratio', value: fmt(r.ratio, 2), target: `<= ${TARGETS.ratio}`, verdict: verdict(r.ratio, (v) => v <= TARGETS.ratio) },
    { metric: 'p50Ms', value: fmt(r.p50Ms, 0, ' ms'), target: '', verdict: '' },
    { metric: 'p95Ms', value: fmt(r.p95Ms, 0, ' ms'), target: '', verdict: '' },
    { metric: 'p99Ms', value: fmt(r.p99Ms, 0, ' ms'), target: `< ${TARGETS.p99Ms} ms`, verdict: verdict(r.p99Ms, (v) => v < TARGETS.p99Ms) },
    {
      metric: 'writesPerNamespace',
      value: writesText(r.writesPerNamespace),
      target: `= ${TARGETS.writesPerNamespace} (9 objects + labels)`,
      verdict: r.writesPerNamespace === null ? 'MISS' : verdict(writesTotal(r.writesPerNamespace), (v) => Math.abs(v - TARGETS.writesPerNamespace) < 1e-9),
    },
    { metric: 'steadyWrites', value: fmt(r.steadyWrites, 0), target: `= ${TARGETS.steadyWrites}`, verdict: verdict(r.steadyWrites, (v) => v === TARGETS.steadyWrites) },
    { metric: 'driftP50Ms', value: fmt(r.driftP50Ms, 0, ' ms'), target: '', verdict: '' },
    { metric: 'driftP99Ms', value: fmt(r.driftP99Ms, 0, ' ms'), target: `< ${TARGETS.driftP99Ms} ms`, verdict: verdict(r.driftP99Ms, (v) => v < TARGETS.driftP99Ms) },
    { metric: 'rssMiB', value: fmt(r.rssMiB, 1, ' MiB'), target: `< ${TARGETS.rssMiB} MiB at ${TARGETS.rssAtNamespaces.toLocaleString('en')} ns`, verdict: rssVerdict },
    { metric: 'heapMiB', value: fmt(r.heapMiB, 1, ' MiB'), target: '', verdict: '' },
    { metric: 'peakRssMiB', value: fmt(r.peakRssMiB, 1, ' MiB'), target: `<= ${TARGETS.peakRssMiB} MiB in the ${TARGETS.rssAtNamespaces.toLocaleString('en')} burst`, verdict: peakVerdict },
    { metric: 'idleRssMiB', value: fmt(r.idleRssMiB, 1, ' MiB'), target: `<= ${TARGETS.idleRssMiB} MiB (5 namespaces, 20 s)`, verdict: verdict(r.idleRssMiB, (v) => v <= TARGETS.idleRssMiB) },
    { metric: 'falseDrift', value: fmt(r.falseDrift, 0), target: `= ${TARGETS.falseDrift}`, verdict: verdict(r.falseDrift, (v) => v === TARGETS.falseDrift) },
    { metric: 'reconcilesPerNamespace', value: fmt(r.reconcilesPerNamespace, 2), target: `about 1 (<= ${TARGETS.reconcilesPerNamespace})`, verdict: verdict(r.reconcilesPerNamespace, (v) => v <= TARGETS.reconcilesPerNamespace) },
    {
      metric: 'auditCpuMs',
      value: r.auditCpuMs === null ? 'not measured' : `${r.auditCpuMs.toFixed(0)} ms (${r.auditNamespaces.toLocaleString('en')} ns x 10 pods)`,
      target: `<= ${TARGETS.auditCpuMs.toLocaleString('en')} ms at ${TARGETS.auditAtNamespaces.toLocaleString('en')} ns x 10 pods`,
      verdict: auditVerdict,
    },
  ];
}

const HEADER = ['Metric', 'Value', 'Target', 'Result'] as const;

/** A plain-text table with aligned columns, for the terminal. */
export function formatTable(table: readonly Row[]): string {
  const cells = [HEADER.slice(), ...table.map((r) => [r.metric, r.value, r.target, r.verdict])];
  const widths = HEADER.map((_, i) => Math.max(...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: readonly string[]): string => c.map((text, i) => text.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(cells[0] ?? []), rule, ...cells.slice(1).map(line)].join('\n');
}

/** The same table in Markdown, for docs/benchmarks.md. */
export function formatMarkdown(table: readonly Row[]): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const line = (c: readonly string[]): string => `| ${c.map(esc).join(' | ')} |`;
  return [line(HEADER), line(HEADER.map(() => '---')), ...table.map((r) => line([r.metric, r.value, r.target, r.verdict]))].join('\n');
}

/** The ratio of two durations, or null when either is missing or the floor is zero. */
export function ratioOf(operatorSeconds: number | null, floorSeconds: number | null): number | null {
  if (operatorSeconds === null || floorSeconds === null || floorSeconds <= 0) return null;
  return operatorSeconds / floorSeconds;
}
