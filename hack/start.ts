// `npm start`: runs the operator against the cluster in KUBECONFIG (or ~/.kube/config). With no
// cluster configured it brings up the local control plane (or reuses one from `npm run cluster:up`),
// installs the CRD, the operator's RBAC and a sample baseline, and runs the operator under its own
// ServiceAccount, exactly as it runs in a cluster.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { startControlPlane, type ControlPlane } from './controlplane/launcher.js';
import {
  adminClient,
  applyAll,
  installOperatorPrerequisites,
  mintServiceAccountKubeconfig,
  OPERATOR_NAMESPACE,
  OPERATOR_SERVICE_ACCOUNT,
  readManifests,
  repoRoot,
} from './install.js';

const localDir = join(repoRoot, '.local');
const DEMO_NAMESPACE = 'demo';

function configuredKubeconfig(): string | undefined {
  const fromEnv = process.env.KUBECONFIG;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const home = join(homedir(), '.kube', 'config');
  return existsSync(home) ? home : undefined;
}

function runOperator(env: NodeJS.ProcessEnv, args: readonly string[]): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src/main.ts'), ...args], { cwd: repoRoot, env, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => child.kill('SIGTERM'));
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => {
    resolve(code ?? (signal === null ? 1 : 128));
  }));
}

/** A control plane left running by `npm run cluster:up`, if any. */
async function runningLocalPlane(): Promise<string | undefined> {
  try {
    const state = JSON.parse(await readFile(join(localDir, 'controlplane.json'), 'utf8')) as { pid?: number };
    if (typeof state.pid !== 'number') return undefined;
    process.kill(state.pid, 0);
    return join(localDir, 'kubeconfig');
  } catch {
    return undefined;
  }
}

async function startLocal(args: readonly string[]): Promise<number> {
  await mkdir(localDir, { recursive: true });
  let owned: ControlPlane | undefined;
  let adminKubeconfig = await runningLocalPlane();
  if (adminKubeconfig === undefined) {
    console.error('posture: no cluster configured (KUBECONFIG unset, no ~/.kube/config); starting a local control plane');
    owned = await startControlPlane();
    adminKubeconfig = join(localDir, 'kubeconfig');
    await copyFile(owned.kubeconfigPath, adminKubeconfig);
  } else {
    console.error(`posture: reusing the control plane from npm run cluster:up (${adminKubeconfig})`);
  }
  try {
    await installOperatorPrerequisites(adminKubeconfig);
    const client = await adminClient(adminKubeconfig);
    await applyAll(client, [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: DEMO_NAMESPACE, labels: { 'posture.dev/tier': 'tenant' } } },
      ...(await readManifests('config/samples/posture_v1alpha1_securitybaseline.yaml')),
    ]);
    await client.close();
    const operatorKubeconfig = await mintServiceAccountKubeconfig(adminKubeconfig, OPERATOR_NAMESPACE, OPERATOR_SERVICE_ACCOUNT, join(localDir, 'operator.kubeconfig'));
    console.error(
      [
        '',
        'posture: local control plane ready; the operator runs as ServiceAccount posture-system/posture-operator.',
        'posture: in another shell:',
        `  export KUBECONFIG=${adminKubeconfig}`,
        '  kubectl get securitybaselines            # the sample baseline "tenants" and its status',
        `  kubectl -n ${DEMO_NAMESPACE} get networkpolicies   # what it enforces in the labelled namespace "${DEMO_NAMESPACE}"`,
        '  curl -s 127.0.0.1:8080/metrics | grep ^posture_',
        'posture: Ctrl-C stops the operator and the control plane.',
        '',
      ].join('\n'),
    );
    const env = { ...process.env, KUBECONFIG: operatorKubeconfig, POD_NAMESPACE: OPERATOR_NAMESPACE };
    return await runOperator(env, ['--metrics-bind-address=127.0.0.1:8080', '--health-probe-bind-address=127.0.0.1:8081', ...args]);
  } finally {
    if (owned !== undefined) {
      await owned.stop();
      await rm(adminKubeconfig, { force: true });
    }
  }
}

const args = process.argv.slice(2);
const kubeconfig = configuredKubeconfig();
const code =
  kubeconfig === undefined
    ? await startLocal(args)
    : await runOperator({ ...process.env, KUBECONFIG: kubeconfig }, args);
process.exit(code);
