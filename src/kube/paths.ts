// Where a resource lives in the API: plain data and URL paths, nothing from the kind registry, so
// that src/runtime can use it without reaching render/, api/ or audit/ (test/unit/runtime/imports.test.ts).

/** Where each kind the operator reads or writes lives in the API. */
export interface ResourceType {
  apiVersion: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  /** Only these are watched (a label selector), when the kind is shared with others. */
  labelSelector?: string;
}

export function collectionPath(type: ResourceType, namespace?: string): string {
  const base = type.apiVersion.includes('/') ? `/apis/${type.apiVersion}` : `/api/${type.apiVersion}`;
  if (!type.namespaced || namespace === undefined) return `${base}/${type.plural}`;
  return `${base}/namespaces/${encodeURIComponent(namespace)}/${type.plural}`;
}

export function objectPath(type: ResourceType, name: string, namespace?: string): string {
  return `${collectionPath(type, namespace)}/${encodeURIComponent(name)}`;
}
