import { createHash } from 'node:crypto';
import type { GuardAction } from '../../api/guard.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, OBJECT_NAME_PREFIX, PROTECTED_LABEL } from '../../api/names.js';
import { MANAGED_TYPES, POLICY_REPORT } from '../../kube/resources.js';
import { renderNamespaceLabels } from '../namespace.js';
import { managedLabels, ownerReference } from '../objects.js';
import type { ValidBaseline } from '../selection.js';
import { OPERATOR_USER } from './fence.js';
import { ADMISSION_API_VERSION, celString, celStrings, type AdmissionObject, type ResourceRule, type Validation, type ValidatingAdmissionPolicy, type ValidatingAdmissionPolicyBinding, writeRules } from './policy.js';
import { labelsOf, selectedCel, selectingKeys } from './select.js';

/**
 * spec.guard as ValidatingAdmissionPolicies and bindings, one pair per guard that is not Off,
 * owned by the baseline (the garbage collector removes them with it) and labelled like every
 * managed object. Pure: the controller applies what this returns and prunes the rest.
 */

export type GuardKind = 'pods' | 'objects' | 'labels';
const NAME_LIMIT = 253;

/** posture-guard-<baseline>-<kind>; a name too long keeps a prefix and a hash of the rest, so two baselines never share one. */
export function guardPolicyName(baseline: string, kind: GuardKind): string {
  const name = `${OBJECT_NAME_PREFIX}guard-${baseline}-${kind}`;
  if (name.length <= NAME_LIMIT) return name;
  const hash = createHash('sha256').update(baseline).digest('hex').slice(0, 10);
  return `${OBJECT_NAME_PREFIX}guard-${baseline.slice(0, NAME_LIMIT - 40)}-${hash}-${kind}`;
}

/** The kinds the operator writes into namespaces, from the kind registry: what managedObjects guards. */
const MANAGED_RESOURCES: ResourceRule[] = writeRules([...MANAGED_TYPES, POLICY_REPORT]);

/**
 * Who passes a guard: the operator and the exempt groups. For the managed objects also
 * Kubernetes' own controllers: the garbage collector and the namespace controller delete them, and
 * refusing those would leave a namespace stuck Terminating. Never for pods: a ReplicaSet's pods
 * are created by a controller, and they are exactly what must wait for protection.
 */
function exemptCel(operatorUser: string, groups: readonly string[], controllers: boolean): string {
  const users = celStrings(controllers ? [operatorUser, 'system:kube-controller-manager'] : [operatorUser]);
  const terms = [`request.userInfo.username in ${users}`];
  if (controllers) terms.push("request.userInfo.username.startsWith('system:serviceaccount:kube-system:')");
  if (groups.length > 0) terms.push(`(has(request.userInfo.groups) && request.userInfo.groups.exists(g, g in ${celStrings(groups)}))`);
  return terms.join(' || ');
}

function who(groups: readonly string[]): string {
  return groups.length === 0 ? 'only posture-operator' : `only posture-operator and members of ${groups.join(', ')}`;
}

function policy(b: ValidBaseline, op: OperatorIdentity, kind: GuardKind, rules: ResourceRule[], variables: { name: string; expression: string }[], validations: Validation[]): ValidatingAdmissionPolicy {
  return {
    apiVersion: ADMISSION_API_VERSION,
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: guardPolicyName(b.name, kind), labels: managedLabels(b.name), ownerReferences: [ownerReference(b)] },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: { resourceRules: rules },
      matchConditions: [{ name: 'not-exempt', expression: `!(${exemptCel(op.user, b.spec.guard?.exemptGroups ?? [], kind === 'objects')})` }],
      variables,
      validations,
    },
  };
}

function binding(p: ValidatingAdmissionPolicy, b: ValidBaseline, action: GuardAction, selectNamespaces: boolean): ValidatingAdmissionPolicyBinding {
  const { matchLabels, matchExpressions } = b.spec.namespaceSelector;
  const namespaceSelector = {
    ...(matchLabels === undefined ? {} : { matchLabels: { ...matchLabels } }),
    ...(matchExpressions === undefined ? {} : { matchExpressions: matchExpressions.map((r) => ({ key: r.key, operator: r.operator, ...(r.values === undefined ? {} : { values: [...r.values] }) })) }),
  };
  return {
    apiVersion: ADMISSION_API_VERSION,
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name: p.metadata.name, labels: managedLabels(b.name), ownerReferences: [ownerReference(b)] },
    spec: {
      policyName: p.metadata.name,
      validationActions: action === 'Warn' ? ['Warn', 'Audit'] : ['Deny'],
      ...(selectNamespaces ? { matchResources: { namespaceSelector } } : {}),
    },
  };
}

