import type { Clock } from './clock.js';
import { mergeNamespaceList } from './namespacemerge.js';
import { NamespaceLists } from './namespacelists.js';
import type { NamespaceScope } from './scope.js';
import type { InformerEvent } from './source.js';

interface Keyed {
  metadata?: { name?: string; resourceVersion?: string };
}

export interface ScopeKeeperDeps<T extends Keyed> {
  scope: NamespaceScope;
  clock: Clock;
  /** The informer's store: namespace -> name -> object. */
  store: Map<string, Map<string, T>>;
  emit(event: InformerEvent, o: T): void;
  /** Lists one namespace, projected: its objects by name and the list's resourceVersion. */
  list(namespace: string): Promise<{ objects: Map<string, T>; resourceVersion: string }>;
  /** The informer has started (before that, its first list takes every namespace in scope). */
  started(): boolean;
  failed(namespace: string, err: unknown, retryInMs: number): void;
  onListed?: (namespace: string) => void;
}

/**
 * Keeps a scoped informer's cache to the namespaces in its scope: a namespace leaving it is dropped
 * (a delete event per object); one entering it is listed on its own, while the cluster-wide watch
 * goes on, and merged with what that watch brought meanwhile (mergeNamespaceList). A namespace
 * that enters while a cluster-wide list runs is listed again after it (pages listed before skipped it).
 */
export class ScopeKeeper<T extends Keyed> {
  /** Namespaces whose own list is to come, and their deletions seen meanwhile (name -> resourceVersion). */
  private readonly deletedWhileListing = new Map<string, Map<string, string>>();
  private readonly lists: NamespaceLists;
  private enteredWhileRelisting: Set<string> | undefined;
  private coveredByRelist: string[] = [];
  /** Counts each namespace's entries: a list taken before the last one is not merged. */
  private readonly entries = new Map<string, number>();

  constructor(private readonly deps: ScopeKeeperDeps<T>) {
    this.lists = new NamespaceLists({
      clock: deps.clock,
      list: (ns) => this.listNamespace(ns),
      failed: (ns, err, delay) => {
        deps.failed(ns, err, delay);
      },
    });
    deps.scope.onChange((namespace, inScope) => {
      if (inScope) this.entered(namespace);
      else this.left(namespace);
    });
  }

  /** Objects of this namespace are kept (cluster-scoped objects always are). */
  keeps(namespace: string | undefined): boolean {
    return namespace === undefined || namespace === '' || this.deps.scope.has(namespace);
  }

  /** The cache holds every object of this namespace: in scope and not waiting for its own list. */
  holds(namespace: string): boolean {
    return this.deps.scope.has(namespace) && !this.lists.has(namespace) && this.enteredWhileRelisting?.has(namespace) !== true;
  }

  /** A watch saw an object deleted: kept while its namespace's own list is out, so the list does not bring it back. */
  deleted(namespace: string, name: string, resourceVersion: string | undefined): void {
    if (resourceVersion !== undefined) this.deletedWhileListing.get(namespace)?.set(name, resourceVersion);
  }

  relistStarted(): void {
    this.enteredWhileRelisting = new Set();
    this.coveredByRelist = this.lists.waiting();
  }

  /**
   * A cluster-wide list ended; when it succeeded, the cache holds what it listed. It covered the
   * namespaces waiting for their own list when it started (they were in scope): their lists are not
   * merged, as the watch resumes from the newer list and would never tell of a deletion in between.
   * Namespaces that entered while it ran are listed on their own now.
   */
  relistEnded(succeeded: boolean): void {
    const entered = this.enteredWhileRelisting ?? new Set<string>();
    const covered = succeeded ? this.coveredByRelist : [];
    this.enteredWhileRelisting = undefined;
    this.coveredByRelist = [];
    for (const namespace of covered) {
      if (!this.lists.has(namespace) || entered.has(namespace)) continue;
      this.lists.remove(namespace);
      this.deletedWhileListing.delete(namespace);
      this.deps.onListed?.(namespace);
    }
    for (const namespace of entered) if (this.deps.scope.has(namespace)) this.entered(namespace);
  }

  async stop(): Promise<void> {
    await this.lists.stop();
  }

  private entered(namespace: string): void {
    if (!this.deps.started()) return;
    if (this.enteredWhileRelisting !== undefined) {
      this.enteredWhileRelisting.add(namespace);
      return;
    }
    this.entries.set(namespace, (this.entries.get(namespace) ?? 0) + 1);
    this.deletedWhileListing.set(namespace, new Map());
    this.lists.add(namespace);
  }

  private left(namespace: string): void {
    this.lists.remove(namespace);
    this.deletedWhileListing.delete(namespace);
    this.enteredWhileRelisting?.delete(namespace);
    const objects = this.deps.store.get(namespace);
    this.deps.store.delete(namespace);
    for (const o of objects?.values() ?? []) this.deps.emit('delete', o);
  }

  private async listNamespace(namespace: string): Promise<boolean> {
    const entry = this.entries.get(namespace);
    const { objects: listed, resourceVersion } = await this.deps.list(namespace);
    // Left the scope while listing: nothing to keep; left and came back: what it dropped meanwhile is unknown, list again.
    if (!this.lists.has(namespace) || !this.deps.scope.has(namespace)) {
      if (!this.lists.has(namespace)) this.entries.delete(namespace);
      return true;
    }
    if (this.entries.get(namespace) !== entry) return false;
    const deleted = this.deletedWhileListing.get(namespace) ?? new Map<string, string>();
    this.deletedWhileListing.delete(namespace);
    const { store } = this.deps;
    const { objects, events } = mergeNamespaceList(store.get(namespace) ?? new Map<string, T>(), listed, resourceVersion, deleted, (o) => o.metadata?.resourceVersion);
    if (objects.size > 0) store.set(namespace, objects);
    else store.delete(namespace);
    this.lists.remove(namespace);
    this.entries.delete(namespace);
    for (const [event, o] of events) this.deps.emit(event, o);
    this.deps.onListed?.(namespace);
    return true;
  }
}
