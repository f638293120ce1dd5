// Starts a real, throwaway Kubernetes control plane on loopback: etcd, kube-apiserver and
// kube-controller-manager built from source by build.sh (cached per machine), with a fresh PKI in a
// temp dir. Used by the integration tests (test/integration/support/controlplane.ts) and by
// `npm run cluster:up` (hack/controlplane/cli.ts).
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { openSync, closeSync, constants as fsConstants } from 'node:fs';
import { access, mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, kubeConfigFor } from '../../src/kube/connect.js';
import { errorMessage } from '../../src/kube/errors.js';

/** Each control plane's temp dir (PKI, data, logs) starts with this; the tests find operator logs by it. */
export const CONTROL_PLANE_DIR_PREFIX = 'posture-cp-';

// On globalThis: mocha loads --require files and test files as two instances of this module.
const liveDirsKey = Symbol.for('posture-operator.controlPlaneDirs');
const liveDirs: Set<string> = ((globalThis as unknown as Record<symbol, Set<string> | undefined>)[liveDirsKey] ??= new Set<string>());

/** The temp dirs of the control planes this process runs now (each holds their operators' logs). */
export function liveControlPlaneDirs(): readonly string[] {
  return [...liveDirs];
}

export interface ControlPlaneOptions {
  /** Receives one progress line at a time. Default: stderr with a "controlplane:" prefix. */
  log?: (line: string) => void;
  /** Enables the audit log (<dir>/audit.log) with this kube-apiserver audit policy file. */
  auditPolicyFile?: string;
  /**
   * Extra kube-apiserver flags, appended after the defaults (a later flag wins), e.g.
   * `--max-requests-inflight=20` to make API Priority and Fairness throttle sooner, or
   * `--etcd-compaction-interval=0` to leave compaction to compactEtcd().
   */
  apiServerArgs?: readonly string[];
}

export interface ControlPlanePids {
  etcd: number;
  kubeApiserver: number;
  kubeControllerManager: number;
}

export interface ControlPlane {
  /** Temp dir holding PKI, kubeconfigs, etcd data and one <process>.log per process. Removed by stop(). */
  dir: string;
  /** Admin kubeconfig (client certificate, CN=posture-admin O=system:masters, embedded data). */
  kubeconfigPath: string;
  /** https://127.0.0.1:<port> */
  server: string;
  /** CA that signed the serving and client certificates. */
  caFile: string;
  /** Set when options.auditPolicyFile was given. */
  auditLogPath?: string;
  /** gitVersion reported by the running kube-apiserver, e.g. v1.36.3. */
  version: string;
  pids: ControlPlanePids;
  /** etcd's client URL (plain HTTP on loopback), e.g. for its v3 JSON gateway. */
  etcdUrl: string;
  /** Stops kube-controller-manager, kube-apiserver and etcd (in that order), then removes dir. Idempotent. */
  stop(): Promise<void>;
  /**
   * Stops kube-apiserver alone: SIGTERM waits for its graceful shutdown, SIGKILL is a crash. etcd and
   * kube-controller-manager keep running. pids.kubeApiserver changes when it is started again.
   */
  stopApiServer(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts kube-apiserver again with the same port, flags and certificates; resolves once /readyz answers 200. */
  startApiServer(): Promise<void>;
  /** Stops etcd alone (SIGTERM, or SIGKILL for a crash); kube-apiserver keeps running and answers errors. */
  stopEtcd(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts etcd again on the same data dir and ports; resolves once /health is true and kube-apiserver is ready again. */
  startEtcd(): Promise<void>;
  /** etcd's current revision (the cluster-wide resourceVersion). */
  etcdRevision(): Promise<number>;
  /**
   * Compacts etcd's history up to revision (default: the current one), physically, so a watch or list
   * from an older resourceVersion gets 410 Gone. Returns the revision compacted to.
   */
  compactEtcd(revision?: number): Promise<number>;
  /**
   * Creates the ServiceAccount if it does not exist yet (the namespace must exist), requests a token for it
   * with the admin identity and writes a kubeconfig with that bearer token to outPath. Returns outPath.
   */
  mintServiceAccountKubeconfig(
    namespace: string,
    serviceAccount: string,
    outPath: string,
    expirationSeconds?: number,
  ): Promise<string>;
}

const here = import.meta.dirname;
const serviceAccountIssuer = 'https://kubernetes.default.svc.cluster.local';
const startTimeoutMs = 120_000;
const stopTimeoutMs = 10_000;

interface ManagedProcess {
  name: string;
  child: ChildProcess;
  logPath: string;
  exited: Promise<void>;
}

interface HttpResult {
  status: number;
  body: string;
}

function defaultLog(line: string): void {
  process.stderr.write(`controlplane: ${line}\n`);
}

function isAlive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

async function tail(file: string, lines = 30): Promise<string> {
  try {
    const text = await readFile(file, 'utf8');
    return text.split('\n').slice(-lines - 1).join('\n');
  } catch (err) {
    return `(cannot read ${file}: ${errorMessage(err)})`;
  }
}

function run(cmd: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd }, (err, _stdout, stderr) => {
      if (err) {
        reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      } else {
        resolve();
      }
    });
  });
}

