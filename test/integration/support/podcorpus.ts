// A corpus of pod specs for checking our Pod Security Standards implementation
// (src/audit/podsecurity.ts) against the real API server's Pod Security Admission. It is generated
// rule × variant rather than typed out: every rule is applied alone to a pod that is otherwise
// restricted-compliant, in each place it can appear (pod securityContext, app container, init
// container, native sidecar, ephemeral container), then to a bare pod, then in combinations, and
// pod-level settings are crossed with container-level ones.
//
// Every spec must be valid for the API server, because object validation runs before validating
// admission: a spec the API server rejects with 422 never reaches Pod Security Admission, so it
// has no ground truth. Where that makes a variant of a rule unrepresentable, the builder says so
// next to the rule (privileged, procMount, hostProcess, user namespaces, Windows pods, AppArmor and
// seccomp annotations, sysctls under host namespaces).
import type { Container, Labels, PodSecurityContext, PodSpec, SecurityContext, Volume } from '../../../src/audit/types.js';

/** Probe and lifecycle handlers as the API server needs them (a port); our checks read only `host`. */
export interface ServerHandler {
  host?: string;
  port: number;
}

export interface ServerProbe {
  httpGet?: ServerHandler;
  tcpSocket?: ServerHandler;
}

/** A container the API server accepts: an image, ports and probes with their required fields. */
export interface CorpusContainer extends Container {
  image: string;
  /** `Always` on an init container makes it a native sidecar (the only init container allowed probes). */
  restartPolicy?: 'Always';
  livenessProbe?: ServerProbe;
  readinessProbe?: ServerProbe;
  startupProbe?: ServerProbe;
  lifecycle?: { postStart?: ServerProbe; preStop?: ServerProbe };
}

export interface CorpusPodSpec extends PodSpec {
  containers: readonly CorpusContainer[];
  initContainers?: readonly CorpusContainer[];
  /**
   * Ephemeral containers cannot be set when a pod is created (validation forbids it); the test
   * creates the pod without them and adds them through the pods/ephemeralcontainers subresource.
   */
  ephemeralContainers?: readonly CorpusContainer[];
}

export interface CorpusPod {
  /** Unique, and a valid pod name. */
  name: string;
  spec: CorpusPodSpec;
  /** Pod annotations (only the deprecated AppArmor annotations matter to Pod Security). */
  annotations?: Labels;
}

const IMAGE = 'registry.k8s.io/pause:3.10';

// ---- building blocks -----------------------------------------------------------------------

/** A container that passes the restricted level on its own. */
function hardenedContainer(name: string): CorpusContainer {
  return { name, image: IMAGE, securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } };
}

/** A pod that passes the restricted level: runAsNonRoot and seccomp at pod level, hardened container. */
function hardenedPod(): CorpusPodSpec {
  return { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, containers: [hardenedContainer('app')] };
}

/** A pod with no securityContext at all: baseline-compliant, and fails four restricted rules. */
function barePod(): CorpusPodSpec {
  return { containers: [{ name: 'app', image: IMAGE }] };
}

type ContainerPatch = (c: CorpusContainer) => CorpusContainer;
type PodPatch = (s: CorpusPodSpec) => CorpusPodSpec;

/** Merges fields into a container's securityContext (undefined unsets a field). */
function sc(fields: SecurityContext): ContainerPatch {
  return (c) => ({ ...c, securityContext: { ...c.securityContext, ...fields } });
}

/** Merges fields into the pod's securityContext (undefined unsets a field). */
function podSc(fields: PodSecurityContext): PodPatch {
  return (s) => ({ ...s, securityContext: { ...s.securityContext, ...fields } });
}

function set(fields: Partial<CorpusPodSpec>): PodPatch {
  return (s) => ({ ...s, ...fields });
}

function volumes(...vs: Volume[]): PodPatch {
  return (s) => ({ ...s, volumes: [...(s.volumes ?? []), ...vs] });
}

function patchApp(patch: ContainerPatch): PodPatch {
  return (s) => ({ ...s, containers: s.containers.map((c, i) => (i === 0 ? patch(c) : c)) });
}

function compose(...patches: PodPatch[]): PodPatch {
  return (s) => patches.reduce((acc, p) => p(acc), s);
}

/** Where a container-level rule is applied. */
type Slot = 'container' | 'initContainer' | 'sidecar' | 'ephemeralContainer';
const ALL_SLOTS: readonly Slot[] = ['container', 'initContainer', 'ephemeralContainer'];

/** Puts a patched hardened container into a slot of the pod (the app container itself for 'container'). */
function inSlot(slot: Slot, patch: ContainerPatch): PodPatch {
  switch (slot) {
    case 'container':
      return patchApp(patch);
    case 'initContainer':
      return (s) => ({ ...s, initContainers: [...(s.initContainers ?? []), patch(hardenedContainer('init'))] });
    case 'sidecar':
      return (s) => ({ ...s, initContainers: [...(s.initContainers ?? []), patch({ ...hardenedContainer('sidecar'), restartPolicy: 'Always' })] });
    case 'ephemeralContainer':
      return (s) => ({ ...s, ephemeralContainers: [...(s.ephemeralContainers ?? []), patch(hardenedContainer('debug'))] });
  }
}

