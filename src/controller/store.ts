/**
 * Per-namespace values (a reconcile's result, an audit), indexed by the baselines each involves, so
 * a status pass at 10,000 namespaces reads only its own. Calls onChange with every baseline whose
 * aggregate may have changed.
 */
export class NamespaceStore<T> {
  private readonly byNamespace = new Map<string, T>();
  private readonly byBaseline = new Map<string, Set<string>>();

  constructor(
    private readonly involved: (value: T) => readonly string[],
    private readonly onChange: (baseline: string) => void = () => undefined,
  ) {}

  get(namespace: string): T | undefined {
    return this.byNamespace.get(namespace);
  }

  set(namespace: string, value: T): void {
    const previous = this.byNamespace.get(namespace);
    if (previous !== undefined) this.unindex(namespace, previous);
    this.byNamespace.set(namespace, value);
    for (const b of this.involved(value)) {
      let set = this.byBaseline.get(b);
      if (set === undefined) this.byBaseline.set(b, (set = new Set()));
      set.add(namespace);
    }
    for (const b of new Set([...(previous === undefined ? [] : this.involved(previous)), ...this.involved(value)])) this.onChange(b);
  }

  delete(namespace: string): void {
    const previous = this.byNamespace.get(namespace);
    if (previous === undefined) return;
    this.unindex(namespace, previous);
    this.byNamespace.delete(namespace);
    for (const b of this.involved(previous)) this.onChange(b);
  }

  /** The values of the namespaces a baseline is involved in. */
  forBaseline(baseline: string): [string, T][] {
    const out: [string, T][] = [];
    for (const ns of this.byBaseline.get(baseline) ?? []) {
      const value = this.byNamespace.get(ns);
      if (value !== undefined) out.push([ns, value]);
    }
    return out;
  }

  private unindex(namespace: string, value: T): void {
    for (const b of this.involved(value)) {
      const set = this.byBaseline.get(b);
      set?.delete(namespace);
      if (set?.size === 0) this.byBaseline.delete(b);
    }
  }
}
