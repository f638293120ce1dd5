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
  /** The baseline revision the namespace was brought to (or, with an error, was being brought to). */
  revision?: string;
  /** A terminal error (forbidden, invalid) that retrying will not fix. */
  error?: string;
  /**
   * The winner's objects were already in the namespace at this process's first reconcile of it: an
   * earlier process enforced it, and so audited it and announced what it found.
   */
  enforcedBeforeStart?: boolean;
  /**
   * Drift already reported as detected whose repair has not been written yet (`<plural>/<name>`):
   * a reconcile that failed part-way leaves it, so the next one reports it repaired, not found again.
   */
  driftPending?: readonly string[];
}

/** Per-namespace results, indexed by every baseline that wins, loses or excludes the namespace. */
export class ResultStore extends NamespaceStore<NamespaceResult> {
  constructor(onChange?: (baseline: string) => void) {
    super((result) => [...(result.winner === undefined ? [] : [result.winner]), ...result.losers, ...(result.excluded ?? [])], onChange);
  }
}

export type LossCause = 'unselected' | 'excluded' | 'outranked';

type Selection = Pick<NamespaceResult, 'winner' | 'losers' | 'excluded'>;

function causeOf(baseline: string, next: Selection): LossCause {
  if (next.excluded?.includes(baseline) === true) return 'excluded';
  if (next.losers.includes(baseline)) return 'outranked';
  return 'unselected';
}

/**
 * Why a baseline that won a namespace before does not win it now, or undefined when nothing was
 * lost. `stillValid` says whether that baseline still exists with a valid spec: a deleted baseline
 * has not lost anything, and an invalid one keeps what it wrote.
 */
export function lossOf(previous: NamespaceResult | undefined, next: Selection, stillValid: (baseline: string) => boolean): { baseline: string; cause: LossCause } | undefined {
  const baseline = previous?.winner;
  if (baseline === undefined || next.winner === baseline || !stillValid(baseline)) return undefined;
  return { baseline, cause: causeOf(baseline, next) };
}

/**
 * The losses of a namespace's reconcile. With a previous result (this process reconciled the
 * namespace before), as lossOf. Without one (the first reconcile since a start), the baselines that
 * covered it are read from what they left there (`remembered`: see rememberedOwners), so a
 * namespace that left a baseline while the operator was down is reported all the same.
 */
export function lossesOf(previous: NamespaceResult | undefined, remembered: readonly string[], next: Selection, stillValid: (baseline: string) => boolean): { baseline: string; cause: LossCause }[] {
  if (previous !== undefined) {
    const loss = lossOf(previous, next, stillValid);
    return loss === undefined ? [] : [loss];
  }
  return [...new Set(remembered)].filter((b) => b !== next.winner && stillValid(b)).map((baseline) => ({ baseline, cause: causeOf(baseline, next) }));
}

/**
 * The baselines that left their mark on a namespace, in name order: the posture.dev/baseline label
 * of its managed objects and of its PolicyReport, and the posture.dev/pod-security annotation of
 * the Namespace. Marks go when the namespace leaves the baseline (objects removed, labels released,
 * report rewritten), so a mark of a baseline that does not win the namespace now is a loss the
 * operator has not seen: it happened while it was down.
 */
export function rememberedOwners(marks: Iterable<string | undefined>): string[] {
  return [...new Set([...marks].filter((m): m is string => m !== undefined && m !== ''))].sort();
}
