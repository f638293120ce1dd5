import { parseArgs } from 'node:util';
import type { LogLevel } from './observability/logger.js';
import { parseBindAddress, type BindAddress } from './observability/server.js';

/** What the operator knows about Kubernetes releases, for CL-001 (--newest-kubernetes-minor). */
export interface ReleaseKnowledge {
  newestMinor: number;
  /** YYYY-MM-DD */
  newestMinorReleased: string | undefined;
}

export interface OperatorConfig {
  /** Undefined: the build-time default (src/audit/checks/cluster.ts). */
  releases: ReleaseKnowledge | undefined;
  metricsAddress: BindAddress | undefined;
  healthAddress: BindAddress | undefined;
  concurrency: number;
  logLevel: LogLevel;
  operatorNamespace: string | undefined;
  /** Compete for the Lease in operatorNamespace; only the holder reconciles. */
  leaderElect: boolean;
  /** A 403 this long after the API server was unreachable is retried, not final (--restart-grace). */
  restartGraceMs: number;
}

const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];

const LEADER_ELECT = 'leader-elect';
/** Go's strconv.ParseBool, which kubebuilder's flags use. */
const TRUE = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False']);

/**
 * Takes the boolean flags out of argv before util.parseArgs sees it: parseArgs has no
 * `--flag=false` for booleans, which kubebuilder's users type. The last occurrence wins, as in Go.
 */
function extractBoolean(argv: readonly string[], name: string): { rest: string[]; value: boolean | undefined } {
  let value: boolean | undefined;
  const rest: string[] = [];
  for (const [i, arg] of argv.entries()) {
    if (arg === `--${name}`) {
      const next = argv[i + 1];
      if (next !== undefined && (TRUE.has(next) || FALSE.has(next))) {
        throw new Error(`--${name}: a boolean flag takes its value after "=", as in --${name}=${next}`);
      }
      value = true;
      continue;
    }
    if (!arg.startsWith(`--${name}=`)) {
      rest.push(arg);
      continue;
    }
    const text = arg.slice(name.length + 3);
    if (TRUE.has(text)) value = true;
    else if (FALSE.has(text)) value = false;
    else throw new Error(`--${name}: expected true or false, got "${text}"`);
  }
  return { rest, value };
}

/** Flags use kubebuilder's names, so the manager Deployment reads like any other operator's. */
export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv): OperatorConfig {
  const leaderElectFlag = extractBoolean(argv, LEADER_ELECT);
  const { values } = parseArgs({
    args: leaderElectFlag.rest,
    strict: true,
    options: {
      'metrics-bind-address': { type: 'string', default: ':8080' },
      'health-probe-bind-address': { type: 'string', default: ':8081' },
      concurrency: { type: 'string', default: '16' },
      'log-level': { type: 'string', default: 'info' },
      'newest-kubernetes-minor': { type: 'string' },
      'newest-kubernetes-minor-released': { type: 'string' },
      'restart-grace': { type: 'string', default: '15s' },
    },
  });
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
    throw new Error(`--concurrency: expected an integer from 1 to 256, got "${values.concurrency}"`);
  }
  const logLevel = values['log-level'] as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new Error(`--log-level: expected one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  const operatorNamespace = env.POD_NAMESPACE === '' ? undefined : env.POD_NAMESPACE;
  // Default on in-cluster (kubelet sets KUBERNETES_SERVICE_HOST in every pod), off on a laptop.
  const inCluster = env.KUBERNETES_SERVICE_HOST !== undefined && env.KUBERNETES_SERVICE_HOST !== '';
  const leaderElect = leaderElectFlag.value ?? inCluster;
  if (leaderElect && operatorNamespace === undefined) {
    throw new Error('--leader-elect: POD_NAMESPACE must be set (the namespace that holds the leader-election Lease); or pass --leader-elect=false');
  }
  return {
    releases: parseReleases(values['newest-kubernetes-minor'], values['newest-kubernetes-minor-released']),
    metricsAddress: parseBindAddress('--metrics-bind-address', values['metrics-bind-address']),
    healthAddress: parseBindAddress('--health-probe-bind-address', values['health-probe-bind-address']),
    concurrency,
    logLevel,
    operatorNamespace,
    leaderElect,
    restartGraceMs: parseDuration('--restart-grace', values['restart-grace']),
  };
}

/** 15s, 2m, 500ms: at most a day, since a longer window would make a missing permission look transient for good. */
function parseDuration(flag: string, text: string): number {
  const m = /^(\d{1,8})(ms|s|m|h)$/.exec(text);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
  const ms = m?.[1] === undefined ? Number.NaN : Number(m[1]) * unit[m[2] as keyof typeof unit];
  if (!Number.isFinite(ms) || ms > 86_400_000) throw new Error(`${flag}: expected a duration up to 24h such as 15s or 2m, got "${text}"`);
  return ms;
}

/** --newest-kubernetes-minor=1.37 (or 37) and --newest-kubernetes-minor-released=2026-08-25. */
function parseReleases(minor: string | undefined, released: string | undefined): ReleaseKnowledge | undefined {
  if (minor === undefined) {
    if (released !== undefined) throw new Error('--newest-kubernetes-minor-released: needs --newest-kubernetes-minor');
    return undefined;
  }
  const m = /^(?:1\.)?(\d{1,3})$/.exec(minor);
  if (m?.[1] === undefined) throw new Error(`--newest-kubernetes-minor: expected a minor such as 1.37, got "${minor}"`);
  if (released !== undefined && (!/^\d{4}-\d{2}-\d{2}$/.test(released) || Number.isNaN(Date.parse(released)))) {
    throw new Error(`--newest-kubernetes-minor-released: expected a date such as 2026-08-25, got "${released}"`);
  }
  return { newestMinor: Number(m[1]), newestMinorReleased: released };
}
