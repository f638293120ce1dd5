/** RBAC checks RB-001..RB-007: roles and bindings of the namespace and the ClusterRoles they reference. */
import type { CheckMeta, NamespaceCheck, Outcome } from '../check.js';
import { fromOutcome } from '../check.js';
import { globMatch } from '../glob.js';
import { clipName, describeSubject, grants, grantsAny, isWildcardRule, roleOf, subjectName } from '../rbac.js';
import type { AuditInput, Finding, PolicyRule, ResourceRef, Role, RoleBinding } from '../types.js';

const RBAC_SEED = 'Enable RBAC: create Roles and RoleBindings with least privilege';

function roleRef(role: Role, input: AuditInput): ResourceRef {
  return { kind: role.kind, namespace: role.kind === 'ClusterRole' ? '' : (role.namespace ?? input.namespace.name), name: role.name };
}

function bindingRef(binding: RoleBinding, input: AuditInput): ResourceRef {
  return { kind: binding.kind, namespace: binding.kind === 'ClusterRoleBinding' ? '' : (binding.namespace ?? input.namespace.name), name: binding.name };
}

function perRole(meta: CheckMeta, evaluate: (role: Role, input: AuditInput) => Outcome): NamespaceCheck {
  return {
    ...meta,
    scope: 'namespace',
    evaluate: (input) => [...input.roles, ...input.clusterRoles].map((role) => fromOutcome(meta, roleRef(role, input), evaluate(role, input))),
  };
}

function perBinding(meta: CheckMeta, evaluate: (binding: RoleBinding, input: AuditInput) => Outcome): NamespaceCheck {
  return {
    ...meta,
    scope: 'namespace',
    evaluate: (input): Finding[] => input.roleBindings.map((b) => fromOutcome(meta, bindingRef(b, input), evaluate(b, input))),
  };
}

function ruleProblems(role: Role, problem: (rule: PolicyRule) => string | undefined): string[] {
  return (role.rules ?? []).flatMap((rule, i) => {
    const p = problem(rule);
    return p === undefined ? [] : [`rule ${i}: ${p}`];
  });
}

export const wildcardCheck: NamespaceCheck = perRole(
  {
    id: 'RB-001',
    title: 'No wildcards',
    severity: 'high',
    category: 'RBAC',
    seedItem: RBAC_SEED,
    equivalents: ['C-0187', 'CIS 5.1.3', 'KSV-0044', 'KSV-0045', 'KSV-0046'],
    fix: 'Report',
  },
  (role) => ({
    problems: ruleProblems(role, (rule) => {
      const fields = (['verbs', 'resources', 'apiGroups'] as const).filter((f) => (rule[f] ?? []).includes('*'));
      return fields.length === 0 ? undefined : `replace * in ${fields.join(', ')} with explicit values`;
    }),
    passMessage: 'no wildcard in verbs, resources or apiGroups',
  }),
);

export const clusterAdminCheck: NamespaceCheck = perBinding(
  {
    id: 'RB-002',
    title: 'No cluster-admin',
    severity: 'critical',
    category: 'RBAC',
    seedItem: RBAC_SEED,
    equivalents: ['C-0035', 'CIS 5.1.1', 'KSV-0111'],
    fix: 'Report',
  },
  (binding, input) => {
    const role = roleOf(binding, input);
    const admin = (binding.roleRef.kind === 'ClusterRole' && binding.roleRef.name === 'cluster-admin') || (role?.rules ?? []).some(isWildcardRule);
    if (!admin) return { problems: [], passMessage: `${binding.roleRef.kind} ${binding.roleRef.name} is not cluster-admin or a wildcard role` };
    const ns = binding.namespace ?? input.namespace.name;
    return {
      problems: (binding.subjects ?? [])
        .filter((s) => !s.name.startsWith('system:'))
        .map((s) => `${describeSubject(s, ns)}: bind a least-privilege role instead of ${binding.roleRef.kind} ${binding.roleRef.name}`),
      passMessage: 'only system: subjects are bound to full access',
    };
  },
);

const SECRET_READ_VERBS = ['get', 'list', 'watch'];

export const secretReadCheck: NamespaceCheck = perBinding(
  {
    id: 'RB-003',
    title: 'Secret read',
    severity: 'high',
    category: 'RBAC',
    seedItem: 'Secrets: restrict who can read them',
    equivalents: ['C-0186', 'CIS 5.1.2', 'KSV-0041'],
    fix: 'Report',
  },
  (binding, input) => {
    const role = roleOf(binding, input);
    if (role === undefined) return { problems: [], resultWhenClean: 'skip', passMessage: `${binding.roleRef.kind} ${binding.roleRef.name} not found` };
    // Rules limited to resourceNames read only named Secrets; they are not "Secret read" in general.
    const verbs = SECRET_READ_VERBS.filter((v) => (role.rules ?? []).some((r) => (r.resourceNames ?? []).length === 0 && grants(r, v, '', 'secrets')));
    if (verbs.length === 0) return { problems: [], passMessage: `${role.kind} ${role.name} does not read Secrets` };
    const ns = binding.namespace ?? input.namespace.name;
    const allow = input.config.secretReadAllowlist ?? [];
    return {
      problems: (binding.subjects ?? [])
        .filter((s) => !allow.some((pattern) => globMatch(pattern, subjectName(s, ns))))
        .map((s) => `${describeSubject(s, ns)}: remove ${verbs.join(', ')} on secrets (${role.kind} ${role.name}) or add ${clipName(subjectName(s, ns))} to secretReadAllowlist`),
      passMessage: 'every subject reading Secrets is on the allowlist',
    };
  },
);