/** Runs build.sh (which reuses cached binaries) and returns the directory holding the three binaries. */
async function ensureBinaries(log: (line: string) => void): Promise<string> {
  const script = path.join(here, 'build.sh');
  const lines: string[] = [];
  const child = spawn('bash', [script], { stdio: ['ignore', 'pipe', 'pipe'] });
  const forward = (stream: NodeJS.ReadableStream | null, keep: boolean): void => {
    if (!stream) return;
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      pending += chunk;
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const line of parts) {
        if (line === '') continue;
        if (keep) lines.push(line);
        log(line);
      }
    });
    stream.on('end', () => {
      if (pending !== '') {
        if (keep) lines.push(pending);
        log(pending);
      }
    });
  };
  forward(child.stdout, true);
  forward(child.stderr, false);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`${script} exited with ${String(code)}`);
  const dir = lines.at(-1);
  if (dir === undefined) throw new Error(`${script} printed no output directory`);
  for (const bin of ['etcd', 'kube-apiserver', 'kube-controller-manager']) {
    await access(path.join(dir, bin), fsConstants.X_OK);
  }
  return dir;
}

/** Reserves distinct free loopback ports (all listeners stay open until every port is known). */
async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('unexpected listener address');
      ports.push(address.port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => { resolve(); }))));
  }
}

async function generatePki(dir: string): Promise<void> {
  const pki = (name: string): string => path.join(dir, name);
  await writeFile(
    pki('openssl.cnf'),
    [
      '[req]',
      'distinguished_name = dn',
      'prompt = no',
      '[dn]',
      'CN = unused',
      '[ca]',
      'basicConstraints = critical,CA:TRUE',
      'keyUsage = critical,keyCertSign,cRLSign,digitalSignature',
      'subjectKeyIdentifier = hash',
      '[serving]',
      'basicConstraints = critical,CA:FALSE',
      'keyUsage = critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage = serverAuth',
      'subjectAltName = IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:10.96.0.1',
      '[client]',
      'basicConstraints = critical,CA:FALSE',
      'keyUsage = critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage = clientAuth',
      '',
    ].join('\n'),
  );
  const cnf = pki('openssl.cnf');
  const genKey = (name: string): Promise<void> =>
    run('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', pki(name)], dir);
  await Promise.all(['ca.key', 'apiserver.key', 'admin.key', 'controller-manager.key', 'sa.key'].map(genKey));
  await run('openssl', ['pkey', '-in', pki('sa.key'), '-pubout', '-out', pki('sa.pub')], dir);
  await run('openssl', [
    'req', '-x509', '-new', '-config', cnf, '-extensions', 'ca', '-key', pki('ca.key'),
    '-subj', '/CN=posture-controlplane-ca', '-days', '3650', '-out', pki('ca.crt'),
  ], dir);
  const sign = async (name: string, subject: string, extensions: string): Promise<void> => {
    await run('openssl', ['req', '-new', '-config', cnf, '-key', pki(`${name}.key`), '-subj', subject, '-out', pki(`${name}.csr`)], dir);
    await run('openssl', [
      'x509', '-req', '-in', pki(`${name}.csr`), '-CA', pki('ca.crt'), '-CAkey', pki('ca.key'),
      '-set_serial', `0x${randomBytes(16).toString('hex')}`, '-days', '365',
      '-extfile', cnf, '-extensions', extensions, '-out', pki(`${name}.crt`),
    ], dir);
  };
  await Promise.all([
    sign('apiserver', '/CN=kube-apiserver', 'serving'),
    sign('admin', '/O=system:masters/CN=posture-admin', 'client'),
    // Its own name (for audit logs) but system:masters rights: with --use-service-account-credentials=false
    // the garbage collector and namespace controller run as this identity and need to delete anything.
    sign('controller-manager', '/O=system:masters/CN=system:kube-controller-manager', 'client'),
  ]);
}

