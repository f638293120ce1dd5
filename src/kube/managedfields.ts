/**
 * Who changed what, as far as the API can tell: the field manager (managedFields) that owns a field.
 * A field manager is a name the client chooses (kubectl-edit, kubectl-label, argocd-controller), not
 * an identity, so it is always shown as `fieldManager="<name>"`, never as if it were a person.
 */

import { FIELD_MANAGER } from '../api/names.js';

export const UNKNOWN_MANAGER = 'unknown';
const LABEL_PREFIX = 'pod-security.kubernetes.io/';

export interface FieldsEntry {
  manager?: string;
  operation?: string;
  time?: string;
  fieldsV1?: unknown;
}

/** How a field manager is shown in status, events and logs. */
export function fieldManager(name: string | undefined): string {
  return name === undefined || name === '' || name === UNKNOWN_MANAGER ? UNKNOWN_MANAGER : `fieldManager="${name.slice(0, 100)}"`;
}

function labelsOf(entry: FieldsEntry): string[] {
  const fields = entry.fieldsV1;
  if (fields === null || typeof fields !== 'object') return [];
  const metadata = (fields as Record<string, unknown>)['f:metadata'];
  if (metadata === null || typeof metadata !== 'object') return [];
  const labels = (metadata as Record<string, unknown>)['f:labels'];
  if (labels === null || typeof labels !== 'object') return [];
  return Object.keys(labels)
    .filter((k) => k.startsWith('f:'))
    .map((k) => k.slice(2));
}

/**
 * What the cache keeps of a Namespace's managedFields: only the entries that own Pod Security
 * labels, and of their fields only those labels. Bounded by the number of managers, whatever else
 * tenants or tools put on the namespace.
 */
export function podSecurityLabelOwners(entries: readonly FieldsEntry[] | undefined): FieldsEntry[] {
  const out: FieldsEntry[] = [];
  for (const e of entries ?? []) {
    const owned = labelsOf(e).filter((l) => l.startsWith(LABEL_PREFIX));
    if (owned.length === 0) continue;
    const entry: FieldsEntry = { fieldsV1: { 'f:metadata': { 'f:labels': Object.fromEntries(owned.map((l) => [`f:${l}`, {}])) } } };
    if (e.manager !== undefined) entry.manager = e.manager;
    if (e.operation !== undefined) entry.operation = e.operation;
    if (e.time !== undefined) entry.time = e.time;
    out.push(entry);
  }
  return out;
}

/**
 * The field manager that last changed one of these labels, other than the operator: the newest
 * entry of another manager that owns one of them. undefined when none does (the label was removed,
 * which managedFields cannot show).
 */
export function labelChangedBy(entries: readonly FieldsEntry[] | undefined, labels: readonly string[]): string | undefined {
  const wanted = new Set(labels);
  const time = (e: FieldsEntry): number => (e.time === undefined ? 0 : Date.parse(e.time));
  const owners = (entries ?? []).filter((e) => e.manager !== undefined && e.manager !== FIELD_MANAGER && labelsOf(e).some((l) => wanted.has(l)));
  return owners.sort((a, b) => time(b) - time(a))[0]?.manager;
}