/** No pod in a selected namespace before the operator marked it protected, after writing its objects. */
function podsPolicy(b: ValidBaseline, op: OperatorIdentity): ValidatingAdmissionPolicy {
  return policy(
    b,
    op,
    'pods',
    [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }],
    [],
    [
      {
        expression: `!(${selectedCel('namespaceObject', b.spec, op.namespace)}) || ${celString(PROTECTED_LABEL)} in ${labelsOf('namespaceObject')}`,
        messageExpression: `'namespace ' + namespaceObject.metadata.name + ' is not yet protected by SecurityBaseline ${b.name}; retry in a moment'`,
        reason: 'Forbidden',
      },
    ],
  );
}

/** The managed objects, the names they take (posture-*) and the operator's PolicyReport. */
function objectsPolicy(b: ValidBaseline, op: OperatorIdentity): ValidatingAdmissionPolicy {
  const labelled = (o: string): string => `(${o} != null && ${celString(MANAGED_BY_LABEL)} in ${labelsOf(o)} && ${labelsOf(o)}[${celString(MANAGED_BY_LABEL)}] == ${celString(MANAGED_BY_VALUE)})`;
  return policy(
    b,
    op,
    'objects',
    MANAGED_RESOURCES,
    [{ name: 'managed', expression: `request.name.startsWith(${celString(OBJECT_NAME_PREFIX)}) || ${labelled('object')} || ${labelled('oldObject')}` }],
    [
      {
        expression: `!variables.managed || !(${selectedCel('namespaceObject', b.spec, op.namespace)})`,
        messageExpression:
          `request.resource.resource + ' ' + request.namespace + '/' + request.name + ' is managed by SecurityBaseline ${b.name}: ` +
          `${who(b.spec.guard?.exemptGroups ?? [])} may ' + (request.operation == 'CREATE' ? 'create' : request.operation == 'DELETE' ? 'delete' : 'change') + ' it'`,
        reason: 'Forbidden',
      },
    ],
  );
}

/** The selecting labels, the Pod Security labels this baseline sets, and the protected mark. */
function labelsPolicy(b: ValidBaseline, op: OperatorIdentity): ValidatingAdmissionPolicy {
  const keys = [...new Set([...selectingKeys(b.spec.namespaceSelector), ...Object.keys(renderNamespaceLabels(b).labels), PROTECTED_LABEL])].sort();
  const [oldLabels, newLabels] = [labelsOf('oldObject'), labelsOf('object')];
  const changed = `(k in ${oldLabels}) != (k in ${newLabels}) || (k in ${oldLabels} && ${oldLabels}[k] != ${newLabels}[k])`;
  return policy(
    b,
    op,
    'labels',
    [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['namespaces'] }],
    [{ name: 'changed', expression: `request.operation != 'UPDATE' ? [] : ${celStrings(keys)}.filter(k, ${changed})` }],
    [
      {
        expression: `request.operation != 'UPDATE' || size(variables.changed) == 0 || !(${selectedCel('oldObject', b.spec, op.namespace)})`,
        messageExpression:
          `size(variables.changed) == 0 ? '' : 'label ' + variables.changed[0] + ' of namespace ' + request.name + ' is guarded by SecurityBaseline ${b.name}: ` +
          `${who(b.spec.guard?.exemptGroups ?? [])} may change it'`,
        reason: 'Forbidden',
      },
      {
        expression: `request.operation != 'CREATE' || !(${celString(PROTECTED_LABEL)} in ${newLabels})`,
        messageExpression: `'namespace ' + request.name + ' may not be created with ${PROTECTED_LABEL}: only posture-operator marks a namespace protected'`,
        reason: 'Forbidden',
      },
    ],
  );
}

/** Every policy and binding spec.guard asks for; [] when the guard is absent, all Off, or the baseline only audits. */
/** Who the operator is: its namespace (never selected) and its username (always exempt). */
export interface OperatorIdentity {
  namespace: string;
  user: string;
}

export function renderGuardPolicies(b: ValidBaseline, operatorNamespace: string, operatorUser: string = OPERATOR_USER): AdmissionObject[] {
  const op: OperatorIdentity = { namespace: operatorNamespace, user: operatorUser };
  const guard = b.spec.guard;
  if (guard === undefined || b.spec.mode !== 'Enforce') return [];
  const out: AdmissionObject[] = [];
  const add = (action: GuardAction, p: ValidatingAdmissionPolicy, selectNamespaces: boolean): void => {
    if (action !== 'Off') out.push(p, binding(p, b, action, selectNamespaces));
  };
  add(guard.podsBeforeProtection, podsPolicy(b, op), true);
  add(guard.managedObjects, objectsPolicy(b, op), true);
  // Matched in CEL on the old labels: the binding's selector sees the new ones, which would let
  // removing the selecting label escape.
  add(guard.namespaceLabels, labelsPolicy(b, op), false);
  return out;
}
