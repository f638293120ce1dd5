import { readFile } from 'node:fs/promises';
import { Agent, type Dispatcher } from 'undici';

/** How to reach one API server: its address, the connection pool to it and the headers that authenticate. */
export interface ClusterAccess {
  server: string;
  /** Authorization and the like; read again now and then (tokens from files rotate). */
  headers(): Promise<Record<string, string>>;
  dispatcher(pool: PoolLimits): Promise<Dispatcher>;
}

export interface PoolLimits {
  connections: number;
  /** The bound on waiting for response headers; 0 for none. */
  headersTimeoutMs: number;
  /** The bound on a silent response body; 0 for none (a watch asks for none per request). */
  bodyTimeoutMs: number;
  /** HTTP/1.1 only: over HTTP/2 undici joins a list header's values with commas (KubeClient's RawRequest). */
  http1Only?: boolean;
}

const KEEP_ALIVE_TIMEOUT_MS = 30_000;

/** The bounds every pool to the API server has: connections, keep-alive, and a deadline on headers and body. */
export function poolLimits(pool: PoolLimits): { connections: number; keepAliveTimeout: number; headersTimeout: number; bodyTimeout: number; allowH2?: boolean } {
  const limits = { connections: pool.connections, keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS, headersTimeout: pool.headersTimeoutMs, bodyTimeout: pool.bodyTimeoutMs };
  return pool.http1Only === true ? { ...limits, allowH2: false } : limits;
}

/** TLS and credentials as plain data: what a pod's ServiceAccount or a simple kubeconfig gives. */
export interface DirectAccess {
  server: string;
  ca?: string;
  cert?: string;
  key?: string;
  servername?: string;
  insecureSkipTLSVerify?: boolean;
  /** A bearer token, or a file to read it from (a projected ServiceAccount token, which rotates). */
  token?: string;
  tokenFile?: string;
}

/**
 * A ClusterAccess without any client library: an undici Agent with the TLS settings, and a bearer
 * token read from its file each time headers are asked for (KubeClient asks about once a minute).
 */
export function directAccess(d: DirectAccess): ClusterAccess {
  return {
    server: d.server,
    headers: async (): Promise<Record<string, string>> => {
      const token = d.tokenFile === undefined ? d.token : (await readFile(d.tokenFile, 'utf8')).trim();
      return token === undefined || token === '' ? {} : { authorization: `Bearer ${token}` };
    },
    dispatcher: (pool) => {
      const connect = {
        ...(d.ca === undefined ? {} : { ca: d.ca }),
        ...(d.cert === undefined ? {} : { cert: d.cert }),
        ...(d.key === undefined ? {} : { key: d.key }),
        ...(d.servername === undefined ? {} : { servername: d.servername }),
        rejectUnauthorized: d.insecureSkipTLSVerify !== true,
      };
      return Promise.resolve(new Agent({ ...poolLimits(pool), connect }));
    },
  };
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * In a pod: the API server's Service address from the environment kubelet sets, the cluster CA and
 * the rotating ServiceAccount token from their files. All the operator needs in a cluster.
 */
export async function inClusterAccess(env: NodeJS.ProcessEnv, dir = SERVICE_ACCOUNT_DIR): Promise<ClusterAccess> {
  const host = env.KUBERNETES_SERVICE_HOST ?? '';
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  if (host === '') throw new Error('in-cluster: KUBERNETES_SERVICE_HOST is not set');
  const ca = await readFile(`${dir}/ca.crt`, 'utf8').catch((err: unknown) => {
    throw new Error(`in-cluster: cannot read the cluster CA ${dir}/ca.crt`, { cause: err });
  });
  return directAccess({ server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`, ca, tokenFile: `${dir}/token` });
}
