// The measurements, one function each. Every wait is bounded in time and every loop in count; every
// time is read from the benchmark's own watches (performance.now() when the event arrived).
import { performance } from 'node:perf_hooks';
import { FIELD_MANAGER } from '../../src/api/names.js';
import { objectPath, resourceTypeOf } from '../../src/kube/resources.js';
import type { BenchCluster } from './cluster.js';
import { ApiError } from '../../src/kube/errors.js';
import { BenchClient } from './kube.js';
import type { RunningOperator } from './operator.js';
import { histogramMean, histogramQuantileBound, steadyWriteTotal, subtractWrites, sumOf, valueOf, writeCounts, type WriteCounts } from './prom.js';
import { summarize } from './stats.js';
import type { DriftProbe, WatchedObject } from './tracker.js';
import { driftTarget, names, protectTimeoutMs, type DriftKind } from './plan.js';
import { errorMessage, pause, pool, progress, say, toError, waitFor, withRetries } from './util.js';

export function isRetryable(err: unknown): boolean {
  if (err instanceof ApiError) return err.code === 429 || err.code >= 500;
  return !(err instanceof DOMException && err.name === 'AbortError');
}

function protectedProgress(cluster: BenchCluster, list: readonly string[], extra: () => string = () => ''): () => string {
  return () => {
    const c = cluster.tracker.countOf(list);
    return `${extra()}${c.seen}/${list.length} namespaces seen, ${c.objects} objects seen, ${c.protected} protected`;
  };
}

async function waitAllProtected(cluster: BenchCluster, list: readonly string[], signal: AbortSignal): Promise<number> {
  await waitFor(
    () => {
      const c = cluster.tracker.countOf(list);
      return `${list.length} namespaces to be protected (${c.protected} are, ${c.objects} objects seen)`;
    },
    () => cluster.tracker.countOf(list).protected === list.length,
    protectTimeoutMs(list.length),
    signal,
  );
  const last = cluster.tracker.lastProtected(list);
  if (last === undefined) throw new Error('protected namespaces without a protection time');
  return last;
}

export interface FloorRun {
  concurrency: number;
  namespaces: number;
  seconds: number;
  retries: number;
  /** Per namespace, the first write seen to the last: what one namespace's writes cost under this load. */
  writingMs: number[];
}

/**
 * The floor: the same writes the operator sends for each namespace (Namespace labels, then the 9
 * objects; server-side apply, field manager posture-operator, as the operator's ServiceAccount), by a
 * minimal client with `concurrency` namespaces in flight. Each namespace is created first, by the
 * admin, as in the operator runs: namespace creation is included in both figures. The time ends when
 * the benchmark's watch has seen the last namespace protected, as for the operator.
 */
export async function floorRun(cluster: BenchCluster, list: readonly string[], concurrency: number, signal: AbortSignal, label: string): Promise<FloorRun> {
  const client = await BenchClient.fromKubeconfig(cluster.operatorKubeconfig, concurrency);
  let created = 0;
  let written = 0;
  let retries = 0;
  const onRetry = (): void => {
    retries++;
  };
  const p = progress(label, protectedProgress(cluster, list, () => `${created} created, ${written} writes sent, `));
  try {
    const t0 = performance.now();
    await pool(
      list,
      concurrency,
      async (ns) => {
        await withRetries(() => cluster.createNamespace(ns), isRetryable, 5, onRetry, signal);
        created++;
        for (const w of cluster.writesFor(ns)) {
          await withRetries(() => client.apply(w.path, w.body, FIELD_MANAGER), isRetryable, 5, onRetry, signal);
          written++;
        }
      },
      signal,
    );
    const last = await waitAllProtected(cluster, list, signal);
    return { concurrency, namespaces: list.length, seconds: (last - t0) / 1000, retries, writingMs: cluster.tracker.breakdown(list).writing };
  } finally {
    p.stop();
    await client.close();
  }
}

