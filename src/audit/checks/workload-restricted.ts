/** Workload hardening checks (mostly the Pod Security restricted level): WL-004, WL-008..WL-012. */
import { perWorkloadAtPolicy, type PinnedPolicy } from '../atpolicy.js';
import type { CheckMeta, NamespaceCheck } from '../check.js';
import { perWorkload } from '../check.js';
import { allContainers, describe, isUserNamespaced, isWindowsPod } from '../podspec.js';
import { restrictedVolumeType } from '../podsecurity.js';
import { SECCOMP_CONTAINER_ANNOTATION_PREFIX, SECCOMP_POD_ANNOTATION, validSeccompAnnotation } from '../podsecurity/baseline.js';
import type { Workload } from '../types.js';

const LEAST_PRIVILEGE = 'Least privileged user: avoid container escape and privilege escalation';
const WINDOWS_RELAXED = 'not required for Windows pods (spec.os.name: windows)';

/** The pass message of a restricted rule the pinned policy version does not have yet. */
function absentAt(policy: PinnedPolicy): string {
  return `not part of Pod Security ${policy.version}, the namespace's pinned enforce-version`;
}

const wl004: CheckMeta = {
  id: 'WL-004',
  title: 'Drop ALL',
  severity: 'medium',
  category: 'Workload',
  seedItem: LEAST_PRIVILEGE,
  equivalents: ['P:insecureCapabilities', 'C-0201', 'CIS 5.2.10', 'KSV-0003', 'KSV-0106', 'PSS-R'],
  fix: 'PSA / Report',
};

export const dropAllCheck: NamespaceCheck = perWorkloadAtPolicy(wl004, (w, _input, policy) => {
  if (!policy.has('capabilities_restricted')) return { problems: [], passMessage: absentAt(policy) };
  if (policy.windowsRelaxed && isWindowsPod(w.podSpec)) return { problems: [], passMessage: WINDOWS_RELAXED };
  const problems: string[] = [];
  for (const c of allContainers(w.podSpec)) {
    const caps = c.container.securityContext?.capabilities;
    if (!(caps?.drop ?? []).includes('ALL')) problems.push(`${describe(c)}: set securityContext.capabilities.drop: [ALL]`);
    const added = (caps?.add ?? []).filter((cap) => cap !== 'NET_BIND_SERVICE');
    if (added.length > 0) problems.push(`${describe(c)}: remove ${added.join(', ')} from securityContext.capabilities.add (only NET_BIND_SERVICE may be added)`);
  }
  return { problems, passMessage: 'every container drops ALL capabilities' };
});

const wl008: CheckMeta = {
  id: 'WL-008',
  title: 'Seccomp',
  severity: 'medium',
  category: 'Workload',
  seedItem: LEAST_PRIVILEGE,
  equivalents: ['KS:container-seccomp-profile', 'C-0210', 'CIS 5.7.2', 'KSV-0030', 'KSV-0104', 'PSS-B', 'PSS-R'],
  fix: 'PSA / Report',
};

const validSeccomp = (type: string | undefined): boolean => type === 'RuntimeDefault' || type === 'Localhost';

/** Before policy 1.19 Pod Security read the seccomp annotations, not the fields. */
function seccompAnnotationProblems(w: Workload): string[] {
  const annotations = w.podAnnotations ?? {};
  const keys = [SECCOMP_POD_ANNOTATION, ...allContainers(w.podSpec).map((c) => `${SECCOMP_CONTAINER_ANNOTATION_PREFIX}${c.container.name}`)];
  return keys.flatMap((key) => {
    const value = annotations[key];
    return value === undefined || validSeccompAnnotation(value) ? [] : [`pod annotation ${key}: use runtime/default or localhost/<profile> instead of ${value} (or remove it)`];
  });
}

/**
 * Baseline: no Unconfined profile anywhere. Restricted (as PSA): the pod-level profile, when set,
 * must be valid, and every container must set a valid one unless the pod level does. Before policy
 * 1.19 neither: only the seccomp annotations were judged.
 */
export const seccompCheck: NamespaceCheck = perWorkloadAtPolicy(wl008, (w, input, policy) => {
  const spec = w.podSpec;
  if (!policy.seccompFields) return { problems: seccompAnnotationProblems(w), passMessage: `no Unconfined seccomp annotation (Pod Security ${policy.version} reads the annotations, not the fields)` };
  const restricted = input.config.podSecurityLevel === 'restricted';
  if (restricted && policy.windowsRelaxed && isWindowsPod(spec)) return { problems: [], passMessage: WINDOWS_RELAXED };
  const problems: string[] = [];
  const pod = spec.securityContext?.seccompProfile;
  if (pod !== undefined && !validSeccomp(pod.type)) problems.push(`pod: set securityContext.seccompProfile.type: RuntimeDefault instead of ${pod.type ?? 'nothing'}`);
  const podValid = pod !== undefined && validSeccomp(pod.type);
  for (const c of allContainers(spec)) {
    const own = c.container.securityContext?.seccompProfile;
    if (own !== undefined && !validSeccomp(own.type)) problems.push(`${describe(c)}: set securityContext.seccompProfile.type: RuntimeDefault instead of ${own.type ?? 'nothing'}`);
    else if (restricted && own === undefined && !podValid) problems.push(`${describe(c)}: set securityContext.seccompProfile.type: RuntimeDefault (or set it on the pod)`);
  }
  return { problems, passMessage: restricted ? 'every container runs with RuntimeDefault or Localhost seccomp' : 'no Unconfined seccomp profile' };
});

