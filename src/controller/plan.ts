import { BASELINE_LABEL } from '../api/names.js';
import { deepEqual } from '../render/equality.js';
import type { DesiredObject } from '../render/objects.js';

/** What a reconcile knows of a managed object that exists, read from the informer cache. */
export interface ExistingObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    labels?: Record<string, string>;
    ownerReferences?: { uid: string; controller?: boolean }[];
  };
  spec?: unknown;
}

export type Action =
  | { type: 'create'; object: DesiredObject }
  | { type: 'update'; object: DesiredObject; existing: ExistingObject }
  | { type: 'delete'; apiVersion: string; kind: string; namespace: string; name: string };

function key(kind: string, name: string): string {
  return `${kind}/${name}`;
}

/** True when the object is exactly what we render: our labels, our owner, and no spec change by anyone. */
export function isInSync(existing: ExistingObject, desired: DesiredObject): boolean {
  const labels = existing.metadata.labels ?? {};
  const labelsOk = Object.entries(desired.metadata.labels).every(([k, v]) => labels[k] === v);
  const owners = existing.metadata.ownerReferences ?? [];
  const ownerOk = desired.metadata.ownerReferences.every((want) => owners.some((o) => o.uid === want.uid && o.controller === true));
  return labelsOk && ownerOk && deepEqual(existing.spec, desired.spec);
}

/**
 * Decides the writes that bring one namespace to the desired objects. `existing` holds the objects in
 * the namespace that carry our managed-by label. Objects of a baseline listed in `frozenBaselines`
 * (present but with an invalid spec) are neither updated nor pruned, so a typo never removes protection.
 */
export function planNamespace(
  desired: readonly DesiredObject[],
  existing: readonly ExistingObject[],
  frozenBaselines: ReadonlySet<string> = new Set(),
): Action[] {
  const existingByKey = new Map(existing.map((e) => [key(e.kind, e.metadata.name), e]));
  const desiredKeys = new Set(desired.map((d) => key(d.kind, d.metadata.name)));
  const actions: Action[] = [];
  for (const object of desired) {
    const current = existingByKey.get(key(object.kind, object.metadata.name));
    if (current === undefined) actions.push({ type: 'create', object });
    else if (!isInSync(current, object)) actions.push({ type: 'update', object, existing: current });
  }
  for (const e of existing) {
    if (desiredKeys.has(key(e.kind, e.metadata.name))) continue;
    const owner = e.metadata.labels?.[BASELINE_LABEL];
    if (owner !== undefined && frozenBaselines.has(owner)) continue;
    actions.push({ type: 'delete', apiVersion: e.apiVersion, kind: e.kind, namespace: e.metadata.namespace, name: e.metadata.name });
  }
  return actions;
}