interface ContainerRule {
  name: string;
  patch: ContainerPatch;
  /** Slots the API server allows this setting in (ephemeral containers may not have ports, probes or lifecycle). */
  slots?: readonly Slot[];
  /** A pod-level setting the rule needs to be valid at all. */
  pod?: PodPatch;
}

interface PodRule {
  name: string;
  patch: PodPatch;
  annotations?: Labels;
}

const port = 8080;

/**
 * Validation rejects privileged: true together with allowPrivilegeEscalation: false ("cannot set
 * `allowPrivilegeEscalation` to false and `privileged` to true"), so a privileged container also
 * leaves allowPrivilegeEscalation unset and fails that restricted rule too.
 */
const PRIVILEGED: SecurityContext = { privileged: true, allowPrivilegeEscalation: undefined };
const probeHost = '10.0.0.1';

// ---- container-level rules (each applied alone, in every slot it may appear in) ------------------

const CONTAINER_RULES: readonly ContainerRule[] = [
  // baseline: privileged
  { name: 'privileged', patch: sc(PRIVILEGED) },
  { name: 'privileged-false', patch: sc({ privileged: false }) },
  // baseline and restricted: capabilities
  { name: 'cap-add-sys-admin', patch: sc({ capabilities: { drop: ['ALL'], add: ['SYS_ADMIN'] } }) },
  { name: 'cap-add-net-raw', patch: sc({ capabilities: { drop: ['ALL'], add: ['NET_RAW'] } }) },
  { name: 'cap-add-chown', patch: sc({ capabilities: { drop: ['ALL'], add: ['CHOWN'] } }) },
  { name: 'cap-add-net-bind-service', patch: sc({ capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } }) },
  { name: 'cap-no-drop', patch: sc({ capabilities: undefined }) },
  { name: 'cap-drop-lowercase-all', patch: sc({ capabilities: { drop: ['all'] } }) },
  { name: 'cap-drop-net-raw-only', patch: sc({ capabilities: { drop: ['NET_RAW'] } }) },
  // baseline: host ports (ports are not allowed on ephemeral containers)
  { name: 'host-port', patch: (c) => ({ ...c, ports: [{ containerPort: port, hostPort: port }] }), slots: ['container', 'initContainer', 'sidecar'] },
  { name: 'host-port-zero', patch: (c) => ({ ...c, ports: [{ containerPort: port, hostPort: 0 }] }), slots: ['container', 'initContainer'] },
  // baseline (1.34): probe and lifecycle hosts; only app containers and native sidecars may have them
  { name: 'liveness-http-host', patch: (c) => ({ ...c, livenessProbe: { httpGet: { host: probeHost, port } } }), slots: ['container', 'sidecar'] },
  { name: 'readiness-tcp-host', patch: (c) => ({ ...c, readinessProbe: { tcpSocket: { host: probeHost, port } } }), slots: ['container', 'sidecar'] },
  { name: 'startup-http-host', patch: (c) => ({ ...c, startupProbe: { httpGet: { host: probeHost, port } } }), slots: ['container'] },
  { name: 'poststart-http-host', patch: (c) => ({ ...c, lifecycle: { postStart: { httpGet: { host: probeHost, port } } } }), slots: ['container', 'sidecar'] },
  { name: 'prestop-tcp-host', patch: (c) => ({ ...c, lifecycle: { preStop: { tcpSocket: { host: 'example.com', port } } } }), slots: ['container'] },
  { name: 'probe-without-host', patch: (c) => ({ ...c, livenessProbe: { httpGet: { port } }, readinessProbe: { tcpSocket: { port } } }), slots: ['container', 'sidecar'] },
  // baseline and restricted: procMount. Validation rejects Unmasked unless hostUsers is false
  // ("`hostUsers` must be false to use `Unmasked`"), so the violating variant only exists in a
  // user-namespaced pod, where baseline lifts it and restricted (procMount_restricted) does not.
  { name: 'procmount-unmasked-userns', patch: sc({ procMount: 'Unmasked' }), pod: set({ hostUsers: false }) },
  { name: 'procmount-default', patch: sc({ procMount: 'Default' }) },
  // baseline: SELinux
  { name: 'selinux-type-spc', patch: sc({ seLinuxOptions: { type: 'spc_t' } }) },
  { name: 'selinux-type-container-engine', patch: sc({ seLinuxOptions: { type: 'container_engine_t' } }) },
  { name: 'selinux-type-container-init', patch: sc({ seLinuxOptions: { type: 'container_init_t' } }) },
  { name: 'selinux-user', patch: sc({ seLinuxOptions: { user: 'system_u' } }) },
  { name: 'selinux-role', patch: sc({ seLinuxOptions: { role: 'system_r' } }) },
  { name: 'selinux-level-only', patch: sc({ seLinuxOptions: { level: 's0:c123,c456' } }) },
  // baseline and restricted: seccomp
  { name: 'seccomp-unconfined', patch: sc({ seccompProfile: { type: 'Unconfined' } }) },
  { name: 'seccomp-localhost', patch: sc({ seccompProfile: { type: 'Localhost', localhostProfile: 'profiles/audit.json' } }) },
  // baseline: AppArmor field
  { name: 'apparmor-unconfined', patch: sc({ appArmorProfile: { type: 'Unconfined' } }) },
  { name: 'apparmor-localhost', patch: sc({ appArmorProfile: { type: 'Localhost', localhostProfile: 'k8s-apparmor-example' } }) },
  { name: 'apparmor-runtime-default', patch: sc({ appArmorProfile: { type: 'RuntimeDefault' } }) },
  // restricted: privilege escalation
  { name: 'ape-unset', patch: sc({ allowPrivilegeEscalation: undefined }) },
  { name: 'ape-true', patch: sc({ allowPrivilegeEscalation: true }) },
  // restricted: non-root
  { name: 'run-as-user-0', patch: sc({ runAsUser: 0 }) },
  { name: 'run-as-user-1000', patch: sc({ runAsUser: 1000 }) },
  { name: 'run-as-non-root-false', patch: sc({ runAsNonRoot: false }) },
  { name: 'run-as-non-root-true', patch: sc({ runAsNonRoot: true }) },
  // neither: fields Pod Security does not look at
  { name: 'read-only-root-fs', patch: sc({ readOnlyRootFilesystem: true, runAsGroup: 3000 }) },
];

