// Runs the real operator as a child process, under its own ServiceAccount and the ClusterRole from
// config/rbac, against the shared control plane. Never as admin. The process itself is
// hack/operatorprocess.ts's, shared with the reliability suite and the benchmark.
import { join } from 'node:path';
import type { ControlPlane } from '../../../hack/controlplane/launcher.js';
import { installOperatorPrerequisites, OPERATOR_NAMESPACE, OPERATOR_SERVICE_ACCOUNT } from '../../../hack/install.js';
import { spawnOperator, type OperatorProcess } from '../../../hack/operatorprocess.js';

export { freePort, sumSamples } from '../../../hack/operatorprocess.js';

export type RunningOperator = OperatorProcess;

const installed = new WeakSet<ControlPlane>();

export interface StartOperatorOptions {
  /** Extra environment for the operator process, e.g. POD_NAME; overrides the defaults. */
  env?: Record<string, string>;
  /** The test installed the CRD and RBAC itself (from the rendered config/default, say). */
  preinstalled?: boolean;
  /** Compiled entry (hack/operatorprocess.ts compileOperator); default src/main.ts through tsx. */
  entry?: string;
  /** Default 60 s. */
  readyTimeoutMs?: number;
}

export async function startOperator(cp: ControlPlane, args: readonly string[] = [], options: StartOperatorOptions = {}): Promise<RunningOperator> {
  if (options.preinstalled !== true && !installed.has(cp)) {
    await installOperatorPrerequisites(cp.kubeconfigPath);
    installed.add(cp);
  }
  const kubeconfig = await cp.mintServiceAccountKubeconfig(OPERATOR_NAMESPACE, OPERATOR_SERVICE_ACCOUNT, join(cp.dir, 'operator.kubeconfig'));
  const podName = options.env?.POD_NAME;
  const logPath = join(cp.dir, `operator-${Date.now()}${podName === undefined ? '' : `-${podName}`}.log`);
  return spawnOperator({ kubeconfig, args, logPath, ...(options.env === undefined ? {} : { env: options.env }), ...(options.entry === undefined ? {} : { entry: options.entry }), ...(options.readyTimeoutMs === undefined ? {} : { readyTimeoutMs: options.readyTimeoutMs }) });
}
