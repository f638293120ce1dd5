/** Namespace checks NS-001..NS-006: one finding on the Namespace each. */
import type { CheckMeta, NamespaceCheck, Outcome } from '../check.js';
import { fromOutcome } from '../check.js';
import { effectivePolicyTypes, isEmptySelector } from '../networkpolicy.js';
import { serviceAccountOf } from '../podspec.js';
import type { AuditInput, ResourceList } from '../types.js';

function perNamespace(meta: CheckMeta, evaluate: (input: AuditInput) => Outcome | undefined): NamespaceCheck {
  return {
    ...meta,
    scope: 'namespace',
    evaluate: (input) => {
      const outcome = evaluate(input);
      return outcome === undefined ? [] : [fromOutcome(meta, { kind: 'Namespace', namespace: '', name: input.namespace.name }, outcome)];
    },
  };
}

const LEVELS = ['privileged', 'baseline', 'restricted'];
export const ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';

export const podSecurityAdmissionCheck = perNamespace(
  {
    id: 'NS-001',
    title: 'Pod Security Admission enforced',
    severity: 'high',
    category: 'Namespace',
    seedItem: 'Admission control: validate requests with admission control modules',
    equivalents: ['C-0192', 'CIS 5.2.1'],
    fix: 'Opt-in',
  },
  (input) => {
    const want = input.config.podSecurityLevel;
    const value = input.namespace.labels?.[ENFORCE_LABEL];
    const fix = `set label ${ENFORCE_LABEL}: ${want}`;
    if (value === undefined) return { problems: [`${fix} (it is missing)`] };
    const level = LEVELS.indexOf(value);
    if (level === -1) return { problems: [`${fix} (${value} is not a level)`] };
    if (value === 'privileged' || level < LEVELS.indexOf(want)) return { problems: [`${fix} (it is ${value})`] };
    return { problems: [], passMessage: `Pod Security Admission enforces ${value}` };
  },
);

export const defaultDenyCheck = perNamespace(
  {
    id: 'NS-002',
    title: 'Default-deny NetworkPolicy',
    severity: 'high',
    category: 'Namespace',
    seedItem: 'Use network policies: deny by default, allow only necessary traffic',
    equivalents: ['C-0054', 'C-0206', 'CIS 5.3.2', 'KSV-0038'],
    fix: 'Auto',
  },
  (input) => {
    const denied = new Set<string>();
    for (const p of input.networkPolicies) {
      if (!isEmptySelector(p.spec.podSelector)) continue;
      const types = effectivePolicyTypes(p);
      if (types.has('Ingress') && (p.spec.ingress ?? []).length === 0) denied.add('Ingress');
      if (types.has('Egress') && (p.spec.egress ?? []).length === 0) denied.add('Egress');
    }
    const missing = ['Ingress', 'Egress'].filter((t) => !denied.has(t));
    return {
      problems: missing.length === 0 ? [] : [`add a NetworkPolicy with podSelector: {}, policyTypes: [${missing.join(', ')}] and no rules (default deny)`],
      passMessage: 'default-deny for Ingress and Egress',
    };
  },
);

const QUOTA_KEYS: readonly (readonly [string, string | undefined])[] = [
  ['requests.cpu', 'cpu'],
  ['requests.memory', 'memory'],
  ['limits.cpu', undefined],
  ['limits.memory', undefined],
];

function sets(list: ResourceList | undefined, key: string | undefined): boolean {
  return key !== undefined && list?.[key] !== undefined && list[key] !== '';
}

export const resourceQuotaCheck = perNamespace(
  {
    id: 'NS-003',
    title: 'ResourceQuota',
    severity: 'medium',
    category: 'Namespace',
    seedItem: 'Resource quotas and limit ranges: prevent denial of service',
    equivalents: ['KSV-0040'],
    fix: 'Auto',
  },
  (input) => {
    // `cpu` and `memory` in a quota mean requests.cpu and requests.memory.
    const missingIn = (hard: ResourceList | undefined): string[] => QUOTA_KEYS.filter(([key, alias]) => !sets(hard, key) && !sets(hard, alias)).map(([key]) => key);
    if (input.resourceQuotas.some((q) => missingIn(q.spec.hard).length === 0)) return { problems: [], passMessage: 'a ResourceQuota bounds CPU and memory requests and limits' };
    const best = input.resourceQuotas.map((q) => missingIn(q.spec.hard)).sort((a, b) => a.length - b.length)[0] ?? QUOTA_KEYS.map(([key]) => key);
    return { problems: [`add a ResourceQuota whose hard sets ${best.join(', ')}${input.resourceQuotas.length === 0 ? ' (there is none)' : ''}`] };
  },
);