// ---- pod-level rules -------------------------------------------------------------------------

/** The safe sysctls of policy 1.32, plus two 1.37 additions and two unsafe ones. */
const SYSCTLS: readonly [string, string][] = [
  ['kernel.shm_rmid_forced', '1'],
  ['net.ipv4.ip_local_port_range', '1024 65535'],
  ['net.ipv4.tcp_syncookies', '1'],
  ['net.ipv4.ping_group_range', '0 2147483647'],
  ['net.ipv4.ip_unprivileged_port_start', '1024'],
  ['net.ipv4.ip_local_reserved_ports', '8080'],
  ['net.ipv4.tcp_keepalive_time', '600'],
  ['net.ipv4.tcp_fin_timeout', '30'],
  ['net.ipv4.tcp_keepalive_intvl', '60'],
  ['net.ipv4.tcp_keepalive_probes', '5'],
  ['net.ipv4.tcp_rmem', '4096 87380 6291456'],
  ['net.ipv4.tcp_wmem', '4096 16384 4194304'],
  ['net.ipv4.tcp_slow_start_after_idle', '0'],
  ['net.ipv4.tcp_notsent_lowat', '16384'],
  ['kernel.msgmax', '65536'],
  ['net.core.somaxconn', '1024'],
];

/** Every volume source Pod Security names, the allowed ones first. */
const VOLUME_SOURCES: readonly [string, object][] = [
  ['configMap', { name: 'settings' }],
  ['csi', { driver: 'secrets-store.csi.k8s.io' }],
  ['downwardAPI', { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] }],
  ['emptyDir', {}],
  ['ephemeral', { volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } } }],
  ['image', { reference: 'registry.k8s.io/pause:3.10', pullPolicy: 'IfNotPresent' }],
  ['persistentVolumeClaim', { claimName: 'data' }],
  ['projected', { sources: [{ serviceAccountToken: { path: 'token' } }] }],
  ['secret', { secretName: 'credentials' }],
  ['hostPath', { path: '/var/log' }],
  ['nfs', { server: 'nfs.example.com', path: '/exports' }],
  ['iscsi', { targetPortal: '10.0.0.2:3260', iqn: 'iqn.2001-04.com.example:storage', lun: 0 }],
  ['gitRepo', { repository: 'https://example.com/repo.git' }],
  ['rbd', { monitors: ['10.0.0.3:6789'], image: 'disk' }],
  ['cephfs', { monitors: ['10.0.0.3:6789'] }],
  ['fc', { targetWWNs: ['500a0982991b8dc5'], lun: 0 }],
  ['azureFile', { secretName: 'azure', shareName: 'share' }],
  ['flexVolume', { driver: 'example.com/flex' }],
];

const BASELINE_POD_RULES: readonly PodRule[] = [
  { name: 'host-network', patch: set({ hostNetwork: true }) },
  { name: 'host-pid', patch: set({ hostPID: true }) },
  { name: 'host-ipc', patch: set({ hostIPC: true }) },
  { name: 'host-namespaces-false', patch: set({ hostNetwork: false, hostPID: false, hostIPC: false }) },
  { name: 'host-path-volume', patch: volumes({ name: 'logs', hostPath: { path: '/var/log' } }) },
  { name: 'pod-sysctl-unsafe', patch: podSc({ sysctls: [{ name: 'kernel.msgmax', value: '65536' }] }) },
  { name: 'pod-sysctl-safe', patch: podSc({ sysctls: [{ name: 'net.ipv4.tcp_syncookies', value: '1' }] }) },
  { name: 'pod-seccomp-unconfined', patch: podSc({ seccompProfile: { type: 'Unconfined' } }) },
  { name: 'pod-apparmor-unconfined', patch: podSc({ appArmorProfile: { type: 'Unconfined' } }) },
  { name: 'pod-selinux-type-spc', patch: podSc({ seLinuxOptions: { type: 'spc_t' } }) },
];

