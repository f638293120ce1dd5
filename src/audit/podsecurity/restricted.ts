/** The restricted checks (check_*.go at policy v1.35; see ../podsecurity.ts). */
import { isUserNamespaced, isWindowsPod } from '../podspec.js';
import type { Volume } from '../types.js';
import type { CheckFn } from './common.js';
import { NAMED_VOLUME_TYPES, RESTRICTED_VOLUME_TYPES, containersPhrase, joinQuote, pluralize, present, sorted, validSeccomp, visit } from './common.js';

/** Policy 1.25 relaxed some restricted checks for Windows pods, which cannot set those fields. */
export const exceptWindows = (fn: CheckFn): CheckFn => (spec, annotations) => (isWindowsPod(spec) ? undefined : fn(spec, annotations));
/** Policy 1.35 relaxed some checks for pods in a user namespace (hostUsers: false). */
export const exceptUserNamespaced = (fn: CheckFn): CheckFn => (spec, annotations) => (isUserNamespaced(spec) ? undefined : fn(spec, annotations));

/** allowPrivilegeEscalation_1_8. */
export const allowPrivilegeEscalation18: CheckFn = (spec) => {
  const bad: string[] = [];
  visit(spec, (c) => {
    if (c.securityContext?.allowPrivilegeEscalation !== false) bad.push(c.name);
  });
  if (bad.length === 0) return undefined;
  return { reason: 'allowPrivilegeEscalation != false', detail: `${containersPhrase(bad)} must set securityContext.allowPrivilegeEscalation=false` };
};

/** capabilitiesRestricted_1_22. */
export const capabilitiesRestricted122: CheckFn = (spec) => {
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

export const restrictedVolumes: CheckFn = (spec) => {
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

/** runAsNonRoot1_0. */
export const runAsNonRoot10: CheckFn = (spec) => {
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

/** runAsUser1_23. */
export const runAsUser123: CheckFn = (spec) => {
  const setters: string[] = [];
  if (spec.securityContext?.runAsUser === 0) setters.push('pod');
  const bad: string[] = [];
  visit(spec, (c) => {
    if (c.securityContext?.runAsUser === 0) bad.push(c.name);
  });
  if (bad.length > 0) setters.push(containersPhrase(bad));
  return setters.length === 0 ? undefined : { reason: 'runAsUser=0', detail: `${setters.join(' and ')} must not set runAsUser=0` };
};

/** seccompProfileRestricted_1_19. */
export const seccompProfileRestricted119: CheckFn = (spec) => {
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

export const allowPrivilegeEscalation = exceptWindows(allowPrivilegeEscalation18);
export const capabilitiesRestricted = exceptWindows(capabilitiesRestricted122);
export const runAsNonRoot = exceptUserNamespaced(runAsNonRoot10);
export const runAsUser = exceptUserNamespaced(runAsUser123);
export const seccompProfileRestricted = exceptWindows(seccompProfileRestricted119);
