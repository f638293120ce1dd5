// The order of a run: the floor on one fresh control plane (and the operator's concurrency tried
// there), then the operator's phases on a second one. Each phase's measurement is in phases.ts.
import { performance } from 'node:perf_hooks';
import type { BenchCluster } from './cluster.js';
import {
  burstRun,
  describeLatencies,
  describeOperator,
  describeWrites,
  driftRun,
  floorRun,
  names,
  protectTimeoutMs,
  rateRun,
  steadyRun,
  waitOperatorIdle,
  waitStatus,
  writesNow,
  type FloorRun,
} from './phases.js';
import { snapshotCpu } from './proc.js';
import { auditCpuRun, MAX_AUDIT_NAMESPACES, PODS_PER_NAMESPACE } from './auditcpu.js';
import { perNamespace, steadyWriteTotal, subtractWrites, sumOf, valueOf, writeCounts } from './prom.js';
import { DRIFT_PER_SECOND, FLOOR_LEVELS, OPERATOR_LEVELS, section, type Run } from './run.js';
import { mib } from './stats.js';
import { pause, say } from './util.js';

/** idleRssMiB is read this long after the operator started, with only the system namespaces. */
const IDLE_AFTER_MS = 20_000;
const DRIFT = 'posture_drift_detected_total';

/** Phase 1 (and the operator's concurrency): a fresh control plane with no operator running. */
export async function floorPhases(run: Run): Promise<void> {
  const { options, signal } = run;
  section('floor: a fresh control plane, no operator');
  const { cluster, stop } = await run.cluster('floor');
  try {
    const sample = Math.min(options.namespaces, options.quick ? 100 : 500);
    const tries: FloorRun[] = [];
    for (const level of FLOOR_LEVELS) {
      say(`floor: ${sample} namespaces at concurrency ${level}`);
      const before = snapshotCpu(run.pids(cluster));
      const r = await floorRun(cluster, names(`floor-c${level}`, sample), level, signal, `floor c=${level}`);
      tries.push(r);
      run.note(`floor sample at concurrency ${level}: ${sample} namespaces in ${r.seconds.toFixed(2)} s (${(sample / r.seconds).toFixed(1)} ns/s, ${r.retries} retries)`);
      run.cpu(`floor c=${level}`, before, run.pids(cluster));
    }
    const best = tries.reduce((a, b) => (b.seconds < a.seconds ? b : a));
    run.floorConcurrency = best.concurrency;
    say(`floor: best concurrency ${best.concurrency}; now ${options.namespaces} namespaces at it`);
    const before = snapshotCpu(run.pids(cluster));
    const full = await floorRun(cluster, names('floor', options.namespaces), best.concurrency, signal, 'floor');
    run.m.floorSeconds = full.seconds;
    run.note(`floor: ${options.namespaces} namespaces at concurrency ${best.concurrency} in ${full.seconds.toFixed(2)} s (${(options.namespaces / full.seconds).toFixed(1)} ns/s, ${Math.round((options.namespaces * 11) / full.seconds)} requests/s, ${full.retries} retries)`);
    run.note(describeLatencies('  floor, per namespace, first write seen to last', full.writingMs));
    run.cpu('floor', before, run.pids(cluster));

    if (options.concurrency === undefined) await tuneOperator(run, cluster);
    else run.note(`operator --concurrency ${options.concurrency} (given)`);
    run.note(`operator NODE_OPTIONS: ${run.nodeOptions}${options.nodeOptions === undefined ? ' (as config/manager ships it)' : ' (given)'}`);
  } finally {
    await stop();
  }
}

/** Tries each candidate --concurrency on the floor's control plane (over its converged namespaces) and keeps the fastest. */
async function tuneOperator(run: Run, cluster: BenchCluster): Promise<void> {
  const { options, signal } = run;
  const sample = Math.min(options.namespaces, options.quick ? 100 : 300);
  let best: { level: number; seconds: number } | undefined;
  for (const level of OPERATOR_LEVELS) {
    section(`operator --concurrency ${level}: ${sample} namespaces`);
    const t = performance.now();
    const { op, stop } = await run.operator(cluster, level, `tune-c${level}`);
    try {
      const readyS = (performance.now() - t) / 1000;
      await waitOperatorIdle(cluster, op, 1000, protectTimeoutMs(cluster.tracker.namespaceCount), signal);
      const startWrites = await writesNow(op);
      run.note(
        `operator c=${level} started over ${cluster.tracker.namespaceCount} namespaces (floor's, converged): ready in ${readyS.toFixed(1)} s, idle after ` +
          `${((performance.now() - t) / 1000).toFixed(1)} s; ${steadyWriteTotal(startWrites)} writes (${describeWrites(startWrites)})`,
      );
      const before = snapshotCpu(run.pids(cluster, op));
      const r = await burstRun(cluster, names(`tune-c${level}`, sample), run.floorConcurrency, signal, `tune c=${level}`);
      run.note(`operator c=${level}: ${sample} namespaces protected in ${r.seconds.toFixed(2)} s`);
      run.cpu(`tune c=${level}`, before, run.pids(cluster, op));
      if (best === undefined || r.seconds < best.seconds) best = { level, seconds: r.seconds };
    } catch (err) {
      run.fail(`operator c=${level}`, err);
    } finally {
      await stop();
    }
  }
  if (best !== undefined) run.operatorConcurrency = best.level;
  run.note(`operator --concurrency ${run.operatorConcurrency} chosen`);
}

