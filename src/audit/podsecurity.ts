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
import type { Container, Labels, PodSpec, Probe, LifecycleHandler, SELinuxOptions, Volume } from './types.js';
import { allContainers, isUserNamespaced, isWindowsPod } from './podspec.js';

export type PodSecurityCheckId =
  | 'appArmorProfile'
  | 'capabilities_baseline'
  | 'hostNamespaces'
  | 'hostPathVolumes'
  | 'hostPorts'
  | 'hostProbesAndHostLifecycle'
  | 'privileged'
  | 'procMount'
  | 'seLinuxOptions'
  | 'seccompProfile_baseline'
  | 'sysctls'
  | 'windowsHostProcess'
  | 'allowPrivilegeEscalation'
  | 'capabilities_restricted'
  | 'procMount_restricted'
  | 'restrictedVolumes'
  | 'runAsNonRoot'
  | 'runAsUser'
  | 'seccompProfile_restricted';

export interface PodSecurityViolation {
  check: PodSecurityCheckId;
  reason: string;
  detail: string;
}

type Forbidden = Omit<PodSecurityViolation, 'check'> | undefined;
type CheckFn = (spec: PodSpec, annotations: Labels) => Forbidden;

export const BASELINE_CAPABILITIES: ReadonlySet<string> = new Set([
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD',
  'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
]);

/** sysctlsAllowedV1Dot32 (the 1.37 additions tcp_slow_start_after_idle/tcp_notsent_lowat are not in 1.36). */
export const SAFE_SYSCTLS: ReadonlySet<string> = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
  'net.ipv4.tcp_rmem',
  'net.ipv4.tcp_wmem',
]);

/** selinuxAllowedTypes1_31 ('' is the unset value). */
export const ALLOWED_SELINUX_TYPES: ReadonlySet<string> = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);

/** The restricted volume sources (check_restrictedVolumes.go). */
export const RESTRICTED_VOLUME_TYPES: readonly string[] = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image', 'persistentVolumeClaim', 'projected', 'secret'];

/** The sources the restricted check names when it rejects a volume, in its switch order. */
const NAMED_VOLUME_TYPES: readonly string[] = [
  'hostPath', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'nfs', 'iscsi', 'glusterfs', 'rbd', 'flexVolume', 'cinder',
  'cephfs', 'flocker', 'fc', 'azureFile', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'portworxVolume',
  'scaleIO', 'storageos',
];

const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

// ---- helpers, as in policy/helpers.go ----------------------------------------------------------

export function joinQuote(items: readonly string[]): string {
  return items.length === 0 ? '' : `"${items.join('", "')}"`;
}

function pluralize(singular: string, plural: string, count: number): string {
  return count === 1 ? singular : plural;
}

function containersPhrase(names: readonly string[]): string {
  return `${pluralize('container', 'containers', names.length)} ${joinQuote(names)}`;
}

