// `npm run bench`: the operator's benchmark on a local, real control plane. See docs/benchmarks.md.
//
// 1. floor      on its own fresh control plane, no operator: the writes of a full baseline for N
//               namespaces by a minimal client at its best concurrency. Then, on the same control
//               plane, the operator's --concurrency candidates are tried (unless --concurrency).
// 2. burst      on a second fresh control plane with the operator running: N namespaces at once.
// 4. writes     per namespace during the burst; then quiet seconds, and an operator restart.
// 6. memory     of the operator after convergence and the quiet period.
// 3. rate       namespaces at a steady rate: per-namespace latency.
// 5. drift      one object deleted or edited in each of D namespaces: time to repair.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { repoRoot } from '../install.js';
import { parseBenchArgs, USAGE, type BenchOptions } from './args.js';
import { compileOperator } from './operator.js';
import { machine } from './proc.js';
import { record, result, revision } from './record.js';
import { formatTable, rows } from './report.js';
import { Run, section } from './run.js';
import { floorPhases, operatorPhases } from './steps.js';
import { errorMessage, say } from './util.js';

async function main(argv: readonly string[]): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseBenchArgs(argv);
  } catch (err) {
    process.stderr.write(`${errorMessage(err)}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    say(USAGE);
    return 0;
  }
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupts++;
    if (interrupts > 1) {
      say(`\n${signal} again: killing everything now`);
      process.exit(130); // exit handlers SIGKILL the operator and the control plane
    }
    say(`\n${signal}: stopping the operator and the control plane (again to force)`);
    controller.abort(new Error(`interrupted (${signal})`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dir = join(repoRoot, '.local', 'bench', stamp);
  await mkdir(dir, { recursive: true });
  const run = new Run(options, controller.signal, dir);
  const t0 = performance.now();
  const m = machine();
  say(`posture-operator benchmark: N=${options.namespaces}, ${m.cpus} CPUs (${m.cpuModel}), ${(m.memoryMiB / 1024).toFixed(1)} GiB, Node.js ${m.node}`);
  say(`logs and the record go to ${dir}`);
  try {
    try {
      section('compiling the operator (tsc, as deployed: node dist/main.js)');
      run.builtFrom = revision();
      run.entry = await compileOperator(join(dir, 'dist'));
    } catch (err) {
      run.note(`could not compile the operator, running it through tsx instead (adds about 40 MiB RSS): ${errorMessage(err)}`);
    }
    try {
      await floorPhases(run);
    } catch (err) {
      run.fail('floor', err);
    }
    await operatorPhases(run);
  } catch (err) {
    if (controller.signal.aborted) {
      say('interrupted; cleaning up');
      await run.cleanup();
      return 130;
    }
    run.fail('run', err);
  } finally {
    await run.cleanup();
  }

  const r = result(run);
  const minutes = (performance.now() - t0) / 60_000;
  section('result');
  say(formatTable(rows(r)));
  for (const e of run.errors) say(`FAILED: ${e}`);
  const md = record(run, r, minutes);
  await writeFile(join(dir, 'record.md'), md);
  await writeFile(join(dir, 'result.json'), `${JSON.stringify(r, null, 2)}\n`);
  if (options.json !== undefined) {
    await writeFile(resolve(options.json), `${JSON.stringify(r, null, 2)}\n`);
    say(`wrote ${resolve(options.json)}`);
  }
  say(`record (Markdown, for docs/benchmarks.md): ${join(dir, 'record.md')}; run took ${minutes.toFixed(1)} min`);
  return run.errors.length === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${errorMessage(err)}\n`);
    process.exitCode = 1;
  },
);
