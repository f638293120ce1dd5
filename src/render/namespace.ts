import { POD_SECURITY_ANNOTATION, PROTECTED_LABEL, REVISION_LABEL } from '../api/names.js';
import { revisionOf } from './revision.js';
import type { ValidBaseline } from './selection.js';

/**
 * What a baseline owns on the Namespace object itself: the Pod Security Admission labels, and
 * with spec.guard.podsBeforeProtection the protected mark, set in the same write.
 */
export interface DesiredNamespaceLabels {
  labels: Record<string, string>;
  /**
   * Marks that posture-operator owns labels here, and for which baseline, so they can be released;
   * and the revision they were written from.
   */
  annotations: Record<string, string>;
}

const MODES = ['enforce', 'warn', 'audit'] as const;

export function renderNamespaceLabels(b: ValidBaseline | undefined): DesiredNamespaceLabels {
  if (b === undefined) return { labels: {}, annotations: {} };
  const labels: Record<string, string> = {};
  const ps = b.spec.podSecurity;
  for (const mode of MODES) {
    const level = ps?.[mode];
    if (ps === undefined || level === undefined) continue;
    labels[`pod-security.kubernetes.io/${mode}`] = level;
    labels[`pod-security.kubernetes.io/${mode}-version`] = ps.version;
  }
  if (protects(b)) labels[PROTECTED_LABEL] = b.name;
  if (Object.keys(labels).length === 0) return { labels: {}, annotations: {} };
  return { labels, annotations: { [POD_SECURITY_ANNOTATION]: b.name, [REVISION_LABEL]: revisionOf(b.spec) } };
}

/** The baseline marks its namespaces protected: only then may its pods guard admit pods there. */
export function protects(b: ValidBaseline): boolean {
  const action = b.spec.guard?.podsBeforeProtection ?? 'Off';
  return action !== 'Off' && b.spec.mode === 'Enforce';
}
