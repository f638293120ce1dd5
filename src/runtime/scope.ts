/**
 * The namespaces whose objects the scoped caches hold (those some baseline selects: the audit reads
 * nothing elsewhere). Kept by the controllers, read by the informers: an object of a namespace out
 * of scope is dropped as it arrives, and a namespace entering the scope is listed on its own.
 */
export class NamespaceScope {
  private readonly members = new Set<string>();
  private readonly listeners: ((namespace: string, inScope: boolean) => void)[] = [];

  has(namespace: string): boolean {
    return this.members.has(namespace);
  }

  get size(): number {
    return this.members.size;
  }

  /** Listeners hear each namespace that enters or leaves, once. */
  onChange(listener: (namespace: string, inScope: boolean) => void): void {
    this.listeners.push(listener);
  }

  set(namespace: string, inScope: boolean): void {
    if (this.members.has(namespace) === inScope) return;
    if (inScope) this.members.add(namespace);
    else this.members.delete(namespace);
    for (const listener of this.listeners) listener(namespace, inScope);
  }
}