/** Creates namespaces (admin) with `concurrency` in flight; resolves when every create returned. */
export async function createAll(cluster: BenchCluster, list: readonly string[], concurrency: number, signal: AbortSignal, onCreated: () => void = () => undefined): Promise<number> {
  let retries = 0;
  await pool(
    list,
    concurrency,
    async (ns) => {
      await withRetries(() => cluster.createNamespace(ns), isRetryable, 5, () => { retries++; }, signal);
      onCreated();
    },
    signal,
  );
  return retries;
}

export interface BurstRun {
  seconds: number;
  createdSeconds: number;
  pickupMs: number[];
  writingMs: number[];
}

/** N namespaces created at once while the operator runs; time until the watch saw every one protected. */
export async function burstRun(cluster: BenchCluster, list: readonly string[], concurrency: number, signal: AbortSignal, label: string): Promise<BurstRun> {
  let created = 0;
  const p = progress(label, protectedProgress(cluster, list, () => `${created} created, `));
  try {
    const t0 = performance.now();
    await createAll(cluster, list, concurrency, signal, () => { created++; });
    const createdSeconds = (performance.now() - t0) / 1000;
    const last = await waitAllProtected(cluster, list, signal);
    const { pickup, writing } = cluster.tracker.breakdown(list);
    return { seconds: (last - t0) / 1000, createdSeconds, pickupMs: pickup, writingMs: writing };
  } finally {
    p.stop();
  }
}

/**
 * Waits until the operator has nothing left to do: at least one reconcile per namespace the watch
 * knows, an empty queue, and the reconcile counter unchanged for quietMs.
 */
export async function waitOperatorIdle(cluster: BenchCluster, op: RunningOperator, quietMs: number, timeoutMs: number, signal: AbortSignal): Promise<void> {
  let last = -1;
  let since = performance.now();
  let state = '';
  await waitFor(
    () => `the operator to be idle (${state})`,
    async () => {
      if (!op.alive()) throw new Error(`the operator exited; log: ${op.logPath}`);
      const samples = await op.metrics();
      const reconciles = sumOf(samples, 'posture_reconcile_total');
      const depth = valueOf(samples, 'posture_workqueue_depth') ?? 0;
      const now = performance.now();
      if (reconciles !== last) {
        last = reconciles;
        since = now;
      }
      state = `${reconciles} reconciles for ${cluster.tracker.namespaceCount} namespaces, queue ${depth}`;
      return reconciles >= cluster.tracker.namespaceCount && depth === 0 && now - since >= quietMs;
    },
    timeoutMs,
    signal,
    250,
  );
}

/** Waits until the baseline's status counts `count` namespaces selected and enforced, Ready=True. */
export async function waitStatus(cluster: BenchCluster, count: number, timeoutMs: number, signal: AbortSignal): Promise<void> {
  let seen = '';
  await waitFor(
    () => `the baseline status to show ${count} enforced (${seen})`,
    async () => {
      const s = await cluster.baselineStatus();
      seen = `selected ${String(s.selected)}, enforced ${String(s.enforced)}, Ready ${String(s.ready)}`;
      return s.selected === count && s.enforced === count && s.ready === 'True' && s.observedGeneration === s.generation;
    },
    timeoutMs,
    signal,
    250,
  );
}

export async function writesNow(op: RunningOperator): Promise<WriteCounts> {
  return writeCounts(await op.metrics());
}

export function describeWrites(w: WriteCounts): string {
  const verbs = Object.entries(w.byResource).filter(([, v]) => v !== 0).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  return `object writes: ${verbs}; non-2xx ${w.failed}; status ${w.side['securitybaselines/status']}, events ${w.side.events}, leases ${w.side.leases}, grant dry runs ${w.dryRuns}`;
}