/** Phases 2 to 6 on a second fresh control plane, with the operator running. */
export async function operatorPhases(run: Run): Promise<void> {
  const { options, signal } = run;
  const N = options.namespaces;
  section(`operator: a fresh control plane, --concurrency ${run.operatorConcurrency}`);
  const { cluster, stop } = await run.cluster('operator');
  try {
    const started = performance.now();
    let { op, stop: stopOp } = await run.operator(cluster, run.operatorConcurrency, 'main');
    await waitStatus(cluster, 0, 60_000, signal);
    try {
      await pause(Math.max(0, IDLE_AFTER_MS - (performance.now() - started)), signal);
      run.m.idleRssMiB = (await op.rssMiB()) ?? null;
      run.note(`operator idle with ${cluster.tracker.namespaceCount} namespaces, ${((performance.now() - started) / 1000).toFixed(1)} s after its start: RSS ${run.m.idleRssMiB?.toFixed(1) ?? '-'} MiB, heap used ${mib(valueOf(await op.metrics(), 'nodejs_heap_size_used_bytes') ?? 0).toFixed(1)} MiB`);
    } catch (err) {
      run.fail('idle', err);
    }
    /** Drift the operator detected in phases where the benchmark made none: burst, quiet, restart, rate. */
    let falseDrift = 0;
    let falseDriftOk = true;

    section(`burst: ${N} namespaces at once`);
    const burst = names('ns', N);
    const writesBefore = await writesNow(op);
    const enforcementBefore = sumOf(await op.metrics(), 'posture_reconcile_total', { controller: 'enforcement' });
    let before = snapshotCpu(run.pids(cluster, op));
    try {
      const r = await burstRun(cluster, burst, run.floorConcurrency, signal, 'burst');
      run.m.operatorSeconds = r.seconds;
      run.note(`burst: ${N} namespaces created in ${r.createdSeconds.toFixed(2)} s (concurrency ${run.floorConcurrency}), all protected after ${r.seconds.toFixed(2)} s`);
      run.note(describeLatencies('  burst, per namespace, creation to the first write seen', r.pickupMs));
      run.note(describeLatencies('  burst, per namespace, first write seen to last', r.writingMs));
      run.cpu('burst', before, run.pids(cluster, op));
      run.note(`burst operator: ${describeOperator(await op.metrics(), cluster.tracker.namespaceCount)}`);
      await waitStatus(cluster, N, protectTimeoutMs(N), signal);
      await waitOperatorIdle(cluster, op, 1000, protectTimeoutMs(N), signal);
      const w = subtractWrites(await writesNow(op), writesBefore);
      run.m.writesPerNamespace = perNamespace(w, N);
      run.m.reconcilesPerNamespace = (sumOf(await op.metrics(), 'posture_reconcile_total', { controller: 'enforcement' }) - enforcementBefore) / N;
      run.note(`burst writes until convergence: ${describeWrites(w)}`);
      const samples = await op.metrics();
      run.note(`operator at convergence: RSS ${(await op.rssMiB())?.toFixed(1) ?? '-'} MiB, heap used ${mib(valueOf(samples, 'nodejs_heap_size_used_bytes') ?? 0).toFixed(1)} MiB`);
    } catch (err) {
      run.fail('burst', err);
    }

    section(`steady: ${options.steadySeconds} s of quiet, then an operator restart`);
    let steady = 0;
    let steadyOk = true;
    try {
      before = snapshotCpu(run.pids(cluster, op));
      const s = await steadyRun(op, options.steadySeconds, signal);
      steady += steadyWriteTotal(s.writes);
      run.note(`quiet ${options.steadySeconds} s: ${describeWrites(s.writes)}`);
      run.cpu('quiet', before, run.pids(cluster, op));
      const samples = await op.metrics();
      const rss = await op.rssMiB();
      run.m.rssMiB = rss ?? null;
      run.m.heapMiB = mib(valueOf(samples, 'nodejs_heap_size_used_bytes') ?? Number.NaN);
      run.m.peakRssMiB = (await op.peakRssMiB()) ?? null;
      run.note(
        `operator memory after convergence and the quiet period (${cluster.tracker.namespaceCount} namespaces, ${cluster.tracker.totalProtected} protected): RSS ${rss?.toFixed(1) ?? '-'} MiB ` +
          `(peak ${(await op.peakRssMiB())?.toFixed(1) ?? '-'} MiB), heap used ${run.m.heapMiB.toFixed(1)} MiB of ${mib(valueOf(samples, 'nodejs_heap_size_total_bytes') ?? 0).toFixed(1)} MiB, ` +
          `external ${mib(valueOf(samples, 'nodejs_external_memory_bytes') ?? 0).toFixed(1)} MiB`,
      );
    } catch (err) {
      steadyOk = false;
      run.fail('steady', err);
    }
    try {
      falseDrift += sumOf(await op.metrics(), DRIFT);
    } catch (err) {
      falseDriftOk = false;
      run.fail('drift count', err);
    }
    try {
      await stopOp();
      const t = performance.now();
      ({ op, stop: stopOp } = await run.operator(cluster, run.operatorConcurrency, 'restart'));
      const readyS = (performance.now() - t) / 1000;
      before = snapshotCpu(run.pids(cluster, op));
      await waitOperatorIdle(cluster, op, 2000, protectTimeoutMs(N), signal);
      const w = writeCounts(await op.metrics());
      steady += steadyWriteTotal(w);
      run.note(`restart over ${cluster.tracker.namespaceCount} converged namespaces: ready in ${readyS.toFixed(1)} s, idle after ${((performance.now() - t) / 1000).toFixed(1)} s; ${describeWrites(w)}`);
      run.cpu('restart', before, run.pids(cluster, op));
      run.note(`restarted operator: RSS ${(await op.rssMiB())?.toFixed(1) ?? '-'} MiB, heap used ${mib(valueOf(await op.metrics(), 'nodejs_heap_size_used_bytes') ?? 0).toFixed(1)} MiB`);
      if (steadyOk) run.m.steadyWrites = steady;
    } catch (err) {
      run.fail('restart', err);
    }

    section(`rate: ${options.rate} namespaces/s for ${options.rateSeconds} s`);
    try {
      before = snapshotCpu(run.pids(cluster, op));
      const metricsBefore = await op.metrics();
      const r = await rateRun(cluster, 'rate', options.rate, options.rateSeconds, signal);
      run.m.latencies = r.latenciesMs;
      run.note(describeLatencies(`rate latency (namespace ADDED to protected, ${r.created} namespaces, creation lag max ${r.maxLagMs.toFixed(0)} ms)`, r.latenciesMs));
      run.note(describeLatencies('  of which creation to the first write seen', r.pickupMs));
      run.note(describeLatencies('  and the first write seen to the last', r.writingMs));
      run.cpu('rate', before, run.pids(cluster, op));
      const after = await op.metrics();
      run.note(`rate operator (restarted process, cumulative): ${describeOperator(after, cluster.tracker.namespaceCount)}`);
      run.note(`rate writes: ${describeWrites(subtractWrites(writeCounts(after), writeCounts(metricsBefore)))}`);
      falseDrift += sumOf(after, DRIFT);
      if (falseDriftOk) run.m.falseDrift = falseDrift;
      run.note(`false drift (detected where the benchmark made none: burst, quiet, restart, rate): ${falseDrift}`);
    } catch (err) {
      run.fail('rate', err);
    }

    const driftCount = Math.min(options.drift, N);
    section(`drift: ${driftCount} namespaces, ${DRIFT_PER_SECOND} per second`);
    if (driftCount > 0) {
      try {
        await waitOperatorIdle(cluster, op, 1000, 120_000, signal);
        before = snapshotCpu(run.pids(cluster, op));
        const writesBeforeDrift = await writesNow(op);
        const d = await driftRun(cluster, burst.slice(0, driftCount), DRIFT_PER_SECOND, signal);
        run.m.drift = d.latenciesMs;
        run.note(describeLatencies(`drift repair (watch event of the drift to that of the repair; ${d.unrepaired} not repaired)`, d.latenciesMs));
        for (const [variant, samples] of Object.entries(d.byVariant)) run.note(describeLatencies(`  drift ${variant}`, samples));
        await waitOperatorIdle(cluster, op, 1000, 60_000, signal).catch(() => undefined);
        run.note(`drift writes: ${describeWrites(subtractWrites(await writesNow(op), writesBeforeDrift))}`);
        run.cpu('drift', before, run.pids(cluster, op));
        if (d.unrepaired > 0) run.m.drift = null;
      } catch (err) {
        run.fail('drift', err);
      }
    }
    const auditNs = burst.slice(0, Math.min(N, MAX_AUDIT_NAMESPACES));
    section(`audit: ${auditNs.length} namespaces with ${PODS_PER_NAMESPACE} pods each, then an audit-only spec change`);
    try {
      const a = await auditCpuRun(cluster, op, auditNs, run.floorConcurrency, signal);
      run.m.auditCpuMs = a.cpuMs;
      run.m.auditNamespaces = auditNs.length;
      run.note(`audit-only change over ${a.pods} pods in ${auditNs.length} namespaces: operator CPU ${a.cpuMs.toFixed(0)} ms, done after ${a.seconds.toFixed(1)} s; RSS ${(await op.rssMiB())?.toFixed(1) ?? '-'} MiB`);
    } catch (err) {
      run.fail('audit', err);
    }
    await stopOp();
  } finally {
    await stop();
  }
}
