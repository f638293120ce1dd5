import type { InformerEvent } from './source.js';
import { isNewer } from './resourceversion.js';

export interface MergeResult<T> {
  /** The namespace's objects after the merge. */
  objects: Map<string, T>;
  /** What changed, in order, for the cache's handlers. */
  events: [InformerEvent, T][];
}

/**
 * One namespace's objects after a list of that namespace alone, taken while the cluster-wide watch
 * went on: watch events of the namespace were applied to `current` meanwhile, and its deletions
 * kept in `deleted` (name -> resourceVersion of the deletion). The newer state of each object wins:
 * a listed object older than the one the watch brought is not taken, nor one the watch deleted
 * since; an object the list does not have is dropped unless the watch brought it after the list's
 * resourceVersion. What the watch delivers later, in order, is applied as usual.
 */
export function mergeNamespaceList<T>(
  current: ReadonlyMap<string, T>,
  listed: ReadonlyMap<string, T>,
  listResourceVersion: string,
  deleted: ReadonlyMap<string, string>,
  resourceVersionOf: (o: T) => string | undefined,
): MergeResult<T> {
  const objects = new Map<string, T>();
  const events: [InformerEvent, T][] = [];
  for (const [name, o] of listed) {
    const had = current.get(name);
    const rv = resourceVersionOf(o);
    if (had !== undefined && isNewer(resourceVersionOf(had), rv)) {
      objects.set(name, had);
      continue;
    }
    if (had === undefined && isNewer(deleted.get(name), rv)) continue;
    objects.set(name, o);
    if (had === undefined) events.push(['add', o]);
    else if (resourceVersionOf(had) !== rv) events.push(['update', o]);
  }
  for (const [name, o] of current) {
    if (listed.has(name)) continue;
    if (isNewer(resourceVersionOf(o), listResourceVersion)) objects.set(name, o);
    else events.push(['delete', o]);
  }
  return { objects, events };
}
