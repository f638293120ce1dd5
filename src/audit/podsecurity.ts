/**
 * The Pod Security Standards, as Kubernetes' pod-security-admission evaluates them on a v1.36 API
 * server, at every policy version from v1.0 to `latest` (which resolves to policy v1.35: the newest
 * MinimumVersion of any registered check; see podsecurity/registry.ts for what changed when).
 * Transcribed check by check from staging/src/k8s.io/pod-security-admission/policy/check_*.go;
 * reasons and details use the same wording, so `reason (detail)` reads like the API server's warning.
 *
 * Facts that matter at `latest`:
 * - containers are visited in the order initContainers, containers, ephemeralContainers, and every
 *   check applies to all three (native sidecars get no special treatment);
 * - sysctls are checked at pod level only, against the 1.32 safe set;
 * - SELinux type may also be container_engine_t (1.31); user and role must be empty;
 * - AppArmor: the field (pod and containers) and the deprecated beta annotation are both checked;
 * - probe and lifecycle `host` is forbidden (1.34);
 * - `hostUsers: false` skips runAsNonRoot and runAsUser (restricted) and procMount (baseline only;
 *   restricted re-applies procMount via procMount_restricted, 1.35);
 * - `os.name: windows` skips allowPrivilegeEscalation, capabilities_restricted and
 *   seccompProfile_restricted (1.25); capabilities_baseline is not relaxed for user namespaces;
 * - restricted volumes include `image` (patched into the 1.0 check in 1.33).
 */
import type { Labels, PodSpec } from './types.js';
import type { PodSecurityViolation } from './podsecurity/common.js';
import { checksAt, policyMinor } from './podsecurity/registry.js';

export type { PodSecurityCheckId, PodSecurityViolation } from './podsecurity/common.js';
export { ALLOWED_SELINUX_TYPES, BASELINE_CAPABILITIES, RESTRICTED_VOLUME_TYPES, SAFE_SYSCTLS, joinQuote } from './podsecurity/common.js';
export { restrictedVolumeType } from './podsecurity/restricted.js';
export { LATEST_POLICY_MINOR, policyMinor } from './podsecurity/registry.js';

type Level = 'privileged' | 'baseline' | 'restricted';

/**
 * The checks of a level at a policy version (`latest` or `v1.N`, as in the
 * pod-security.kubernetes.io/<mode>-version label), in evaluation order: baseline first (minus
 * overridden ones), then restricted.
 */
export function podSecurityChecks(level: Level, version = 'latest'): string[] {
  return level === 'privileged' ? [] : checksAt(level, policyMinor(version)).map(([id]) => id);
}

/** Structured results: one entry per failing check, in the API server's order. */
export function podSecurityCheckResults(spec: PodSpec, level: Level, podAnnotations: Labels = {}, version = 'latest'): PodSecurityViolation[] {
  if (level === 'privileged') return [];
  const out: PodSecurityViolation[] = [];
  for (const [id, fn] of checksAt(level, policyMinor(version))) {
    const result = fn(spec, podAnnotations);
    if (result !== undefined) out.push({ check: id, ...result });
  }
  return out;
}

/**
 * The violations of a pod spec at a level and policy version, formatted as the API server reports
 * them (`reason (detail)`); empty when PSA would admit the pod. `podAnnotations` matter only for the
 * AppArmor annotation and, before policy v1.19, the seccomp annotations.
 */
export function podSecurityViolations(spec: PodSpec, level: Level, podAnnotations: Labels = {}, version = 'latest'): string[] {
  return podSecurityCheckResults(spec, level, podAnnotations, version).map((v) => `${v.reason} (${v.detail})`);
}
