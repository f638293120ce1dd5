import type { KubeRequest, WatchClient } from '../kube/client.js';
import { ListItems } from '../kube/listitems.js';
import type { ResourceType } from '../kube/paths.js';

/** Objects per list page. */
export const LIST_PAGE_SIZE = 500;
/**
 * Kinds whose objects a tenant can make 1 MB each (ConfigMaps): a page of 500 would be half a
 * gigabyte in flight; 5 is 5 MB at most. Their metadata alone can still carry 256 KiB of annotations
 * each (the API server's limit): a metadata-only page of 500 would be 128 MiB, of 25 at most 6 MiB
 * (tenants row 1: 60 ConfigMaps with 200 KB annotations were one 12 MB page, parsed at once).
 */
const LARGE_OBJECT_PAGE_SIZE = 5;
const LARGE_METADATA_PAGE_SIZE = 25;
const LARGE_OBJECT_KINDS = new Set(['configmaps', 'secrets']);

/** The server sends only each object's metadata (client-go's metadata informer). */
export const METADATA_LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';
export const METADATA_WATCH = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';

export interface PagedList {
  client: WatchClient;
  type: ResourceType;
  path: string;
  query: Record<string, string>;
  metadataOnly: boolean;
}

/**
 * Lists a collection page by page (limit/continue), each item handed to take as soon as it has
 * arrived, so neither a namespace full of large objects nor one page of them sits in memory; returns
 * the list's resourceVersion.
 */
export async function listPages(list: PagedList, take: (item: unknown) => void): Promise<string> {
  const large = LARGE_OBJECT_KINDS.has(list.type.plural);
  const limit = !large ? LIST_PAGE_SIZE : list.metadataOnly ? LARGE_METADATA_PAGE_SIZE : LARGE_OBJECT_PAGE_SIZE;
  let next: string | undefined;
  let resourceVersion = '';
  do {
    const query: Record<string, string> = { ...list.query, limit: String(limit) };
    if (next !== undefined) query.continue = next;
    const req: KubeRequest = { verb: 'list', resource: list.type.plural, method: 'GET', path: list.path, query };
    if (list.metadataOnly) req.accept = METADATA_LIST;
    // Each item parsed and handed on as its bytes arrive: a page of large objects is never one string.
    const page = await list.client.requestBody(req, async (body) => {
      const items = new ListItems(list.path, take);
      for await (const chunk of body) items.push(chunk);
      items.end();
      return items.metadata;
    });
    resourceVersion = page.resourceVersion ?? resourceVersion;
    const token = page.continue;
    next = token === undefined || token === '' ? undefined : token;
  } while (next !== undefined);
  return resourceVersion;
}
