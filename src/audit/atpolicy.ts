/**
 * Workload checks whose verdict is Pod Security's: judged at the policy version the namespace pins
 * (pod-security.kubernetes.io/enforce-version), as the API server admits its pods. Where the pinned
 * version and latest part ways the message says so, so a pass is never mistaken for latest's.
 */
import type { CheckMeta, NamespaceCheck, Outcome } from './check.js';
import { perWorkload } from './check.js';
import { LATEST_POLICY, namespacePolicy, type PinnedPolicy } from './podsecurity/pinned.js';
import type { AuditInput, Workload } from './types.js';

export type { PinnedPolicy } from './podsecurity/pinned.js';

export function perWorkloadAtPolicy(meta: CheckMeta, evaluate: (w: Workload, input: AuditInput, policy: PinnedPolicy) => Outcome): NamespaceCheck {
  return perWorkload(meta, (w, input) => {
    const policy = namespacePolicy(input.namespace.labels);
    const outcome = evaluate(w, input, policy);
    if (!policy.older) return outcome;
    const atLatest = evaluate(w, input, LATEST_POLICY);
    const failing = outcome.problems.length > 0;
    if (failing === atLatest.problems.length > 0) return outcome;
    const pinned = `Pod Security ${policy.version}, the namespace's pinned enforce-version`;
    if (failing) return { ...outcome, problems: [...outcome.problems, `forbidden at ${pinned}, though latest allows it`] };
    return { ...outcome, passMessage: `allowed at ${pinned} (latest would not: ${atLatest.problems.join('; ')})` };
  });
}
