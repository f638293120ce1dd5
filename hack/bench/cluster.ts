// One throwaway control plane for the benchmark, set up the way the operator is deployed: the CRD and
// config/rbac installed, the full baseline applied, a kubeconfig for the operator's ServiceAccount, and
// the benchmark's watches running.
import { join } from 'node:path';
import { parseSpec } from '../../src/api/parse.js';
import { objectPath, resourceTypeOf } from '../../src/kube/resources.js';
import { renderNamespace } from '../../src/render/index.js';
import { renderNamespaceLabels } from '../../src/render/namespace.js';
import { toManifest } from '../../src/render/objects.js';
import type { ValidBaseline } from '../../src/render/selection.js';
import { startControlPlane, type ControlPlane } from '../controlplane/launcher.js';
import { installOperatorPrerequisites, OPERATOR_NAMESPACE, OPERATOR_SERVICE_ACCOUNT } from '../install.js';
import { BenchClient } from './kube.js';
import { objectKey, ProtectionTracker } from './tracker.js';
import { say } from './util.js';
import { watchAll, type Watches } from './watch.js';

export const BASELINE = 'bench';
export const TIER_LABEL = 'posture.dev/tier';
const TIER = 'bench';

/** A full baseline: every section the operator renders, as in test/integration/enforcement.test.ts fullSpec(). */
export function fullSpec(): Record<string, unknown> {
  return {
    mode: 'Enforce',
    namespaceSelector: { matchLabels: { [TIER_LABEL]: TIER } },
    networkPolicy: {
      defaultDeny: ['Ingress', 'Egress'],
      allowIngressFrom: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }],
    },
    resourceQuota: { hard: { 'requests.cpu': '8', 'requests.memory': '16Gi', 'limits.cpu': '16', 'limits.memory': '32768Mi', pods: '100' } },
    limitRange: { default: { cpu: '500m', memory: '512Mi' }, defaultRequest: { cpu: '0.1', memory: '128Mi' }, max: { cpu: '4', memory: '8Gi' } },
    podSecurity: { enforce: 'restricted', warn: 'restricted', audit: 'restricted' },
    rbac: {
      roles: [
        {
          name: 'pod-service-reader',
          rules: [{ apiGroups: [''], resources: ['pods', 'services'], verbs: ['get', 'watch', 'list'] }],
          subjects: [{ kind: 'Group', name: 'k8s-restricted-users' }],
        },
      ],
      bindClusterRoles: [{ clusterRole: 'view', subjects: [{ kind: 'Group', name: 'k8s-viewers' }] }],
    },
  };
}

export interface BenchCluster {
  cp: ControlPlane;
  /** Admin identity: creates namespaces, edits objects for drift. */
  admin: BenchClient;
  /** The operator's ServiceAccount kubeconfig. */
  operatorKubeconfig: string;
  baseline: ValidBaseline;
  tracker: ProtectionTracker;
  watches: Watches;
  /** The writes one namespace gets under the baseline, in the operator's order: labels first, then objects. */
  writesFor(namespace: string): { path: string; body: unknown }[];
  createNamespace(name: string): Promise<void>;
  baselineStatus(): Promise<BaselineStatus>;
  stop(): Promise<void>;
}

export interface BaselineStatus {
  generation: number | undefined;
  observedGeneration: number | undefined;
  selected: number | undefined;
  enforced: number | undefined;
  ready: string | undefined;
}

interface BaselineObject {
  metadata: { uid: string; generation?: number };
  spec?: unknown;
  status?: { observedGeneration?: number; namespaces?: { selected?: number; enforced?: number }; conditions?: { type: string; status: string }[] };
}

const BASELINE_PATH = `/apis/posture.dev/v1alpha1/securitybaselines/${BASELINE}`;

export async function startBenchCluster(label: string, adminConnections: number): Promise<BenchCluster> {
  const cp = await startControlPlane({ log: (line) => { say(`  [${label}] controlplane: ${line}`); } });
  let admin: BenchClient | undefined;
  let watches: Watches | undefined;
  try {
    await installOperatorPrerequisites(cp.kubeconfigPath);
    admin = await BenchClient.fromKubeconfig(cp.kubeconfigPath, adminConnections);
    await admin.apply(BASELINE_PATH, { apiVersion: 'posture.dev/v1alpha1', kind: 'SecurityBaseline', metadata: { name: BASELINE }, spec: fullSpec() }, 'posture-bench');
    const stored = await admin.getJson<BaselineObject>(BASELINE_PATH);
    const parsed = parseSpec(stored.spec);
    if (!parsed.ok) throw new Error(`the bench baseline does not parse: ${parsed.error}`);
    const baseline: ValidBaseline = { name: BASELINE, uid: stored.metadata.uid, generation: stored.metadata.generation ?? 1, spec: parsed.spec };
    const operatorKubeconfig = await cp.mintServiceAccountKubeconfig(OPERATOR_NAMESPACE, OPERATOR_SERVICE_ACCOUNT, join(cp.dir, 'operator.kubeconfig'), 24 * 3600);

    const expected = new Set(renderNamespace(baseline, 'x').map((o) => objectKey(o.kind, o.metadata.name)));
    const nsLabels = renderNamespaceLabels(baseline);
    const tracker = new ProtectionTracker(expected, nsLabels.labels);
    const client = admin;
    watches = watchAll(client, tracker, (line) => { say(`  [${label}] ${line}`); });
    await watches.ready;

    const w = watches;
    return {
      cp,
      admin: client,
      operatorKubeconfig,
      baseline,
      tracker,
      watches: w,
      writesFor: (namespace) => [
        {
          path: `/api/v1/namespaces/${encodeURIComponent(namespace)}`,
          body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: nsLabels.labels, annotations: nsLabels.annotations } },
        },
        ...renderNamespace(baseline, namespace).map((o) => ({
          path: objectPath(resourceTypeOf(o.apiVersion, o.kind), o.metadata.name, namespace),
          body: toManifest(o),
        })),
      ],
      createNamespace: async (name) => {
        // 409 only when a retried create had in fact succeeded: names are fresh in every run.
        await client.ok('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { [TIER_LABEL]: TIER } } }, undefined, [409]);
      },
      baselineStatus: async () => {
        const b = await client.getJson<BaselineObject>(BASELINE_PATH);
        return {
          generation: b.metadata.generation,
          observedGeneration: b.status?.observedGeneration,
          selected: b.status?.namespaces?.selected,
          enforced: b.status?.namespaces?.enforced,
          ready: b.status?.conditions?.find((c) => c.type === 'Ready')?.status,
        };
      },
      stop: async () => {
        await w.stop();
        await client.destroy();
        await cp.stop();
      },
    };
  } catch (err) {
    await watches?.stop();
    await admin?.destroy();
    await cp.stop();
    throw err;
  }
}
