import { ALWAYS_EXCLUDED_NAMESPACES, MANAGED_BY_LABEL, MANAGED_BY_VALUE, OBJECT_NAME_PREFIX, POD_SECURITY_ANNOTATION, PROTECTED_LABEL, REVISION_LABEL } from '../../api/names.js';
import { MANAGED_TYPES, NAMESPACE, POLICY_REPORT } from '../../kube/resources.js';
import { bindingFor, celString, celStrings, writeRules, type AdmissionObject, type ValidatingAdmissionPolicy } from './policy.js';

/**
 * The operator's own power, fenced: its ClusterRole must reach every namespace, so a stolen token
 * could rewrite any RoleBinding. This policy narrows what its ServiceAccount may do to what it
 * does: objects named posture-* carrying its label, outside the system namespaces, and on a
 * Namespace only the labels and annotations it owns.
 */

export const OPERATOR_NAMESPACE = 'posture-system';
export const OPERATOR_USER = `system:serviceaccount:${OPERATOR_NAMESPACE}:posture-operator`;
/** Where the operator never writes: Kubernetes' own namespaces and its own. */
export const FENCED_NAMESPACES: readonly string[] = [...ALWAYS_EXCLUDED_NAMESPACES, OPERATOR_NAMESPACE];
const POD_SECURITY_MODES = ['enforce', 'warn', 'audit'];
export const OPERATOR_NAMESPACE_LABELS: readonly string[] = [
  ...POD_SECURITY_MODES.flatMap((m) => [`pod-security.kubernetes.io/${m}`, `pod-security.kubernetes.io/${m}-version`]),
  PROTECTED_LABEL,
];
export const OPERATOR_NAMESPACE_ANNOTATIONS: readonly string[] = [POD_SECURITY_ANNOTATION, REVISION_LABEL];

/** True when the map (labels or annotations) of old and new differ only in the given keys. */
function onlyOwnedChanged(field: 'labels' | 'annotations', owned: readonly string[]): string {
  const of = (o: string): string => `(has(${o}.metadata.${field}) ? ${o}.metadata.${field} : {})`;
  const keys = celStrings(owned);
  return (
    `${of('object')}.all(k, k in ${keys} || (k in ${of('oldObject')} && ${of('oldObject')}[k] == ${of('object')}[k])) && ` +
    `${of('oldObject')}.all(k, k in ${keys} || k in ${of('object')})`
  );
}

/** True when the field (under a parent that may be absent) is equal on old and new. */
function same(parent: string, field: string, empty: string): string {
  const of = (o: string): string => `(has(${o}.${parent}) && has(${o}.${parent}.${field}) ? ${o}.${parent}.${field} : ${empty})`;
  return `${of('object')} == ${of('oldObject')}`;
}

export function operatorFencePolicy(): ValidatingAdmissionPolicy {
  const managed = (o: string): string =>
    `${o} != null && has(${o}.metadata.labels) && ${o}.metadata.labels[?${celString(MANAGED_BY_LABEL)}].orValue('') == ${celString(MANAGED_BY_VALUE)}`;
  const what = "request.resource.resource + ' ' + (request.namespace == '' ? '' : request.namespace + '/') + request.name";
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: 'posture-operator-fence', labels: { 'app.kubernetes.io/name': 'posture-operator', 'app.kubernetes.io/component': 'admission' } },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: [
          // Namespaces, every managed kind of the registry, and the PolicyReport.
          ...writeRules([NAMESPACE, ...MANAGED_TYPES, POLICY_REPORT]),
          // Baseline revisions: only in the operator's own namespace (its ClusterRole reaches every
          // namespace, where StatefulSets and DaemonSets keep theirs).
          { apiGroups: ['apps'], apiVersions: ['*'], operations: ['CREATE', 'UPDATE', 'DELETE'], resources: ['controllerrevisions'] },
          // spec.guard's policies: the shipped ones (posture-baseline-*, this fence) carry no
          // managed-by label, so the operator's token can neither change nor delete them.
          {
            apiGroups: ['admissionregistration.k8s.io'],
            apiVersions: ['*'],
            operations: ['CREATE', 'UPDATE', 'DELETE'],
            resources: ['validatingadmissionpolicies', 'validatingadmissionpolicybindings'],
          },
        ],
      },
      matchConditions: [{ name: 'operator', expression: `request.userInfo.username == ${celString(OPERATOR_USER)}` }],
      variables: [
        { name: 'isNamespace', expression: "request.resource.resource == 'namespaces'" },
        { name: 'isRevision', expression: "request.resource.resource == 'controllerrevisions'" },
        { name: 'newManaged', expression: managed('object') },
        { name: 'oldManaged', expression: managed('oldObject') },
      ],
      validations: [
        {
          expression: `variables.isNamespace || request.name.startsWith(${celString(OBJECT_NAME_PREFIX)})`,
          messageExpression: `'posture-operator may write only objects named ${OBJECT_NAME_PREFIX}*, not ' + ${what}`,
          reason: 'Forbidden',
        },
        {
          expression: `variables.isRevision || (!(request.namespace in ${celStrings(FENCED_NAMESPACES)}) && !(request.name in ${celStrings(FENCED_NAMESPACES)} && variables.isNamespace))`,
          messageExpression: `'posture-operator may not write in a system namespace: ' + ${what}`,
          reason: 'Forbidden',
        },
        {
          expression: `!variables.isRevision || request.namespace == ${celString(OPERATOR_NAMESPACE)}`,
          messageExpression: `'posture-operator may write ControllerRevisions only in ${OPERATOR_NAMESPACE}, not ' + ${what}`,
          reason: 'Forbidden',
        },
        {
          // Releasing (deletionPolicy Orphan) removes the label, so an update needs it on one side;
          // taking over a same-named object the operator did not create needs it on the new one.
          expression:
            "variables.isNamespace || (request.operation == 'CREATE' ? variables.newManaged : request.operation == 'DELETE' ? variables.oldManaged : variables.newManaged || variables.oldManaged)",
          messageExpression: `'posture-operator may write only objects labelled ${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}, not ' + ${what}`,
          reason: 'Forbidden',
        },
        {
          expression:
            `!variables.isNamespace || (request.operation == 'UPDATE' && ${onlyOwnedChanged('labels', OPERATOR_NAMESPACE_LABELS)} && ` +
            `${onlyOwnedChanged('annotations', OPERATOR_NAMESPACE_ANNOTATIONS)} && ${same('metadata', 'ownerReferences', '[]')} && ` +
            `${same('metadata', 'finalizers', '[]')} && ${same('spec', 'finalizers', '[]')})`,
          messageExpression: "'posture-operator may change only the Pod Security and posture.dev/protected labels and its own annotations of namespace ' + request.name",
          reason: 'Forbidden',
        },
      ],
    },
  };
}

/** config/admission/operator-fence.yaml. */
export function operatorFencePolicies(): AdmissionObject[] {
  const policy = operatorFencePolicy();
  return [policy, bindingFor(policy)];
}