/** What the operator's own metrics say about its queue and reconciles: evidence for the report. */
export function describeOperator(samples: Awaited<ReturnType<RunningOperator['metrics']>>, namespaces: number): string {
  const reconciles = sumOf(samples, 'posture_reconcile_total');
  const errors = sumOf(samples, 'posture_reconcile_total', { result: 'error' });
  const enforcement = sumOf(samples, 'posture_reconcile_total', { controller: 'enforcement' });
  const qMean = histogramMean(samples, 'posture_workqueue_latency_seconds');
  const q99 = histogramQuantileBound(samples, 'posture_workqueue_latency_seconds', 0.99);
  const rMean = histogramMean(samples, 'posture_reconcile_duration_seconds');
  const r99 = histogramQuantileBound(samples, 'posture_reconcile_duration_seconds', 0.99);
  const drift = sumOf(samples, 'posture_drift_detected_total');
  const ms = (s: number | undefined): string => (s === undefined ? '-' : Number.isFinite(s) ? `${Math.round(s * 1000)} ms` : '> last bucket');
  return (
    `${reconciles} reconciles (${errors} errors, ${(reconciles / Math.max(1, namespaces)).toFixed(2)} per namespace; enforcement ${enforcement}, ${(enforcement / Math.max(1, namespaces)).toFixed(2)} per namespace); ` +
    `queue wait mean ${ms(qMean)}, p99 <= ${ms(q99)}; reconcile mean ${ms(rMean)}, p99 <= ${ms(r99)}; drift detected ${drift}`
  );
}

export interface SteadyRun {
  writes: WriteCounts;
}

export async function steadyRun(op: RunningOperator, seconds: number, signal: AbortSignal): Promise<SteadyRun> {
  const before = await writesNow(op);
  let current = before;
  const p = progress('steady', () => `${steadyWriteTotal(subtractWrites(current, before))} writes so far`, 10_000);
  try {
    const end = performance.now() + seconds * 1000;
    while (performance.now() < end) {
      await pause(Math.min(5000, Math.max(0, end - performance.now())), signal);
      current = await writesNow(op);
    }
  } finally {
    p.stop();
  }
  return { writes: subtractWrites(await writesNow(op), before) };
}

export interface RateRun {
  latenciesMs: number[];
  /** Creation to the first write seen, and first to last write seen, per namespace. */
  pickupMs: number[];
  writingMs: number[];
  created: number;
  /** How far creation fell behind its schedule at worst (client or API server too slow). */
  maxLagMs: number;
}

/** Namespaces created at a steady rate; per namespace, watch ADDED of the namespace to protected. */
export async function rateRun(cluster: BenchCluster, prefix: string, rate: number, seconds: number, signal: AbortSignal): Promise<RateRun> {
  const list = names(prefix, Math.max(1, Math.round(rate * seconds)));
  const interval = 1000 / rate;
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let created = 0;
  let maxLagMs = 0;
  const p = progress('rate', protectedProgress(cluster, list, () => `${created} created, `));
  try {
    const start = performance.now();
    for (const [i, ns] of list.entries()) {
      const due = start + i * interval;
      const wait = due - performance.now();
      if (wait > 0) await pause(wait, signal);
      maxLagMs = Math.max(maxLagMs, performance.now() - due);
      while (inFlight.size >= 200) await Promise.race(inFlight);
      if (failure !== undefined) break;
      const req: Promise<void> = withRetries(() => cluster.createNamespace(ns), isRetryable, 5, () => undefined, signal)
        .then(() => { created++; })
        .catch((err: unknown) => { failure ??= err; })
        .finally(() => inFlight.delete(req));
      inFlight.add(req);
    }
    await Promise.all(inFlight);
    if (failure !== undefined) throw toError(failure);
    await waitAllProtected(cluster, list, signal);
  } finally {
    p.stop();
  }
  const { pickup, writing } = cluster.tracker.breakdown(list);
  return { latenciesMs: cluster.tracker.latencies(list), pickupMs: pickup, writingMs: writing, created, maxLagMs };
}

function hardPods(o: WatchedObject): unknown {
  return (o.spec as { hard?: Record<string, unknown> } | undefined)?.hard?.pods;
}

function ingressRules(o: WatchedObject): number {
  const ingress = (o.spec as { ingress?: unknown[] } | undefined)?.ingress;
  return Array.isArray(ingress) ? ingress.length : 0;
}

export interface DriftRun {
  latenciesMs: number[];
  byVariant: Record<DriftKind, number[]>;
  unrepaired: number;
}

