/** Workload checks of the Pod Security baseline level: WL-001, WL-002, WL-003, WL-005, WL-006, WL-007. */
import type { CheckMeta, NamespaceCheck } from '../check.js';
import { narrowEquivalents } from '../check.js';
import { perWorkloadAtPolicy as perWorkload, type PinnedPolicy } from '../atpolicy.js';
import { allContainers, describe, isUserNamespaced } from '../podspec.js';
import { BASELINE_CAPABILITIES } from '../podsecurity.js';
import type { Container, LifecycleHandler, Probe, SELinuxOptions } from '../types.js';

const LEAST_PRIVILEGE = 'Least privileged user: avoid container escape and privilege escalation';

const wl001: CheckMeta = {
  id: 'WL-001',
  title: 'Host namespaces',
  severity: 'high',
  category: 'Workload',
  seedItem: LEAST_PRIVILEGE,
  equivalents: ['P:hostNetworkSet', 'P:hostPIDSet', 'P:hostIPCSet', 'C-0038', 'C-0041', 'CIS 5.2.3', 'CIS 5.2.4', 'CIS 5.2.5', 'KSV-0008', 'KSV-0009', 'KSV-0010', 'PSS-B'],
  fix: 'PSA / Report',
};

export const hostNamespacesCheck: NamespaceCheck = perWorkload(wl001, (w) => {
  const spec = w.podSpec;
  const set = (
    [
      ['hostNetwork', spec.hostNetwork, 'P:hostNetworkSet'],
      ['hostPID', spec.hostPID, 'P:hostPIDSet'],
      ['hostIPC', spec.hostIPC, 'P:hostIPCSet'],
    ] as const
  ).filter(([, value]) => value === true);
  return {
    problems: set.map(([field]) => `pod: set spec.${field}: false (or remove it)`),
    equivalents: narrowEquivalents(wl001, set.map(([, , polaris]) => polaris)),
    passMessage: 'no host network, PID or IPC namespace',
  };
});

const wl002: CheckMeta = {
  id: 'WL-002',
  title: 'Privileged',
  severity: 'critical',
  category: 'Workload',
  seedItem: LEAST_PRIVILEGE,
  equivalents: ['P:runAsPrivileged', 'KS:container-security-context-privileged', 'C-0057', 'CIS 5.2.2', 'KSV-0017', 'PSS-B'],
  fix: 'PSA / Report',
};

export const privilegedCheck: NamespaceCheck = perWorkload(wl002, (w) => ({
  problems: allContainers(w.podSpec)
    .filter((c) => c.container.securityContext?.privileged === true)
    .map((c) => `${describe(c)}: set securityContext.privileged: false`),
  passMessage: 'no privileged container',
}));

/** Capabilities whose addition is critical rather than high. */
export const CRITICAL_CAPABILITIES: ReadonlySet<string> = new Set(['ALL', 'SYS_ADMIN', 'NET_ADMIN', 'SYS_MODULE']);

function normalizeCapability(cap: string): string {
  return cap.toUpperCase().replace(/^CAP_/, '');
}

const wl003: CheckMeta = {
  id: 'WL-003',
  title: 'Added capabilities',
  severity: 'high',
  category: 'Workload',
  seedItem: LEAST_PRIVILEGE,
  equivalents: ['P:dangerousCapabilities', 'C-0046', 'CIS 5.2.8', 'CIS 5.2.9', 'KSV-0005', 'KSV-0022', 'PSS-B'],
  fix: 'PSA / Report',
};

export const addedCapabilitiesCheck: NamespaceCheck = perWorkload(wl003, (w) => {
  let critical = false;
  const problems: string[] = [];
  for (const c of allContainers(w.podSpec)) {
    const extra = (c.container.securityContext?.capabilities?.add ?? []).filter((cap) => !BASELINE_CAPABILITIES.has(cap));
    if (extra.length === 0) continue;
    if (extra.some((cap) => CRITICAL_CAPABILITIES.has(normalizeCapability(cap)))) critical = true;
    problems.push(`${describe(c)}: remove ${extra.join(', ')} from securityContext.capabilities.add`);
  }
  return { problems, severity: critical ? 'critical' : 'high', passMessage: 'no capability added beyond the baseline set' };
});

