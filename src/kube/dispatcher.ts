import { HttpMethod, RequestContext, type KubeConfig } from '@kubernetes/client-node';
import type { RequestOptions } from 'node:https';
import { Agent, ProxyAgent, type Dispatcher } from 'undici';

const KEEP_ALIVE_TIMEOUT_MS = 30_000;

/**
 * The connection pool to the API server. client-node decides what the kubeconfig asks for (CA,
 * client certificate, insecure-skip-tls-verify, tls-server-name, proxy-url, including credentials
 * an exec plugin returns); this only adds a bound on connections, which client-node's per-request
 * agents lack. A SOCKS proxy keeps client-node's own dispatcher, which has no such bound.
 */
export async function apiServerDispatcher(kubeConfig: KubeConfig, pool: { connections: number; headersTimeoutMs: number; bodyTimeoutMs: number }): Promise<Dispatcher> {
  const { connections } = pool;
  // A dispatcher-level bound as well as the request's own deadline (KubeClient's AbortSignal).
  const limits = { connections, keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS, headersTimeout: pool.headersTimeoutMs, bodyTimeout: pool.bodyTimeoutMs };
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
      const context = new RequestContext(kubeConfig.getCurrentCluster()?.server ?? '', HttpMethod.GET);
      await kubeConfig.applySecurityAuthentication(context);
      const dispatcher = context.getDispatcher();
      if (dispatcher === undefined) throw new Error(`kubeconfig: proxy-url ${plan.uri}: client-node built no dispatcher for it`);
      return dispatcher;
    }
  }
}
