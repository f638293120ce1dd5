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

/** A value that changed with the policy version: each entry applies from its minor on. */
export type Versioned<T> = readonly (readonly [since: number, value: T])[];

/** The safe sysctls by policy minor (sysctlsAllowedV1Dot*). */
export const SAFE_SYSCTLS_SINCE: Versioned<ReadonlySet<string>> = [[0, SYSCTLS_1_0], [27, SYSCTLS_1_27], [29, SYSCTLS_1_29], [32, SAFE_SYSCTLS]];
/** The allowed SELinux types by policy minor (container_engine_t from 1.31). */
export const SELINUX_TYPES_SINCE: Versioned<ReadonlySet<string>> = [[0, SELINUX_1_0], [31, ALLOWED_SELINUX_TYPES]];
/** From 1.25 the restricted allowPrivilegeEscalation, capabilities and seccomp checks skip `os.name: windows`. */
export const WINDOWS_RELAXED_SINCE = 25;
/** From 1.35 `hostUsers: false` lifts runAsNonRoot, runAsUser and the baseline procMount check. */
export const USER_NAMESPACE_RELAXED_SINCE = 35;
/** Before 1.19 the baseline seccomp check read the alpha annotations; from 1.19, the fields. */
export const SECCOMP_FIELDS_SINCE = 19;

/** The value in force at a policy minor. */
export function valueAt<T>(table: Versioned<T>, minor: number): T {
  const found = table.filter(([since]) => since <= minor).at(-1) ?? table[0];
  if (found === undefined) throw new Error('valueAt: empty table');
  return found[1];
}

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
  { id: 'procMount', level: 'baseline', versions: [{ since: 0, fn: procMountStrict }, { since: USER_NAMESPACE_RELAXED_SINCE, fn: procMountBaseline }] },
  { id: 'seLinuxOptions', level: 'baseline', versions: SELINUX_TYPES_SINCE.map(([since, types]) => ({ since, fn: seLinuxOptionsWith(types) })) },
  { id: 'seccompProfile_baseline', level: 'baseline', versions: [{ since: 0, fn: seccompProfileAnnotations }, { since: SECCOMP_FIELDS_SINCE, fn: seccompProfileBaseline }] },
  { id: 'sysctls', level: 'baseline', versions: SAFE_SYSCTLS_SINCE.map(([since, safe]) => ({ since, fn: sysctlsWith(safe) })) },
  { id: 'windowsHostProcess', level: 'baseline', versions: only(windowsHostProcess) },
  { id: 'allowPrivilegeEscalation', level: 'restricted', versions: [{ since: 8, fn: allowPrivilegeEscalation18 }, { since: WINDOWS_RELAXED_SINCE, fn: allowPrivilegeEscalation }] },
  {
    id: 'capabilities_restricted',
    level: 'restricted',
    versions: [
      { since: 22, fn: capabilitiesRestricted122, overrides: ['capabilities_baseline'] },
      { since: WINDOWS_RELAXED_SINCE, fn: capabilitiesRestricted, overrides: ['capabilities_baseline'] },
    ],
  },
  { id: 'procMount_restricted', level: 'restricted', versions: [{ since: USER_NAMESPACE_RELAXED_SINCE, fn: procMountStrict, overrides: ['procMount'] }] },
  { id: 'restrictedVolumes', level: 'restricted', versions: [{ since: 0, fn: restrictedVolumes, overrides: ['hostPathVolumes'] }] },
  { id: 'runAsNonRoot', level: 'restricted', versions: [{ since: 0, fn: runAsNonRoot10 }, { since: USER_NAMESPACE_RELAXED_SINCE, fn: runAsNonRoot }] },
  { id: 'runAsUser', level: 'restricted', versions: [{ since: 23, fn: runAsUser123 }, { since: USER_NAMESPACE_RELAXED_SINCE, fn: runAsUser }] },
  {
    id: 'seccompProfile_restricted',
    level: 'restricted',
    versions: [
      { since: SECCOMP_FIELDS_SINCE, fn: seccompProfileRestricted119, overrides: ['seccompProfile_baseline'] },
      { since: WINDOWS_RELAXED_SINCE, fn: seccompProfileRestricted, overrides: ['seccompProfile_baseline'] },
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

/** Whether a check exists at a policy minor (allowPrivilegeEscalation from 1.8, runAsUser from 1.23, ...). */
export function checkExistsAt(id: PodSecurityCheckId, minor: number): boolean {
  const check = VERSIONED_CHECKS.find((c) => c.id === id);
  return check !== undefined && implementationAt(check, minor) !== undefined;
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
