import type { Condition } from '../api/status.js';

/** Condition types and reasons are part of the API: alerts, kstatus and Argo CD read them. */
export const ConditionType = { Ready: 'Ready', Compliant: 'Compliant', Reconciling: 'Reconciling', Stalled: 'Stalled' } as const;

export const Reason = {
  Enforced: 'Enforced',
  Audited: 'Audited',
  Progressing: 'Progressing',
  InvalidSpec: 'InvalidSpec',
  ApplyFailed: 'ApplyFailed',
  NamespacesFailed: 'NamespacesFailed',
  Idle: 'Idle',
  NoNamespaces: 'NoNamespaces',
  LostAllNamespaces: 'LostAllNamespaces',
  Evaluating: 'Evaluating',
  NoFindings: 'NoFindings',
  FindingsOpen: 'FindingsOpen',
} as const;

export type ConditionInput = Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>;

/** About 1 KiB: a condition is read in `kubectl describe`, and the whole status must stay far below its 32 KiB limit. */
export const MAX_CONDITION_MESSAGE = 1024;

/** A message cut to `max` characters, saying how much was cut, so no error can make the status unwritable. */
export function boundMessage(message: string, max = MAX_CONDITION_MESSAGE): string {
  if (message.length <= max) return message;
  const cut = (n: number): string => ` ... (${n} more characters cut)`;
  const keep = max - cut(message.length).length;
  return `${message.slice(0, keep)}${cut(message.length - keep)}`;
}

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
    return { ...c, message: boundMessage(c.message), observedGeneration: generation, lastTransitionTime };
  });
}
