/** The baseline checks (check_*.go at policy v1.35; see ../podsecurity.ts). */
import { isUserNamespaced } from '../podspec.js';
import type { LifecycleHandler, PodSpec, Probe, SELinuxOptions } from '../types.js';
import type { CheckFn } from './common.js';
import {
  ALLOWED_SELINUX_TYPES,
  APPARMOR_ANNOTATION_PREFIX,
  BASELINE_CAPABILITIES,
  SAFE_SYSCTLS,
  containersPhrase,
  joinQuote,
  pluralize,
  present,
  sorted,
  validSeccomp,
  visit,
} from './common.js';

export const appArmorProfile: CheckFn = (spec, annotations) => {
  const { setters, types: badValues } = forbiddenProfiles(spec, 'appArmorProfile', (type) => type === 'RuntimeDefault' || type === 'Localhost');
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

export const capabilitiesBaseline: CheckFn = (spec) => {
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

export const hostNamespaces: CheckFn = (spec) => {
  const set: string[] = [];
  if (spec.hostNetwork === true) set.push('hostNetwork=true');
  if (spec.hostPID === true) set.push('hostPID=true');
  if (spec.hostIPC === true) set.push('hostIPC=true');
  return set.length === 0 ? undefined : { reason: 'host namespaces', detail: set.join(', ') };
};

export const hostPathVolumes: CheckFn = (spec) => {
  const names = (spec.volumes ?? []).filter((v) => present(v.hostPath)).map((v) => v.name);
  return names.length === 0 ? undefined : { reason: 'hostPath volumes', detail: `${pluralize('volume', 'volumes', names.length)} ${joinQuote(names)}` };
};

export const hostPorts: CheckFn = (spec) => {
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

export const hostProbesAndHostLifecycle: CheckFn = (spec) => {
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

export const privileged: CheckFn = (spec) => {
  const bad: string[] = [];
  visit(spec, (c) => {
    if (c.securityContext?.privileged === true) bad.push(c.name);
  });
  return bad.length === 0 ? undefined : { reason: 'privileged', detail: `${containersPhrase(bad)} must not set securityContext.privileged=true` };
};

/** procMount_1_0: anything but unset or Default. */
export const procMountStrict: CheckFn = (spec) => {
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
export const procMountBaseline: CheckFn = (spec, annotations) => (isUserNamespaced(spec) ? undefined : procMountStrict(spec, annotations));

/** seLinuxOptions with the allowed types of a policy version (container_engine_t from 1.31). */
export const seLinuxOptionsWith = (allowedTypes: ReadonlySet<string>): CheckFn => (spec) => {
  const setters: string[] = [];
  const badTypes = new Set<string>();
  const set = { user: false, role: false };
  const valid = (opts: SELinuxOptions): boolean => {
    let ok = true;
    const type = opts.type ?? '';
    if (!allowedTypes.has(type)) {
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

export const seccompProfileBaseline: CheckFn = (spec) => {
  const { setters, types: values } = forbiddenProfiles(spec, 'seccompProfile', validSeccomp);
  if (setters.length === 0) return undefined;
  return { reason: 'seccompProfile', detail: `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sorted(values))}` };
};

/** sysctls with the safe set of a policy version. */
export const sysctlsWith = (safe: ReadonlySet<string>): CheckFn => (spec) => {
  const bad = (spec.securityContext?.sysctls ?? []).map((s) => s.name).filter((n) => !safe.has(n));
  return bad.length === 0 ? undefined : { reason: 'forbidden sysctls', detail: bad.join(', ') };
};

export const seLinuxOptions = seLinuxOptionsWith(ALLOWED_SELINUX_TYPES);
export const sysctls = sysctlsWith(SAFE_SYSCTLS);

export const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
export const SECCOMP_CONTAINER_ANNOTATION_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';

/** The values the seccomp annotations were allowed to carry. */
export function validSeccompAnnotation(value: string): boolean {
  return value === 'runtime/default' || value === 'docker/default' || value.startsWith('localhost/');
}

/** seccompProfileBaseline_1_0: before the field existed, the alpha annotations (policy 1.0 to 1.18). */
export const seccompProfileAnnotations: CheckFn = (spec, annotations) => {
  const forbidden = new Set<string>();
  const check = (key: string): void => {
    const value = annotations[key];
    if (value !== undefined && !validSeccompAnnotation(value)) forbidden.add(`${key}=${JSON.stringify(value)}`);
  };
  check(SECCOMP_POD_ANNOTATION);
  visit(spec, (c) => {
    check(`${SECCOMP_CONTAINER_ANNOTATION_PREFIX}${c.name}`);
  });
  if (forbidden.size === 0) return undefined;
  return { reason: 'seccompProfile', detail: `forbidden ${pluralize('annotation', 'annotations', forbidden.size)} ${sorted(forbidden).join(', ')}` };
};

export const windowsHostProcess: CheckFn = (spec) => {
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

/** Who sets a profile to a type the level forbids ('pod', then the containers), and those types. */
function forbiddenProfiles(spec: PodSpec, field: 'appArmorProfile' | 'seccompProfile', allowed: (type: string | undefined) => boolean): { setters: string[]; types: Set<string> } {
  const setters: string[] = [];
  const types = new Set<string>();
  const podProfile = spec.securityContext?.[field];
  if (podProfile !== undefined && !allowed(podProfile.type)) {
    setters.push('pod');
    types.add(podProfile.type ?? '');
  }
  const bad: string[] = [];
  visit(spec, (c) => {
    const profile = c.securityContext?.[field];
    if (profile !== undefined && !allowed(profile.type)) {
      bad.push(c.name);
      types.add(profile.type ?? '');
    }
  });
  if (bad.length > 0) setters.push(containersPhrase(bad));
  return { setters, types };
}
