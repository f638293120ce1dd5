import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { directAccess, inClusterAccess, type ClusterAccess, type DirectAccess } from './kube/access.js';
import { kubeConfigAccess } from './kube/dispatcher.js';
import { kubeconfigSource } from './options.js';

/**
 * Loads the cluster to talk to, as kubectl would: --kubeconfig, then KUBECONFIG (merged), then
 * ~/.kube/config, then the pod's ServiceAccount. In a pod, and for a kubeconfig of one file with a
 * token or a client certificate, no client library is loaded (client-node costs about 50 MiB of
 * RSS); anything else (exec credential plugins, auth providers, proxy-url, several files merged) is
 * read by client-node, loaded only then, and honoured by KubeClient.
 */
export async function loadClusterAccess(explicit: string | undefined, env: NodeJS.ProcessEnv, home = homedir()): Promise<ClusterAccess> {
  const source = kubeconfigSource(explicit, env, home);
  if (source.kind === 'in-cluster') return await inClusterAccess(env);
  const paths = source.kind === 'file' ? [source.path] : kubeconfigPaths(env, home);
  const only = paths.length === 1 ? paths[0] : undefined;
  const simple = only === undefined ? undefined : await simpleKubeconfig(only);
  if (simple !== undefined) return directAccess(simple);
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kubeConfig = new KubeConfig();
  if (source.kind === 'file') kubeConfig.loadFromFile(source.path);
  else kubeConfig.loadFromDefault();
  if (kubeConfig.getCurrentCluster() === null) {
    throw new Error(`kubeconfig: the current context "${kubeConfig.getCurrentContext()}" names no cluster`);
  }
  return kubeConfigAccess(kubeConfig);
}

/** The files loadFromDefault would merge: KUBECONFIG's that exist, else ~/.kube/config. */
function kubeconfigPaths(env: NodeJS.ProcessEnv, home: string): string[] {
  const fromEnv = (env.KUBECONFIG ?? '').split(':').filter((p) => p !== '' && existsSync(p));
  return fromEnv.length > 0 ? [...new Set(fromEnv)] : [join(home, '.kube', 'config')];
}

type Json = Record<string, unknown>;

function obj(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function named(list: unknown, name: string | undefined, field: string): Json | undefined {
  if (!Array.isArray(list) || name === undefined) return undefined;
  return obj(obj((list as unknown[]).find((e) => obj(e)?.name === name))?.[field]);
}

const CLUSTER_KEYS = new Set(['server', 'certificate-authority', 'certificate-authority-data', 'insecure-skip-tls-verify', 'tls-server-name', 'extensions']);
const USER_KEYS = new Set(['token', 'tokenFile', 'client-certificate', 'client-certificate-data', 'client-key', 'client-key-data', 'extensions']);

/**
 * The kubeconfig, when its current context asks only for what directAccess does (a server, a CA,
 * a token or a client certificate); undefined for anything else, which client-node then reads.
 */
async function simpleKubeconfig(path: string): Promise<DirectAccess | undefined> {
  const text = readFileSync(path, 'utf8');
  const config = obj(text.trimStart().startsWith('{') ? JSON.parse(text) : (await import('yaml')).parse(text));
  if (config === undefined) return undefined;
  const context = named(config.contexts, str(config['current-context']), 'context');
  const cluster = named(config.clusters, str(context?.cluster), 'cluster');
  const user = named(config.users, str(context?.user), 'user') ?? {};
  if (cluster === undefined || str(cluster.server) === undefined) return undefined;
  if (Object.keys(cluster).some((k) => !CLUSTER_KEYS.has(k)) || Object.keys(user).some((k) => !USER_KEYS.has(k))) return undefined;
  const root = dirname(path);
  const file = (p: unknown): string | undefined => {
    const s = str(p);
    return s === undefined ? undefined : readFileSync(isAbsolute(s) ? s : join(root, s), 'utf8');
  };
  const data = (d: unknown, p: unknown): string | undefined => {
    const s = str(d);
    return s === undefined ? file(p) : Buffer.from(s, 'base64').toString('utf8');
  };
  const out: DirectAccess = { server: String(cluster.server).replace(/\/$/, '') };
  const ca = data(cluster['certificate-authority-data'], cluster['certificate-authority']);
  const cert = data(user['client-certificate-data'], user['client-certificate']);
  const key = data(user['client-key-data'], user['client-key']);
  if (ca !== undefined) out.ca = ca;
  if (cert !== undefined) out.cert = cert;
  if (key !== undefined) out.key = key;
  if (str(cluster['tls-server-name']) !== undefined) out.servername = String(cluster['tls-server-name']);
  if (cluster['insecure-skip-tls-verify'] === true) out.insecureSkipTLSVerify = true;
  if (str(user.token) !== undefined) out.token = String(user.token);
  const tokenFile = str(user.tokenFile);
  if (tokenFile !== undefined) out.tokenFile = isAbsolute(tokenFile) ? tokenFile : join(root, tokenFile);
  return out;
}
