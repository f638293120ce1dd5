// Names, time limits and the drift schedule of a run. Pure.

/** Time allowed for N namespaces to become protected: generous, so a slow machine measures instead of failing. */
export function protectTimeoutMs(namespaces: number): number {
  return 120_000 + namespaces * 300;
}

export function names(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
}

export type DriftKind = 'delete' | 'edit' | 'foreign-rule';

export interface DriftTarget {
  kind: string;
  name: string;
  variant: DriftKind;
}

const DELETES: readonly { kind: string; name: string }[] = [
  { kind: 'NetworkPolicy', name: 'posture-default-deny' },
  { kind: 'LimitRange', name: 'posture-limits' },
  { kind: 'RoleBinding', name: 'posture-view' },
  { kind: 'Role', name: 'posture-pod-service-reader' },
];

/** Round-robin over three kinds of drift: a delete (cycling kinds), an edit of a field we own, a rule added by another manager. */
export function driftTarget(i: number): DriftTarget {
  const variant: DriftKind = (['delete', 'edit', 'foreign-rule'] as const)[i % 3] ?? 'delete';
  if (variant === 'edit') return { kind: 'ResourceQuota', name: 'posture-quota', variant };
  if (variant === 'foreign-rule') return { kind: 'NetworkPolicy', name: 'posture-default-deny', variant };
  const d = DELETES[Math.floor(i / 3) % DELETES.length] ?? { kind: 'NetworkPolicy', name: 'posture-default-deny' };
  return { ...d, variant };
}

