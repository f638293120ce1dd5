import { FIELD_MANAGER } from '../api/names.js';
import type { ApiClient } from './client.js';
import { isNotFound } from './errors.js';
import { objectPath, resourceTypeOf, type ResourceType } from './resources.js';

/** A typed object with the metadata every write needs. */
export interface NamedObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string; finalizers?: string[]; labels?: Record<string, string> };
}

/** An object as the API server returns it, with its resourceVersion. */
export type Stored<T extends NamedObject> = T & { metadata: { resourceVersion?: string } };

/**
 * Server-side apply, as field manager posture-operator unless another is named (to hand fields over
 * before the operator lets go of them). force takes fields back from another manager
 * that changed them: the operator is the declared owner of every object it applies.
 */
export async function apply<T extends NamedObject>(client: ApiClient, object: T, fieldManager = FIELD_MANAGER): Promise<Stored<T>> {
  const type = resourceTypeOf(object.apiVersion, object.kind);
  return client.request<Stored<T>>({
    verb: 'patch',
    resource: type.plural,
    method: 'PATCH',
    path: objectPath(type, object.metadata.name, object.metadata.namespace),
    query: { fieldManager, force: 'true' },
    body: object,
    contentType: 'application/apply-patch+yaml',
  });
}

/**
 * Replaces an object whole, guarded by resourceVersion. Server-side apply cannot remove a field
 * another manager added (an extra allow rule in a deny policy, say), so drift of that kind is undone here.
 */
export async function replace<T extends NamedObject>(client: ApiClient, object: T): Promise<T> {
  const type = resourceTypeOf(object.apiVersion, object.kind);
  return client.request<T>({
    verb: 'update',
    resource: type.plural,
    method: 'PUT',
    path: objectPath(type, object.metadata.name, object.metadata.namespace),
    query: { fieldManager: FIELD_MANAGER },
    body: object,
  });
}

/** Deletes an object; one already gone counts as deleted. */
export async function remove(client: ApiClient, type: ResourceType, name: string, namespace?: string): Promise<void> {
  try {
    await client.request({
      verb: 'delete',
      resource: type.plural,
      method: 'DELETE',
      path: objectPath(type, name, namespace),
      body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' },
    });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/** A JSON merge patch of the status subresource: only status changes, and spec edits never conflict with it. */
export async function patchStatus(client: ApiClient, type: ResourceType, name: string, status: unknown): Promise<void> {
  await client.request({
    verb: 'patch',
    resource: `${type.plural}/status`,
    method: 'PATCH',
    path: `${objectPath(type, name)}/status`,
    query: { fieldManager: FIELD_MANAGER },
    body: { status },
    contentType: 'application/merge-patch+json',
  });
}

/** A JSON merge patch of an object (null removes a field), sent as posture-operator. */
export async function mergePatch(client: ApiClient, type: ResourceType, name: string, namespace: string | undefined, patch: unknown): Promise<void> {
  await client.request({
    verb: 'patch',
    resource: type.plural,
    method: 'PATCH',
    path: objectPath(type, name, namespace),
    query: { fieldManager: FIELD_MANAGER },
    body: patch,
    contentType: 'application/merge-patch+json',
  });
}