/** hostPath prefixes whose mount is critical: the host root, its configuration, kernel and runtime sockets. */
const CRITICAL_HOST_PATHS = ['/etc', '/proc', '/sys', '/run', '/var/run', '/var/lib/kubelet', '/var/lib/docker', '/var/lib/containerd'];
const RUNTIME_SOCKETS = /(^|\/)(docker|containerd|crio|cri-dockerd|podman)\.sock$/;

/** Whether mounting this host path gives control of the node. */
export function isCriticalHostPath(path: string): boolean {
  const p = path.replace(/\/+$/, '') || '/';
  if (p === '/') return true;
  if (RUNTIME_SOCKETS.test(p)) return true;
  return CRITICAL_HOST_PATHS.some((prefix) => p === prefix || p.startsWith(`${prefix}/`));
}

const wl005: CheckMeta = {
  id: 'WL-005',
  title: 'hostPath',
  severity: 'high',
  category: 'Workload',
  seedItem: LEAST_PRIVILEGE,
  equivalents: ['P:hostPathSet', 'C-0048', 'CIS 5.2.12', 'KSV-0023', 'PSS-B'],
  fix: 'PSA / Report',
};

export const hostPathCheck: NamespaceCheck = perWorkload(wl005, (w) => {
  const volumes = (w.podSpec.volumes ?? []).flatMap((v) => (v.hostPath !== undefined ? [{ name: v.name, path: v.hostPath.path }] : []));
  return {
    problems: volumes.map((v) => `volume ${v.name}: replace hostPath ${v.path} with a persistentVolumeClaim, emptyDir or configMap`),
    severity: volumes.some((v) => isCriticalHostPath(v.path)) ? 'critical' : 'high',
    passMessage: 'no hostPath volume',
  };
});

const wl006: CheckMeta = {
  id: 'WL-006',
  title: 'hostPort',
  severity: 'medium',
  category: 'Workload',
  seedItem: LEAST_PRIVILEGE,
  equivalents: ['P:hostPortSet', 'C-0044', 'CIS 5.2.13', 'KSV-0024', 'PSS-B'],
  fix: 'PSA / Report',
};

export const hostPortCheck: NamespaceCheck = perWorkload(wl006, (w) => ({
  problems: allContainers(w.podSpec).flatMap((c) => {
    const ports = (c.container.ports ?? []).filter((p) => p.hostPort !== undefined && p.hostPort !== 0).map((p) => String(p.hostPort));
    return ports.length === 0 ? [] : [`${describe(c)}: remove hostPort ${ports.join(', ')} (expose it through a Service)`];
  }),
  passMessage: 'no hostPort',
}));

const wl007: CheckMeta = {
  id: 'WL-007',
  title: 'Other baseline fields',
  severity: 'medium',
  category: 'Workload',
  seedItem: LEAST_PRIVILEGE,
  equivalents: ['C-0202', 'CIS 5.2.11', 'KSV-0002', 'KSV-0025', 'KSV-0026', 'KSV-0027', 'KSV-0103', 'PSS-B'],
  fix: 'PSA / Report',
};

function seLinuxProblems(where: string, opts: SELinuxOptions | undefined, allowed: ReadonlySet<string>): string[] {
  if (opts === undefined) return [];
  const out: string[] = [];
  const type = opts.type ?? '';
  if (!allowed.has(type)) out.push(`${where}: remove seLinuxOptions.type ${type} (allowed: ${[...allowed].filter((t) => t !== '').join(', ')})`);
  if ((opts.user ?? '') !== '') out.push(`${where}: remove seLinuxOptions.user`);
  if ((opts.role ?? '') !== '') out.push(`${where}: remove seLinuxOptions.role`);
  return out;
}

