// Measures the operator's resident memory where issue 11 and 17 ask for it: idle over 5 selected
// namespaces 20 s after Ready (idleRssMiB), and with 60 ConfigMaps of 1 MB in a namespace no baseline
// selects, then after a restart over them. The operator runs compiled (node <dist>/main.js), under its
// own ServiceAccount, with the Deployment's NODE_OPTIONS, as in a cluster.
// Run: npx tsx hack/measure-rss.ts [distDir]   (default: compiles src/ into .local/rss-dist)
//      (starts and stops its own control plane; prints one JSON line)
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startControlPlane } from './controlplane/launcher.js';
import { adminClient, installOperatorPrerequisites, OPERATOR_NAMESPACE, OPERATOR_SERVICE_ACCOUNT, repoRoot } from './install.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function nodeOptions(): string {
  const docs = readFileSync(join(repoRoot, 'config/manager/deployment.yaml'), 'utf8').split(/^---$/m).map((d) => parse(d) as unknown);
  const text = JSON.stringify(docs);
  const m = /"name":"NODE_OPTIONS","value":"([^"]+)"/.exec(text);
  if (m?.[1] === undefined) throw new Error('config/manager/deployment.yaml: no NODE_OPTIONS');
  return m[1];
}

function status(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m?.[1] === undefined ? NaN : Math.round((Number(m[1]) / 1024) * 10) / 10;
}

async function main(): Promise<void> {
  let dist = process.argv[2];
  if (dist === undefined) {
    dist = join(repoRoot, '.local', 'rss-dist');
    execFileSync(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', join(repoRoot, 'tsconfig.build.json'), '--outDir', dist], { stdio: 'inherit' });
  }
  const flags = nodeOptions();
  const cp = await startControlPlane({ log: () => undefined });
  const stops: (() => Promise<void>)[] = [];
  try {
    await installOperatorPrerequisites(cp.kubeconfigPath);
    const admin = await adminClient(cp.kubeconfigPath);
    const send = (method: 'POST', path: string, body: unknown): Promise<unknown> => admin.request({ verb: 'create', resource: 'x', method, path, body });
    for (let i = 0; i < 5; i++) await send('POST', '/api/v1/namespaces', { metadata: { name: `tenant-${i}`, labels: { 'posture.dev/tier': 'tenant' } } });
    await send('POST', '/api/v1/namespaces', { metadata: { name: 'outside' } });
    await send('POST', '/apis/posture.dev/v1alpha1/securitybaselines', {
      apiVersion: 'posture.dev/v1alpha1',
      kind: 'SecurityBaseline',
      metadata: { name: 'tenants' },
      spec: {
        mode: 'Enforce',
        namespaceSelector: { matchLabels: { 'posture.dev/tier': 'tenant' } },
        networkPolicy: { defaultDeny: ['Ingress', 'Egress'], allowDNS: true },
        resourceQuota: { hard: { pods: '50', 'requests.cpu': '4', 'requests.memory': '8Gi' } },
        rbac: { bindClusterRoles: [{ clusterRole: 'view', subjects: [{ kind: 'Group', name: 'developers' }] }] },
      },
    });
    const kubeconfig = await cp.mintServiceAccountKubeconfig(OPERATOR_NAMESPACE, OPERATOR_SERVICE_ACCOUNT, join(cp.dir, 'operator.kubeconfig'));
    const launch = async (): Promise<{ pid: number; stop: () => Promise<void> }> => {
      const env: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: kubeconfig, POD_NAMESPACE: OPERATOR_NAMESPACE, NODE_OPTIONS: flags };
      delete env.KUBERNETES_SERVICE_HOST;
      const child = spawn(process.execPath, [join(dist, 'main.js'), '--health-probe-bind-address=127.0.0.1:18781'], { env, stdio: 'ignore' });
      const exited = new Promise<void>((r) => {
        child.once('exit', () => {
          r();
        });
      });
      const stop = async (): Promise<void> => {
        child.kill('SIGTERM');
        await exited;
      };
      stops.push(stop);
      for (let i = 0; i < 600; i++) {
        const ok = await fetch('http://127.0.0.1:18781/readyz').then((r) => r.ok, () => false);
        if (ok) break;
        await sleep(100);
      }
      if (child.pid === undefined) throw new Error('operator did not start');
      return { pid: child.pid, stop };
    };
    let op = await launch();
    await sleep(20_000);
    const idleRssMiB = status(op.pid, 'VmRSS');
    const blob = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`key-${i}`, 'x'.repeat(16 * 1024 - 16)]));
    for (let i = 0; i < 60; i++) await send('POST', '/api/v1/namespaces/outside/configmaps', { metadata: { name: `blob-${i}` }, data: blob });
    await sleep(10_000);
    const withConfigMaps = { rssMiB: status(op.pid, 'VmRSS'), peakRssMiB: status(op.pid, 'VmHWM') };
    await op.stop();
    op = await launch();
    await sleep(10_000);
    const restarted = { rssMiB: status(op.pid, 'VmRSS'), peakRssMiB: status(op.pid, 'VmHWM') };
    await op.stop();
    await admin.close();
    console.log(JSON.stringify({
      date: new Date().toISOString(),
      dist,
      nodeOptions: flags,
      machine: { cpus: cpus().length, memoryMiB: Math.round(totalmem() / 2 ** 20), loadavg1m: Math.round((loadavg()[0] ?? 0) * 10) / 10 },
      idleRssMiB,
      configMaps60x1MB: withConfigMaps,
      restartedOverThem: restarted,
    }));
  } finally {
    for (const stop of stops) await stop().catch(() => undefined);
    await cp.stop();
  }
}

await main();
