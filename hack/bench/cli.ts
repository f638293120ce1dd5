// `npm run bench:cli`: how long `posture audit` takes over N manifests (default 1,000), as a user
// runs it: a fresh process each time, compiled (node dist/cli.js, as in the image) and from source
// (bin/posture.js through tsx, as `npx posture` in a checkout). Target: under 2 s for 1,000 objects
// compiled. A benchmark, not a test: it prints the figures and PASS or MISS, and exits 0 either way.
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { parseManifests } from '../../src/cli/inputs.js';
import { auditManifests } from '../../src/cli/offline.js';
import { renderJson } from '../../src/cli/output/json.js';
import { buildReport } from '../../src/cli/output/report.js';
import { repoRoot } from '../install.js';
import { compileOperator } from './operator.js';
import { machine } from './proc.js';

const TARGET_SECONDS = 2;
const NAMESPACES = 20;

function workload(i: number, ns: string): Record<string, unknown> {
  const container = { name: 'app', image: i % 3 === 0 ? 'nginx:latest' : `registry.example.com/app-${i}:1.${i % 10}.0`, ports: [{ containerPort: 8080 }], env: [{ name: 'MODE', value: 'fast' }], resources: i % 2 === 0 ? { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '128Mi' } } : {} };
  const spec = { securityContext: i % 4 === 0 ? { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } } : {}, containers: [container] };
  const labels = { app: `app-${i}` };
  const meta = { name: `app-${i}`, namespace: ns, labels };
  switch (i % 10) {
    case 0:
      return { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec };
    case 1:
    case 2:
      return { apiVersion: 'v1', kind: 'Service', metadata: meta, spec: { type: i % 20 === 1 ? 'NodePort' : 'ClusterIP', selector: labels, ports: [{ port: 80, targetPort: 8080 }] } };
    case 3:
    case 4:
      return { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta, data: { 'app.conf': `level=${i}`, ...(i % 50 === 3 ? { password: 'hunter2' } : {}) } };
    case 5:
      return { apiVersion: 'rbac.authorization.k8s.io/v1', kind: i % 20 === 5 ? 'Role' : 'RoleBinding', metadata: meta, ...(i % 20 === 5 ? { rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }] } : { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'Group', name: 'readers' }] }) };
    case 6:
      return { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: meta, spec: { rules: [{ host: `app-${i}.example.com` }] } };
    default:
      return { apiVersion: 'apps/v1', kind: i % 10 === 9 ? 'StatefulSet' : 'Deployment', metadata: meta, spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec } } };
  }
}

/** N objects: a Namespace per namespace, then workloads, Services, ConfigMaps, RBAC and Ingresses among them. */
export function manifests(count: number): string {
  const namespaces = Array.from({ length: Math.min(NAMESPACES, count) }, (_, i) => `team-${i}`);
  const objects: Record<string, unknown>[] = namespaces.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'posture.dev/tier': 'tenant' } } }));
  for (let i = 0; objects.length < count; i++) objects.push(workload(i, namespaces[i % namespaces.length] ?? 'default'));
  return objects.map((o) => `---\n${stringify(o)}`).join('');
}

function run(args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`${args.join(' ')} exited ${String(code)}: ${stderr}`));
      else resolve((performance.now() - started) / 1000);
    });
  });
}

/** The work itself, in this process after a warm-up: parse, audit, JSON. Startup is not in it. */
function inProcess(text: string): number {
  const started = performance.now();
  const { manifests: parsed } = parseManifests(text, 'manifests.yaml');
  const run = auditManifests(parsed, { namespace: 'default', now: new Date() });
  renderJson(buildReport(run.findings, (f) => run.locate(f.resource), new Date()));
  return (performance.now() - started) / 1000;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { objects: { type: 'string', default: '1000' }, runs: { type: 'string', default: '5' } } });
  const count = Number(values.objects);
  const runs = Number(values.runs);
  if (!Number.isInteger(count) || count < 1 || count > 100_000 || !Number.isInteger(runs) || runs < 1 || runs > 50) {
    process.stderr.write('usage: npm run bench:cli -- [--objects N (1..100000)] [--runs R (1..50)]\n');
    return 2;
  }
  const dir = join(repoRoot, '.local', 'bench-cli', new Date().toISOString().replace(/[:.]/g, '-'));
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'manifests.yaml');
  const text = manifests(count);
  await writeFile(file, text);
  process.stdout.write(`compiling to ${dir}/dist ...\n`);
  await compileOperator(join(dir, 'dist'));
  const load = os.loadavg();
  const args = ['audit', '-f', file, '-o', 'json'];
  const compiled: number[] = [];
  const source: number[] = [];
  const work: number[] = [];
  inProcess(text);
  for (let i = 0; i < runs; i++) {
    work.push(inProcess(text));
    compiled.push(await run([join(dir, 'dist', 'cli.js'), ...args]));
    source.push(await run([join(repoRoot, 'bin', 'posture.js'), ...args]));
  }
  const m = machine();
  const after = os.loadavg();
  const verdict = median(compiled) < TARGET_SECONDS ? 'PASS' : 'MISS';
  const lines = [
    `posture audit of ${count} objects in ${Math.min(NAMESPACES, count)} namespaces, -o json, ${runs} runs each, a new process per run`,
    `  compiled (node dist/cli.js):       median ${median(compiled).toFixed(2)} s, max ${Math.max(...compiled).toFixed(2)} s   target < ${TARGET_SECONDS} s: ${verdict}`,
    `  from source (bin/posture.js, tsx): median ${median(source).toFixed(2)} s, max ${Math.max(...source).toFixed(2)} s`,
    `  the work alone (parse, audit, JSON; in one warm process): median ${median(work).toFixed(2)} s, max ${Math.max(...work).toFixed(2)} s`,
    `  ${new Date().toISOString()}, ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryMiB} MiB, Node ${m.node}, load average ${load.map((x) => x.toFixed(2)).join(' ')} before, ${after.map((x) => x.toFixed(2)).join(' ')} after`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  await writeFile(join(dir, 'record.md'), `${lines.join('\n')}\n`);
  return 0;
}

process.exitCode = await main();
