// The admin's view of the test cluster, for arranging and asserting. The operator never uses this.
import { CoreV1Api, CustomObjectsApi, KubeConfig, NetworkingV1Api, type V1NetworkPolicy } from '@kubernetes/client-node';
import https from 'node:https';
import type { ControlPlane } from '../../../hack/controlplane/launcher.js';
import type { SecurityBaselineStatus } from '../../../src/api/status.js';

export interface Admin {
  core: CoreV1Api;
  net: NetworkingV1Api;
  custom: CustomObjectsApi;
  createNamespace(name: string, labels?: Record<string, string>): Promise<void>;
  labelNamespace(name: string, labels: Record<string, string | null>): Promise<void>;
  managedPolicies(namespace: string): Promise<V1NetworkPolicy[]>;
  applyBaseline(name: string, spec: Record<string, unknown>): Promise<void>;
  getBaseline(name: string): Promise<BaselineView>;
  deleteBaseline(name: string): Promise<void>;
}

export interface BaselineView {
  metadata: { generation: number; uid: string };
  spec: Record<string, unknown>;
  status?: SecurityBaselineStatus;
}

const BASELINE = { group: 'posture.dev', version: 'v1alpha1', plural: 'securitybaselines' };

export function admin(cp: ControlPlane): Admin {
  const kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  const core = kc.makeApiClient(CoreV1Api);
  const net = kc.makeApiClient(NetworkingV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  return {
    core,
    net,
    custom,
    async createNamespace(name, labels = {}) {
      await core.createNamespace({ body: { metadata: { name, labels } } });
    },
    async labelNamespace(name, labels) {
      // A merge patch with null removes a label.
      await fetchAsAdmin(cp, 'PATCH', `/api/v1/namespaces/${name}`, { metadata: { labels } }, 'application/merge-patch+json');
    },
    async managedPolicies(namespace) {
      const list = await net.listNamespacedNetworkPolicy({ namespace, labelSelector: 'app.kubernetes.io/managed-by=posture-operator' });
      return list.items;
    },
    async applyBaseline(name, spec) {
      // Server-side apply, as `kubectl apply --server-side` sends it: no read-modify-write race with
      // the operator's own writes (status, finalizer), and fields left out of the spec go away.
      const body = { apiVersion: 'posture.dev/v1alpha1', kind: 'SecurityBaseline', metadata: { name }, spec };
      await fetchAsAdmin(cp, 'PATCH', `/apis/posture.dev/v1alpha1/securitybaselines/${name}?fieldManager=posture-tests&force=true&fieldValidation=Strict`, body, 'application/apply-patch+yaml');
    },
    async getBaseline(name) {
      return (await custom.getClusterCustomObject({ ...BASELINE, name })) as BaselineView;
    },
    async deleteBaseline(name) {
      await custom.deleteClusterCustomObject({ ...BASELINE, name });
    },
  };
}

/** A raw request with the admin's client certificate, for the few calls the typed client makes awkward. */
export async function fetchAsAdmin(cp: ControlPlane, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<unknown> {
  const kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const url = new URL(cp.server + path);
  return new Promise((resolve, reject) => {
    const req = https.request(url, { ...opts, method, headers: { ...(opts.headers as Record<string, string> | undefined), 'content-type': contentType } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => {
        if ((res.statusCode ?? 500) >= 400) reject(new Error(`${method} ${path}: ${res.statusCode}: ${text}`));
        else resolve(text === '' ? undefined : JSON.parse(text));
      });
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

export function condition(view: BaselineView, type: string): { status: string; reason: string; message: string; observedGeneration?: number } | undefined {
  return view.status?.conditions?.find((c) => c.type === type);
}