/**
 * The deprecated AppArmor annotation. Validation requires the named container to exist (so there
 * is no annotation for an ephemeral container, which does not exist at create) and a value that is
 * '', runtime/default, unconfined or localhost/<profile>; it also rejects an annotation that
 * contradicts the container's field, so annotation + field pairs are always consistent.
 *
 * Before admission the API server copies a valid annotation into the container's unset
 * appArmorProfile field (pod strategy, AppArmor version skew), so for `unconfined` PSA reports the
 * field as well as the annotation while our check, given the spec as submitted, reports only the
 * annotation. The verdict cannot differ: the copy is Unconfined exactly when the annotation is
 * `unconfined`, which fails on its own, and RuntimeDefault/Localhost otherwise, which pass.
 */
const APPARMOR_ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/';
/**
 * The seccomp alpha annotations: non-functional since 1.27 and ignored by policy 1.19 and later,
 * but judged by seccompProfile_baseline 1.0 (policy v1.0 to v1.18). On a pod without the field,
 * since validation refuses an annotation that contradicts it.
 */
const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
const SECCOMP_CONTAINER_ANNOTATION = 'container.seccomp.security.alpha.kubernetes.io/';
const SECCOMP_ANNOTATION_RULES: readonly PodRule[] = [
  { name: 'no-field-annotation-seccomp-pod-unconfined', patch: (s) => s, annotations: { [SECCOMP_POD_ANNOTATION]: 'unconfined' } },
  { name: 'no-field-annotation-seccomp-container-unconfined', patch: (s) => s, annotations: { [`${SECCOMP_CONTAINER_ANNOTATION}app`]: 'unconfined' } },
  { name: 'no-field-annotation-seccomp-both-unconfined', patch: (s) => s, annotations: { [SECCOMP_POD_ANNOTATION]: 'unconfined', [`${SECCOMP_CONTAINER_ANNOTATION}app`]: 'unconfined' } },
  { name: 'no-field-annotation-seccomp-runtime-default', patch: (s) => s, annotations: { [SECCOMP_POD_ANNOTATION]: 'runtime/default' } },
  { name: 'no-field-annotation-seccomp-localhost', patch: (s) => s, annotations: { [`${SECCOMP_CONTAINER_ANNOTATION}app`]: 'localhost/profiles/audit.json' } },
  { name: 'no-field-annotation-seccomp-other-container', patch: (s) => s, annotations: { [`${SECCOMP_CONTAINER_ANNOTATION}absent`]: 'unconfined' } },
];

const APPARMOR_ANNOTATION_RULES: readonly PodRule[] = [
  { name: 'annotation-apparmor-unconfined', patch: (s) => s, annotations: { [`${APPARMOR_ANNOTATION}app`]: 'unconfined' } },
  { name: 'annotation-apparmor-runtime-default', patch: (s) => s, annotations: { [`${APPARMOR_ANNOTATION}app`]: 'runtime/default' } },
  { name: 'annotation-apparmor-localhost', patch: (s) => s, annotations: { [`${APPARMOR_ANNOTATION}app`]: 'localhost/k8s-apparmor-example' } },
  { name: 'annotation-apparmor-empty', patch: (s) => s, annotations: { [`${APPARMOR_ANNOTATION}app`]: '' } },
  {
    name: 'annotation-apparmor-unconfined-init',
    patch: inSlot('initContainer', (c) => c),
    annotations: { [`${APPARMOR_ANNOTATION}init`]: 'unconfined' },
  },
  {
    name: 'annotation-apparmor-unconfined-and-field',
    patch: patchApp(sc({ appArmorProfile: { type: 'Unconfined' } })),
    annotations: { [`${APPARMOR_ANNOTATION}app`]: 'unconfined' },
  },
  {
    name: 'annotation-apparmor-runtime-default-and-field',
    patch: patchApp(sc({ appArmorProfile: { type: 'RuntimeDefault' } })),
    annotations: { [`${APPARMOR_ANNOTATION}app`]: 'runtime/default' },
  },
  {
    // The API server copies an annotation into an unset field (pod strategy, AppArmor version
    // skew); a pod-level Unconfined profile fails either way.
    name: 'annotation-apparmor-runtime-default-pod-unconfined',
    patch: podSc({ appArmorProfile: { type: 'Unconfined' } }),
    annotations: { [`${APPARMOR_ANNOTATION}app`]: 'runtime/default' },
  },
];

// ---- pod-level against container-level securityContext --------------------------------------

interface Matrix<T> {
  field: string;
  /** The hardened pod with the field taken out of both levels. */
  base: PodPatch;
  pod: readonly (readonly [string, T | undefined])[];
  container: readonly (readonly [string, T | undefined])[];
  apply: (pod: T | undefined, container: T | undefined) => PodPatch;
}

function matrixEntries<T>(m: Matrix<T>): CorpusPod[] {
  const out: CorpusPod[] = [];
  for (const [podLabel, podValue] of m.pod) {
    for (const [containerLabel, containerValue] of m.container) {
      out.push({ name: `${m.field}-pod-${podLabel}-container-${containerLabel}`, spec: compose(m.base, m.apply(podValue, containerValue))(hardenedPod()) });
    }
  }
  return out;
}

type SharedKey = keyof SecurityContext & keyof PodSecurityContext;

/** Sets one field that both levels share: `pod` in the pod's securityContext, `container` in the app container's. */
function both<K extends SharedKey>(key: K): (pod: PodSecurityContext[K] | undefined, container: SecurityContext[K] | undefined) => PodPatch {
  return (pod, container) =>
    compose(podSc({ [key]: pod }), patchApp(sc({ [key]: container })));
}

