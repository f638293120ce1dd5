import { MAX_FAILED_NAMED, type RolloutSpec, type RolloutStatus } from '../../api/rollout.js';
import type { SecurityBaselineStatus } from '../../api/status.js';
import { boundMessage, ConditionType, withTransitions, type ConditionInput } from '../conditions.js';
import type { RolloutDecision, RolloutState } from './plan.js';

/** Reasons of the conditions a rollout sets, and of its Events. */
export const RolloutReason = {
  Progressing: 'RolloutProgressing',
  Paused: 'RolloutPaused',
  Halted: 'RolloutHalted',
  WaveStarted: 'RolloutWaveStarted',
  Completed: 'RolloutCompleted',
} as const;

export interface RolloutFacts {
  rollout: RolloutSpec;
  decision: RolloutDecision;
  updated: number;
  total: number;
  /** Failed namespaces with their errors, in name order. */
  failed: readonly (readonly [string, string])[];
}

function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

/** Up to MAX_FAILED_NAMED names, and how many more. */
function named(names: readonly string[]): string {
  const shown = names.slice(0, MAX_FAILED_NAMED).join(', ');
  return names.length > MAX_FAILED_NAMED ? `${shown} and ${names.length - MAX_FAILED_NAMED} more` : shown;
}

/** status.rollout, from the decision. Bounded: at most a few namespaces are named. */
export function rolloutStatus(facts: RolloutFacts): RolloutStatus {
  const { rollout, decision, updated, total, failed } = facts;
  const { state, phase } = decision;
  const status: RolloutStatus = { revision: state.target, phase, updated, total, currentWave: Math.max(0, state.released), waves: rollout.waves };
  const startedAt = state.released >= 0 ? iso(state.startedAt) : undefined;
  if (startedAt !== undefined) status.waveStartedAt = startedAt;
  const next = iso(decision.nextWaveAt);
  if (next !== undefined) status.nextWaveAt = next;
  if (failed.length > 0) status.failed = failed.length;
  if (phase === 'Halted') {
    const first = failed[0];
    const cause = first === undefined ? '' : `; ${first[0]}: ${first[1]}`;
    status.message = boundMessage(
      `Halted: ${failed.length} namespace(s) failed to take revision ${state.target}, more than maxFailedNamespaces (${rollout.maxFailedNamespaces}): ${named(failed.map(([n]) => n))}${cause}. No further wave starts until the spec changes (fix it, or set it back to roll back).`,
    );
  } else if (phase === 'Paused') {
    status.message = 'spec.rollout.paused is true: no further wave starts until it is false.';
  }
  return status;
}

/** What a restarted operator knows of a rollout: what its status said, if it is of the same revision. */
export function restoreState(status: RolloutStatus | undefined, target: string, pauseSeconds: number): RolloutState | undefined {
  if (status?.revision !== target) return undefined;
  const parse = (s: string | undefined): number | undefined => (s === undefined || Number.isNaN(Date.parse(s)) ? undefined : Date.parse(s));
  const startedAt = parse(status.waveStartedAt);
  if (startedAt === undefined) return { target, released: -1 };
  const next = parse(status.nextWaveAt);
  return { target, released: status.currentWave, startedAt, ...(next === undefined ? {} : { doneAt: next - pauseSeconds * 1000 }) };
}

function describe(r: RolloutStatus): string {
  const step = r.currentWave === 0 ? 'canary' : `wave ${r.currentWave} of ${r.waves}`;
  return `Revision ${r.revision}: ${r.updated} of ${r.total} namespace(s) updated; ${step}${r.nextWaveAt === undefined ? '' : `, next wave at ${r.nextWaveAt}`}.`;
}

/**
 * The baseline status with the rollout's say: Reconciling is True while it progresses (kstatus and
 * Argo CD show it as in progress); a halted rollout is Stalled, as it waits for a person.
 */
export function withRollout(status: SecurityBaselineStatus, rollout: RolloutStatus | undefined, previous: SecurityBaselineStatus | undefined, generation: number, now: Date): SecurityBaselineStatus {
  if (rollout === undefined) return status;
  const conditions = status.conditions ?? [];
  const replace = (type: string, c: ConditionInput): void => {
    const [stamped] = withTransitions([c], previous?.conditions, generation, now);
    const i = conditions.findIndex((x) => x.type === type);
    if (stamped !== undefined && i >= 0) conditions[i] = stamped;
  };
  const ready = conditions.find((c) => c.type === ConditionType.Ready);
  if (ready?.reason !== 'InvalidSpec') {
    if (rollout.phase === 'Progressing') replace(ConditionType.Reconciling, { type: ConditionType.Reconciling, status: 'True', reason: RolloutReason.Progressing, message: describe(rollout) });
    const reconciling = conditions.find((c) => c.type === ConditionType.Reconciling);
    // Paused while namespaces of a released step are still being written: those writes go on.
    if (rollout.phase === 'Paused' && reconciling?.status !== 'True') replace(ConditionType.Reconciling, { type: ConditionType.Reconciling, status: 'False', reason: RolloutReason.Paused, message: `${describe(rollout)} ${rollout.message ?? ''}` });
    if (rollout.phase === 'Halted') replace(ConditionType.Stalled, { type: ConditionType.Stalled, status: 'True', reason: RolloutReason.Halted, message: rollout.message ?? '' });
  }
  return { ...status, conditions, rollout };
}
