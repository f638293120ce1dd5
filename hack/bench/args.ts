// Command-line flags of `npm run bench`. Pure: no I/O, so the unit tests can cover every rule.
import { parseArgs } from 'node:util';

export interface BenchOptions {
  /** Namespaces created at once for operatorSeconds (and by the floor client for floorSeconds). */
  namespaces: number;
  /** Where to write the machine-readable result, if anywhere. */
  json: string | undefined;
  /** The operator's --concurrency; undefined: measure the candidates and take the best. */
  concurrency: number | undefined;
  /** Quiet seconds after convergence in which writes are counted (steadyWrites). */
  steadySeconds: number;
  /** Namespaces per second in the latency phase (p50/p95/p99). */
  rate: number;
  /** How long the latency phase creates namespaces. */
  rateSeconds: number;
  /** Namespaces in which one managed object is deleted or edited (drift repair). */
  drift: number;
  /** The operator's NODE_OPTIONS; undefined: the flags config/manager ships. */
  nodeOptions: string | undefined;
  /** Development mode: small defaults for everything not given explicitly. */
  quick: boolean;
  help: boolean;
}

export const DEFAULTS = { namespaces: 1000, steadySeconds: 60, rate: 20, rateSeconds: 60, drift: 100 } as const;
export const QUICK_DEFAULTS = { namespaces: 200, steadySeconds: 10, rate: 20, rateSeconds: 10, drift: 20 } as const;

/** Upper bounds, so a typo cannot start a run that never ends. */
const LIMITS = { namespaces: 50_000, concurrency: 256, steadySeconds: 3600, rate: 500, rateSeconds: 3600, drift: 10_000 } as const;

export const USAGE = `Usage: npm run bench -- [flags]

Starts a local control plane (etcd, kube-apiserver, kube-controller-manager), measures the write
floor of the machine with a minimal client, then runs the operator under its ServiceAccount and
measures time to protected, latency, writes, drift repair and memory.

  --namespaces N      namespaces created at once (default ${DEFAULTS.namespaces}; 10000 works)
  --json FILE         also write the result as JSON to FILE
  --concurrency C     the operator's --concurrency (default: measure 4, 8 and 16, take the best)
  --steady-seconds S  quiet seconds after convergence in which writes are counted (default ${DEFAULTS.steadySeconds})
  --rate R            namespaces per second in the latency phase (default ${DEFAULTS.rate}; "20/s" works too)
  --rate-seconds T    how long the latency phase runs (default ${DEFAULTS.rateSeconds})
  --drift D           namespaces in which one managed object is deleted or edited (default ${DEFAULTS.drift})
  --node-options=O    the operator's NODE_OPTIONS (default: what config/manager/deployment.yaml ships; the = is needed)
  --quick             development: N=${QUICK_DEFAULTS.namespaces}, ${QUICK_DEFAULTS.steadySeconds} s quiet, ${QUICK_DEFAULTS.rateSeconds} s of rate, ${QUICK_DEFAULTS.drift} drifts (explicit flags win)
  -h, --help          this text
`;

function integer(flag: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${flag}: expected an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function positiveNumber(flag: string, raw: string, max: number): number {
  const text = raw.replace(/\/s$/, '');
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0 || value > max) {
    throw new Error(`${flag}: expected a number above 0 and at most ${max}, got "${raw}"`);
  }
  return value;
}

/** Parses the flags after `npm run bench --`. Throws with the flag named on bad input. */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const { values, positionals } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: true,
    options: {
      namespaces: { type: 'string' },
      json: { type: 'string' },
      concurrency: { type: 'string' },
      'steady-seconds': { type: 'string' },
      rate: { type: 'string' },
      'rate-seconds': { type: 'string' },
      drift: { type: 'string' },
      'node-options': { type: 'string' },
      quick: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (positionals.length > 0) throw new Error(`unexpected argument "${positionals.join(' ')}" (flags start with --)`);
  const quick = values.quick;
  const base = quick ? QUICK_DEFAULTS : DEFAULTS;
  if (values.json === '') throw new Error('--json: expected a file name');
  return {
    namespaces: values.namespaces === undefined ? base.namespaces : integer('--namespaces', values.namespaces, 1, LIMITS.namespaces),
    json: values.json,
    concurrency: values.concurrency === undefined ? undefined : integer('--concurrency', values.concurrency, 1, LIMITS.concurrency),
    steadySeconds:
      values['steady-seconds'] === undefined ? base.steadySeconds : integer('--steady-seconds', values['steady-seconds'], 0, LIMITS.steadySeconds),
    rate: values.rate === undefined ? base.rate : positiveNumber('--rate', values.rate, LIMITS.rate),
    rateSeconds: values['rate-seconds'] === undefined ? base.rateSeconds : integer('--rate-seconds', values['rate-seconds'], 1, LIMITS.rateSeconds),
    drift: values.drift === undefined ? base.drift : integer('--drift', values.drift, 0, LIMITS.drift),
    nodeOptions: values['node-options'],
    quick,
    help: values.help,
  };
}