const UNSET = ['unset', undefined] as const;

function matrices(): CorpusPod[] {
  return [
    ...matrixEntries<boolean>({
      field: 'run-as-non-root',
      base: podSc({ runAsNonRoot: undefined }),
      pod: [UNSET, ['true', true], ['false', false]],
      container: [UNSET, ['true', true], ['false', false]],
      apply: both('runAsNonRoot'),
    }),
    ...matrixEntries<number>({
      field: 'run-as-user',
      base: (s) => s,
      pod: [UNSET, ['0', 0], ['1000', 1000]],
      container: [UNSET, ['0', 0], ['1000', 1000]],
      apply: both('runAsUser'),
    }),
    ...matrixEntries<{ type: string; localhostProfile?: string }>({
      field: 'seccomp',
      base: podSc({ seccompProfile: undefined }),
      pod: [UNSET, ['runtimedefault', { type: 'RuntimeDefault' }], ['localhost', { type: 'Localhost', localhostProfile: 'p.json' }], ['unconfined', { type: 'Unconfined' }]],
      container: [UNSET, ['runtimedefault', { type: 'RuntimeDefault' }], ['unconfined', { type: 'Unconfined' }]],
      apply: both('seccompProfile'),
    }),
    ...matrixEntries<{ type: string; localhostProfile?: string }>({
      field: 'apparmor',
      base: (s) => s,
      pod: [UNSET, ['runtimedefault', { type: 'RuntimeDefault' }], ['unconfined', { type: 'Unconfined' }]],
      container: [UNSET, ['localhost', { type: 'Localhost', localhostProfile: 'k8s-apparmor-example' }], ['unconfined', { type: 'Unconfined' }]],
      apply: both('appArmorProfile'),
    }),
    ...matrixEntries<{ type?: string; user?: string; level?: string }>({
      field: 'selinux',
      base: (s) => s,
      pod: [UNSET, ['type-container', { type: 'container_t' }], ['user', { user: 'system_u' }]],
      container: [UNSET, ['type-spc', { type: 'spc_t' }], ['level', { level: 's0:c1,c2' }]],
      apply: both('seLinuxOptions'),
    }),
  ];
}

// ---- the corpus -----------------------------------------------------------------------------

function podRuleEntries(prefix: string, rules: readonly PodRule[], base: () => CorpusPodSpec): CorpusPod[] {
  return rules.map((r) => ({ name: `${prefix}${r.name}`, spec: r.patch(base()), ...(r.annotations === undefined ? {} : { annotations: r.annotations }) }));
}

function containerRuleEntries(): CorpusPod[] {
  const out: CorpusPod[] = [];
  for (const rule of CONTAINER_RULES) {
    for (const slot of rule.slots ?? ALL_SLOTS) {
      out.push({ name: `${rule.name}-${slot.toLowerCase()}`, spec: compose(rule.pod ?? ((s) => s), inSlot(slot, rule.patch))(hardenedPod()) });
    }
    // And on a bare pod, which fails restricted anyway: the baseline verdict must not move.
    out.push({ name: `bare-${rule.name}`, spec: compose(rule.pod ?? ((s) => s), patchApp(rule.patch))(barePod()) });
  }
  return out;
}

function sysctlEntries(): CorpusPod[] {
  const one = SYSCTLS.map(([name, value]) => ({ name: `sysctl-${name.replaceAll('.', '-').replaceAll('_', '-')}`, spec: podSc({ sysctls: [{ name, value }] })(hardenedPod()) }));
  const safeSet = SYSCTLS.slice(0, 12).map(([name, value]) => ({ name, value }));
  return [
    ...one,
    { name: 'sysctl-all-safe', spec: podSc({ sysctls: safeSet })(hardenedPod()) },
    { name: 'sysctl-all-safe-and-one-unsafe', spec: podSc({ sysctls: [...safeSet, { name: 'kernel.msgmax', value: '65536' }] })(hardenedPod()) },
  ];
}

function volumeEntries(): CorpusPod[] {
  const one = VOLUME_SOURCES.map(([source, body]) => ({ name: `volume-${source.toLowerCase()}`, spec: volumes({ name: 'v', [source]: body })(hardenedPod()) }));
  const allowed = VOLUME_SOURCES.slice(0, 9).map(([source, body]) => ({ name: `v-${source.toLowerCase()}`, [source]: body }));
  return [
    ...one,
    { name: 'volume-all-restricted-types', spec: volumes(...allowed)(hardenedPod()) },
    { name: 'volume-all-restricted-types-and-nfs', spec: volumes(...allowed, { name: 'v-nfs', nfs: { server: 'nfs.example.com', path: '/' } })(hardenedPod()) },
    { name: 'volume-host-path-and-nfs', spec: volumes({ name: 'a', nfs: { server: 'nfs.example.com', path: '/' } }, { name: 'b', hostPath: { path: '/' } })(hardenedPod()) },
  ];
}

