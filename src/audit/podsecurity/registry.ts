/**
 * The Pod Security policy versions, as pod-security-admission's registry (policy/registry.go)
 * resolves them: each check lists the policy minor from which each of its implementations applies;
 * at version v1.N a check uses its newest implementation from 1.N or before, and is absent when it
 * has none (allowPrivilegeEscalation only exists from 1.8). Versions past the newest implementation
 * of any check (1.35 on a 1.36 API server) and `latest` evaluate as that newest one.
 */
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
  seccompProfileAnnotations,
  seccompProfileBaseline,
  seLinuxOptionsWith,
  sysctlsWith,
  windowsHostProcess,
} from './baseline.js';
import type { CheckFn, PodSecurityCheckId } from './common.js';
import { ALLOWED_SELINUX_TYPES, SAFE_SYSCTLS } from './common.js';
import {
  allowPrivilegeEscalation,
  allowPrivilegeEscalation18,
  capabilitiesRestricted,
  capabilitiesRestricted122,
  restrictedVolumes,
  runAsNonRoot,
  runAsNonRoot10,
  runAsUser,
  runAsUser123,
  seccompProfileRestricted,
  seccompProfileRestricted119,
} from './restricted.js';

interface Implementation {
  /** The policy minor (1.N) from which this implementation applies. */
  since: number;
  fn: CheckFn;
  /** Baseline checks this restricted one replaces while it applies. */
  overrides?: readonly PodSecurityCheckId[];
}

interface VersionedCheck {
  id: PodSecurityCheckId;
  level: 'baseline' | 'restricted';
  versions: readonly Implementation[];
}

const SYSCTLS_1_0 = new Set(['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start']);
const SYSCTLS_1_27 = new Set([...SYSCTLS_1_0, 'net.ipv4.ip_local_reserved_ports']);
const SYSCTLS_1_29 = new Set([...SYSCTLS_1_27, 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes']);
const SELINUX_1_0 = new Set([...ALLOWED_SELINUX_TYPES].filter((t) => t !== 'container_engine_t'));

const only = (fn: CheckFn, since = 0): Implementation[] => [{ since, fn }];

/** Every check and its implementations by policy version (policy/check_*.go). */
export const VERSIONED_CHECKS: readonly VersionedCheck[] = [
  { id: 'appArmorProfile', level: 'baseline', versions: only(appArmorProfile) },
  { id: 'capabilities_baseline', level: 'baseline', versions: only(capabilitiesBaseline) },
  { id: 'hostNamespaces', level: 'baseline', versions: only(hostNamespaces) },
  { id: 'hostPathVolumes', level: 'baseline', versions: only(hostPathVolumes) },
  { id: 'hostPorts', level: 'baseline', versions: only(hostPorts) },
  { id: 'hostProbesAndHostLifecycle', level: 'baseline', versions: only(hostProbesAndHostLifecycle, 34) },
  { id: 'privileged', level: 'baseline', versions: only(privileged) },
  { id: 'procMount', level: 'baseline', versions: [{ since: 0, fn: procMountStrict }, { since: 35, fn: procMountBaseline }] },
  { id: 'seLinuxOptions', level: 'baseline', versions: [{ since: 0, fn: seLinuxOptionsWith(SELINUX_1_0) }, { since: 31, fn: seLinuxOptionsWith(ALLOWED_SELINUX_TYPES) }] },
  { id: 'seccompProfile_baseline', level: 'baseline', versions: [{ since: 0, fn: seccompProfileAnnotations }, { since: 19, fn: seccompProfileBaseline }] },
  {
    id: 'sysctls',
    level: 'baseline',
    versions: [
      { since: 0, fn: sysctlsWith(SYSCTLS_1_0) },
      { since: 27, fn: sysctlsWith(SYSCTLS_1_27) },
      { since: 29, fn: sysctlsWith(SYSCTLS_1_29) },
      { since: 32, fn: sysctlsWith(SAFE_SYSCTLS) },
    ],
  },
  { id: 'windowsHostProcess', level: 'baseline', versions: only(windowsHostProcess) },
  { id: 'allowPrivilegeEscalation', level: 'restricted', versions: [{ since: 8, fn: allowPrivilegeEscalation18 }, { since: 25, fn: allowPrivilegeEscalation }] },
  {
    id: 'capabilities_restricted',
    level: 'restricted',
    versions: [
      { since: 22, fn: capabilitiesRestricted122, overrides: ['capabilities_baseline'] },
      { since: 25, fn: capabilitiesRestricted, overrides: ['capabilities_baseline'] },
    ],
  },
  { id: 'procMount_restricted', level: 'restricted', versions: [{ since: 35, fn: procMountStrict, overrides: ['procMount'] }] },
  { id: 'restrictedVolumes', level: 'restricted', versions: [{ since: 0, fn: restrictedVolumes, overrides: ['hostPathVolumes'] }] },
  { id: 'runAsNonRoot', level: 'restricted', versions: [{ since: 0, fn: runAsNonRoot10 }, { since: 35, fn: runAsNonRoot }] },
  { id: 'runAsUser', level: 'restricted', versions: [{ since: 23, fn: runAsUser123 }, { since: 35, fn: runAsUser }] },
  {
    id: 'seccompProfile_restricted',
    level: 'restricted',
    versions: [
      { since: 19, fn: seccompProfileRestricted119, overrides: ['seccompProfile_baseline'] },
      { since: 25, fn: seccompProfileRestricted, overrides: ['seccompProfile_baseline'] },
    ],
  },
];

/** The newest policy minor any check has: what `latest` and every later version mean. */
export const LATEST_POLICY_MINOR = Math.max(...VERSIONED_CHECKS.flatMap((c) => c.versions.map((v) => v.since)));

export type PolicyVersion = 'latest' | `v1.${number}`;

/** The minor a version label selects; an unparseable label counts as latest, as Pod Security Admission does. */
export function policyMinor(version: string | undefined): number {
  const m = /^v1\.(0|[1-9][0-9]*)$/.exec(version ?? 'latest');
  return m?.[1] === undefined ? LATEST_POLICY_MINOR : Math.min(Number(m[1]), LATEST_POLICY_MINOR);
}

function implementationAt(check: VersionedCheck, minor: number): Implementation | undefined {
  return check.versions.filter((v) => v.since <= minor).at(-1);
}

/**
 * The checks of a level at a policy minor, in the registry's order: the baseline ones sorted by id
 * (minus those an applying restricted check overrides), then the restricted ones sorted by id.
 */
export function checksAt(level: 'baseline' | 'restricted', minor: number): (readonly [PodSecurityCheckId, CheckFn])[] {
  const active = VERSIONED_CHECKS.flatMap((c) => {
    const impl = implementationAt(c, minor);
    return impl === undefined || (level === 'baseline' && c.level === 'restricted') ? [] : [{ check: c, impl }];
  });
  const overridden = new Set(active.flatMap(({ impl }) => impl.overrides ?? []));
  const byId = (a: { check: VersionedCheck }, b: { check: VersionedCheck }): number => (a.check.id < b.check.id ? -1 : a.check.id > b.check.id ? 1 : 0);
  const baseline = active.filter(({ check }) => check.level === 'baseline' && !overridden.has(check.id)).sort(byId);
  const restricted = active.filter(({ check }) => check.level === 'restricted').sort(byId);
  return [...baseline, ...restricted].map(({ check, impl }) => [check.id, impl.fn] as const);
}
