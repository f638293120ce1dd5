import { BASELINE_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../api/names.js';
import type { AdmissionObject } from '../render/admission/policy.js';

/**
 * What the guard controller writes for one baseline: apply each rendered policy and binding that
 * is missing or differs, delete ours it no longer renders. Pure.
 */

export interface ExistingAdmissionObject {
  kind: string;
  metadata: { name?: string; labels?: Record<string, string>; ownerReferences?: unknown[] };
  spec?: unknown;
}

export type GuardAction = { type: 'apply'; object: AdmissionObject } | { type: 'delete'; kind: AdmissionObject['kind']; name: string };

/** True when every field we set has our value; fields the API server defaults (matchPolicy, scope, ...) are not ours to compare. */
export function contains(actual: unknown, wanted: unknown): boolean {
  if (Array.isArray(wanted)) {
    return Array.isArray(actual) && actual.length === wanted.length && wanted.every((w, i) => contains(actual[i], w));
  }
  if (wanted !== null && typeof wanted === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
    const a = actual as Record<string, unknown>;
    return Object.entries(wanted as Record<string, unknown>).every(([k, v]) => contains(a[k], v));
  }
  return actual === wanted;
}

export function isOurs(o: ExistingAdmissionObject, baseline: string): boolean {
  return o.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE && o.metadata.labels[BASELINE_LABEL] === baseline;
}

function inSync(existing: ExistingAdmissionObject, want: AdmissionObject): boolean {
  return contains(existing.metadata.labels ?? {}, want.metadata.labels) && contains(existing.metadata.ownerReferences ?? [], want.metadata.ownerReferences ?? []) && contains(existing.spec, want.spec);
}

/**
 * Policies before their bindings when applying (a binding to a missing policy matches nothing, but
 * says so in its status), bindings before their policies when deleting.
 */
export function planGuard(baseline: string, desired: readonly AdmissionObject[], existing: readonly ExistingAdmissionObject[]): GuardAction[] {
  const key = (kind: string, name: string): string => `${kind}/${name}`;
  const have = new Map(existing.filter((e) => e.metadata.name !== undefined).map((e) => [key(e.kind, e.metadata.name ?? ''), e]));
  const wanted = new Set(desired.map((d) => key(d.kind, d.metadata.name)));
  const actions: GuardAction[] = [];
  const byKind = (kind: AdmissionObject['kind']): AdmissionObject[] => desired.filter((d) => d.kind === kind);
  for (const d of [...byKind('ValidatingAdmissionPolicy'), ...byKind('ValidatingAdmissionPolicyBinding')]) {
    const current = have.get(key(d.kind, d.metadata.name));
    if (current === undefined || !inSync(current, d)) actions.push({ type: 'apply', object: d });
  }
  for (const kind of ['ValidatingAdmissionPolicyBinding', 'ValidatingAdmissionPolicy'] as const) {
    for (const e of existing) {
      const name = e.metadata.name;
      if (e.kind !== kind || name === undefined || !isOurs(e, baseline) || wanted.has(key(kind, name))) continue;
      actions.push({ type: 'delete', kind, name });
    }
  }
  return actions;
}