export const limitRangeCheck = perNamespace(
  {
    id: 'NS-004',
    title: 'LimitRange',
    severity: 'medium',
    category: 'Namespace',
    seedItem: 'Resource quotas and limit ranges: prevent denial of service',
    equivalents: ['KSV-0039', 'C-0009'],
    fix: 'Auto',
  },
  (input) => {
    const ok = input.limitRanges.some((lr) =>
      lr.spec.limits.some((i) => i.type === 'Container' && Object.keys(i.default ?? {}).length > 0 && Object.keys(i.defaultRequest ?? {}).length > 0),
    );
    return {
      problems: ok ? [] : ['add a LimitRange with a type: Container item that sets default and defaultRequest'],
      passMessage: 'a LimitRange gives containers default requests and limits',
    };
  },
);

export const defaultNamespaceCheck = perNamespace(
  {
    id: 'NS-005',
    title: 'default namespace unused',
    severity: 'medium',
    category: 'Namespace',
    seedItem: 'Use namespaces: avoid using the default namespace',
    equivalents: ['C-0061', 'C-0212', 'CIS 5.7.4', 'KSV-0110'],
    fix: 'Report',
  },
  (input) => {
    if (input.namespace.name !== 'default') return undefined;
    const used: string[] = [
      ...input.workloads.map((w) => `${w.kind} ${w.name}`),
      ...input.pods.filter((p) => (p.metadata.ownerReferences ?? []).length === 0 && !input.workloads.some((w) => w.kind === 'Pod' && w.name === p.metadata.name)).map((p) => `Pod ${p.metadata.name}`),
      ...input.services.filter((s) => s.name !== 'kubernetes').map((s) => `Service ${s.name}`),
      ...input.ingresses.map((i) => `Ingress ${i.name}`),
      ...(input.persistentVolumeClaims ?? []).map((p) => `PersistentVolumeClaim ${p.name}`),
      ...input.roles.map((r) => `Role ${r.name}`),
      ...(input.secrets ?? []).map((s) => `Secret ${s.name}`),
      ...input.configMaps.filter((c) => c.name !== 'kube-root-ca.crt').map((c) => `ConfigMap ${c.name}`),
    ];
    return {
      problems: used.length === 0 ? [] : [`move ${used.join(', ')} out of the default namespace into a dedicated one`],
      passMessage: 'the default namespace holds nothing but its defaults',
    };
  },
);

export const defaultServiceAccountCheck = perNamespace(
  {
    id: 'NS-006',
    title: 'default ServiceAccount inert',
    severity: 'medium',
    category: 'Namespace',
    seedItem: 'Restrict unintended API access: least privilege for service accounts',
    equivalents: ['CIS 5.1.5', 'C-0189'],
    fix: 'Auto for automount, else Report',
  },
  (input) => {
    const ns = input.namespace.name;
    const problems: string[] = [];
    const sa = input.serviceAccounts.find((s) => s.name === 'default');
    if (sa?.automountServiceAccountToken !== false) problems.push('ServiceAccount default: set automountServiceAccountToken: false');
    const bindings = [...input.roleBindings, ...(input.clusterRoleBindings ?? [])].filter((b) =>
      (b.subjects ?? []).some((s) => s.kind === 'ServiceAccount' && s.name === 'default' && (s.namespace ?? b.namespace ?? ns) === ns),
    );
    for (const b of bindings) problems.push(`${b.kind} ${b.name}: bind a dedicated ServiceAccount instead of default`);
    const users = input.workloads.filter((w) => serviceAccountOf(w.podSpec) === 'default');
    if (users.length > 0) problems.push(`${users.map((w) => `${w.kind} ${w.name}`).join(', ')}: set spec.serviceAccountName to a dedicated ServiceAccount`);
    return { problems, passMessage: 'the default ServiceAccount mounts no token, is bound to nothing and runs nothing' };
  },
);

export const namespaceChecks: readonly NamespaceCheck[] = [
  podSecurityAdmissionCheck,
  defaultDenyCheck,
  resourceQuotaCheck,
  limitRangeCheck,
  defaultNamespaceCheck,
  defaultServiceAccountCheck,
];