function kubeconfig(server: string, ca: Buffer, user: Record<string, string>): string {
  const b64 = (b: Buffer): string => b.toString('base64');
  const userLines = Object.entries(user).map(([k, v]) => `    ${k}: ${v}`);
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: posture',
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${b64(ca)}`,
    'users:',
    '- name: posture',
    '  user:',
    ...userLines,
    'contexts:',
    '- name: posture',
    '  context:',
    '    cluster: posture',
    '    user: posture',
    'current-context: posture',
    '',
  ].join('\n');
}

function httpGet(url: string): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: 5_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { text += chunk; });
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, body: text }); });
      res.on('error', reject);
    });
    req.on('timeout', () => { req.destroy(new Error(`GET ${url} timed out`)); });
    req.on('error', reject);
  });
}

function httpPostJson(url: string, body: unknown): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = http.request(
      url,
      { method: 'POST', agent: false, timeout: 10_000, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => { text += chunk; });
        res.on('end', () => { resolve({ status: res.statusCode ?? 0, body: text }); });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => { req.destroy(new Error(`POST ${url} timed out`)); });
    req.on('error', reject);
    req.end(payload);
  });
}

/** Calls etcd's v3 JSON gateway (int64 fields come back as strings). */
async function etcdCall<T>(etcdUrl: string, method: string, body: unknown): Promise<T> {
  const res = await httpPostJson(`${etcdUrl}/v3/${method}`, body);
  if (res.status !== 200) throw new Error(`etcd ${method}: HTTP ${res.status} ${res.body}`);
  return JSON.parse(res.body) as T;
}

async function signalAndWait(proc: ManagedProcess, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  if (!isAlive(proc.child)) return;
  if (signal === 'SIGTERM') {
    await terminate(proc);
    return;
  }
  proc.child.kill('SIGKILL');
  await proc.exited;
}

function startProcess(dir: string, name: string, bin: string, args: string[]): ManagedProcess {
  const logPath = path.join(dir, `${name}.log`);
  const fd = openSync(logPath, 'a');
  try {
    const child = spawn(bin, args, { cwd: dir, stdio: ['ignore', fd, fd] });
    // Don't keep the parent's event loop alive: a test runner that forgets stop() still exits, and the
    // process 'exit' handler then kills the children.
    child.unref();
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => { resolve(); });
      child.once('error', () => { resolve(); });
    });
    return { name, child, logPath, exited };
  } finally {
    closeSync(fd);
  }
}

/** Polls check() until it returns true; fails fast (with the log tail) if proc dies first. */
async function waitUntil(proc: ManagedProcess, what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + startTimeoutMs;
  let lastError = '';
  for (;;) {
    if (!isAlive(proc.child)) {
      const how = proc.child.signalCode ?? `code ${String(proc.child.exitCode)}`;
      throw new Error(`${proc.name} exited (${how}) before ${what}; last lines of ${proc.logPath}:\n${await tail(proc.logPath)}`);
    }
    try {
      if (await check()) return;
    } catch (err) {
      lastError = errorMessage(err);
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${startTimeoutMs / 1000}s waiting for ${what}${lastError ? ` (${lastError})` : ''}; ` +
          `last lines of ${proc.logPath}:\n${await tail(proc.logPath)}`,
      );
    }
    await sleep(200);
  }
}

