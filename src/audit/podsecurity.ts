/**
 * The Pod Security Standards, as Kubernetes' pod-security-admission evaluates them at policy
 * version `latest` on a v1.36 API server (which resolves to policy v1.35: the newest
 * MinimumVersion of any registered check). Transcribed check by check from
 * staging/src/k8s.io/pod-security-admission/policy/check_*.go; reasons and details use the same
 * wording, so `reason (detail)` reads like the API server's warning.
 *
 * Facts that matter at this version:
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
import type { CheckFn, PodSecurityCheckId, PodSecurityViolation } from './podsecurity/common.js';
import {
  appArmorProfile,
  capabilitiesBaseline,
  hostNamespaces,
  hostPathVolumes,
  hostPorts,
  hostProbesAndHostLifecycle,
  privileged,
  procMountBaseline,
  procMountStrict,
  seLinuxOptions,
  seccompProfileBaseline,
  sysctls,
  windowsHostProcess,
} from './podsecurity/baseline.js';
import { allowPrivilegeEscalation, capabilitiesRestricted, restrictedVolumes, runAsNonRoot, runAsUser, seccompProfileRestricted } from './podsecurity/restricted.js';

export type { PodSecurityCheckId, PodSecurityViolation } from './podsecurity/common.js';
export { ALLOWED_SELINUX_TYPES, BASELINE_CAPABILITIES, RESTRICTED_VOLUME_TYPES, SAFE_SYSCTLS, joinQuote } from './podsecurity/common.js';
export { restrictedVolumeType } from './podsecurity/restricted.js';

/** Baseline checks, in the sorted-id order the registry evaluates them. */
const BASELINE: readonly (readonly [PodSecurityCheckId, CheckFn])[] = [
  ['appArmorProfile', appArmorProfile],
  ['capabilities_baseline', capabilitiesBaseline],
  ['hostNamespaces', hostNamespaces],
  ['hostPathVolumes', hostPathVolumes],
  ['hostPorts', hostPorts],
  ['hostProbesAndHostLifecycle', hostProbesAndHostLifecycle],
  ['privileged', privileged],
  ['procMount', procMountBaseline],
  ['seLinuxOptions', seLinuxOptions],
  ['seccompProfile_baseline', seccompProfileBaseline],
  ['sysctls', sysctls],
  ['windowsHostProcess', windowsHostProcess],
];

/** Restricted checks, sorted by id, with the baseline checks each overrides. */
const RESTRICTED: readonly (readonly [PodSecurityCheckId, CheckFn, readonly PodSecurityCheckId[]])[] = [
  ['allowPrivilegeEscalation', allowPrivilegeEscalation, []],
  ['capabilities_restricted', capabilitiesRestricted, ['capabilities_baseline']],
  ['procMount_restricted', procMountStrict, ['procMount']],
  ['restrictedVolumes', restrictedVolumes, ['hostPathVolumes']],
  ['runAsNonRoot', runAsNonRoot, []],
  ['runAsUser', runAsUser, []],
  ['seccompProfile_restricted', seccompProfileRestricted, ['seccompProfile_baseline']],
];

/** The checks of a level, in evaluation order: baseline first (minus overridden ones), then restricted. */
export function podSecurityChecks(level: 'privileged' | 'baseline' | 'restricted'): PodSecurityCheckId[] {
  if (level === 'privileged') return [];
  const baseline = BASELINE.map(([id]) => id);
  if (level === 'baseline') return baseline;
  const overridden = new Set(RESTRICTED.flatMap(([, , overrides]) => overrides));
  return [...baseline.filter((id) => !overridden.has(id)), ...RESTRICTED.map(([id]) => id)];
}

const CHECKS = new Map<PodSecurityCheckId, CheckFn>([...BASELINE.map(([id, fn]) => [id, fn] as const), ...RESTRICTED.map(([id, fn]) => [id, fn] as const)]);

/** Structured results: one entry per failing check, in the API server's order. */
export function podSecurityCheckResults(spec: PodSpec, level: 'privileged' | 'baseline' | 'restricted', podAnnotations: Labels = {}): PodSecurityViolation[] {
  const out: PodSecurityViolation[] = [];
  for (const id of podSecurityChecks(level)) {
    const result = CHECKS.get(id)?.(spec, podAnnotations);
    if (result !== undefined) out.push({ check: id, ...result });
  }
  return out;
}

/**
 * The violations of a pod spec at a level, formatted as the API server reports them
 * (`reason (detail)`); empty when PSA would admit the pod. `podAnnotations` matter only for the
 * deprecated AppArmor annotation.
 */
export function podSecurityViolations(spec: PodSpec, level: 'privileged' | 'baseline' | 'restricted', podAnnotations: Labels = {}): string[] {
  return podSecurityCheckResults(spec, level, podAnnotations).map((v) => `${v.reason} (${v.detail})`);
}
