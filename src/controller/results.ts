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

export type LossCause = 'unselected' | 'excluded' | 'outranked';

/**
 * Why a baseline that won a namespace before does not win it now, or undefined when nothing was
 * lost. `stillValid` says whether that baseline still exists with a valid spec: a deleted baseline
 * has not lost anything, and an invalid one keeps what it wrote.
 */
export function lossOf(previous: NamespaceResult | undefined, next: Pick<NamespaceResult, 'winner' | 'losers' | 'excluded'>, stillValid: (baseline: string) => boolean): { baseline: string; cause: LossCause } | undefined {
  const baseline = previous?.winner;
  if (baseline === undefined || next.winner === baseline || !stillValid(baseline)) return undefined;
  if (next.excluded?.includes(baseline) === true) return { baseline, cause: 'excluded' };
  if (next.losers.includes(baseline)) return { baseline, cause: 'outranked' };
  return { baseline, cause: 'unselected' };
}
