/** Where each kind the operator reads or writes lives in the API. */
export interface ResourceType {
  apiVersion: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

export const NAMESPACE: ResourceType = { apiVersion: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false };
export const NETWORK_POLICY: ResourceType = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  plural: 'networkpolicies',
  namespaced: true,
};
export const SECURITY_BASELINE: ResourceType = {
  apiVersion: 'posture.dev/v1alpha1',
  kind: 'SecurityBaseline',
  plural: 'securitybaselines',
  namespaced: false,
};
export const EVENT: ResourceType = { apiVersion: 'events.k8s.io/v1', kind: 'Event', plural: 'events', namespaced: true };

/** The kinds the operator creates in namespaces, in the order it applies them. */
export const MANAGED_TYPES: readonly ResourceType[] = [NETWORK_POLICY];

export function resourceTypeOf(apiVersion: string, kind: string): ResourceType {
  const found = [NAMESPACE, NETWORK_POLICY, EVENT, SECURITY_BASELINE].find((t) => t.apiVersion === apiVersion && t.kind === kind);
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
