import { API_VERSION, FIELD_MANAGER, KIND, POD_SECURITY_ANNOTATION, PROTECTED_LABEL, REVISION_LABEL } from '../api/names.js';
import { deepEqual } from '../runtime/equality.js';
import type { DesiredNamespaceLabels } from '../render/namespace.js';
import { normalizeContent, ownedContentHash } from '../kube/resources.js';
import type { DesiredObject } from '../render/objects.js';

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  time?: Date | string;
}

/** What a reconcile knows of a managed object that exists, read from the informer cache. */
export interface ExistingObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { apiVersion?: string; kind?: string; uid: string; controller?: boolean }[];
    managedFields?: ManagedFieldsEntry[];
  };
  /** The top-level fields besides metadata that the operator renders for this kind ({} when read from a managed cache). */
  content: Record<string, unknown>;
  /** The digest of that content (ownedContentHash), as the managed caches keep it instead of the content. */
  contentHash?: string;
}

/** The Namespace fields the operator may own: its Pod Security labels and the marker annotation. */
export interface ExistingNamespace {
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export type Action =
  | { type: 'labels'; namespace: string; desired: DesiredNamespaceLabels }
  | { type: 'create'; object: DesiredObject }
  | { type: 'update'; object: DesiredObject; existing: ExistingObject }
  | { type: 'delete'; apiVersion: string; kind: string; namespace: string; name: string; existing: ExistingObject };

function key(kind: string, name: string): string {
  return `${kind}/${name}`;
}

/**
 * True when the object is exactly what we render: our labels and no others, no annotations, our
 * owner, and no change by anyone. A name a tenant took first is adopted, and whatever they put on
 * it (a `posture.dev/exempt: "*"`, a label another tool acts on) must not come with it.
 */
export function isInSync(existing: Pick<ExistingObject, 'metadata' | 'content' | 'kind' | 'contentHash'>, want: DesiredObject): boolean {
  const labels = existing.metadata.labels ?? {};
  const labelsOk = Object.keys(labels).length === Object.keys(want.metadata.labels).length && Object.entries(want.metadata.labels).every(([k, v]) => labels[k] === v);
  if (Object.keys(existing.metadata.annotations ?? {}).length > 0) return false;
  const owners = existing.metadata.ownerReferences ?? [];
  const ownerOk = want.metadata.ownerReferences.every((w) => owners.some((o) => o.uid === w.uid && o.controller === true));
  if (!labelsOk || !ownerOk) return false;
  if (existing.contentHash !== undefined) return existing.contentHash === ownedContentHash(want.kind, want.content);
  return deepEqual(normalizeContent(want.kind, pick(existing.content, want.content)), normalizeContent(want.kind, want.content));
}

function pick(content: Record<string, unknown>, like: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(like).map((k) => [k, content[k]]));
}

/** The baseline an object belongs to by its controller ownerReference, if any. */
export function ownerUid(existing: ExistingObject): string | undefined {
  return existing.metadata.ownerReferences?.find((o) => o.controller === true && o.kind === KIND && o.apiVersion === API_VERSION)?.uid;
}

export function namespaceInSync(existing: ExistingNamespace, want: DesiredNamespaceLabels): boolean {
  const marker = existing.annotations[POD_SECURITY_ANNOTATION];
  const wantMarker = want.annotations[POD_SECURITY_ANNOTATION];
  if (marker !== wantMarker) return false;
  if (existing.annotations[REVISION_LABEL] !== want.annotations[REVISION_LABEL]) return false;
  if (!Object.entries(want.labels).every(([k, v]) => existing.labels[k] === v)) return false;
  // Labels we owned but no longer want must go: any pod-security label left while the marker says
  // we own none, or a mode we set before and not now.
  if (wantMarker === undefined) return true;
  return Object.keys(existing.labels).every((k) => !k.startsWith('pod-security.kubernetes.io/') || k in want.labels);
}

export interface PlanInput {
  namespace: string;
  desired: readonly DesiredObject[];
  desiredLabels: DesiredNamespaceLabels;
  existing: readonly ExistingObject[];
  existingNamespace: ExistingNamespace;
  /**
   * Baselines (by uid) whose objects must be left as they are: an invalid spec (a typo never removes
   * protection) or a deletion with deletionPolicy Orphan in progress.
   */
  frozenOwners: ReadonlySet<string>;
  /** Baseline names whose Pod Security labels must be left as they are, for the same reasons. */
  frozenLabelOwners: ReadonlySet<string>;
}

/** Decides the writes that bring one namespace to the desired state. Pure. */
export function planNamespace(input: PlanInput): Action[] {
  const { namespace, desired, desiredLabels, existing, existingNamespace, frozenOwners, frozenLabelOwners } = input;
  const existingByKey = new Map(existing.map((e) => [key(e.kind, e.metadata.name), e]));
  const desiredKeys = new Set(desired.map((d) => key(d.kind, d.metadata.name)));
  const actions: Action[] = [];

  const labelOwner = existingNamespace.annotations[POD_SECURITY_ANNOTATION];
  const labelsFrozen = labelOwner !== undefined && frozenLabelOwners.has(labelOwner) && desiredLabels.annotations[POD_SECURITY_ANNOTATION] === undefined;
  const labels: Action[] = !labelsFrozen && !namespaceInSync(existingNamespace, desiredLabels) ? [{ type: 'labels', namespace, desired: desiredLabels }] : [];
  // Pod Security labels go first, so pods meet them as early as possible; with the protected mark
  // (spec.guard.podsBeforeProtection) they go after the objects: the mark says they are in place.
  const labelsLast = PROTECTED_LABEL in desiredLabels.labels;
  if (!labelsLast) actions.push(...labels);

  for (const object of desired) {
    const current = existingByKey.get(key(object.kind, object.metadata.name));
    if (current === undefined) actions.push({ type: 'create', object });
    else if (!isInSync(current, object)) actions.push({ type: 'update', object, existing: current });
  }
  if (labelsLast) actions.push(...labels);
  // Deletes run in reverse render order: a RoleBinding goes before its Role.
  for (const e of [...existing].reverse()) {
    if (desiredKeys.has(key(e.kind, e.metadata.name))) continue;
    const owner = ownerUid(e);
    if (owner !== undefined && frozenOwners.has(owner)) continue;
    actions.push({ type: 'delete', apiVersion: e.apiVersion, kind: e.kind, namespace: e.metadata.namespace, name: e.metadata.name, existing: e });
  }
  return actions;
}

/**
 * Who last changed an object, other than the operator: the most recent managedFields entry of another
 * field manager. Kubernetes records the field manager (kubectl-edit, kubectl, a controller's name),
 * not the user; the API keeps no record of who deleted an object.
 */
export function lastOtherManager(existing: ExistingObject | undefined): string | undefined {
  const entries = (existing?.metadata.managedFields ?? []).filter((e) => e.manager !== undefined && e.manager !== FIELD_MANAGER);
  const time = (e: ManagedFieldsEntry): number => (e.time === undefined ? 0 : new Date(e.time).getTime());
  return entries.sort((a, b) => time(b) - time(a))[0]?.manager;
}
