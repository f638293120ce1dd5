/** The public names of the API and of everything the operator writes. Tests, docs and users rely on them. */
export const GROUP = 'posture.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'SecurityBaseline';
export const PLURAL = 'securitybaselines';
export const SINGULAR = 'securitybaseline';
export const SHORT_NAME = 'sbl';

export const FIELD_MANAGER = 'posture-operator';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'posture-operator';
export const BASELINE_LABEL = `${GROUP}/baseline`;
/** Selects every object this operator manages, for the informers and for `kubectl get -l`. */
export const MANAGED_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`;

export const OBJECT_NAME_PREFIX = 'posture-';
export const DEFAULT_DENY_POLICY = 'posture-default-deny';
export const ALLOW_DNS_POLICY = 'posture-allow-dns';
export const ALLOW_SAME_NAMESPACE_POLICY = 'posture-allow-same-namespace';
export const QUOTA_NAME = 'posture-quota';
export const LIMIT_RANGE_NAME = 'posture-limits';
/** On a Namespace: the baseline whose Pod Security labels posture-operator applied there. */
export const POD_SECURITY_ANNOTATION = `${GROUP}/pod-security`;
/**
 * On every generated object: the baseline revision it was written from (the ControllerRevision
 * <baseline>-<revision>). On a Namespace the same key is an annotation, next to the Pod Security labels.
 */
export const REVISION_LABEL = `${GROUP}/revision`;
/**
 * On a baseline's ControllerRevisions: its uid, so a baseline re-created under the same name does
 * not take on (or get deleted with) the revisions of the one before.
 */
export const BASELINE_UID_LABEL = `${GROUP}/baseline-uid`;
/** Finalizer on a baseline with deletionPolicy Orphan: cleared once its objects are released. */
export const ORPHAN_FINALIZER = `${GROUP}/orphan`;

export function allowFromPolicyName(index: number): string {
  return `${OBJECT_NAME_PREFIX}allow-from-${index}`;
}

/** posture-<name> for a Role, its RoleBinding, or a binding to a ClusterRole. */
export function objectNameFor(name: string): string {
  return `${OBJECT_NAME_PREFIX}${name}`;
}

/** Namespaces no baseline may ever select, whatever its selector says. */
export const ALWAYS_EXCLUDED_NAMESPACES: readonly string[] = ['kube-system', 'kube-public', 'kube-node-lease'];

/**
 * On a Namespace: set to the baseline's name in the same write as its Pod Security labels, once
 * its objects are in place; spec.guard's podsBeforeProtection admits pods only where it is set.
 */
export const PROTECTED_LABEL = `${GROUP}/protected`;

/** The PolicyReport the audit writes into each audited namespace. */
export const POLICY_REPORT_NAME = 'posture-audit';