function sorted(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

function visit(spec: PodSpec, fn: (c: Container) => void): void {
  for (const { container } of allContainers(spec)) fn(container);
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

// ---- baseline --------------------------------------------------------------------------------

const appArmorProfile: CheckFn = (spec, annotations) => {
  const allowed = (type: string | undefined): boolean => type === 'RuntimeDefault' || type === 'Localhost';
  const setters: string[] = [];
  const badValues = new Set<string>();
  const podProfile = spec.securityContext?.appArmorProfile;
  if (podProfile !== undefined && !allowed(podProfile.type)) {
    setters.push('pod');
    badValues.add(podProfile.type ?? '');
  }
  const bad: string[] = [];
  visit(spec, (c) => {
    const profile = c.securityContext?.appArmorProfile;
    if (profile !== undefined && !allowed(profile.type)) {
      bad.push(c.name);
      badValues.add(profile.type ?? '');
    }
  });
  if (bad.length > 0) setters.push(containersPhrase(bad));
  const forbiddenAnnotations = Object.entries(annotations)
    .filter(([k, v]) => k.startsWith(APPARMOR_ANNOTATION_PREFIX) && !(v === '' || v === 'runtime/default' || v.startsWith('localhost/')))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .sort();
  const values = [...sorted(badValues), ...forbiddenAnnotations];
  if (forbiddenAnnotations.length > 0) setters.push(pluralize('annotation', 'annotations', forbiddenAnnotations.length));
  if (setters.length === 0) return undefined;
  return {
    reason: pluralize('forbidden AppArmor profile', 'forbidden AppArmor profiles', values.length),
    detail: `${setters.join(' and ')} must not set AppArmor profile type to ${joinQuote(values)}`,
  };
};

const capabilitiesBaseline: CheckFn = (spec) => {
  const bad: string[] = [];
  const caps = new Set<string>();
  visit(spec, (c) => {
    let valid = true;
    for (const cap of c.securityContext?.capabilities?.add ?? []) {
      if (!BASELINE_CAPABILITIES.has(cap)) {
        valid = false;
        caps.add(cap);
      }
    }
    if (!valid) bad.push(c.name);
  });
  if (bad.length === 0) return undefined;
  return { reason: 'non-default capabilities', detail: `${containersPhrase(bad)} must not include ${joinQuote(sorted(caps))} in securityContext.capabilities.add` };
};

const hostNamespaces: CheckFn = (spec) => {
  const set: string[] = [];
  if (spec.hostNetwork === true) set.push('hostNetwork=true');
  if (spec.hostPID === true) set.push('hostPID=true');
  if (spec.hostIPC === true) set.push('hostIPC=true');
  return set.length === 0 ? undefined : { reason: 'host namespaces', detail: set.join(', ') };
};

const hostPathVolumes: CheckFn = (spec) => {
  const names = (spec.volumes ?? []).filter((v) => present(v.hostPath)).map((v) => v.name);
  return names.length === 0 ? undefined : { reason: 'hostPath volumes', detail: `${pluralize('volume', 'volumes', names.length)} ${joinQuote(names)}` };
};

const hostPorts: CheckFn = (spec) => {
  const bad: string[] = [];
  const ports = new Set<string>();
  visit(spec, (c) => {
    let valid = true;
    for (const p of c.ports ?? []) {
      if (p.hostPort !== undefined && p.hostPort !== 0) {
        valid = false;
        ports.add(String(p.hostPort));
      }
    }
    if (!valid) bad.push(c.name);
  });
  if (bad.length === 0) return undefined;
  return {
    reason: 'hostPort',
    detail: `${containersPhrase(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('hostPort', 'hostPorts', ports.size)} ${sorted(ports).join(', ')}`,
  };
};

function handlerHosts(handler: Probe | LifecycleHandler | undefined): string[] {
  if (handler === undefined) return [];
  return [handler.httpGet?.host, handler.tcpSocket?.host].filter((h): h is string => h !== undefined && h !== '');
}

const hostProbesAndHostLifecycle: CheckFn = (spec) => {
  const bad = new Set<string>();
  const hosts = new Set<string>();
  visit(spec, (c) => {
    const found = [
      ...handlerHosts(c.livenessProbe),
      ...handlerHosts(c.readinessProbe),
      ...handlerHosts(c.startupProbe),
      ...handlerHosts(c.lifecycle?.postStart),
      ...handlerHosts(c.lifecycle?.preStop),
    ];
    if (found.length > 0) bad.add(c.name);
    for (const h of found) hosts.add(h);
  });
  if (bad.size === 0) return undefined;
  const names = sorted(bad);
  return {
    reason: 'probe or lifecycle host',
    detail: `${containersPhrase(names)} ${pluralize('uses', 'use', names.length)} ${pluralize('probe or lifecycle host', 'probe or lifecycle hosts', hosts.size)} ${joinQuote(sorted(hosts))}`,
  };
};

const privileged: CheckFn = (spec) => {
  const bad: string[] = [];
  visit(spec, (c) => {
    if (c.securityContext?.privileged === true) bad.push(c.name);
  });
  return bad.length === 0 ? undefined : { reason: 'privileged', detail: `${containersPhrase(bad)} must not set securityContext.privileged=true` };
};

/** procMount_1_0: anything but unset or Default. */
const procMountStrict: CheckFn = (spec) => {
  const bad: string[] = [];
  const types = new Set<string>();
  visit(spec, (c) => {
    const pm = c.securityContext?.procMount;
    if (pm !== undefined && pm !== 'Default') {
      bad.push(c.name);
      types.add(pm);
    }
  });
  if (bad.length === 0) return undefined;
  return { reason: 'procMount', detail: `${containersPhrase(bad)} must not set securityContext.procMount to ${joinQuote(sorted(types))}` };
};

/** procMount1_35baseline: relaxed for user-namespaced pods. */
const procMountBaseline: CheckFn = (spec, annotations) => (isUserNamespaced(spec) ? undefined : procMountStrict(spec, annotations));

const seLinuxOptions: CheckFn = (spec) => {
  const setters: string[] = [];
  const badTypes = new Set<string>();
  const set = { user: false, role: false };
  const valid = (opts: SELinuxOptions): boolean => {
    let ok = true;
    const type = opts.type ?? '';
    if (!ALLOWED_SELINUX_TYPES.has(type)) {
      ok = false;
      badTypes.add(type);
    }
    if ((opts.user ?? '') !== '') {
      ok = false;
      set.user = true;
    }
    if ((opts.role ?? '') !== '') {
      ok = false;
      set.role = true;
    }
    return ok;
  };
  const podOpts = spec.securityContext?.seLinuxOptions;
  if (podOpts !== undefined && !valid(podOpts)) setters.push('pod');
  const bad: string[] = [];
  visit(spec, (c) => {
    const opts = c.securityContext?.seLinuxOptions;
    if (opts !== undefined && !valid(opts)) bad.push(c.name);
  });
  if (bad.length > 0) setters.push(containersPhrase(bad));
  if (setters.length === 0) return undefined;
  const data: string[] = [];
  if (badTypes.size > 0) data.push(`${pluralize('type', 'types', badTypes.size)} ${joinQuote(sorted(badTypes))}`);
  if (set.user) data.push('user may not be set');
  if (set.role) data.push('role may not be set');
  return { reason: 'seLinuxOptions', detail: `${setters.join(' and ')} set forbidden securityContext.seLinuxOptions: ${data.join('; ')}` };
};

function validSeccomp(type: string | undefined): boolean {
  return type === 'RuntimeDefault' || type === 'Localhost';
}

const seccompProfileBaseline: CheckFn = (spec) => {
  const setters: string[] = [];
  const values = new Set<string>();
  const podProfile = spec.securityContext?.seccompProfile;
  if (podProfile !== undefined && !validSeccomp(podProfile.type)) {
    setters.push('pod');
    values.add(podProfile.type ?? '');
  }
  const bad: string[] = [];
  visit(spec, (c) => {
    const profile = c.securityContext?.seccompProfile;
    if (profile !== undefined && !validSeccomp(profile.type)) {
      bad.push(c.name);
      values.add(profile.type ?? '');
    }
  });
  if (bad.length > 0) setters.push(containersPhrase(bad));
  if (setters.length === 0) return undefined;
  return { reason: 'seccompProfile', detail: `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sorted(values))}` };
};

const sysctls: CheckFn = (spec) => {
  const bad = (spec.securityContext?.sysctls ?? []).map((s) => s.name).filter((n) => !SAFE_SYSCTLS.has(n));
  return bad.length === 0 ? undefined : { reason: 'forbidden sysctls', detail: bad.join(', ') };
};

const windowsHostProcess: CheckFn = (spec) => {
  const bad: string[] = [];
  visit(spec, (c) => {
    if (c.securityContext?.windowsOptions?.hostProcess === true) bad.push(c.name);
  });
  const setters: string[] = [];
  if (spec.securityContext?.windowsOptions?.hostProcess === true) setters.push('pod');
  if (bad.length > 0) setters.push(containersPhrase(bad));
  if (setters.length === 0) return undefined;
  return { reason: 'hostProcess', detail: `${setters.join(' and ')} must not set securityContext.windowsOptions.hostProcess=true` };
};

// ---- restricted ------------------------------------------------------------------------------

const allowPrivilegeEscalation: CheckFn = (spec) => {
  if (isWindowsPod(spec)) return undefined;
  const bad: string[] = [];
  visit(spec, (c) => {
    if (c.securityContext?.allowPrivilegeEscalation !== false) bad.push(c.name);
  });
  if (bad.length === 0) return undefined;
  return { reason: 'allowPrivilegeEscalation != false', detail: `${containersPhrase(bad)} must set securityContext.allowPrivilegeEscalation=false` };
};

const capabilitiesRestricted: CheckFn = (spec) => {
  if (isWindowsPod(spec)) return undefined;
  const missingDropAll: string[] = [];
  const adding: string[] = [];
  const caps = new Set<string>();
  visit(spec, (c) => {
    const capabilities = c.securityContext?.capabilities;
    if (capabilities === undefined) {
      missingDropAll.push(c.name);
      return;
    }
    if (!(capabilities.drop ?? []).includes('ALL')) missingDropAll.push(c.name);
    let forbidden = false;
    for (const cap of capabilities.add ?? []) {
      if (cap !== 'NET_BIND_SERVICE') {
        forbidden = true;
        caps.add(cap);
      }
    }
    if (forbidden) adding.push(c.name);
  });
  const details: string[] = [];
  if (missingDropAll.length > 0) details.push(`${containersPhrase(missingDropAll)} must set securityContext.capabilities.drop=["ALL"]`);
  if (adding.length > 0) details.push(`${containersPhrase(adding)} must not include ${joinQuote(sorted(caps))} in securityContext.capabilities.add`);
  return details.length === 0 ? undefined : { reason: 'unrestricted capabilities', detail: details.join('; ') };
};

/** The volume type the restricted check reports for a volume outside the allowed set, if any. */
export function restrictedVolumeType(volume: Volume): string | undefined {
  if (RESTRICTED_VOLUME_TYPES.some((t) => present(volume[t]))) return undefined;
  return NAMED_VOLUME_TYPES.find((t) => present(volume[t])) ?? 'unknown';
}

const restrictedVolumes: CheckFn = (spec) => {
  const bad: string[] = [];
  const types = new Set<string>();
  for (const volume of spec.volumes ?? []) {
    const type = restrictedVolumeType(volume);
    if (type === undefined) continue;
    bad.push(volume.name);
    types.add(type);
  }
  if (bad.length === 0) return undefined;
  return {
    reason: 'restricted volume types',
    detail: `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('restricted volume type', 'restricted volume types', types.size)} ${joinQuote(sorted(types))}`,
  };
};

const runAsNonRoot: CheckFn = (spec) => {
  if (isUserNamespaced(spec)) return undefined;
  const setters: string[] = [];
  let podRunAsNonRoot = false;
  const podValue = spec.securityContext?.runAsNonRoot;
  if (podValue === false) setters.push('pod');
  if (podValue === true) podRunAsNonRoot = true;
  const explicit: string[] = [];
  const implicit: string[] = [];
  visit(spec, (c) => {
    const value = c.securityContext?.runAsNonRoot;
    if (value === false) explicit.push(c.name);
    else if (value === undefined && !podRunAsNonRoot) implicit.push(c.name);
  });
  if (explicit.length > 0) setters.push(containersPhrase(explicit));
  if (setters.length > 0) return { reason: 'runAsNonRoot != true', detail: `${setters.join(' and ')} must not set securityContext.runAsNonRoot=false` };
  if (implicit.length > 0) return { reason: 'runAsNonRoot != true', detail: `pod or ${containersPhrase(implicit)} must set securityContext.runAsNonRoot=true` };
  return undefined;
};

const runAsUser: CheckFn = (spec) => {
  if (isUserNamespaced(spec)) return undefined;
  const setters: string[] = [];
  if (spec.securityContext?.runAsUser === 0) setters.push('pod');
  const bad: string[] = [];
  visit(spec, (c) => {
    if (c.securityContext?.runAsUser === 0) bad.push(c.name);
  });
  if (bad.length > 0) setters.push(containersPhrase(bad));
  return setters.length === 0 ? undefined : { reason: 'runAsUser=0', detail: `${setters.join(' and ')} must not set runAsUser=0` };
};

const seccompProfileRestricted: CheckFn = (spec) => {
  if (isWindowsPod(spec)) return undefined;
  const setters: string[] = [];
  const values = new Set<string>();
  let podSet = false;
  const podProfile = spec.securityContext?.seccompProfile;
  if (podProfile !== undefined) {
    if (validSeccomp(podProfile.type)) podSet = true;
    else {
      setters.push('pod');
      values.add(podProfile.type ?? '');
    }
  }
  const explicit: string[] = [];
  const implicit: string[] = [];
  visit(spec, (c) => {
    const profile = c.securityContext?.seccompProfile;
    if (profile !== undefined) {
      if (!validSeccomp(profile.type)) {
        explicit.push(c.name);
        values.add(profile.type ?? '');
      }
    } else if (!podSet) implicit.push(c.name);
  });
  if (explicit.length > 0) setters.push(containersPhrase(explicit));
  if (setters.length > 0) {
    return { reason: 'seccompProfile', detail: `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sorted(values))}` };
  }
  if (implicit.length > 0) {
    return { reason: 'seccompProfile', detail: `pod or ${containersPhrase(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"` };
  }
  return undefined;
};

// ---- registry --------------------------------------------------------------------------------

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
