import type { PlannedChange } from '../api/status.js';

/** What the last reconcile of one namespace found. The baseline statuses are aggregated from these. */
export interface NamespaceResult {
  /** The baseline that owns the namespace, if any selects it. */
  winner: string | undefined;
  /** The winner's generation this result was computed for. */
  generation: number;
  /** Baselines that select the namespace but lose it to the winner. */
  losers: readonly string[];
  /** Baselines whose selector matches the namespace but that exclude it. */
  excluded?: readonly string[];
  /** Every desired object exists as rendered, and nothing extra of ours is left. */
  inSync: boolean;
  /** Writes Enforce would still send (in Audit mode nothing is sent, so these stay), with the first few. */
  planned: { create: number; update: number; delete: number; examples?: readonly PlannedChange[] };
  /** A terminal error (forbidden, invalid) that retrying will not fix. */
  error?: string;
}

/**
 * Per-namespace results, indexed by baseline so a status pass at 10,000 namespaces does not scan
 * them all. Calls onChange with every baseline whose aggregate may have changed.
 */
export class ResultStore {
  private readonly byNamespace = new Map<string, NamespaceResult>();
  private readonly byBaseline = new Map<string, Set<string>>();

  constructor(private readonly onChange: (baseline: string) => void = () => undefined) {}

  get(namespace: string): NamespaceResult | undefined {
    return this.byNamespace.get(namespace);
  }

  set(namespace: string, result: NamespaceResult): void {
    const previous = this.byNamespace.get(namespace);
    this.unindex(namespace, previous);
    this.byNamespace.set(namespace, result);
    for (const b of involved(result)) {
      let set = this.byBaseline.get(b);
      if (set === undefined) this.byBaseline.set(b, (set = new Set()));
      set.add(namespace);
    }
    for (const b of new Set([...involved(previous), ...involved(result)])) this.onChange(b);
  }

  delete(namespace: string): void {
    const previous = this.byNamespace.get(namespace);
    if (previous === undefined) return;
    this.unindex(namespace, previous);
    this.byNamespace.delete(namespace);
    for (const b of involved(previous)) this.onChange(b);
  }

  /** Results of the namespaces a baseline wins or loses. */
  forBaseline(baseline: string): [string, NamespaceResult][] {
    const out: [string, NamespaceResult][] = [];
    for (const ns of this.byBaseline.get(baseline) ?? []) {
      const result = this.byNamespace.get(ns);
      if (result !== undefined) out.push([ns, result]);
    }
    return out;
  }

  private unindex(namespace: string, result: NamespaceResult | undefined): void {
    for (const b of involved(result)) {
      const set = this.byBaseline.get(b);
      set?.delete(namespace);
      if (set?.size === 0) this.byBaseline.delete(b);
    }
  }
}

function involved(result: NamespaceResult | undefined): string[] {
  if (result === undefined) return [];
  return [...(result.winner === undefined ? [] : [result.winner]), ...result.losers, ...(result.excluded ?? [])];
}