function appArmorProblem(where: string, type: string | undefined, present: boolean): string[] {
  if (!present || type === 'RuntimeDefault' || type === 'Localhost') return [];
  return [`${where}: set appArmorProfile.type: RuntimeDefault (or Localhost) instead of ${type ?? 'nothing'}`];
}

function hostProblems(where: string, field: string, handler: Probe | LifecycleHandler | undefined): string[] {
  if (handler === undefined) return [];
  return (['httpGet', 'tcpSocket'] as const).flatMap((kind) => {
    const host = handler[kind]?.host;
    return host !== undefined && host !== '' ? [`${where}: remove ${field}.${kind}.host ${host}`] : [];
  });
}

/** Probe and lifecycle `host` (hostProbesAndHostLifecycle, policy 1.34). */
function containerHostProblems(where: string, c: Container): string[] {
  return [
    ...hostProblems(where, 'livenessProbe', c.livenessProbe),
    ...hostProblems(where, 'readinessProbe', c.readinessProbe),
    ...hostProblems(where, 'startupProbe', c.startupProbe),
    ...hostProblems(where, 'lifecycle.postStart', c.lifecycle?.postStart),
    ...hostProblems(where, 'lifecycle.preStop', c.lifecycle?.preStop),
  ];
}

export const otherBaselineFieldsCheck: NamespaceCheck = perWorkload(wl007, (w, input, policy: PinnedPolicy) => {
  const spec = w.podSpec;
  const problems: string[] = [];
  const podSc = spec.securityContext;
  if (podSc?.windowsOptions?.hostProcess === true) problems.push('pod: set securityContext.windowsOptions.hostProcess: false');
  problems.push(...seLinuxProblems('pod', podSc?.seLinuxOptions, policy.seLinuxTypes));
  problems.push(...appArmorProblem('pod', podSc?.appArmorProfile?.type, podSc?.appArmorProfile !== undefined));
  for (const sysctl of podSc?.sysctls ?? []) {
    if (!policy.safeSysctls.has(sysctl.name)) problems.push(`pod: remove unsafe sysctl ${sysctl.name}`);
  }
  // Baseline relaxes procMount for user-namespaced pods (1.35); restricted does not (procMount_restricted).
  const procMountRelaxed = input.config.podSecurityLevel === 'baseline' && policy.userNamespaceRelaxed && isUserNamespaced(spec);
  const hostProbes = policy.has('hostProbesAndHostLifecycle');
  for (const c of allContainers(spec)) {
    const where = describe(c);
    const sc = c.container.securityContext;
    if (sc?.windowsOptions?.hostProcess === true) problems.push(`${where}: set securityContext.windowsOptions.hostProcess: false`);
    if (!procMountRelaxed && sc?.procMount !== undefined && sc.procMount !== 'Default') problems.push(`${where}: set securityContext.procMount: Default`);
    problems.push(...seLinuxProblems(where, sc?.seLinuxOptions, policy.seLinuxTypes));
    problems.push(...appArmorProblem(where, sc?.appArmorProfile?.type, sc?.appArmorProfile !== undefined));
    if (hostProbes) problems.push(...containerHostProblems(where, c.container));
  }
  for (const [key, value] of Object.entries(w.podAnnotations ?? {})) {
    if (!key.startsWith('container.apparmor.security.beta.kubernetes.io/')) continue;
    if (value === '' || value === 'runtime/default' || value.startsWith('localhost/')) continue;
    problems.push(`pod annotation ${key}: use runtime/default or localhost/<profile> instead of ${value} (or set appArmorProfile)`);
  }
  return { problems, passMessage: 'no hostProcess, unmasked /proc, custom SELinux, unsafe sysctl, unconfined AppArmor or probe host' };
});

export const workloadHostChecks: readonly NamespaceCheck[] = [
  hostNamespacesCheck,
  privilegedCheck,
  addedCapabilitiesCheck,
  hostPathCheck,
  hostPortCheck,
  otherBaselineFieldsCheck,
];