/**
 * One drift in each of these namespaces, paced at `perSecond` so each repair is timed on its own
 * rather than behind a backlog: from the watch event of the drift to the watch event of the repair.
 */
export async function driftRun(cluster: BenchCluster, targets: readonly string[], perSecond: number, signal: AbortSignal): Promise<DriftRun> {
  const probes: (DriftProbe & { variant: DriftKind })[] = [];
  const sends: Promise<void>[] = [];
  let failure: unknown;
  const p = progress('drift', () => `${probes.filter((x) => x.driftAt !== undefined).length}/${targets.length} drifts seen, ${probes.filter((x) => x.repairedAt !== undefined).length} repaired`);
  try {
    const start = performance.now();
    for (const [i, ns] of targets.entries()) {
      const wait = start + (i * 1000) / perSecond - performance.now();
      if (wait > 0) await pause(wait, signal);
      const t = driftTarget(i);
      const type = resourceTypeOf(
        t.kind === 'NetworkPolicy' ? 'networking.k8s.io/v1' : t.kind === 'Role' || t.kind === 'RoleBinding' ? 'rbac.authorization.k8s.io/v1' : 'v1',
        t.kind,
      );
      const path = objectPath(type, t.name, ns);
      const probe: DriftProbe & { variant: DriftKind } = {
        namespace: ns,
        kind: t.kind,
        name: t.name,
        variant: t.variant,
        isDrift:
          t.variant === 'delete'
            ? (ev) => ev === 'DELETED'
            : t.variant === 'edit'
              ? (ev, o) => ev === 'MODIFIED' && hardPods(o) === '1'
              : (ev, o) => ev === 'MODIFIED' && ingressRules(o) > 0,
        isRepair:
          t.variant === 'delete'
            ? (ev) => ev === 'ADDED'
            : t.variant === 'edit'
              ? (ev, o) => ev === 'MODIFIED' && hardPods(o) !== '1'
              : (ev, o) => ev === 'MODIFIED' && ingressRules(o) === 0,
      };
      probes.push(probe);
      cluster.tracker.addProbe(probe);
      const send =
        t.variant === 'delete'
          ? cluster.admin.ok('DELETE', path)
          : t.variant === 'edit'
            ? cluster.admin.ok('PATCH', `${path}?fieldManager=bench-drift`, { spec: { hard: { pods: '1' } } }, 'application/merge-patch+json')
            : cluster.admin.ok('PATCH', `${path}?fieldManager=bench-drift`, { spec: { ingress: [{ from: [{ podSelector: {} }] }] } }, 'application/merge-patch+json');
      sends.push(send.then(() => undefined).catch((err: unknown) => { failure ??= err; }));
    }
    await Promise.all(sends);
    if (failure !== undefined) throw toError(failure);
    await waitFor(
      () => `${probes.length} drifts to be repaired (${probes.filter((x) => x.repairedAt !== undefined).length} are)`,
      () => probes.every((x) => x.repairedAt !== undefined),
      60_000,
      signal,
    ).catch((err: unknown) => {
      say(`  [drift] ${errorMessage(err)}`);
    });
  } finally {
    p.stop();
  }
  const byVariant: Record<DriftKind, number[]> = { delete: [], edit: [], 'foreign-rule': [] };
  const latenciesMs: number[] = [];
  for (const x of probes) {
    if (x.driftAt === undefined || x.repairedAt === undefined) continue;
    latenciesMs.push(x.repairedAt - x.driftAt);
    byVariant[x.variant].push(x.repairedAt - x.driftAt);
  }
  return { latenciesMs, byVariant, unrepaired: probes.length - latenciesMs.length };
}

export { names, protectTimeoutMs };

export function describeLatencies(label: string, samples: readonly number[]): string {
  const s = summarize(samples);
  if (s === undefined) return `${label}: no samples`;
  return `${label}: n=${s.count} min ${s.min.toFixed(0)} p50 ${s.p50.toFixed(0)} p95 ${s.p95.toFixed(0)} p99 ${s.p99.toFixed(0)} max ${s.max.toFixed(0)} mean ${s.mean.toFixed(0)} ms`;
}
