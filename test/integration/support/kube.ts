// The admin's view of the test cluster, for arranging and asserting. The operator never uses this;
// it talks through the same KubeClient (src/kube), as the admin.
import type { V1NetworkPolicy } from '@kubernetes/client-node';
import type { ControlPlane } from '../../../hack/controlplane/launcher.js';
import type { KubeClient, KubeRequest } from '../../../src/kube/client.js';
import { connect } from '../../../src/kube/connect.js';
import type { SecurityBaselineStatus } from '../../../src/api/status.js';

export type Method = KubeRequest['method'];

export interface Admin {
  /** GET; an error answer throws as fetchAsAdmin does. */
  get<T>(path: string): Promise<T>;
  send<T>(method: Method, path: string, body?: unknown, contentType?: string): Promise<T>;
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

const BASELINES = '/apis/posture.dev/v1alpha1/securitybaselines';

export function admin(cp: ControlPlane): Admin {
  const send = <T>(method: Method, path: string, body?: unknown, contentType?: string): Promise<T> => fetchAsAdmin(cp, method, path, body, contentType) as Promise<T>;
  return {
    get: (path) => send('GET', path),
    send,
    async createNamespace(name, labels = {}) {
      await send('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
    },
    async labelNamespace(name, labels) {
      // A merge patch with null removes a label.
      await send('PATCH', `/api/v1/namespaces/${name}`, { metadata: { labels } }, 'application/merge-patch+json');
    },
    async managedPolicies(namespace) {
      const selector = encodeURIComponent('app.kubernetes.io/managed-by=posture-operator');
      return (await send<{ items: V1NetworkPolicy[] }>('GET', `/apis/networking.k8s.io/v1/namespaces/${namespace}/networkpolicies?labelSelector=${selector}`)).items;
    },
    async applyBaseline(name, spec) {
      // Server-side apply, as `kubectl apply --server-side` sends it: no read-modify-write race with
      // the operator's own writes (status, finalizer), and fields left out of the spec go away.
      const body = { apiVersion: 'posture.dev/v1alpha1', kind: 'SecurityBaseline', metadata: { name }, spec };
      await send('PATCH', `${BASELINES}/${name}?fieldManager=posture-tests&force=true&fieldValidation=Strict`, body, 'application/apply-patch+yaml');
    },
    getBaseline: (name) => send('GET', `${BASELINES}/${name}`),
    async deleteBaseline(name) {
      await send('DELETE', `${BASELINES}/${name}`);
    },
  };
}

// One pooled client per control plane: idle connections do not hold the test process open.
const clients = new WeakMap<ControlPlane, Promise<KubeClient>>();

/** The admin's KubeClient (client certificate from the control plane's admin kubeconfig). */
export function adminClient(cp: ControlPlane): Promise<KubeClient> {
  let client = clients.get(cp);
  if (client === undefined) {
    // HTTP/1.1, as kubectl's impersonation needs from undici: one Impersonate-Group line per group.
    client = connect(cp.kubeconfigPath, { connections: 8, http1Only: true });
    clients.set(cp, client);
  }
  return client;
}

/**
 * A raw request as the admin. An error answer throws `METHOD path: code: body`, the API server's
 * Status as it came, which tests parse and match.
 */
export async function fetchAsAdmin(cp: ControlPlane, method: Method, path: string, body?: unknown, contentType = 'application/json'): Promise<unknown> {
  const res = await (await adminClient(cp)).send({ method, path, body, contentType });
  if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status}: ${res.text}`);
  return res.text === '' ? undefined : JSON.parse(res.text);
}

export function condition(view: BaselineView, type: string): { status: string; reason: string; message: string; observedGeneration?: number } | undefined {
  return view.status?.conditions?.find((c) => c.type === type);
}
