import type { Condition } from '../api/status.js';

/** Condition types and reasons are part of the API: alerts, kstatus and Argo CD read them. */
export const ConditionType = { Ready: 'Ready', Compliant: 'Compliant', Reconciling: 'Reconciling', Stalled: 'Stalled' } as const;

export const Reason = {
  Enforced: 'Enforced',
  Audited: 'Audited',
  Progressing: 'Progressing',
  InvalidSpec: 'InvalidSpec',
  ApplyFailed: 'ApplyFailed',
  Idle: 'Idle',
  NoNamespaces: 'NoNamespaces',
  Evaluating: 'Evaluating',
  NoFindings: 'NoFindings',
  FindingsOpen: 'FindingsOpen',
} as const;

export type ConditionInput = Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>;

/**
 * Stamps conditions with observedGeneration and keeps lastTransitionTime from the previous status
 * when a condition's status did not change, as metav1.Condition requires.
 */
export function withTransitions(
  next: readonly ConditionInput[],
  previous: readonly Condition[] | undefined,
  generation: number,
  now: Date,
): Condition[] {
  return next.map((c) => {
    const before = previous?.find((p) => p.type === c.type);
    const lastTransitionTime = before !== undefined && before.status === c.status ? before.lastTransitionTime : now.toISOString();
    return { ...c, observedGeneration: generation, lastTransitionTime };
  });
}