const POD_ACCESS = ['pods/exec', 'pods/attach', 'pods/portforward'];

export const execAttachCheck: NamespaceCheck = perRole(
  {
    id: 'RB-004',
    title: 'exec/attach/port-forward',
    severity: 'high',
    category: 'RBAC',
    seedItem: RBAC_SEED,
    equivalents: ['P:rolePodExecAttach', 'KSV-0053', 'KSV-0054', 'C-0002'],
    fix: 'Report',
  },
  (role) => ({
    problems: ruleProblems(role, (rule) => {
      const found = POD_ACCESS.filter((r) => grantsAny(rule, '', r));
      return found.length === 0 ? undefined : `remove access to ${found.join(', ')}`;
    }),
    passMessage: 'no access to pods/exec, pods/attach or pods/portforward',
  }),
);

/** Grants that let a subject gain more than it was given. */
const ESCALATIONS: readonly { verbs: readonly string[]; group: string; resources: readonly string[]; what: string }[] = [
  { verbs: ['bind', 'escalate'], group: 'rbac.authorization.k8s.io', resources: ['roles', 'clusterroles'], what: 'bind/escalate on roles' },
  { verbs: ['impersonate'], group: '', resources: ['users', 'groups', 'serviceaccounts'], what: 'impersonate' },
  { verbs: ['impersonate'], group: 'authentication.k8s.io', resources: ['userextras', 'uids'], what: 'impersonate' },
  { verbs: ['create'], group: 'rbac.authorization.k8s.io', resources: ['rolebindings', 'clusterrolebindings'], what: 'create on role bindings' },
  { verbs: ['create'], group: '', resources: ['serviceaccounts/token'], what: 'create serviceaccounts/token' },
  { verbs: ['get', 'create'], group: '', resources: ['nodes/proxy'], what: 'nodes/proxy' },
  {
    verbs: ['create', 'update', 'patch'],
    group: 'admissionregistration.k8s.io',
    resources: ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations'],
    what: 'write webhook configurations',
  },
];

export const escalationCheck: NamespaceCheck = perRole(
  {
    id: 'RB-005',
    title: 'Escalation paths',
    severity: 'high',
    category: 'RBAC',
    seedItem: RBAC_SEED,
    equivalents: ['C-0191', 'C-0188', 'CIS 5.1.4', 'CIS 5.1.8', 'CIS 5.1.9', 'CIS 5.1.10', 'CIS 5.1.11', 'CIS 5.1.12', 'CIS 5.1.13', 'KSV-0043', 'KSV-0047', 'KSV-0048'],
    fix: 'Report',
  },
  (role) => ({
    problems: ruleProblems(role, (rule) => {
      const found = new Set<string>();
      // The verbs themselves, on anything.
      for (const verb of ['bind', 'escalate', 'impersonate']) if (rule.verbs.includes(verb)) found.add(verb);
      for (const e of ESCALATIONS) {
        if (e.verbs.some((v) => e.resources.some((r) => grants(rule, v, e.group, r)))) found.add(e.what);
      }
      return found.size === 0 ? undefined : `remove ${[...found].join(', ')}`;
    }),
    passMessage: 'no bind, escalate, impersonate, binding creation, token creation, nodes/proxy or webhook access',
  }),
);

const DANGEROUS_SUBJECTS = new Set(['system:anonymous', 'system:unauthenticated', 'system:authenticated', 'system:masters']);

export const dangerousSubjectCheck: NamespaceCheck = perBinding(
  {
    id: 'RB-006',
    title: 'Dangerous subjects',
    severity: 'critical',
    category: 'RBAC',
    seedItem: 'Authentication: every request is authenticated',
    equivalents: ['C-0262', 'CIS 5.1.7'],
    fix: 'Report',
  },
  (binding) => ({
    problems: (binding.subjects ?? [])
      .filter((s) => (s.kind === 'User' || s.kind === 'Group') && DANGEROUS_SUBJECTS.has(s.name))
      .map((s) => `${s.kind} ${s.name}: remove this subject (it stands for ${s.name === 'system:masters' ? 'unrestricted administrators' : 'every or any caller'})`),
    passMessage: 'no anonymous, unauthenticated, all-authenticated or system:masters subject',
  }),
);

export const groupBasedCheck: NamespaceCheck = perBinding(
  {
    id: 'RB-007',
    title: 'Group-based access',
    severity: 'medium',
    category: 'RBAC',
    seedItem: 'Use third-party authentication (OIDC) with groups',
    equivalents: [],
    fix: 'Report',
  },
  (binding, input) => {
    const ns = binding.namespace ?? input.namespace.name;
    const prefix = input.config.oidcGroupPrefix;
    const problems = (binding.subjects ?? []).flatMap((s) => {
      if (s.kind === 'User') return [`User ${s.name}: bind a Group from the identity provider instead of a User`];
      if (s.kind === 'Group' && prefix !== undefined && prefix !== '' && !s.name.startsWith(prefix)) return [`Group ${s.name}: bind a Group with the OIDC prefix ${prefix}`];
      if (s.kind === 'ServiceAccount' && (s.namespace ?? ns) !== ns) return [`ServiceAccount ${s.namespace ?? ''}/${s.name}: bind a ServiceAccount of namespace ${ns} only`];
      return [];
    });
    return { problems, passMessage: 'subjects are identity-provider groups or local ServiceAccounts' };
  },
);

export const rbacChecks: readonly NamespaceCheck[] = [wildcardCheck, clusterAdminCheck, secretReadCheck, execAttachCheck, escalationCheck, dangerousSubjectCheck, groupBasedCheck];
