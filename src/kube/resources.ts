/** Where each kind the operator reads or writes lives in the API. */
export interface ResourceType {
  apiVersion: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

/** A kind the operator generates in namespaces, and the top-level fields it renders for it. */
export interface ManagedType extends ResourceType {
  contentKeys: readonly string[];
}

export const NAMESPACE: ResourceType = { apiVersion: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false };
export const SECURITY_BASELINE: ResourceType = {
  apiVersion: 'posture.dev/v1alpha1',
  kind: 'SecurityBaseline',
  plural: 'securitybaselines',
  namespaced: false,
};
export const EVENT: ResourceType = { apiVersion: 'events.k8s.io/v1', kind: 'Event', plural: 'events', namespaced: true };

const RBAC = 'rbac.authorization.k8s.io/v1';

/** The kinds the operator creates in namespaces, in the order it applies them. */
export const MANAGED_TYPES: readonly ManagedType[] = [
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', plural: 'networkpolicies', namespaced: true, contentKeys: ['spec'] },
  { apiVersion: 'v1', kind: 'ResourceQuota', plural: 'resourcequotas', namespaced: true, contentKeys: ['spec'] },
  { apiVersion: 'v1', kind: 'LimitRange', plural: 'limitranges', namespaced: true, contentKeys: ['spec'] },
  { apiVersion: RBAC, kind: 'Role', plural: 'roles', namespaced: true, contentKeys: ['rules'] },
  { apiVersion: RBAC, kind: 'RoleBinding', plural: 'rolebindings', namespaced: true, contentKeys: ['roleRef', 'subjects'] },
];

const ns = (apiVersion: string, kind: string, plural: string): ResourceType => ({ apiVersion, kind, plural, namespaced: true });

/** What the audit reads besides the managed kinds (which it reads too). Never Secrets. */
export const AUDITED_TYPES: readonly ResourceType[] = [
  ns('v1', 'Pod', 'pods'),
  ns('apps/v1', 'Deployment', 'deployments'),
  ns('apps/v1', 'ReplicaSet', 'replicasets'),
  ns('apps/v1', 'StatefulSet', 'statefulsets'),
  ns('apps/v1', 'DaemonSet', 'daemonsets'),
  ns('batch/v1', 'Job', 'jobs'),
  ns('batch/v1', 'CronJob', 'cronjobs'),
  ns('v1', 'ServiceAccount', 'serviceaccounts'),
  ns('v1', 'Service', 'services'),
  ns('networking.k8s.io/v1', 'Ingress', 'ingresses'),
  ns('v1', 'ConfigMap', 'configmaps'),
  ns('v1', 'PersistentVolumeClaim', 'persistentvolumeclaims'),
  { apiVersion: RBAC, kind: 'ClusterRole', plural: 'clusterroles', namespaced: false },
  { apiVersion: RBAC, kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', namespaced: false },
];

export const POLICY_REPORT: ResourceType = ns('wgpolicyk8s.io/v1alpha2', 'PolicyReport', 'policyreports');

/** spec.guard's policies and bindings (cluster-scoped), written by the guard controller. */
export const ADMISSION_TYPES: readonly ResourceType[] = [
  { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', plural: 'validatingadmissionpolicies', namespaced: false },
  { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', plural: 'validatingadmissionpolicybindings', namespaced: false },
];

const ALL: readonly ResourceType[] = [NAMESPACE, SECURITY_BASELINE, EVENT, POLICY_REPORT, ...MANAGED_TYPES, ...AUDITED_TYPES, ...ADMISSION_TYPES];

export function resourceTypeOf(apiVersion: string, kind: string): ResourceType {
  const found = ALL.find((t) => t.apiVersion === apiVersion && t.kind === kind);
  if (found === undefined) throw new Error(`no resource type registered for ${apiVersion} ${kind}`);
  return found;
}

export function collectionPath(type: ResourceType, namespace?: string): string {
  const base = type.apiVersion.includes('/') ? `/apis/${type.apiVersion}` : `/api/${type.apiVersion}`;
  if (!type.namespaced || namespace === undefined) return `${base}/${type.plural}`;
  return `${base}/namespaces/${encodeURIComponent(namespace)}/${type.plural}`;
}

export function objectPath(type: ResourceType, name: string, namespace?: string): string {
  return `${collectionPath(type, namespace)}/${encodeURIComponent(name)}`;
}
