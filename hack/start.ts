// `npm start`: runs the operator against the cluster in KUBECONFIG (or ~/.kube/config). With no
// cluster configured it brings up the local control plane (or reuses one from `npm run cluster:up`),
// installs the CRD, the operator's RBAC and a sample baseline, and runs the operator under its own
// ServiceAccount, exactly as it runs in a cluster. Ports are checked before anything starts.
import { KubeConfig } from '@kubernetes/client-node';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { errorMessage } from '../src/kube/errors.js';
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
import { checkPorts, clusterBanner, effectiveAddress, LOCAL_DEFAULTS, localBanner } from './startplan.js';

const localDir = join(repoRoot, '.local');
const DEMO_NAMESPACE = 'demo';

function configuredKubeconfig(): { path: string; source: 'KUBECONFIG' | '~/.kube/config' } | undefined {
  const fromEnv = process.env.KUBECONFIG;
  if (fromEnv !== undefined && fromEnv !== '') return { path: fromEnv, source: 'KUBECONFIG' };
  const home = join(homedir(), '.kube', 'config');
  return existsSync(home) ? { path: home, source: '~/.kube/config' } : undefined;
}

/** What is started is stopped on Ctrl-C or SIGTERM, at any stage, including before the operator runs. */
const cleanups: (() => Promise<void>)[] = [];
let child: ReturnType<typeof spawn> | undefined;
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (child !== undefined) {
      child.kill('SIGTERM'); // the operator stops; runOperator's caller then cleans up
      return;
    }
    if (interrupted) return;
    interrupted = true;
    console.error(`posture: ${signal}; stopping what was started`);
    void cleanUp().finally(() => process.exit(130));
  });
}

async function cleanUp(): Promise<void> {
  for (const fn of cleanups.splice(0).reverse()) {
    await fn().catch((err: unknown) => {
      console.error(`posture: cleanup failed: ${errorMessage(err)}`);
    });
  }
}

function runOperator(env: NodeJS.ProcessEnv, args: readonly string[]): Promise<number> {
  const operator = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src/entry.ts'), ...args], { cwd: repoRoot, env, stdio: 'inherit' });
  child = operator;
  return new Promise((resolve) => operator.once('exit', (code, signal) => {
    child = undefined;
    resolve(code ?? (signal === null ? 1 : 128));
  }));
}

/** Who the API server says these credentials are (SelfSubjectReview), or the kubeconfig's user name. */
async function whoAmI(kubeconfig: string): Promise<string> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const fallback = `kubeconfig user "${kc.getCurrentUser()?.name ?? 'unknown'}"`;
  try {
    const client = await adminClient(kubeconfig);
    try {
      const review = await client.request<{ status?: { userInfo?: { username?: string; groups?: string[] } } }>({
        verb: 'create',
        resource: 'selfsubjectreviews',
        method: 'POST',
        path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
      });
      const user = review.status?.userInfo;
      if (user?.username === undefined) return fallback;
      return `${user.username} (groups: ${(user.groups ?? []).join(', ')})`;
    } finally {
      await client.close();
    }
  } catch (err) {
    return `${fallback} (the API server did not say who that is: ${errorMessage(err)})`;
  }
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
  let adminKubeconfig = await runningLocalPlane();
  let owned: ControlPlane | undefined;
  if (adminKubeconfig === undefined) {
    console.error('posture: no cluster configured (KUBECONFIG unset, no ~/.kube/config); starting a local control plane');
    const plane = await startControlPlane();
    owned = plane;
    const kubeconfig = join(localDir, 'kubeconfig');
    cleanups.push(async () => {
      await plane.stop();
      await rm(kubeconfig, { force: true });
      console.error('posture: local control plane stopped');
    });
    if (interrupted) return 130;
    adminKubeconfig = kubeconfig;
    await copyFile(plane.kubeconfigPath, adminKubeconfig);
  } else {
    console.error(`posture: reusing the control plane from npm run cluster:up (${adminKubeconfig})`);
  }
  await installOperatorPrerequisites(adminKubeconfig);
  const client = await adminClient(adminKubeconfig);
  await applyAll(client, [
    // The PolicyReport CRD, so the local operator writes PolicyReports as it would next to Kyverno or Policy Reporter.
    ...(await readManifests('hack/crds/wgpolicyk8s.io_policyreports.yaml')),
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: DEMO_NAMESPACE, labels: { 'posture.dev/tier': 'tenant' } } },
    ...(await readManifests('config/samples/posture_v1alpha1_securitybaseline.yaml')),
  ]);
  await client.close();
  const operatorKubeconfig = await mintServiceAccountKubeconfig(adminKubeconfig, OPERATOR_NAMESPACE, OPERATOR_SERVICE_ACCOUNT, join(localDir, 'operator.kubeconfig'));
  // It holds a token for a week: it goes when the operator does.
  cleanups.push(() => rm(operatorKubeconfig, { force: true }));
  if (interrupted) return 130;
  console.error(
    localBanner({
      adminKubeconfig,
      identity: await whoAmI(operatorKubeconfig),
      metrics: effectiveAddress(args, 'metrics-bind-address').text,
      health: effectiveAddress(args, 'health-probe-bind-address').text,
      demoNamespace: DEMO_NAMESPACE,
      ownsControlPlane: owned !== undefined,
    }),
  );
  const env = { ...process.env, KUBECONFIG: operatorKubeconfig, POD_NAMESPACE: OPERATOR_NAMESPACE };
  return runOperator(env, localArgs(args));
}

/** The local defaults first, so the user's own flags (later in argv) win; metrics stay plain HTTP. */
function localArgs(args: readonly string[]): string[] {
  return [...Object.entries(LOCAL_DEFAULTS).map(([flag, value]) => `--${flag}=${value}`), '--metrics-secure=false', ...args];
}

async function startAgainstCluster(kubeconfig: { path: string; source: 'KUBECONFIG' | '~/.kube/config' }, args: readonly string[]): Promise<number> {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  console.error(
    clusterBanner({
      kubeconfig: kubeconfig.path,
      source: kubeconfig.source,
      context: kc.getCurrentContext(),
      server: kc.getCurrentCluster()?.server ?? '(none)',
      identity: await whoAmI(kubeconfig.path.split(':')[0] ?? kubeconfig.path),
      podNamespace: process.env.POD_NAMESPACE === '' ? undefined : process.env.POD_NAMESPACE,
      metrics: effectiveAddress(args, 'metrics-bind-address').text,
      health: effectiveAddress(args, 'health-probe-bind-address').text,
    }),
  );
  return runOperator({ ...process.env, KUBECONFIG: kubeconfig.path }, localArgs(args));
}

const args = process.argv.slice(2);
let code = 1;
try {
  const problems = await checkPorts(args);
  if (problems.length > 0) {
    for (const p of problems) console.error(`posture: ${p}`);
    code = 2;
  } else {
    const kubeconfig = configuredKubeconfig();
    code = kubeconfig === undefined ? await startLocal(args) : await startAgainstCluster(kubeconfig, args);
  }
} catch (err) {
  console.error(`posture: ${errorMessage(err)}`);
} finally {
  await cleanUp();
}
process.exit(code);
