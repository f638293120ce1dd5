/** RBAC rule matching with the API server's semantics (rbac/v1 helpers). */
import type { AuditInput, PolicyRule, Role, RoleBinding, Subject } from './types.js';

function has(list: readonly string[] | undefined, value: string): boolean {
  return (list ?? []).some((v) => v === '*' || v === value);
}

/**
 * Whether a rule names a resource: `*`, the exact `resource[/subresource]`, or `*\/subresource`
 * (as ResourceMatches; `pods/*` does not match subresources).
 */
export function resourceMatches(rule: PolicyRule, resource: string): boolean {
  const slash = resource.indexOf('/');
  const sub = slash === -1 ? '' : resource.slice(slash + 1);
  return (rule.resources ?? []).some((r) => r === '*' || r === resource || (sub !== '' && r === `*/${sub}`));
}

/** Whether a rule grants `verb` on `group`/`resource` (for any resource name). */
export function grants(rule: PolicyRule, verb: string, group: string, resource: string): boolean {
  return has(rule.verbs, verb) && has(rule.apiGroups, group) && resourceMatches(rule, resource);
}

/** Whether a rule grants any verb on `group`/`resource`. */
export function grantsAny(rule: PolicyRule, group: string, resource: string): boolean {
  return rule.verbs.length > 0 && has(rule.apiGroups, group) && resourceMatches(rule, resource);
}

/** The Role or ClusterRole a binding refers to, among the audited ones. */
export function roleOf(binding: RoleBinding, input: Pick<AuditInput, 'roles' | 'clusterRoles'>): Role | undefined {
  if (binding.roleRef.kind === 'ClusterRole') return input.clusterRoles.find((r) => r.name === binding.roleRef.name);
  return input.roles.find((r) => r.name === binding.roleRef.name);
}

/** A rule that grants everything: verbs, resources and apiGroups all `*`. */
export function isWildcardRule(rule: PolicyRule): boolean {
  return (rule.verbs.includes('*') && rule.resources?.includes('*') && rule.apiGroups?.includes('*')) === true;
}

/** How a subject is named in messages and allowlists: ServiceAccounts by their user name. */
export function subjectName(subject: Subject, bindingNamespace: string): string {
  if (subject.kind === 'ServiceAccount') return `system:serviceaccount:${subject.namespace ?? bindingNamespace}:${subject.name}`;
  return subject.name;
}

/** Subject names are tenant-chosen and unbounded (a User name can be 150,000 characters): messages show a bounded head. */
export function clipName(name: string, max = 128): string {
  return name.length <= max ? name : `${name.slice(0, max)}... (${name.length} characters)`;
}

export function describeSubject(subject: Subject, bindingNamespace: string): string {
  if (subject.kind === 'ServiceAccount') return `ServiceAccount ${clipName(subject.namespace ?? bindingNamespace)}/${clipName(subject.name)}`;
  return `${subject.kind} ${clipName(subject.name)}`;
}