/** `hostUsers: false` (user namespaces). Validation forbids it with hostNetwork, hostPID and hostIPC. */
function userNamespaceEntries(): CorpusPod[] {
  const userns = (...patches: PodPatch[]): CorpusPodSpec => compose(set({ hostUsers: false }), ...patches)(hardenedPod());
  return [
    { name: 'userns-hardened', spec: userns() },
    { name: 'userns-no-run-as-non-root', spec: userns(podSc({ runAsNonRoot: undefined })) },
    { name: 'userns-run-as-non-root-false', spec: userns(podSc({ runAsNonRoot: false })) },
    { name: 'userns-pod-run-as-user-0', spec: userns(podSc({ runAsNonRoot: undefined, runAsUser: 0 })) },
    { name: 'userns-container-run-as-user-0', spec: userns(patchApp(sc({ runAsUser: 0, runAsNonRoot: false }))) },
    { name: 'userns-init-run-as-user-0', spec: userns(inSlot('initContainer', sc({ runAsUser: 0 }))) },
    { name: 'userns-cap-add-sys-admin', spec: userns(patchApp(sc({ capabilities: { drop: ['ALL'], add: ['SYS_ADMIN'] } }))) },
    { name: 'userns-privileged', spec: userns(patchApp(sc(PRIVILEGED))) },
    { name: 'userns-ape-unset', spec: userns(patchApp(sc({ allowPrivilegeEscalation: undefined }))) },
    { name: 'userns-seccomp-unset', spec: userns(podSc({ seccompProfile: undefined })) },
    { name: 'userns-host-path', spec: userns(volumes({ name: 'logs', hostPath: { path: '/var/log' } })) },
    { name: 'userns-procmount-unmasked-run-as-user-0', spec: userns(podSc({ runAsNonRoot: undefined }), patchApp(sc({ procMount: 'Unmasked', runAsUser: 0 }))) },
    { name: 'userns-bare', spec: { ...barePod(), hostUsers: false } },
    { name: 'hostusers-true-hardened', spec: set({ hostUsers: true })(hardenedPod()) },
    { name: 'hostusers-true-run-as-user-0', spec: compose(set({ hostUsers: true }), patchApp(sc({ runAsUser: 0 })))(hardenedPod()) },
    { name: 'hostusers-true-no-run-as-non-root', spec: compose(set({ hostUsers: true }), podSc({ runAsNonRoot: undefined }))(hardenedPod()) },
  ];
}

/**
 * `hostProcess` (Windows). Validation demands hostNetwork: true as soon as any container is a
 * hostProcess container, and the same value on every container, so hostProcess=true never comes
 * without the host namespaces violation; the compliant variants set it to false.
 */
function hostProcessEntries(): CorpusPod[] {
  const hp = { windowsOptions: { hostProcess: true } };
  return [
    { name: 'hostprocess-pod', spec: compose(set({ hostNetwork: true }), podSc(hp))(hardenedPod()) },
    { name: 'hostprocess-container', spec: compose(set({ hostNetwork: true }), patchApp(sc(hp)))(hardenedPod()) },
    { name: 'hostprocess-pod-and-init', spec: compose(set({ hostNetwork: true }), podSc(hp), inSlot('initContainer', sc(hp)))(hardenedPod()) },
    { name: 'hostprocess-false-pod', spec: podSc({ windowsOptions: { hostProcess: false } })(hardenedPod()) },
    { name: 'hostprocess-false-container', spec: patchApp(sc({ windowsOptions: { hostProcess: false } }))(hardenedPod()) },
  ];
}

/**
 * `spec.os.name: windows`. Validation forbids the Linux-only fields on Windows pods (seccomp,
 * AppArmor, SELinux, capabilities, privileged, allowPrivilegeEscalation, procMount, runAsUser,
 * sysctls, hostUsers, hostPID, hostIPC), so a Windows pod can only differ from the restricted level in what the
 * Windows relaxation is about: not setting them.
 */
function windowsEntries(): CorpusPod[] {
  const windows = (...patches: PodPatch[]): CorpusPodSpec =>
    compose(...patches)({ os: { name: 'windows' }, securityContext: { runAsNonRoot: true }, containers: [{ name: 'app', image: IMAGE }] });
  const bareInit = (s: CorpusPodSpec): CorpusPodSpec => ({ ...s, initContainers: [{ name: 'init', image: IMAGE }] });
  return [
    { name: 'windows-run-as-non-root', spec: windows() },
    { name: 'windows-bare', spec: windows(podSc({ runAsNonRoot: undefined })) },
    { name: 'windows-container-run-as-non-root', spec: windows(podSc({ runAsNonRoot: undefined }), patchApp(sc({ runAsNonRoot: true }))) },
    { name: 'windows-container-run-as-non-root-false', spec: windows(patchApp(sc({ runAsNonRoot: false }))) },
    { name: 'windows-bare-init', spec: windows(bareInit) },
    { name: 'windows-hostprocess', spec: windows(set({ hostNetwork: true }), podSc({ windowsOptions: { hostProcess: true } })) },
    { name: 'windows-host-path', spec: windows(volumes({ name: 'c', hostPath: { path: 'C:\\data' } })) },
    { name: 'windows-nfs', spec: windows(volumes({ name: 'n', nfs: { server: 'nfs.example.com', path: '/' } })) },
    { name: 'windows-host-port', spec: windows(patchApp((c) => ({ ...c, ports: [{ containerPort: port, hostPort: port }] }))) },
    { name: 'windows-host-network', spec: windows(set({ hostNetwork: true })) },
    { name: 'linux-bare', spec: { ...barePod(), os: { name: 'linux' } } },
    { name: 'linux-hardened', spec: { ...hardenedPod(), os: { name: 'linux' } } },
  ];
}

