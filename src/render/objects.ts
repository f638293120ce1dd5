import { API_VERSION, BASELINE_LABEL, KIND, MANAGED_BY_LABEL, MANAGED_BY_VALUE, REVISION_LABEL } from '../api/names.js';
import { revisionOf } from './revision.js';
import type { ValidBaseline } from './selection.js';

/**
 * A namespaced object as the operator renders it: plain data. `content` holds the top-level fields
 * besides metadata (spec for most kinds, rules for a Role, roleRef and subjects for a RoleBinding).
 */
export interface DesiredObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    ownerReferences: OwnerReference[];
  };
  content: Record<string, unknown>;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller: boolean;
  blockOwnerDeletion: boolean;
}

/** The object as sent with server-side apply. */
export function toManifest(object: DesiredObject): Record<string, unknown> & { apiVersion: string; kind: string; metadata: DesiredObject['metadata'] } {
  return { apiVersion: object.apiVersion, kind: object.kind, metadata: object.metadata, ...object.content };
}

export function managedLabels(baselineName: string): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [BASELINE_LABEL]: baselineName };
}

/**
 * The owner is cluster-scoped, so a namespaced child may point at it, and the garbage collector
 * deletes the child with it. blockOwnerDeletion stays false: setting it needs update on the
 * baseline's finalizers, a permission the operator does not otherwise need.
 */
export function ownerReference(baseline: ValidBaseline): OwnerReference {
  return { apiVersion: API_VERSION, kind: KIND, name: baseline.name, uid: baseline.uid, controller: true, blockOwnerDeletion: false };
}

export function desired(
  baseline: ValidBaseline,
  namespace: string,
  type: { apiVersion: string; kind: string },
  name: string,
  content: Record<string, unknown>,
): DesiredObject {
  return {
    apiVersion: type.apiVersion,
    kind: type.kind,
    metadata: { name, namespace, labels: { ...managedLabels(baseline.name), [REVISION_LABEL]: revisionOf(baseline.spec) }, ownerReferences: [ownerReference(baseline)] },
    content,
  };
}
