// Helpers for the reliability suite: a control plane of its own per file (faults must not reach the
// shared one), an admin client with a connection pool for bulk work, a seeded PRNG, and probes of the
// operator process (RSS, /healthz latency, log lines, metrics).
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { startControlPlane, type ControlPlane, type ControlPlaneOptions } from '../../../hack/controlplane/launcher.js';
import { adminClient, installOperatorPrerequisites, repoRoot } from '../../../hack/install.js';
import type { KubeClient, Verb } from '../../../src/kube/client.js';
import { ApiError } from '../../../src/kube/errors.js';
import { compileOperator } from '../../../hack/operatorprocess.js';
import { startOperator, sumSamples, type RunningOperator, type StartOperatorOptions } from '../support/operator.js';

export const MANAGED = 'app.kubernetes.io/managed-by=posture-operator';
export const BASELINE_LABEL = 'posture.dev/baseline';
export const OPERATOR_USER = 'system:serviceaccount:posture-system:posture-operator';
export const WRITE_VERBS = ['create', 'update', 'patch', 'delete'] as const;

/** The kinds a baseline writes into namespaces: [API base, plural]. */
export const NAMESPACED_KINDS = [
  ['/apis/networking.k8s.io/v1', 'networkpolicies'],
  ['/api/v1', 'resourcequotas'],
  ['/api/v1', 'limitranges'],
  ['/apis/rbac.authorization.k8s.io/v1', 'roles'],
  ['/apis/rbac.authorization.k8s.io/v1', 'rolebindings'],
] as const;

/**
 * A control plane of this file's own, with the CRD and the operator's RBAC installed; quiet unless
 * RELIABILITY_VERBOSE is set.
 */
export async function ownControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const verbose = process.env.RELIABILITY_VERBOSE !== undefined;
  const cp = await startControlPlane({ log: (line) => { if (verbose) process.stderr.write(`controlplane: ${line}\n`); }, ...options });
  try {
    await installOperatorPrerequisites(cp.kubeconfigPath);
  } catch (err) {
    await cp.stop();
    throw err;
  }
  return cp;
}

/** mulberry32: a small seeded PRNG, so a failing run can be replayed with its seed. */
export class Rng {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** A shuffled copy (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }
}

/** The seed from RELIABILITY_SEED, or a fresh one; printed by the tests so a failure replays. */
export function seedFromEnv(): number {
  const env = process.env.RELIABILITY_SEED;
  return env !== undefined && env !== '' ? Number(env) >>> 0 : Math.floor(Math.random() * 2 ** 32);
}

/** The admin's answer to a request: status code and parsed body (a Status on errors). */
export interface Answer<T = unknown> {
  code: number;
  body: T;
  message: string;
}

/** Admin requests through one pooled client (the same KubeClient the operator uses, as the admin). */
export class AdminApi {
  private constructor(readonly cp: ControlPlane, private readonly client: KubeClient) {}

  static async connect(cp: ControlPlane): Promise<AdminApi> {
    return new AdminApi(cp, await adminClient(cp.kubeconfigPath));
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  async get<T>(path: string): Promise<T> {
    return this.client.request<T>({ verb: 'get', resource: 'admin', method: 'GET', path });
  }

  async send<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown, contentType?: string): Promise<T> {
    const verb: Verb = method === 'POST' ? 'create' : method === 'PUT' ? 'update' : method === 'PATCH' ? 'patch' : 'delete';
    return this.client.request<T>({ verb, resource: 'admin', method, path, body, ...(contentType === undefined ? {} : { contentType }) });
  }

  /** Like send, but an error answer is returned, not thrown. */
  async attempt<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown, contentType?: string): Promise<Answer<T | undefined>> {
    try {
      return { code: 200, body: await this.send<T>(method, path, body, contentType), message: '' };
    } catch (err) {
      if (err instanceof ApiError) return { code: err.code, body: undefined, message: err.message };
      throw err;
    }
  }

  async createNamespace(name: string, labels: Record<string, string> = {}): Promise<void> {
    await this.send('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
  }

  /** Server-side apply of a SecurityBaseline as the admin (kubectl apply --server-side). */
  async applyBaseline(name: string, spec: Record<string, unknown>, labels: Record<string, string> = {}): Promise<void> {
    await this.send(
      'PATCH',
      `/apis/posture.dev/v1alpha1/securitybaselines/${name}?fieldManager=kubectl&force=true`,
      { apiVersion: 'posture.dev/v1alpha1', kind: 'SecurityBaseline', metadata: { name, labels }, spec },
      'application/apply-patch+yaml',
    );
  }

  async baseline(name: string): Promise<BaselineObject> {
    return this.get<BaselineObject>(`/apis/posture.dev/v1alpha1/securitybaselines/${name}`);
  }

  /** Every managed object in the cluster (our label), as namespace/plural/name with its owner and baseline label. */
  async managedObjects(): Promise<ManagedObject[]> {
    const out: ManagedObject[] = [];
    for (const [base, plural] of NAMESPACED_KINDS) {
      const list = await this.get<{ items: { metadata: ObjectMeta }[] }>(`${base}/${plural}?labelSelector=${encodeURIComponent(MANAGED)}`);
      for (const { metadata: m } of list.items) {
        out.push({
          namespace: m.namespace ?? '',
          plural,
          name: m.name,
          baseline: m.labels?.[BASELINE_LABEL],
          owners: (m.ownerReferences ?? []).map((o) => o.uid),
        });
      }
    }
    return out;
  }
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { uid: string; name: string }[];
  managedFields?: { manager?: string; operation?: string }[];
}

export interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  observedGeneration?: number;
}

export interface BaselineObject {
  metadata: ObjectMeta & { generation: number; uid: string };
  spec: Record<string, unknown>;
  status?: {
    observedGeneration?: number;
    conditions?: Condition[];
    namespaces?: { selected?: number; enforced?: number; conflicted?: number };
    drift?: { detected?: number; repaired?: number; recent?: { kind: string; namespace: string; name: string; change: string; by: string }[] };
    summary?: { pass: number; fail: number; warn: number; error: number; skip: number; annotationSkips?: number };
    findings?: { check: string; severity: string; namespaces: number; examples: string[] }[];
  };
}

export interface ManagedObject {
  namespace: string;
  plural: string;
  name: string;
  baseline: string | undefined;
  owners: string[];
}

export function condition(b: BaselineObject, type: string): Condition | undefined {
  return b.status?.conditions?.find((c) => c.type === type);
}

/** Runs fn over items with at most `concurrency` in flight; rejects on the first failure. */
export async function inParallel<T>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      const item = items[i];
      if (i >= items.length || item === undefined) return;
      await fn(item, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** The operator's resident set size, from /proc. */
export async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1]);
  return kb / 1024;
}

/** The process's peak RSS since it started (VmHWM): what a sampler started later would miss. */
export async function peakRssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmHWM:\s+(\d+)\s+kB$/m.exec(status)?.[1]);
  return kb / 1024;
}

/**
 * Samples the operator's RSS and /healthz latency every intervalMs until stopped, and every
 * second its own event loop's longest delay since the last look (nodejs_eventloop_lag_max_seconds,
 * which prom-client resets on each scrape) and its longest hold in main-thread CPU time
 * (posture_event_loop_busy_max_seconds, reset likewise). The probe's latency includes the test
 * process's own delays on a busy machine; the event loop lag is the operator's alone but still wall
 * time, which a busy machine stretches; the CPU hold is what the operator itself does.
 */
export class ProcessProbe {
  readonly rss: number[] = [];
  readonly healthMs: number[] = [];
  readonly healthFailures: string[] = [];
  readonly loopLagMs: number[] = [];
  /** posture_event_loop_busy_max_seconds: the longest hold in the operator's own main-thread CPU time. */
  readonly loopBusyMs: number[] = [];
  private samples = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private paused = false;

  constructor(private readonly op: RunningOperator, private readonly intervalMs = 250, private readonly healthTimeoutMs = 2000) {}

  start(): this {
    this.timer = setInterval(() => {
      this.inFlight = this.inFlight.then(() => this.sample());
    }, this.intervalMs);
    return this;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.inFlight;
  }

  /** Stops sampling (while a test pauses the process on purpose) until resume(). */
  async pause(): Promise<void> {
    this.paused = true;
    await this.inFlight;
  }

  resume(): void {
    this.paused = false;
  }

  get peakRssMiB(): number {
    return Math.max(0, ...this.rss);
  }

  get maxHealthMs(): number {
    return Math.max(0, ...this.healthMs);
  }

  get maxLoopLagMs(): number {
    return Math.max(0, ...this.loopLagMs);
  }

  get maxLoopBusyMs(): number {
    return Math.max(0, ...this.loopBusyMs);
  }

  private async sample(): Promise<void> {
    if (!this.op.alive || this.paused) return;
    try {
      this.rss.push(await rssMiB(this.op.pid));
    } catch {
      // exited between the check and the read
    }
    const t0 = performance.now();
    try {
      const res = await fetch(`${this.op.healthUrl}/healthz`, { signal: AbortSignal.timeout(this.healthTimeoutMs) });
      this.healthMs.push(performance.now() - t0);
      if (res.status !== 200) this.healthFailures.push(`HTTP ${res.status}`);
    } catch (err) {
      this.healthMs.push(performance.now() - t0);
      this.healthFailures.push(err instanceof Error ? err.message : String(err));
    }
    if (this.samples++ % Math.max(1, Math.round(1000 / this.intervalMs)) === 0) {
      try {
        const scrape = await Scrape.of(this.op);
        this.loopLagMs.push(scrape.sum('nodejs_eventloop_lag_max_seconds') * 1000);
        this.loopBusyMs.push(scrape.sum('posture_event_loop_busy_max_seconds') * 1000);
      } catch {
        // not answering: the health sample above records that
      }
    }
  }
}

/** The operator's metrics, scraped once. */
export class Scrape {
  private constructor(readonly text: string) {}

