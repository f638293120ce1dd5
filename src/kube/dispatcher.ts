import type { KubeConfig } from '@kubernetes/client-node';
import type { RequestOptions } from 'node:https';
import { Agent, ProxyAgent, type Dispatcher } from 'undici';
import { poolLimits, type ClusterAccess, type PoolLimits } from './access.js';

/**
 * Access through a client-node KubeConfig, for what only client-node reads (exec credential
 * plugins, auth providers, proxy-url, merged files). client-node is a type here: whoever built the
 * KubeConfig loaded it, and the operator in a pod never does.
 */
export function kubeConfigAccess(kubeConfig: KubeConfig): ClusterAccess {
  const cluster = kubeConfig.getCurrentCluster();
  if (cluster === null) throw new Error('kubeconfig has no current cluster');
  return {
    server: cluster.server,
    headers: async () => {
      const opts: RequestOptions = {};
      await kubeConfig.applyToHTTPSOptions(opts);
      return Object.fromEntries(Object.entries(opts.headers ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'));
    },
    dispatcher: (pool) => apiServerDispatcher(kubeConfig, pool),
  };
}

/**
 * The connection pool to the API server. client-node decides what the kubeconfig asks for (CA,
 * client certificate, insecure-skip-tls-verify, tls-server-name, proxy-url, including credentials
 * an exec plugin returns); this only adds a bound on connections, which client-node's per-request
 * agents lack. A SOCKS proxy keeps client-node's own dispatcher, which has no such bound.
 */
export async function apiServerDispatcher(kubeConfig: KubeConfig, pool: PoolLimits): Promise<Dispatcher> {
  // A dispatcher-level bound as well as the request's own deadline (KubeClient's AbortSignal).
  const limits = poolLimits(pool);
  const opts: RequestOptions = {};
  await kubeConfig.applyToHTTPSOptions(opts);
  const agentOptions = {
    ca: opts.ca,
    cert: opts.cert,
    key: opts.key,
    servername: opts.servername,
    rejectUnauthorized: opts.rejectUnauthorized ?? true,
  };
  const plan = kubeConfig.createDispatcherOptions(kubeConfig.getCurrentCluster(), agentOptions);
  switch (plan.type) {
    case 'proxy':
      return new ProxyAgent({ uri: plan.uri, requestTls: plan.requestTls, ...limits });
    case 'agent':
      return new Agent({ ...limits, connect: plan.connect });
    case 'none':
      return new Agent(limits);
    case 'socks': {
      const { HttpMethod, RequestContext } = await import('@kubernetes/client-node');
      const context = new RequestContext(kubeConfig.getCurrentCluster()?.server ?? '', HttpMethod.GET);
      await kubeConfig.applySecurityAuthentication(context);
      const dispatcher = context.getDispatcher();
      if (dispatcher === undefined) throw new Error(`kubeconfig: proxy-url ${plan.uri}: client-node built no dispatcher for it`);
      return dispatcher;
    }
  }
}
