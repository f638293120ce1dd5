import { KubeConfig } from '@kubernetes/client-node';
import { kubeconfigSource } from './options.js';

/**
 * Loads the cluster to talk to, as kubectl would: --kubeconfig, then KUBECONFIG (merged), then
 * ~/.kube/config, then the pod's ServiceAccount. Exec credential plugins, tls-server-name and
 * proxy-url are read by client-node and honoured by KubeClient.
 */
export function loadKubeConfig(explicit: string | undefined, env: NodeJS.ProcessEnv): KubeConfig {
  const kubeConfig = new KubeConfig();
  const source = kubeconfigSource(explicit, env);
  if (source.kind === 'file') kubeConfig.loadFromFile(source.path);
  else if (source.kind === 'in-cluster') kubeConfig.loadFromCluster();
  else kubeConfig.loadFromDefault();
  if (kubeConfig.getCurrentCluster() === null) {
    throw new Error(`kubeconfig: the current context "${kubeConfig.getCurrentContext()}" names no cluster`);
  }
  return kubeConfig;
}