  static async of(op: RunningOperator): Promise<Scrape> {
    return new Scrape(await (await fetch(op.metricsUrl)).text());
  }

  sum(name: string, labels: Record<string, string> = {}): number {
    return sumSamples(this.text, name, labels);
  }

  /** Requests with this code (any verb and resource), or matching more labels. */
  requests(labels: Record<string, string>): number {
    return this.sum('posture_kube_requests_total', labels);
  }

  /** Requests that did not succeed (code error or >= 400) since an earlier scrape, by code, or by verb, resource and code. */
  failedSince(before: Scrape, detailed = false): Record<string, number> {
    const out: Record<string, number> = {};
    for (const line of this.text.split('\n')) {
      const m = /^posture_kube_requests_total\{verb="([^"]+)",resource="([^"]+)",code="([^"]+)"\} (\S+)$/.exec(line);
      if (m === null) continue;
      const [, verb = '', resource = '', code = '', value = '0'] = m;
      if (code !== 'error' && Number(code) < 400) continue;
      const delta = Number(value) - before.requests({ verb, resource, code });
      const key = detailed ? `${verb} ${resource} ${code}` : code;
      if (delta > 0) out[key] = (out[key] ?? 0) + delta;
    }
    return out;
  }

  writes(resource?: string): number {
    return WRITE_VERBS.reduce((acc, verb) => acc + this.requests(resource === undefined ? { verb } : { verb, resource }), 0);
  }

  /** Writes into namespaces: the generated kinds and the namespace labels. */
  namespaceWrites(): number {
    return [...NAMESPACED_KINDS.map(([, p]) => p), 'namespaces'].reduce((acc, r) => acc + this.writes(r), 0);
  }
}

export interface LogLine {
  level: string;
  message: string;
  timestamp: string;
  time: number;
  [key: string]: unknown;
}

/** The operator's JSON log lines (other lines, such as a stack trace, are skipped). */
export async function logLines(op: RunningOperator): Promise<LogLine[]> {
  const text = await readFile(op.logPath, 'utf8');
  const out: LogLine[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const parsed = JSON.parse(line) as Partial<LogLine>;
      if (typeof parsed.message !== 'string' || typeof parsed.level !== 'string') continue;
      const timestamp = typeof parsed.timestamp === 'string' ? parsed.timestamp : '';
      out.push({ ...parsed, level: parsed.level, message: parsed.message, timestamp, time: Date.parse(timestamp) });
    } catch {
      // a partial last line
    }
  }
  return out;
}

/** Prints one line of the closing report, prefixed so it stands out in mocha's output. */
export function report(fault: string, observed: Record<string, unknown>): void {
  console.log(`      [reliability] ${fault}: ${JSON.stringify(observed)}`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export { CONTAINER_NODE_OPTIONS, MEMORY_LIMIT_MIB } from './container.js';

const buildKey = Symbol.for('posture-operator.reliability.build');
type BuildHolder = Record<typeof buildKey, Promise<string> | undefined>;

/**
 * Compiles src/ once per test run into .local/reliability-dist (inside the repository, so that
 * node_modules and "type": "module" resolve) and returns the entry. The reliability tests measure
 * memory, so they run the operator as deployed, `node main.js`, not through tsx, whose loader adds
 * tens of MiB.
 */
function compiled(): Promise<string> {
  const holder = globalThis as unknown as BuildHolder;
  holder[buildKey] ??= (async (): Promise<string> => {
    const outDir = path.join(repoRoot, '.local', 'reliability-dist');
    await rm(outDir, { recursive: true, force: true });
    return compileOperator(outDir);
  })();
  return holder[buildKey];
}

/**
 * Starts the compiled operator as support/operator.ts starts it (RELIABILITY_TSX: through tsx):
 * under its own ServiceAccount (config/rbac); resolves once /readyz answers 200. No operator
 * outlives the suite (hack/operatorprocess.ts kills what is left on exit).
 */
export async function launchOperator(cp: ControlPlane, args: readonly string[] = [], options: StartOperatorOptions = {}): Promise<RunningOperator> {
  const entry = process.env.RELIABILITY_TSX !== undefined ? undefined : await compiled();
  return startOperator(cp, args, { readyTimeoutMs: 120_000, ...options, ...(entry === undefined ? {} : { entry }) });
}

/** SIGTERM, then SIGKILL if it has not exited within graceMs. Returns the exit code (null after a signal). */
export async function stopOperator(op: RunningOperator | undefined, graceMs = 15_000): Promise<number | null | undefined> {
  return op?.stop(graceMs);
}

/**
 * Runs every cleanup step even when an earlier one fails (or a before() hook failed and left a value
 * unset), then rethrows the first failure.
 */
export async function cleanup(...steps: (() => unknown)[]): Promise<void> {
  const errors: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (err) {
      errors.push(err);
    }
  }
  const [first] = errors;
  if (first instanceof Error) throw first;
  if (first !== undefined) throw new Error(JSON.stringify(first));
}
