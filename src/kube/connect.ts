import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient, type KubeClientOptions } from './client.js';

/** Who a kubeconfig built in code speaks as: a bearer token or a client certificate. */
export type Identity = { token: string } | { cert: Buffer | string; key: Buffer | string };

export interface ConnectOptions extends KubeClientOptions {
  /** The connection pool's size; requests beyond it queue in the client. Default 4. */
  connections?: number;
  /** Refuse any server but loopback: for tools that write a lot (the benchmark). */
  loopbackOnly?: boolean;
}

export function kubeConfigFromFile(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

/** A kubeconfig for one server, its CA and one identity, without a file. */
export function kubeConfigFor(server: string, ca: Buffer | string, identity: Identity): KubeConfig {
  const b64 = (v: Buffer | string): string => Buffer.from(v).toString('base64');
  const user = 'token' in identity ? { name: 'u', token: identity.token } : { name: 'u', certData: b64(identity.cert), keyData: b64(identity.key) };
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, caData: b64(ca), skipTLSVerify: false }],
    users: [user],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

export function isLoopback(server: string): boolean {
  const host = new URL(server).hostname;
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || host === '[::1]';
}

/**
 * A KubeClient for tools and tests: the operator's client, its pool and deadlines, with no request
 * metrics. kubeconfig is a path or a KubeConfig built in code.
 */
export async function connect(kubeconfig: string | KubeConfig, options: ConnectOptions = {}): Promise<KubeClient> {
  const kc = typeof kubeconfig === 'string' ? kubeConfigFromFile(kubeconfig) : kubeconfig;
  const server = kc.getCurrentCluster()?.server;
  if (server === undefined) throw new Error(`${typeof kubeconfig === 'string' ? kubeconfig : 'kubeconfig'}: no current cluster`);
  const { connections = 4, loopbackOnly = false, ...clientOptions } = options;
  // The benchmark sends tens of thousands of writes: only ever to the throwaway control plane it started.
  if (loopbackOnly && !isLoopback(server)) throw new Error(`refusing a non-loopback server: ${server}`);
  return KubeClient.create(kc, () => undefined, connections, clientOptions);
}
