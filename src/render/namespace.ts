import { POD_SECURITY_ANNOTATION } from '../api/names.js';
import type { ValidBaseline } from './selection.js';

/** What a baseline owns on the Namespace object itself: the Pod Security Admission labels. */
export interface DesiredNamespaceLabels {
  labels: Record<string, string>;
  /** Marks that posture-operator owns PSA labels here, and for which baseline, so they can be released. */
  annotations: Record<string, string>;
}

const MODES = ['enforce', 'warn', 'audit'] as const;

export function renderNamespaceLabels(b: ValidBaseline | undefined): DesiredNamespaceLabels {
  const ps = b?.spec.podSecurity;
  if (b === undefined || ps === undefined) return { labels: {}, annotations: {} };
  const labels: Record<string, string> = {};
  for (const mode of MODES) {
    const level = ps[mode];
    if (level === undefined) continue;
    labels[`pod-security.kubernetes.io/${mode}`] = level;
    labels[`pod-security.kubernetes.io/${mode}-version`] = ps.version;
  }
  if (Object.keys(labels).length === 0) return { labels: {}, annotations: {} };
  return { labels, annotations: { [POD_SECURITY_ANNOTATION]: b.name } };
}
