/**
 * The Pod Security policy a namespace pins with pod-security.kubernetes.io/enforce-version, as the
 * workload checks (WL-*) need to know it. Every fact is read from the registry, so the WL checks
 * and the per-version evaluator cannot disagree about what changed when.
 */
import type { Labels } from '../types.js';
import type { PodSecurityCheckId } from './common.js';
import {
  LATEST_POLICY_MINOR,
  SAFE_SYSCTLS_SINCE,
  SECCOMP_FIELDS_SINCE,
  SELINUX_TYPES_SINCE,
  USER_NAMESPACE_RELAXED_SINCE,
  WINDOWS_RELAXED_SINCE,
  checkExistsAt,
  policyMinor,
  valueAt,
} from './registry.js';

export const ENFORCE_VERSION_LABEL = 'pod-security.kubernetes.io/enforce-version';

export interface PinnedPolicy {
  /** The version as the namespace's label says it (`v1.31`), or `latest` when unset or unparseable. */
  version: string;
  /** The policy minor it evaluates as. */
  minor: number;
  /** Older than latest: a verdict may differ from latest's. */
  older: boolean;
  seLinuxTypes: ReadonlySet<string>;
  safeSysctls: ReadonlySet<string>;
  /** `os.name: windows` lifts allowPrivilegeEscalation, capabilities and seccomp (restricted). */
  windowsRelaxed: boolean;
  /** `hostUsers: false` lifts runAsNonRoot, runAsUser and the baseline procMount check. */
  userNamespaceRelaxed: boolean;
  /** The baseline seccomp check reads the fields (else the alpha annotations). */
  seccompFields: boolean;
  /** Whether a check exists at this version. */
  has: (check: PodSecurityCheckId) => boolean;
}

/** The policy of a version label (`latest`, `v1.N`); an unparseable one is latest, as Pod Security Admission reads it. */
export function pinnedPolicy(label: string | undefined): PinnedPolicy {
  const minor = policyMinor(label);
  const parsed = label !== undefined && /^v1\.(0|[1-9][0-9]*)$/.test(label);
  return {
    version: parsed ? label : 'latest',
    minor,
    older: minor < LATEST_POLICY_MINOR,
    seLinuxTypes: valueAt(SELINUX_TYPES_SINCE, minor),
    safeSysctls: valueAt(SAFE_SYSCTLS_SINCE, minor),
    windowsRelaxed: minor >= WINDOWS_RELAXED_SINCE,
    userNamespaceRelaxed: minor >= USER_NAMESPACE_RELAXED_SINCE,
    seccompFields: minor >= SECCOMP_FIELDS_SINCE,
    has: (check) => checkExistsAt(check, minor),
  };
}

export const LATEST_POLICY: PinnedPolicy = pinnedPolicy('latest');

/** The policy the namespace's own enforce-version label pins (what it carries, whoever wrote it). */
export function namespacePolicy(labels: Labels | undefined): PinnedPolicy {
  return pinnedPolicy(labels?.[ENFORCE_VERSION_LABEL]);
}
