// Baseline specs and expectations shared by the reliability tests, after enforcement.test.ts's fullSpec().
import assert from 'node:assert/strict';
import type { AdminApi, BaselineObject, ManagedObject } from './support.js';
import { condition, NAMESPACED_KINDS } from './support.js';
import { eventually } from '../support/wait.js';

export const READER = {
  name: 'pod-service-reader',
  rules: [{ apiGroups: [''], resources: ['pods', 'services'], verbs: ['get', 'watch', 'list'] }],
  subjects: [{ kind: 'Group', name: 'k8s-restricted-users' }],
};

/** Every section a baseline has: nine objects and the Pod Security labels per namespace. */
export function fullSpec(selector: Record<string, string>): Record<string, unknown> {
  return {
    namespaceSelector: { matchLabels: selector },
    networkPolicy: {
      defaultDeny: ['Ingress', 'Egress'],
      allowIngressFrom: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }],
    },
    resourceQuota: { hard: { 'requests.cpu': '8', 'requests.memory': '16Gi', 'limits.cpu': '16', 'limits.memory': '32Gi', pods: '100' } },
    limitRange: { default: { cpu: '500m', memory: '512Mi' }, defaultRequest: { cpu: '100m', memory: '128Mi' }, max: { cpu: '4', memory: '8Gi' } },
    podSecurity: { enforce: 'restricted', warn: 'restricted', audit: 'restricted' },
    rbac: { roles: [READER], bindClusterRoles: [{ clusterRole: 'view', subjects: [{ kind: 'Group', name: 'k8s-viewers' }] }] },
  };
}

/** What fullSpec() writes into each namespace, as plural/name, sorted. */
export const FULL_OBJECTS = [
  'limitranges/posture-limits',
  'networkpolicies/posture-allow-dns',
  'networkpolicies/posture-allow-from-0',
  'networkpolicies/posture-allow-same-namespace',
  'networkpolicies/posture-default-deny',
  'resourcequotas/posture-quota',
  'rolebindings/posture-pod-service-reader',
  'rolebindings/posture-view',
  'roles/posture-pod-service-reader',
];

/** Managed objects grouped by namespace, as sorted plural/name lists. */
export function byNamespace(objects: readonly ManagedObject[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const o of objects) {
    const list = out.get(o.namespace) ?? [];
    list.push(`${o.plural}/${o.name}`);
    out.set(o.namespace, list);
  }
  for (const list of out.values()) list.sort();
  return out;
}

/** Every object named posture-* in the cluster, with our label or not: leftovers that lost the label count too. */
export async function postureNamedObjects(api: AdminApi): Promise<string[]> {
  const out: string[] = [];
  for (const [base, plural] of NAMESPACED_KINDS) {
    const list = await api.get<{ items: { metadata: { name: string; namespace?: string } }[] }>(`${base}/${plural}`);
    for (const { metadata: m } of list.items) if (m.name.startsWith('posture-')) out.push(`${m.namespace ?? ''}/${plural}/${m.name}`);
  }
  return out.sort();
}

/** Waits until the baseline's status covers its current generation and counts `selected` namespaces, all enforced, Ready. */
export async function converged(api: AdminApi, name: string, selected: number, timeoutMs = 120_000): Promise<BaselineObject> {
  let last: BaselineObject | undefined;
  await eventually(`${name} to enforce ${selected} namespace(s)`, async () => {
    const b = (last = await api.baseline(name));
    const counts = b.status?.namespaces;
    return b.status?.observedGeneration === b.metadata.generation && counts?.selected === selected && counts.enforced === selected && condition(b, 'Ready')?.status === 'True';
  }, timeoutMs, 250).catch((err: unknown) => {
    throw new Error(`${err instanceof Error ? err.message : String(err)}; last status: ${JSON.stringify(last?.status?.namespaces)} ${JSON.stringify(last?.status?.conditions?.map((c) => `${c.type}=${c.status} ${c.reason}: ${c.message}`))}`);
  });
  assert.ok(last);
  return last;
}

export interface DeploymentOptions {
  image: string;
  /** A PADDING env value that makes the object as large as a test needs. */
  padding?: string;
  /** Paused: the controller manager makes no ReplicaSet for it (and no events to watch). */
  paused?: boolean;
}

/** A Deployment with no replicas that tests create by the thousand: name, image, and optionally a padding. */
export function deploymentBody(name: string, options: DeploymentOptions): Record<string, unknown> {
  const labels = { app: name };
  const container = { name: 'app', image: options.image, ...(options.padding === undefined ? {} : { env: [{ name: 'PADDING', value: options.padding }] }) };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: 0,
      ...(options.paused === true ? { paused: true } : {}),
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [container] } },
    },
  };
}
