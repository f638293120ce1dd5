// Reads the RBAC rules the operator is granted and the API server audit log of what it did, as
// comparable permission keys: "group/resource/verb", with "/name" when a rule names objects.

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
}

export interface AuditEvent {
  stage?: string;
  verb?: string;
  user?: { username?: string };
  objectRef?: { apiGroup?: string; resource?: string; subresource?: string; name?: string; namespace?: string };
  responseStatus?: { code?: number };
  requestURI?: string;
}

export function grantedPermissions(rules: readonly PolicyRule[]): Set<string> {
  const out = new Set<string>();
  for (const rule of rules) {
    for (const group of rule.apiGroups ?? ['']) {
      for (const resource of rule.resources ?? []) {
        for (const verb of rule.verbs) {
          if (rule.resourceNames === undefined || rule.resourceNames.length === 0) out.add(`${group}/${resource}/${verb}`);
          else for (const name of rule.resourceNames) out.add(`${group}/${resource}/${verb}/${name}`);
        }
      }
    }
  }
  return out;
}

export function parseAuditLog(text: string): AuditEvent[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as AuditEvent);
}

/**
 * Permissions an audited request exercised. A server-side apply that created its object (201) was
 * authorized as patch and as create, so it counts for both.
 */
export function usedPermissions(events: readonly AuditEvent[], username: string): { used: Set<string>; denied: AuditEvent[] } {
  const used = new Set<string>();
  const denied: AuditEvent[] = [];
  for (const e of events) {
    if (e.user?.username !== username || e.objectRef?.resource === undefined || e.verb === undefined) continue;
    if (e.responseStatus?.code === 403) {
      denied.push(e);
      continue;
    }
    const resource = e.objectRef.subresource === undefined ? e.objectRef.resource : `${e.objectRef.resource}/${e.objectRef.subresource}`;
    const key = `${e.objectRef.apiGroup ?? ''}/${resource}`;
    used.add(`${key}/${e.verb}`);
    if (e.verb === 'patch' && e.responseStatus?.code === 201) used.add(`${key}/create`);
  }
  return { used, denied };
}
