import { GROUP, PLURAL } from '../../api/names.js';
import { bindingFor, type AdmissionObject, type ValidatingAdmissionPolicy, type Validation } from './policy.js';

/**
 * The confused-deputy guard: the operator writes Roles and RoleBindings with its own rights, so
 * the API server must check, when a SecurityBaseline is written, that its author holds what the
 * baseline would grant. Three policies, because each binding's evaluation has its own CEL budget
 * (10M) and an authorization check costs 350k: one expression holds at most two checks, one
 * policy about 28.
 */

/** Distinct permissions of spec.rbac.roles checked one by one (24 checks plus the escalate probe fit one budget). */
export const CHECKED_PERMISSIONS = 24;
/** spec.rbac.bindClusterRoles' maxItems in the CRD: one bind check each. */
export const CHECKED_CLUSTER_ROLES = 16;

const RBAC_GROUP = "'rbac.authorization.k8s.io'";
const COMPONENT_LABELS = { 'app.kubernetes.io/name': 'posture-operator', 'app.kubernetes.io/component': 'admission' };

const ROLES = "has(object.spec.rbac) && has(object.spec.rbac.roles) ? object.spec.rbac.roles : []";
const BINDS = "has(object.spec.rbac) && has(object.spec.rbac.bindClusterRoles) ? object.spec.rbac.bindClusterRoles : []";
const SYSTEM_SUBJECT = "s.kind != 'ServiceAccount' && s.name.startsWith('system:')";
const HOLDS_ONLY = 'a SecurityBaseline may grant only what its author holds';

function authorPolicy(name: string, variables: { name: string; expression: string }[], validations: Validation[]): ValidatingAdmissionPolicy {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name, labels: { ...COMPONENT_LABELS } },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: [{ apiGroups: [GROUP], apiVersions: ['*'], operations: ['CREATE', 'UPDATE'], resources: [PLURAL] }],
      },
      // Only a write of the spec grants anything. The operator's own finalizer patch, label edits
      // and the garbage collector must not be judged by the author's rights.
      matchConditions: [{ name: 'spec-written', expression: "request.operation == 'CREATE' || object.spec != oldObject.spec" }],
      variables,
      validations,
    },
  };
}

/** system:authenticated, system:serviceaccounts, system:masters, ...: granting to them reaches everyone or the cluster itself. */
export function subjectsPolicy(): ValidatingAdmissionPolicy {
  const listed = (field: string, item: string): string =>
    `variables.${item}.transformList(i, b, b.subjects.transformList(j, s, ${SYSTEM_SUBJECT}, 'spec.rbac.${field}[' + string(i) + '].subjects[' + string(j) + ']: ' + s.kind + ' ' + s.name)).flatten()`;
  return authorPolicy(
    'posture-baseline-subjects',
    [
      { name: 'roles', expression: ROLES },
      { name: 'binds', expression: BINDS },
      { name: 'refused', expression: `${listed('roles', 'roles')} + ${listed('bindClusterRoles', 'binds')}` },
    ],
    [
      {
        expression: 'size(variables.refused) == 0',
        messageExpression:
          "size(variables.refused) == 0 ? '' : variables.refused[0] + ' is a Kubernetes system identity: a SecurityBaseline may not grant to system:* groups or users'" +
          " + (size(variables.refused) > 1 ? ' (' + string(size(variables.refused) - 1) + ' more)' : '')",
        reason: 'Forbidden',
      },
    ],
  );
}

