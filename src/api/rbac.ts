import { z } from 'zod';
import { matching } from './cel.js';

/** The parts of the spec that become Roles and RoleBindings, with the least-privilege rules enforced at admission. */

const FORBIDDEN_VERBS = ['*', 'escalate', 'bind', 'impersonate'] as const;
const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_LABEL_MESSAGE = 'must be a DNS label: lowercase letters, digits and -, beginning and ending with a letter or digit';
const nameItem = z.string().min(1).max(253);

export const policyRuleSchema = z
  .object({
    apiGroups: z
      .array(z.string().max(253))
      .min(1)
      .max(32)
      .describe('API groups; "" is the core group. "*" is not allowed.')
      .meta({ 'x-kubernetes-validations': [{ rule: "self.all(g, g != '*')", message: 'wildcard apiGroups are not allowed' }] }),
    resources: z
      .array(nameItem)
      .min(1)
      .max(32)
      .describe('Resources, e.g. pods or pods/log. "*" and "x/*" are not allowed.')
      .meta({
        'x-kubernetes-validations': [{ rule: "self.all(r, r != '*' && !r.endsWith('/*'))", message: 'wildcard resources are not allowed' }],
      }),
    verbs: z
      .array(z.string().min(1).max(63))
      .min(1)
      .max(16)
      .describe('Verbs, e.g. get, list, watch. "*", escalate, bind and impersonate are not allowed.')
      .meta({
        'x-kubernetes-validations': [
          { rule: "self.all(v, !(v in ['*', 'escalate', 'bind', 'impersonate']))", message: 'verbs may not include *, escalate, bind or impersonate' },
        ],
      }),
    resourceNames: z.array(nameItem).max(64).optional().describe('Optional: restricts the rule to these object names.'),
  })
  .strict()
  .superRefine((rule, ctx) => {
    if (rule.apiGroups.includes('*')) ctx.addIssue({ code: 'custom', path: ['apiGroups'], message: 'wildcard apiGroups are not allowed' });
    if (rule.resources.some((r) => r === '*' || r.endsWith('/*'))) {
      ctx.addIssue({ code: 'custom', path: ['resources'], message: 'wildcard resources are not allowed' });
    }
    const bad = rule.verbs.filter((v) => (FORBIDDEN_VERBS as readonly string[]).includes(v));
    if (bad.length > 0) ctx.addIssue({ code: 'custom', path: ['verbs'], message: `verbs may not include ${bad.join(', ')}` });
  });

export const subjectSchema = z
  .object({
    kind: z.enum(['Group', 'User', 'ServiceAccount']).describe('Group (from the identity provider), User or ServiceAccount.'),
    name: z.string().min(1).max(253).describe('The group or user name as the identity provider sends it, or the ServiceAccount name.'),
    namespace: matching(dnsLabel, DNS_LABEL_MESSAGE, 63).min(1).optional().describe('Required for ServiceAccount subjects.'),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.kind === 'ServiceAccount' && s.namespace === undefined) {
      ctx.addIssue({ code: 'custom', path: ['namespace'], message: 'a ServiceAccount subject needs a namespace' });
    }
    if (s.kind !== 'ServiceAccount' && s.namespace !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['namespace'], message: `a ${s.kind} subject has no namespace` });
    }
  })
  .meta({
    'x-kubernetes-validations': [
      { rule: "self.kind == 'ServiceAccount' ? has(self.__namespace__) : !has(self.__namespace__)", message: 'namespace is required for ServiceAccount subjects and not allowed for others', fieldPath: '.namespace' },
    ],
  });

export const roleSpecSchema = z
  .object({
    name: matching(dnsLabel, DNS_LABEL_MESSAGE, 55)
      .min(1)
      .describe('The Role and RoleBinding are named posture-<name>.'),
    rules: z.array(policyRuleSchema).min(1).max(32).describe('What the Role grants. The operator can only grant what its own ClusterRole holds.'),
    subjects: z.array(subjectSchema).min(1).max(32).describe('Who the RoleBinding binds the Role to.'),
  })
  .strict();

export const clusterRoleBindingSpecSchema = z
  .object({
    clusterRole: matching(/^[a-z0-9]([-a-z0-9.:]*[a-z0-9])?$/, 'must be a ClusterRole name such as view or edit: lowercase letters, digits, -, . and :', 55)
      .min(1)
      .describe('An existing ClusterRole the operator may bind (its ClusterRole grants bind on it by name). Bound by a RoleBinding posture-<clusterRole>.'),
    subjects: z.array(subjectSchema).min(1).max(32).describe('Who the RoleBinding binds the ClusterRole to, in each namespace.'),
  })
  .strict();

export const rbacSpecSchema = z
  .object({
    roles: z
      .array(roleSpecSchema)
      .max(32)
      .default([])
      .describe('Roles written into every selected namespace, each bound to its subjects.')
      .meta({
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
      }),
    bindClusterRoles: z
      .array(clusterRoleBindingSpecSchema)
      .max(16)
      .default([])
      .describe('RoleBindings to existing ClusterRoles in every selected namespace.')
      .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['clusterRole'] }),
  })
  .strict()
  .superRefine((rbac, ctx) => {
    const names = rbac.roles.map((r) => `posture-${r.name}`);
    rbac.bindClusterRoles.forEach((b, i) => {
      if (names.includes(`posture-${b.clusterRole}`)) {
        ctx.addIssue({ code: 'custom', path: ['bindClusterRoles', i, 'clusterRole'], message: `posture-${b.clusterRole} is also the name of a role's binding` });
      }
    });
  });

export type RbacSpec = z.output<typeof rbacSpecSchema>;
export type SubjectSpec = z.output<typeof subjectSchema>;
