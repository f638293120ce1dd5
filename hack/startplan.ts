// Pure parts of `npm start`: which addresses the operator will bind (the user's flags override the
// local defaults), whether they are free, and what the banner says. Tested in test/unit/start.test.ts.
import { createServer } from 'node:net';
import { parseBindAddress, type BindAddress } from '../src/observability/server.js';

export const LOCAL_DEFAULTS = {
  'metrics-bind-address': '127.0.0.1:8080',
  'health-probe-bind-address': '127.0.0.1:8081',
} as const;
export type AddressFlag = keyof typeof LOCAL_DEFAULTS;

/** The last --flag=value or --flag value in args wins, as for the operator itself; else the local default. */
export function effectiveAddress(args: readonly string[], flag: AddressFlag): { text: string; address: BindAddress | undefined } {
  let text: string = LOCAL_DEFAULTS[flag];
  for (const [i, arg] of args.entries()) {
    if (arg === `--${flag}` && args[i + 1] !== undefined) text = args[i + 1] ?? text;
    else if (arg.startsWith(`--${flag}=`)) text = arg.slice(flag.length + 3);
  }
  return { text, address: parseBindAddress(`--${flag}`, text) };
}

/** Resolves with undefined when the address can be bound now, else with why not. */
export function portProblem(address: BindAddress): Promise<string | undefined> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      resolve(err.code === 'EADDRINUSE' ? 'is in use' : `cannot be bound (${err.code ?? err.message})`);
    });
    probe.listen(address.port, address.host, () => {
      probe.close(() => {
        resolve(undefined);
      });
    });
  });
}

/** Every address the operator would fail on, each naming the flag that moves it. */
export async function checkPorts(args: readonly string[]): Promise<string[]> {
  const problems: string[] = [];
  for (const flag of Object.keys(LOCAL_DEFAULTS) as AddressFlag[]) {
    const { text, address } = effectiveAddress(args, flag);
    if (address === undefined) continue;
    const problem = await portProblem(address);
    if (problem !== undefined) problems.push(`${text} ${problem}; pass --${flag}=127.0.0.1:<free port> (or --${flag}=0 to turn it off)`);
  }
  return problems;
}

export interface LocalBanner {
  adminKubeconfig: string;
  identity: string;
  metrics: string;
  health: string;
  demoNamespace: string;
  ownsControlPlane: boolean;
}

function url(text: string, path: string): string {
  const address = parseBindAddress('address', text);
  if (address === undefined) return '(off)';
  const host = address.host === '0.0.0.0' ? '127.0.0.1' : address.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}${path}`;
}

export function localBanner(b: LocalBanner): string {
  const metricsUrl = url(b.metrics, '/metrics');
  return [
    '',
    `posture: local control plane ready; the operator runs as ${b.identity}.`,
    `posture: metrics ${metricsUrl} (plain HTTP, no authentication: a local run), health ${url(b.health, '/readyz')}`,
    'posture: in another shell:',
    `  export KUBECONFIG=${b.adminKubeconfig}`,
    '  kubectl get securitybaselines            # the sample baseline "tenants" and its status',
    `  kubectl -n ${b.demoNamespace} get networkpolicies   # what it enforces in the labelled namespace "${b.demoNamespace}"`,
    ...(metricsUrl === '(off)' ? [] : [`  curl -s ${metricsUrl} | grep ^posture_`]),
    b.ownsControlPlane
      ? 'posture: Ctrl-C stops the operator and the control plane.'
      : 'posture: Ctrl-C stops the operator; the control plane from `npm run cluster:up` keeps running (`npm run cluster:down` stops it).',
    '',
  ].join('\n');
}

export interface ClusterBanner {
  kubeconfig: string;
  source: 'KUBECONFIG' | '~/.kube/config';
  context: string;
  server: string;
  identity: string;
  podNamespace: string | undefined;
  metrics: string;
  health: string;
}

export function clusterBanner(b: ClusterBanner): string {
  return [
    '',
    `posture: using the cluster from ${b.source} (${b.kubeconfig}), context "${b.context}", server ${b.server}.`,
    `posture: the operator runs as ${b.identity}, with that identity's permissions, not the operator's ClusterRole.`,
    'posture: nothing is installed into this cluster: the CRD (crds/), the RBAC (config/rbac) and any baseline',
    '         must already be there (helm install, or kubectl apply -k config/default); no local control plane is started.',
    b.podNamespace === undefined
      ? 'posture: POD_NAMESPACE is not set: no namespace is excluded as the operator\'s own, and --leader-elect is unavailable.'
      : `posture: POD_NAMESPACE=${b.podNamespace}: excluded from every baseline as the operator's own namespace.`,
    `posture: metrics ${url(b.metrics, '/metrics')}, health ${url(b.health, '/readyz')}`,
    'posture: Ctrl-C stops the operator.',
    '',
  ].join('\n');
}