/** bind on each ClusterRole the baseline binds, as the API server would ask of its author writing the RoleBinding. */
export function clusterRolesPolicy(): ValidatingAdmissionPolicy {
  const validations: Validation[] = [];
  for (let i = 0; i < CHECKED_CLUSTER_ROLES; i++) {
    const role = `variables.binds[${i}].clusterRole`;
    validations.push({
      expression: `size(variables.binds) <= ${i} || authorizer.group(${RBAC_GROUP}).resource('clusterroles').name(${role}).check('bind').allowed()`,
      messageExpression:
        `size(variables.binds) <= ${i} ? '' : 'spec.rbac.bindClusterRoles[${i}].clusterRole: you may not bind ClusterRole ' + ${role}` +
        ` + ' (bind on clusterroles ' + ${role} + '); ${HOLDS_ONLY}'`,
      reason: 'Forbidden',
    });
  }
  return authorPolicy('posture-baseline-bind-clusterroles', [{ name: 'binds', expression: BINDS }], validations);
}

/**
 * Every rule of every role, as apiGroup x resource x verb checked cluster-wide (the selector may
 * pick any namespace), unless the author holds escalate and bind on roles, which is what writing
 * such a Role and binding it would take. resourceNames are not narrowed: the author must hold the
 * verb on every name.
 */
export function rolesPolicy(): ValidatingAdmissionPolicy {
  const at = "'spec.rbac.roles[' + string(i) + '].rules[' + string(j) + ']'";
  const permission =
    `{'at': ${at}, 'group': string(g), 'resource': res.split('/')[0], 'subresource': res.contains('/') ? res.substring(res.indexOf('/') + 1) : '', 'verb': string(v)}`;
  const variables = [
    { name: 'roles', expression: ROLES },
    {
      name: 'count',
      expression: 'size(variables.roles) == 0 ? 0 : variables.roles.map(r, r.rules.map(x, size(x.apiGroups) * size(x.resources) * size(x.verbs)).sum()).sum()',
    },
    {
      name: 'mayEscalate',
      expression: `authorizer.group(${RBAC_GROUP}).resource('roles').check('escalate').allowed() && authorizer.group(${RBAC_GROUP}).resource('roles').check('bind').allowed()`,
    },
    {
      name: 'permissions',
      expression:
        `variables.count > ${CHECKED_PERMISSIONS} ? [] : variables.roles.transformList(i, r, r.rules.transformList(j, x, ` +
        `x.apiGroups.map(g, x.resources.map(res, x.verbs.map(v, ${permission}))))).flatten(4)`,
    },
  ];
  const validations: Validation[] = [
    {
      expression: `variables.count <= ${CHECKED_PERMISSIONS} || variables.mayEscalate`,
      messageExpression:
        `'spec.rbac.roles: grants ' + string(variables.count) + ' permissions (apiGroups x resources x verbs, per rule); at most ${CHECKED_PERMISSIONS}` +
        ` are checked against the author\\'s own RBAC. Split the baseline, or have it written by someone holding escalate and bind on roles.rbac.authorization.k8s.io'`,
      reason: 'Forbidden',
    },
  ];
  for (let i = 0; i < CHECKED_PERMISSIONS; i++) {
    const p = `variables.permissions[${i}]`;
    validations.push({
      expression:
        `size(variables.permissions) <= ${i} || ` +
        `authorizer.group(${p}.group).resource(${p}.resource).subresource(${p}.subresource).check(${p}.verb).allowed() || variables.mayEscalate`,
      messageExpression:
        `size(variables.permissions) <= ${i} ? '' : ${p}.at + ': grants ' + ${p}.verb + ' on ' + ${p}.resource + (${p}.subresource == '' ? '' : '/' + ${p}.subresource)` +
        ` + (${p}.group == '' ? '' : '.' + ${p}.group) + ', which you do not hold cluster-wide; ${HOLDS_ONLY}` +
        ` (or escalate and bind on roles.rbac.authorization.k8s.io)'`,
      reason: 'Forbidden',
    });
  }
  return authorPolicy('posture-baseline-roles', variables, validations);
}

/** config/admission/baseline-author.yaml: the three policies and their bindings. */
export function baselineAuthorPolicies(): AdmissionObject[] {
  return [subjectsPolicy(), clusterRolesPolicy(), rolesPolicy()].flatMap((p) => [p, bindingFor(p)]);
}
