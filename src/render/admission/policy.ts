/**
 * ValidatingAdmissionPolicy and binding objects (admissionregistration.k8s.io/v1) as plain data,
 * for the policies shipped in config/admission and those generated per baseline (spec.guard).
 */

export const ADMISSION_API_VERSION = 'admissionregistration.k8s.io/v1';

export type ValidationAction = 'Deny' | 'Warn' | 'Audit';
export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface ResourceRule {
  apiGroups: string[];
  apiVersions: string[];
  operations: Operation[];
  resources: string[];
}

/** Create, update and delete of these resources, one rule per API group in the order first named. */
export function writeRules(types: readonly { apiVersion: string; plural: string }[]): ResourceRule[] {
  const byGroup = new Map<string, string[]>();
  for (const t of types) {
    const group = t.apiVersion.includes('/') ? (t.apiVersion.split('/')[0] ?? '') : '';
    byGroup.set(group, [...(byGroup.get(group) ?? []), t.plural]);
  }
  return [...byGroup].map(([group, resources]) => ({ apiGroups: [group], apiVersions: ['*'], operations: ['CREATE', 'UPDATE', 'DELETE'], resources }));
}

export interface NamedExpression {
  name: string;
  expression: string;
}

export interface Validation {
  expression: string;
  messageExpression: string;
  reason: 'Forbidden' | 'Invalid';
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface Metadata {
  name: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller: boolean; blockOwnerDeletion: boolean }[];
}

export interface ValidatingAdmissionPolicy {
  apiVersion: typeof ADMISSION_API_VERSION;
  kind: 'ValidatingAdmissionPolicy';
  metadata: Metadata;
  spec: {
    failurePolicy: 'Fail';
    matchConstraints: { resourceRules: ResourceRule[]; namespaceSelector?: LabelSelector };
    matchConditions?: NamedExpression[];
    variables?: NamedExpression[];
    validations: Validation[];
  };
}

export interface ValidatingAdmissionPolicyBinding {
  apiVersion: typeof ADMISSION_API_VERSION;
  kind: 'ValidatingAdmissionPolicyBinding';
  metadata: Metadata;
  spec: {
    policyName: string;
    validationActions: ValidationAction[];
    matchResources?: { namespaceSelector?: LabelSelector };
  };
}

export type AdmissionObject = ValidatingAdmissionPolicy | ValidatingAdmissionPolicyBinding;

/** A CEL string literal: single-quoted, with backslashes and quotes escaped. */
export function celString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A CEL list of string literals. */
export function celStrings(values: readonly string[]): string {
  return `[${values.map(celString).join(', ')}]`;
}

/** The binding that enforces a policy everywhere it matches, under the same name. */
export function bindingFor(policy: ValidatingAdmissionPolicy, actions: ValidationAction[] = ['Deny']): ValidatingAdmissionPolicyBinding {
  return {
    apiVersion: ADMISSION_API_VERSION,
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name: policy.metadata.name, labels: { ...policy.metadata.labels } },
    spec: { policyName: policy.metadata.name, validationActions: actions },
  };
}