async function terminate(proc: ManagedProcess): Promise<void> {
  if (!isAlive(proc.child)) return;
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => { if (isAlive(proc.child)) proc.child.kill('SIGKILL'); }, stopTimeoutMs);
  try {
    await proc.exited;
  } finally {
    clearTimeout(timer);
  }
}

export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const log = options.log ?? defaultLog;
  const t0 = Date.now();
  const elapsed = (): string => `${((Date.now() - t0) / 1000).toFixed(1)}s`;

  log('building (or reusing cached) etcd, kube-apiserver, kube-controller-manager');
  const binDir = await ensureBinaries(log);
  log(`binaries ready in ${binDir} (${elapsed()})`);

  const dir = await mkdtemp(path.join(os.tmpdir(), CONTROL_PLANE_DIR_PREFIX));
  liveDirs.add(dir);
  const processes: ManagedProcess[] = [];
  const killAll = (): void => {
    for (const p of processes) if (isAlive(p.child)) p.child.kill('SIGKILL');
  };
  process.on('exit', killAll);

  let stopping: Promise<void> | undefined;
  let closeAdmin = (): Promise<void> => Promise.resolve();
  const stop = (): Promise<void> => {
    stopping ??= (async (): Promise<void> => {
      try {
        await closeAdmin().catch(() => undefined);
        for (const p of [...processes].reverse()) await terminate(p);
      } finally {
        process.removeListener('exit', killAll);
        liveDirs.delete(dir);
        await rm(dir, { recursive: true, force: true });
      }
    })();
    return stopping;
  };

  try {
    const file = (name: string): string => path.join(dir, name);
    await generatePki(dir);
    const [etcdClientPort, etcdPeerPort, apiPort] = await freePorts(3);
    if (etcdClientPort === undefined || etcdPeerPort === undefined || apiPort === undefined) {
      throw new Error('could not reserve ports');
    }
    log(`pki ready (${elapsed()})`);

    const etcdUrl = `http://127.0.0.1:${etcdClientPort}`;
    const peerUrl = `http://127.0.0.1:${etcdPeerPort}`;
    const etcdArgs = [
      '--name=posture',
      `--data-dir=${file('etcd-data')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=posture=${peerUrl}`,
      '--initial-cluster-state=new',
      '--unsafe-no-fsync',
      '--log-level=warn',
    ];
    const etcdHealthy = (proc: ManagedProcess): Promise<void> =>
      waitUntil(proc, 'etcd /health', async () => {
        const res = await httpGet(`${etcdUrl}/health`);
        return res.status === 200 && (JSON.parse(res.body) as { health?: string }).health === 'true';
      });
    let etcd = startProcess(dir, 'etcd', path.join(binDir, 'etcd'), etcdArgs);
    processes.push(etcd);
    await etcdHealthy(etcd);
    log(`etcd ready on ${etcdUrl} (${elapsed()})`);

    const server = `https://127.0.0.1:${apiPort}`;
    const auditLogPath = options.auditPolicyFile === undefined ? undefined : file('audit.log');
    const apiserverArgs = [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--cert-dir=${file('apiserver-certs')}`,
      `--tls-cert-file=${file('apiserver.crt')}`,
      `--tls-private-key-file=${file('apiserver.key')}`,
      `--client-ca-file=${file('ca.crt')}`,
      '--authorization-mode=RBAC',
      `--service-account-issuer=${serviceAccountIssuer}`,
      `--service-account-key-file=${file('sa.pub')}`,
      `--service-account-signing-key-file=${file('sa.key')}`,
      `--api-audiences=${serviceAccountIssuer}`,
      '--service-cluster-ip-range=10.96.0.0/16',
      '--allow-privileged=true',
      '--profiling=false',
    ];
    if (options.auditPolicyFile !== undefined && auditLogPath !== undefined) {
      apiserverArgs.push(`--audit-policy-file=${path.resolve(options.auditPolicyFile)}`, `--audit-log-path=${auditLogPath}`);
    }
    apiserverArgs.push(...(options.apiServerArgs ?? []));
    let apiserver = startProcess(dir, 'kube-apiserver', path.join(binDir, 'kube-apiserver'), apiserverArgs);
    processes.push(apiserver);

    const [ca, adminCert, adminKey, cmCert, cmKey] = await Promise.all(
      ['ca.crt', 'admin.crt', 'admin.key', 'controller-manager.crt', 'controller-manager.key'].map((n) => readFile(file(n))),
    );
    if (!ca || !adminCert || !adminKey || !cmCert || !cmKey) throw new Error('missing PKI files');
    // No keep-alive to speak of: a probe every 200 ms, and the server restarts under it in tests.
    const admin = await connect(kubeConfigFor(server, ca, { cert: adminCert, key: adminKey }), { connections: 2, timeoutMs: 10_000 });
    closeAdmin = (): Promise<void> => admin.close();
    const get = async (apiPath: string): Promise<number> => (await admin.send({ method: 'GET', path: apiPath })).status;
    const b64 = (b: Buffer): string => b.toString('base64');

    await waitUntil(apiserver, 'kube-apiserver /readyz', async () => (await get('/readyz')) === 200);
    const versionRes = await admin.send({ method: 'GET', path: '/version' });
    const version = (JSON.parse(versionRes.text) as { gitVersion?: string }).gitVersion ?? 'unknown';
    log(`kube-apiserver ${version} ready at ${server} (${elapsed()})`);

    const kubeconfigPath = file('admin.kubeconfig');
    await writeFile(
      kubeconfigPath,
      kubeconfig(server, ca, { 'client-certificate-data': b64(adminCert), 'client-key-data': b64(adminKey) }),
      { mode: 0o600 },
    );
    const cmKubeconfig = file('controller-manager.kubeconfig');
    await writeFile(
      cmKubeconfig,
      kubeconfig(server, ca, { 'client-certificate-data': b64(cmCert), 'client-key-data': b64(cmKey) }),
      { mode: 0o600 },
    );

    const controllerManager = startProcess(dir, 'kube-controller-manager', path.join(binDir, 'kube-controller-manager'), [
      `--kubeconfig=${cmKubeconfig}`,
      // Every default controller, and the replicaset controller named because tests rely on it:
      // test/integration/guard.test.ts shows a ReplicaSet's pods refused by spec.guard until its
      // namespace is protected, then created (there is no scheduler or kubelet: they stay Pending).
      '--controllers=*,replicaset',
      `--service-account-private-key-file=${file('sa.key')}`,
      `--root-ca-file=${file('ca.crt')}`,
      '--use-service-account-credentials=false',
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      '--secure-port=0',
    ]);
    processes.push(controllerManager);
    await waitUntil(
      controllerManager,
      'ServiceAccount default/default (serviceaccount controller)',
      async () => (await get('/api/v1/namespaces/default/serviceaccounts/default')) === 200,
    );
    log(`controllers ready (${elapsed()})`);

    const pids = (p: ManagedProcess): number => {
      if (p.child.pid === undefined) throw new Error(`${p.name} has no pid`);
      return p.child.pid;
    };

    const mintServiceAccountKubeconfig = async (
      namespace: string,
      serviceAccount: string,
      outPath: string,
      expirationSeconds = 3600,
    ): Promise<string> => {
      const ns = encodeURIComponent(namespace);
      const sa = encodeURIComponent(serviceAccount);
      const created = await admin.send({
        method: 'POST',
        path: `/api/v1/namespaces/${ns}/serviceaccounts`,
        body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: serviceAccount, namespace } },
      });
      if (created.status !== 201 && created.status !== 409) {
        throw new Error(`creating ServiceAccount ${namespace}/${serviceAccount}: HTTP ${created.status} ${created.text}`);
      }
      const res = await admin.send({
        method: 'POST',
        path: `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`,
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds } },
      });
      if (res.status !== 201) {
        throw new Error(`TokenRequest for ${namespace}/${serviceAccount}: HTTP ${res.status} ${res.text}`);
      }
      const token = (JSON.parse(res.text) as { status?: { token?: string } }).status?.token;
      if (token === undefined) throw new Error(`TokenRequest for ${namespace}/${serviceAccount} returned no token`);
      await mkdir(path.dirname(outPath), { recursive: true });
      await writeFile(outPath, kubeconfig(server, ca, { token }), { mode: 0o600 });
      return outPath;
    };

    const currentPids: ControlPlanePids = { etcd: pids(etcd), kubeApiserver: pids(apiserver), kubeControllerManager: pids(controllerManager) };
    /** Puts a restarted process in its predecessor's slot, so stop() and the exit handler reach it. */
    const replace = (before: ManagedProcess, after: ManagedProcess): void => {
      const i = processes.indexOf(before);
      if (i >= 0) processes[i] = after;
      else processes.push(after);
    };
    const assertRunning = (): void => {
      if (stopping !== undefined) throw new Error('the control plane was stopped');
    };
    const apiserverReady = async (proc: ManagedProcess): Promise<void> => {
      await waitUntil(proc, 'kube-apiserver /readyz', async () => (await get('/readyz')) === 200);
    };

    const stopApiServer = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> => {
      assertRunning();
      await signalAndWait(apiserver, signal);
      log(`kube-apiserver stopped (${signal})`);
    };
    const startApiServer = async (): Promise<void> => {
      assertRunning();
      if (isAlive(apiserver.child)) throw new Error('kube-apiserver is already running');
      const next = startProcess(dir, 'kube-apiserver', path.join(binDir, 'kube-apiserver'), apiserverArgs);
      replace(apiserver, next);
      apiserver = next;
      currentPids.kubeApiserver = pids(next);
      await apiserverReady(next);
      log('kube-apiserver started again');
    };
    const stopEtcd = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> => {
      assertRunning();
      await signalAndWait(etcd, signal);
      log(`etcd stopped (${signal})`);
    };
    const startEtcd = async (): Promise<void> => {
      assertRunning();
      if (isAlive(etcd.child)) throw new Error('etcd is already running');
      // The data dir exists now, so etcd ignores the --initial-* flags and keeps its data.
      const next = startProcess(dir, 'etcd', path.join(binDir, 'etcd'), etcdArgs);
      replace(etcd, next);
      etcd = next;
      currentPids.etcd = pids(next);
      await etcdHealthy(next);
      if (isAlive(apiserver.child)) await apiserverReady(apiserver);
      log('etcd started again');
    };
    const etcdRevision = async (): Promise<number> => {
      // A range over one key that never exists: the response header carries the current revision.
      const res = await etcdCall<{ header?: { revision?: string } }>(etcdUrl, 'kv/range', { key: Buffer.from('\0').toString('base64') });
      const revision = Number(res.header?.revision);
      if (!Number.isSafeInteger(revision) || revision <= 0) throw new Error(`etcd kv/range: no revision in the response`);
      return revision;
    };
    const compactEtcd = async (revision?: number): Promise<number> => {
      assertRunning();
      const target = revision ?? (await etcdRevision());
      await etcdCall(etcdUrl, 'kv/compaction', { revision: String(target), physical: true });
      log(`etcd compacted to revision ${target}`);
      return target;
    };

    return {
      dir,
      kubeconfigPath,
      server,
      caFile: file('ca.crt'),
      ...(auditLogPath === undefined ? {} : { auditLogPath }),
      version,
      pids: currentPids,
      etcdUrl,
      stop,
      stopApiServer,
      startApiServer,
      stopEtcd,
      startEtcd,
      etcdRevision,
      compactEtcd,
      mintServiceAccountKubeconfig,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