const wl009: CheckMeta = {
  id: 'WL-009',
  title: 'No privilege escalation',
  severity: 'high',
  category: 'Workload',
  seedItem: LEAST_PRIVILEGE,
  equivalents: ['P:privilegeEscalationAllowed', 'C-0016', 'CIS 5.2.6', 'KSV-0001', 'PSS-R'],
  fix: 'PSA / Report',
};

export const privilegeEscalationCheck: NamespaceCheck = perWorkloadAtPolicy(wl009, (w, _input, policy) => {
  if (!policy.has('allowPrivilegeEscalation')) return { problems: [], passMessage: absentAt(policy) };
  if (policy.windowsRelaxed && isWindowsPod(w.podSpec)) return { problems: [], passMessage: WINDOWS_RELAXED };
  return {
    problems: allContainers(w.podSpec)
      .filter((c) => c.container.securityContext?.allowPrivilegeEscalation !== false)
      .map((c) => `${describe(c)}: set securityContext.allowPrivilegeEscalation: false`),
    passMessage: 'every container sets allowPrivilegeEscalation: false',
  };
});

const wl010: CheckMeta = {
  id: 'WL-010',
  title: 'Non-root',
  severity: 'high',
  category: 'Workload',
  seedItem: LEAST_PRIVILEGE,
  equivalents: ['P:runAsRootAllowed', 'C-0013', 'CIS 5.2.7', 'KSV-0012', 'KSV-0020', 'KSV-0021', 'PSS-R'],
  fix: 'PSA / Report',
};

/** As PSA: an explicit runAsNonRoot: false on the pod fails even when every container overrides it. */
export const nonRootCheck: NamespaceCheck = perWorkloadAtPolicy(wl010, (w, _input, policy) => {
  const spec = w.podSpec;
  if (policy.userNamespaceRelaxed && isUserNamespaced(spec)) return { problems: [], passMessage: 'runs in a user namespace (spec.hostUsers: false)' };
  // runAsUser=0 is judged from policy 1.23.
  const rootUser = policy.has('runAsUser');
  const problems: string[] = [];
  const podNonRoot = spec.securityContext?.runAsNonRoot;
  if (podNonRoot === false) problems.push('pod: set securityContext.runAsNonRoot: true (it is false)');
  if (rootUser && spec.securityContext?.runAsUser === 0) problems.push('pod: set securityContext.runAsUser to a non-zero UID');
  for (const c of allContainers(spec)) {
    const sc = c.container.securityContext;
    if (sc?.runAsNonRoot === false) problems.push(`${describe(c)}: set securityContext.runAsNonRoot: true (it is false)`);
    else if (sc?.runAsNonRoot === undefined && podNonRoot !== true) problems.push(`${describe(c)}: set securityContext.runAsNonRoot: true (or set it on the pod)`);
    if (rootUser && sc?.runAsUser === 0) problems.push(`${describe(c)}: set securityContext.runAsUser to a non-zero UID`);
  }
  return { problems, passMessage: 'every container runs as non-root' };
});

const wl011: CheckMeta = {
  id: 'WL-011',
  title: 'Volume types',
  severity: 'low',
  category: 'Workload',
  seedItem: LEAST_PRIVILEGE,
  equivalents: ['KSV-0028', 'PSS-R'],
  fix: 'PSA / Report',
};

export const volumeTypesCheck: NamespaceCheck = perWorkloadAtPolicy(wl011, (w) => ({
  problems: (w.podSpec.volumes ?? []).flatMap((v) => {
    const type = restrictedVolumeType(v);
    return type === undefined ? [] : [`volume ${v.name}: replace the ${type} volume with a persistentVolumeClaim, csi or ephemeral volume`];
  }),
  passMessage: 'only restricted-level volume types',
}));

const wl012: CheckMeta = {
  id: 'WL-012',
  title: 'Read-only root filesystem',
  severity: 'medium',
  category: 'Workload',
  seedItem: LEAST_PRIVILEGE,
  equivalents: ['P:notReadOnlyRootFilesystem', 'KS:container-security-context-readonlyrootfilesystem', 'C-0017', 'KSV-0014'],
  fix: 'Report',
};

export const readOnlyRootCheck: NamespaceCheck = perWorkload(wl012, (w) => {
  if (isWindowsPod(w.podSpec)) return { problems: [], resultWhenClean: 'skip', passMessage: 'readOnlyRootFilesystem is not supported for Windows pods' };
  return {
    problems: allContainers(w.podSpec)
      .filter((c) => c.container.securityContext?.readOnlyRootFilesystem !== true)
      .map((c) => `${describe(c)}: set securityContext.readOnlyRootFilesystem: true (mount an emptyDir where it writes)`),
    passMessage: 'every container has a read-only root filesystem',
  };
});

export const workloadRestrictedChecks: readonly NamespaceCheck[] = [
  dropAllCheck,
  seccompCheck,
  privilegeEscalationCheck,
  nonRootCheck,
  volumeTypesCheck,
  readOnlyRootCheck,
];
