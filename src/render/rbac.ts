import { objectNameFor } from '../api/names.js';
import type { SubjectSpec } from '../api/rbac.js';
import { typeOfKind } from '../kube/resources.js';
import { desired, type DesiredObject } from './objects.js';
import type { ValidBaseline } from './selection.js';

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const ROLE = typeOfKind('Role');
const ROLE_BINDING = typeOfKind('RoleBinding');

/** Subjects with apiGroup as the API server defaults it (the RBAC group for users and groups, none for ServiceAccounts), so they read back equal. */
function subjects(list: readonly SubjectSpec[]): Record<string, string>[] {
  return list.map(
    (s): Record<string, string> =>
      s.kind === 'ServiceAccount' ? { kind: s.kind, name: s.name, namespace: s.namespace ?? '' } : { kind: s.kind, name: s.name, apiGroup: RBAC_GROUP },
  );
}

/**
 * Each role becomes a Role and a RoleBinding of the same name; each Role comes before its binding, so
 * a Role the API server refuses (the operator cannot grant what it does not hold) leaves no binding.
 */
export function renderRbac(b: ValidBaseline, ns: string): DesiredObject[] {
  const rbac = b.spec.rbac;
  if (rbac === undefined) return [];
  const out: DesiredObject[] = [];
  for (const role of rbac.roles) {
    const name = objectNameFor(role.name);
    const rules = role.rules.map((r) => ({
      apiGroups: r.apiGroups,
      resources: r.resources,
      verbs: r.verbs,
      ...(r.resourceNames !== undefined && r.resourceNames.length > 0 ? { resourceNames: r.resourceNames } : {}),
    }));
    out.push(desired(b, ns, ROLE, name, { rules }));
    out.push(desired(b, ns, ROLE_BINDING, name, { roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name }, subjects: subjects(role.subjects) }));
  }
  for (const binding of rbac.bindClusterRoles) {
    out.push(
      desired(b, ns, ROLE_BINDING, objectNameFor(binding.clusterRole), {
        roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: binding.clusterRole },
        subjects: subjects(binding.subjects),
      }),
    );
  }
  return out;
}
