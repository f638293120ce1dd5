import type { AuditSpec } from '../api/audit.js';
import type { PodSecurityLevel as SpecLevel } from '../api/securitybaseline.js';
import type {
  AuditConfig,
  AuditInput,
  ConfigMap,
  Ingress,
  LimitRange,
  NamedObject,
  NetworkPolicy,
  Pod,
  ResourceQuota,
  Role,
  RoleBinding,
  Service,
  ServiceAccount,
} from '../audit/types.js';
import { topLevelWorkloads, type WorkloadObject } from '../audit/workloads.js';
import { WORKLOAD_KINDS } from '../kube/resources.js';
import type { CacheView, CachedObject } from '../runtime/caches.js';

function name(o: CachedObject): string {
  return o.metadata?.name ?? '';
}

function annotations(o: CachedObject): Record<string, string> | undefined {
  return o.metadata?.annotations;
}

function role(o: CachedObject, kind: Role['kind']): Role {
  return { kind, name: name(o), namespace: o.metadata?.namespace, annotations: annotations(o), rules: o.rules as Role['rules'] };
}

function binding(o: CachedObject, kind: RoleBinding['kind']): RoleBinding {
  return { kind, name: name(o), namespace: o.metadata?.namespace, annotations: annotations(o), roleRef: o.roleRef as RoleBinding['roleRef'], subjects: o.subjects as RoleBinding['subjects'] };
}

/** The audit configuration a baseline gives its namespaces. */
export function auditConfig(audit: AuditSpec, podSecurityEnforce: SpecLevel | undefined): AuditConfig {
  return {
    allowedRegistries: audit.allowedRegistries,
    disabledChecks: audit.disabledChecks,
    secretReadAllowlist: audit.secretReadAllowlist,
    requireCpuLimit: audit.requireCpuLimit,
    // The level NS-001 and the level-dependent workload checks hold namespaces to: the enforced
    // one when the baseline sets it above privileged, else restricted, the checklist's target.
    podSecurityLevel: podSecurityEnforce === 'baseline' ? 'baseline' : 'restricted',
    ...(audit.oidcGroupPrefix === undefined ? {} : { oidcGroupPrefix: audit.oidcGroupPrefix }),
  };
}

function byName(a: CachedObject, b: CachedObject): number {
  return name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0;
}

/**
 * Everything the namespace checks read for one namespace, from the caches (ConfigMap data, which
 * the operator's cache does not hold, from configMapData). Lists are sorted by
 * name: cache order depends on event history, and messages that name several objects must not
 * change (nor the PolicyReport be rewritten) when only the order did.
 */
export function gatherAuditInput(cache: CacheView, namespace: string, config: AuditConfig, configMapData?: ReadonlyMap<string, ConfigMap['data']>): AuditInput {
  const view: CacheView = { get: (p, n, ns) => cache.get(p, n, ns), list: (p, ns) => [...cache.list(p, ns)].sort(byName) };
  const ns = view.get('namespaces', namespace);
  const workloadObjects: WorkloadObject[] = [];
  for (const [plural, kind] of WORKLOAD_KINDS) {
    for (const o of view.list(plural, namespace)) workloadObjects.push({ ...(o as unknown as WorkloadObject), kind, metadata: { ...(o.metadata as WorkloadObject['metadata']) } });
  }
  const roleBindings = view.list('rolebindings', namespace).map((o) => binding(o, 'RoleBinding'));
  const referenced = new Set(roleBindings.filter((b) => b.roleRef.kind === 'ClusterRole').map((b) => b.roleRef.name));
  const clusterRoles = [...referenced].flatMap((n) => {
    const o = view.get('clusterroles', n);
    return o === undefined ? [] : [role(o, 'ClusterRole')];
  });
  const clusterRoleBindings = view
    .list('clusterrolebindings')
    .map((o) => binding(o, 'ClusterRoleBinding'))
    .filter((b) => (b.subjects ?? []).some((s) => s.kind === 'ServiceAccount' && s.namespace === namespace));
  return {
    namespace: { name: namespace, labels: ns?.metadata?.labels, annotations: annotations(ns ?? {}) },
    workloads: topLevelWorkloads(workloadObjects),
    pods: view.list('pods', namespace) as unknown as Pod[],
    serviceAccounts: view.list('serviceaccounts', namespace).map((o): ServiceAccount => ({ name: name(o), automountServiceAccountToken: o.automountServiceAccountToken as boolean | undefined })),
    roles: view.list('roles', namespace).map((o) => role(o, 'Role')),
    roleBindings,
    clusterRoles,
    clusterRoleBindings,
    services: view.list('services', namespace).map((o): Service => ({ name: name(o), annotations: annotations(o), spec: (o.spec ?? {}) })),
    ingresses: view.list('ingresses', namespace).map((o): Ingress => ({ name: name(o), annotations: annotations(o), spec: (o.spec ?? {}) })),
    networkPolicies: view.list('networkpolicies', namespace).map((o): NetworkPolicy => ({ name: name(o), spec: o.spec as NetworkPolicy['spec'] })),
    resourceQuotas: view.list('resourcequotas', namespace).map((o): ResourceQuota => ({ name: name(o), spec: (o.spec ?? {}) })),
    limitRanges: view.list('limitranges', namespace).map((o): LimitRange => ({ name: name(o), spec: (o.spec ?? { limits: [] }) as LimitRange['spec'] })),
    // Data read on demand (ConfigMapData) when given; else as the cache holds it (the CLI's files).
    configMaps: view.list('configmaps', namespace).map((o): ConfigMap => ({ name: name(o), annotations: annotations(o), data: configMapData === undefined ? (o.data as ConfigMap['data']) : configMapData.get(name(o)) })),
    persistentVolumeClaims: view.list('persistentvolumeclaims', namespace).map((o): NamedObject => ({ name: name(o) })),
    config,
  };
}
