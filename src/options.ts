import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The flags that shape how the binary starts and serves, taken out of argv before the operator's own
 * configuration (src/config.ts) parses the rest. Names follow kubebuilder's scaffolding.
 */
export interface CommandOptions {
  action: 'run' | 'help' | 'version';
  /** --kubeconfig: takes precedence over KUBECONFIG, as in kubectl. */
  kubeconfig: string | undefined;
  metrics: MetricsServing;
  /** argv without the flags above, for parseConfig. */
  rest: string[];
}

export interface MetricsServing {
  /** HTTPS with TokenReview and SubjectAccessReview on every scrape. Default on in a cluster. */
  secure: boolean;
  /** --metrics-cert-path: a directory with a mounted certificate; none means a self-signed one. */
  certDir: string | undefined;
  certName: string;
  keyName: string;
}

/** Go's strconv.ParseBool, which kubebuilder's flags use. */
const TRUE = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False']);

class Flags {
  readonly rest: string[] = [];
  private readonly strings = new Map<string, string>();
  private readonly booleans = new Map<string, boolean>();

  constructor(argv: readonly string[], stringFlags: readonly string[], booleanFlags: readonly string[]) {
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i] ?? '';
      if (arg === '--') {
        this.rest.push(...argv.slice(i));
        break;
      }
      const [flag = '', inline] = splitFlag(arg);
      if (stringFlags.includes(flag)) {
        const value = inline ?? argv[++i];
        if (value === undefined || value === '') throw new Error(`--${flag}: expects a value, as in --${flag}=VALUE`);
        this.strings.set(flag, value);
      } else if (booleanFlags.includes(flag)) {
        if (inline === undefined) {
          this.booleans.set(flag, true);
          continue;
        }
        if (!TRUE.has(inline) && !FALSE.has(inline)) throw new Error(`--${flag}: expected true or false, got "${inline}"`);
        this.booleans.set(flag, TRUE.has(inline));
      } else {
        this.rest.push(arg);
      }
    }
  }

  string(name: string): string | undefined {
    return this.strings.get(name);
  }

  boolean(name: string): boolean | undefined {
    return this.booleans.get(name);
  }
}

function splitFlag(arg: string): [string | undefined, string | undefined] {
  if (!arg.startsWith('--')) return [undefined, undefined];
  const eq = arg.indexOf('=');
  return eq === -1 ? [arg.slice(2), undefined] : [arg.slice(2, eq), arg.slice(eq + 1)];
}

export function inCluster(env: NodeJS.ProcessEnv): boolean {
  // kubelet sets KUBERNETES_SERVICE_HOST in every pod.
  return env.KUBERNETES_SERVICE_HOST !== undefined && env.KUBERNETES_SERVICE_HOST !== '';
}

export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): CommandOptions {
  const wantsHelp = argv.some((a) => a === '--help' || a === '-h');
  const wantsVersion = argv.includes('--version');
  const flags = new Flags(
    argv.filter((a) => a !== '--help' && a !== '-h' && a !== '--version'),
    ['kubeconfig', 'metrics-cert-path', 'metrics-cert-name', 'metrics-cert-key'],
    ['metrics-secure'],
  );
  return {
    action: wantsHelp ? 'help' : wantsVersion ? 'version' : 'run',
    kubeconfig: flags.string('kubeconfig'),
    metrics: {
      secure: flags.boolean('metrics-secure') ?? inCluster(env),
      certDir: flags.string('metrics-cert-path'),
      certName: flags.string('metrics-cert-name') ?? 'tls.crt',
      keyName: flags.string('metrics-cert-key') ?? 'tls.key',
    },
    rest: flags.rest,
  };
}

/**
 * Where the cluster comes from, in kubectl's order, or why there is none: without this client-node
 * falls back to http://localhost:8080 and fails with a message about skipTLSVerify.
 */
export type KubeconfigSource = { kind: 'file'; path: string } | { kind: 'default' } | { kind: 'in-cluster' };

export function kubeconfigSource(explicit: string | undefined, env: NodeJS.ProcessEnv, home = homedir()): KubeconfigSource {
  if (explicit !== undefined) {
    if (!existsSync(explicit)) throw new Error(`--kubeconfig: ${explicit} does not exist`);
    return { kind: 'file', path: explicit };
  }
  const fromEnv = (env.KUBECONFIG ?? '').split(':').filter((p) => p !== '');
  if (fromEnv.length > 0) {
    if (!fromEnv.some((p) => existsSync(p))) throw new Error(`KUBECONFIG: ${fromEnv.join(', ')} does not exist`);
    return { kind: 'default' };
  }
  if (existsSync(join(home, '.kube', 'config'))) return { kind: 'default' };
  if (inCluster(env)) return { kind: 'in-cluster' };
  throw new Error(
    'no cluster configured: pass --kubeconfig, set KUBECONFIG, create ~/.kube/config, or run in a pod ' +
      '(from a checkout, `npm start` brings up a local control plane)',
  );
}

export const HELP = `posture-operator: keeps every namespace a SecurityBaseline selects at that baseline
(default-deny networking, quotas, least-privilege RBAC, Pod Security labels), audits it and repairs drift.

Usage: posture-operator [flags]

Cluster:
  --kubeconfig PATH                  kubeconfig to use; else KUBECONFIG, ~/.kube/config, or the pod's
                                     ServiceAccount when run in a cluster
Serving:
  --metrics-bind-address ADDR        serve /metrics on [host]:port, 0 disables (default :8080)
  --metrics-secure[=BOOL]            HTTPS, and every scrape authenticated (TokenReview) and authorised
                                     (SubjectAccessReview, GET /metrics) (default true in a cluster,
                                     false elsewhere)
  --metrics-cert-path DIR            directory with the metrics serving certificate; without it a
                                     self-signed certificate is generated at start
  --metrics-cert-name NAME           certificate file in --metrics-cert-path (default tls.crt)
  --metrics-cert-key NAME            key file in --metrics-cert-path (default tls.key)
  --health-probe-bind-address ADDR   serve /healthz and /readyz on [host]:port, 0 disables (default :8081)
Operation:
  --leader-elect[=BOOL]              compete for the Lease in POD_NAMESPACE; only the holder reconciles
                                     (default true in a cluster, false elsewhere)
  --concurrency N                    namespaces reconciled in parallel, 1..256 (default 16)
  --log-level LEVEL                  error, warn, info or debug (default info)
  --restart-grace DURATION           a 403 this soon after the API server was unreachable is retried
                                     with backoff, as a restarting authorizer's (default 15s)
Other:
  -h, --help                         print this help and exit
  --version                          print the version and exit

Environment: KUBECONFIG, POD_NAMESPACE (the operator's namespace; holds the Lease), POD_NAME (the
Lease holder identity). Requires Node.js 24.
`;