/** Capabilities, one by one: the baseline set, its near misses, and NET_BIND_SERVICE. */
function capabilityEntries(): CorpusPod[] {
  const caps = ['AUDIT_WRITE', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT', 'chown', 'CAP_CHOWN', 'ALL', 'NET_ADMIN', 'SYS_PTRACE'];
  return caps.map((cap) => ({ name: `cap-${cap.toLowerCase().replaceAll('_', '-')}${cap === 'chown' ? '-lowercase' : ''}`, spec: patchApp(sc({ capabilities: { drop: ['ALL'], add: [cap] } }))(hardenedPod()) }));
}

/** Several rules at once: baseline × restricted-only, baseline × baseline, and everything. */
function combinationEntries(): CorpusPod[] {
  const baselineRules: readonly [string, PodPatch][] = [
    ['host-network', set({ hostNetwork: true })],
    ['privileged', patchApp(sc(PRIVILEGED))],
    ['host-path', volumes({ name: 'logs', hostPath: { path: '/var/log' } })],
    ['cap-sys-admin', patchApp(sc({ capabilities: { drop: ['ALL'], add: ['SYS_ADMIN'] } }))],
    ['sysctl-unsafe', podSc({ sysctls: [{ name: 'kernel.msgmax', value: '65536' }] })],
  ];
  const restrictedRules: readonly [string, PodPatch][] = [
    ['ape-unset', patchApp(sc({ allowPrivilegeEscalation: undefined }))],
    ['run-as-user-0', patchApp(sc({ runAsUser: 0 }))],
    ['nfs', volumes({ name: 'n', nfs: { server: 'nfs.example.com', path: '/' } })],
    ['seccomp-unset', podSc({ seccompProfile: undefined })],
  ];
  const out: CorpusPod[] = [];
  for (const [b, bp] of baselineRules) {
    for (const [r, rp] of restrictedRules) out.push({ name: `combo-${b}-${r}`, spec: compose(bp, rp)(hardenedPod()) });
  }
  for (let i = 0; i < baselineRules.length; i++) {
    for (let j = i + 1; j < baselineRules.length; j++) {
      const [a, ap] = baselineRules[i] ?? ['', (s: CorpusPodSpec) => s];
      const [b, bp] = baselineRules[j] ?? ['', (s: CorpusPodSpec) => s];
      out.push({ name: `combo-${a}-${b}`, spec: compose(ap, bp)(hardenedPod()) });
    }
  }
  const restrictedOnly = compose(...restrictedRules.map(([, p]) => p));
  out.push({ name: 'combo-all-restricted-only', spec: restrictedOnly(hardenedPod()) });
  out.push({
    name: 'combo-everything',
    spec: compose(
      ...baselineRules.map(([, p]) => p),
      // Not hostIPC: validation forbids IPC sysctls such as kernel.msgmax with it.
      set({ hostPID: true }),
      restrictedOnly,
      patchApp(sc({ seLinuxOptions: { type: 'spc_t' }, appArmorProfile: { type: 'Unconfined' }, seccompProfile: { type: 'Unconfined' } })),
      patchApp((c) => ({ ...c, ports: [{ containerPort: port, hostPort: port }], livenessProbe: { httpGet: { host: probeHost, port } } })),
      inSlot('initContainer', sc(PRIVILEGED)),
    )(hardenedPod()),
  });
  // Two containers, each failing a different restricted rule.
  out.push({
    name: 'combo-two-containers',
    spec: { ...hardenedPod(), containers: [sc({ allowPrivilegeEscalation: true })(hardenedContainer('a')), sc({ capabilities: undefined })(hardenedContainer('b'))] },
  });
  return out;
}

/**
 * Ephemeral containers on top of other bases: Pod Security evaluates the whole pod on an
 * ephemeralcontainers update, so a non-compliant base fails even with a hardened debug container,
 * and the pod's settings (runAsNonRoot, seccomp, hostUsers, Windows) carry over to it.
 */
function ephemeralEntries(): CorpusPod[] {
  const debug = (patch: ContainerPatch = (c) => c): PodPatch => inSlot('ephemeralContainer', patch);
  const bareDebug: PodPatch = (s) => ({ ...s, ephemeralContainers: [{ name: 'debug', image: IMAGE }] });
  return [
    { name: 'ephemeral-bare-debug', spec: bareDebug(hardenedPod()) },
    { name: 'ephemeral-hardened-on-host-path-pod', spec: compose(volumes({ name: 'logs', hostPath: { path: '/var/log' } }), debug())(hardenedPod()) },
    { name: 'ephemeral-hardened-on-bare-pod', spec: debug()(barePod()) },
    { name: 'ephemeral-privileged-on-bare-pod', spec: debug(sc(PRIVILEGED))(barePod()) },
    { name: 'ephemeral-hardened-on-ape-unset-pod', spec: compose(patchApp(sc({ allowPrivilegeEscalation: undefined })), debug())(hardenedPod()) },
    { name: 'ephemeral-run-as-user-0-userns', spec: compose(set({ hostUsers: false }), podSc({ runAsNonRoot: undefined }), debug(sc({ runAsUser: 0 })))(hardenedPod()) },
    { name: 'ephemeral-seccomp-unset-pod-unset', spec: compose(podSc({ seccompProfile: undefined }), patchApp(sc({ seccompProfile: { type: 'RuntimeDefault' } })), debug())(hardenedPod()) },
    {
      name: 'ephemeral-seccomp-own-pod-unset',
      spec: compose(podSc({ seccompProfile: undefined }), patchApp(sc({ seccompProfile: { type: 'RuntimeDefault' } })), debug(sc({ seccompProfile: { type: 'RuntimeDefault' } })))(hardenedPod()),
    },
    { name: 'ephemeral-bare-on-windows-pod', spec: bareDebug({ os: { name: 'windows' }, securityContext: { runAsNonRoot: true }, containers: [{ name: 'app', image: IMAGE }] }) },
  ];
}

/** Corners where a literal reading of a field and the API server could part ways. */
function edgeEntries(): CorpusPod[] {
  const hardened = hardenedPod();
  return [
    // The API server accepts '/' as the sysctl separator; Pod Security compares names literally.
    { name: 'sysctl-slash-separated-safe-name', spec: podSc({ sysctls: [{ name: 'net/ipv4/tcp_syncookies', value: '1' }] })(hardened) },
    { name: 'selinux-empty-strings', spec: patchApp(sc({ seLinuxOptions: { user: '', role: '', type: '', level: '' } }))(hardened) },
    { name: 'cap-drop-all-among-others', spec: patchApp(sc({ capabilities: { drop: ['NET_RAW', 'ALL'] } }))(hardened) },
    { name: 'cap-add-empty-list', spec: patchApp(sc({ capabilities: { drop: ['ALL'], add: [] } }))(hardened) },
    { name: 'cap-add-net-bind-service-and-chown', spec: patchApp(sc({ capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE', 'CHOWN'] } }))(hardened) },
    { name: 'probe-empty-host', spec: patchApp((c) => ({ ...c, livenessProbe: { httpGet: { host: '', port } } }))(hardened) },
    { name: 'host-ports-one-zero', spec: patchApp((c) => ({ ...c, ports: [{ containerPort: 80, hostPort: 0 }, { containerPort: 81, hostPort: 8081 }] }))(hardened) },
    // Defaulting copies containerPort into hostPort under hostNetwork, so PSA also reports a hostPort
    // that the submitted spec does not have; the verdict cannot differ, hostNetwork fails alone.
    { name: 'host-network-defaulted-host-port', spec: compose(set({ hostNetwork: true }), patchApp((c) => ({ ...c, ports: [{ containerPort: port }] })))(hardened) },
    { name: 'sidecar-bare', spec: { ...hardened, initContainers: [{ name: 'sidecar', image: IMAGE, restartPolicy: 'Always' }] } },
    {
      name: 'two-init-containers-one-bad',
      spec: { ...hardened, initContainers: [hardenedContainer('first'), sc({ runAsUser: 0 })(hardenedContainer('second'))] },
    },
    // The annotation is valid (only the prefix is checked) but cannot be copied into the field.
    { name: 'annotation-apparmor-localhost-no-profile', spec: hardened, annotations: { [`${APPARMOR_ANNOTATION}app`]: 'localhost/' } },
    // Seccomp annotations have been non-functional since 1.27 and Pod Security ignores them; they
    // must agree with a field that is set, so they sit where the field is unset.
    {
      name: 'annotation-seccomp-pod-unconfined',
      spec: compose(podSc({ seccompProfile: undefined }), patchApp(sc({ seccompProfile: { type: 'RuntimeDefault' } })))(hardened),
      annotations: { 'seccomp.security.alpha.kubernetes.io/pod': 'unconfined' },
    },
    { name: 'annotation-seccomp-container-unconfined', spec: hardened, annotations: { 'container.seccomp.security.alpha.kubernetes.io/app': 'unconfined' } },
  ];
}

/** The whole corpus; names are unique. */
export function podCorpus(): CorpusPod[] {
  const corpus: CorpusPod[] = [
    { name: 'hardened', spec: hardenedPod() },
    { name: 'bare', spec: barePod() },
    ...containerRuleEntries(),
    ...podRuleEntries('', BASELINE_POD_RULES, hardenedPod),
    ...podRuleEntries('bare-', BASELINE_POD_RULES, barePod),
    ...podRuleEntries('', APPARMOR_ANNOTATION_RULES, hardenedPod),
    ...podRuleEntries('', SECCOMP_ANNOTATION_RULES, () => podSc({ seccompProfile: undefined })(hardenedPod())),
    ...matrices(),
    ...sysctlEntries(),
    ...volumeEntries(),
    ...capabilityEntries(),
    ...userNamespaceEntries(),
    ...hostProcessEntries(),
    ...windowsEntries(),
    ...combinationEntries(),
    ...ephemeralEntries(),
    ...edgeEntries(),
  ];
  const seen = new Set<string>();
  for (const { name } of corpus) {
    if (seen.has(name)) throw new Error(`pod corpus: duplicate name ${name}`);
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 63) throw new Error(`pod corpus: invalid name ${name}`);
    seen.add(name);
  }
  return corpus;
}
