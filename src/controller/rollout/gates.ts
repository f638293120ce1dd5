import { POD_SECURITY_ANNOTATION, REVISION_LABEL } from '../../api/names.js';
import { atRevision, revisionOf, type RevisionData } from '../../render/revision.js';
import type { ValidBaseline } from '../../render/selection.js';
import { ownerUid, type ExistingNamespace, type ExistingObject } from '../plan.js';
import { isAllAtOnce, isReleased, type RolloutState } from './plan.js';

/** One baseline's rollout as the namespace reconciles read it. */
export interface Gate {
  state: RolloutState;
  steps: ReadonlyMap<string, number>;
  /** Where each namespace was when this rollout started: a namespace not yet released stays there. */
  from: ReadonlyMap<string, string>;
}

/**
 * The revision a namespace is at, from what the caches hold: the label most of the baseline's
 * objects there carry, else the annotation next to its Pod Security labels. undefined: nothing of
 * the baseline is there yet (a new namespace), or nothing says.
 */
export function namespaceRevision(baseline: Pick<ValidBaseline, 'name' | 'uid'>, existing: readonly ExistingObject[], ns: ExistingNamespace): string | undefined {
  const votes = new Map<string, number>();
  for (const e of existing) {
    const revision = e.metadata.labels?.[REVISION_LABEL];
    if (revision === undefined || ownerUid(e) !== baseline.uid) continue;
    votes.set(revision, (votes.get(revision) ?? 0) + 1);
  }
  let best: string | undefined;
  for (const [revision, n] of votes) if (best === undefined || n > (votes.get(best) ?? 0) || (n === votes.get(best) && revision < best)) best = revision;
  if (best !== undefined) return best;
  return ns.annotations[POD_SECURITY_ANNOTATION] === baseline.name ? ns.annotations[REVISION_LABEL] : undefined;
}

/**
 * The gates of every baseline with a staged rollout, shared by the rollout controller (which sets
 * them) and namespace enforcement (which asks, for each namespace, which revision to write).
 */
export class RolloutGates {
  private readonly gates = new Map<string, Gate>();

  constructor(private readonly revisionData: (baseline: Pick<ValidBaseline, 'name' | 'uid'>, revision: string) => RevisionData | undefined) {}

  set(baseline: string, gate: Gate): void {
    this.gates.set(baseline, gate);
  }

  get(baseline: string): Gate | undefined {
    return this.gates.get(baseline);
  }

  delete(baseline: string): void {
    this.gates.delete(baseline);
  }

  /**
   * The baseline as it is to be written into one namespace: as the spec says now (the target), or
   * at the revision the namespace is at while its step is not yet released. A new namespace gets the
   * target at once: it has nothing to break. So does one at a revision no longer kept.
   */
  rendition(winner: ValidBaseline, namespace: string, existing: readonly ExistingObject[], ns: ExistingNamespace): ValidBaseline {
    if (winner.spec.mode === 'Audit' || isAllAtOnce(winner.spec.rollout)) return winner;
    const target = revisionOf(winner.spec);
    const gate = this.gates.get(winner.name);
    const current = gate?.state.target === target && gate.from.has(namespace) ? gate.from.get(namespace) : namespaceRevision(winner, existing, ns);
    if (current === undefined || current === target) return winner;
    if (gate?.state.target === target && isReleased(gate.state, gate.steps.get(namespace))) return winner;
    const data = this.revisionData(winner, current);
    return data === undefined ? winner : atRevision(winner, data);
  }
}
