import type { PlannedChange } from '../api/status.js';
import { NamespaceStore } from './store.js';

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

/** Per-namespace results, indexed by every baseline that wins, loses or excludes the namespace. */
export class ResultStore extends NamespaceStore<NamespaceResult> {
  constructor(onChange?: (baseline: string) => void) {
    super((result) => [...(result.winner === undefined ? [] : [result.winner]), ...result.losers, ...(result.excluded ?? [])], onChange);
  }
}
