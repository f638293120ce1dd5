/**
 * Plain input and output types of the audit. They carry only the fields the checks read, in the
 * shape the Kubernetes API returns them (so an object from the client can be passed as is), and
 * never import the Kubernetes client: checks are pure functions of plain data.
 */

export type Labels = Readonly<Record<string, string>>;

// ---------------------------------------------------------------------------------------------
// Pods and containers
// ---------------------------------------------------------------------------------------------

export interface SeccompProfile {
  type?: string;
  localhostProfile?: string;
}

export interface AppArmorProfile {
  type?: string;
  localhostProfile?: string;
}

export interface SELinuxOptions {
  user?: string;
  role?: string;
  type?: string;
  level?: string;
}

export interface WindowsOptions {
  hostProcess?: boolean;
}

export interface Capabilities {
  add?: readonly string[];
  drop?: readonly string[];
}

export interface SecurityContext {
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  capabilities?: Capabilities;
  runAsNonRoot?: boolean;
  runAsUser?: number;
  runAsGroup?: number;
  readOnlyRootFilesystem?: boolean;
  procMount?: string;
  seccompProfile?: SeccompProfile;
  appArmorProfile?: AppArmorProfile;
  seLinuxOptions?: SELinuxOptions;
  windowsOptions?: WindowsOptions;
}

export interface Sysctl {
  name: string;
  value?: string;
}

export interface PodSecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  runAsGroup?: number;
  seccompProfile?: SeccompProfile;
  appArmorProfile?: AppArmorProfile;
  seLinuxOptions?: SELinuxOptions;
  windowsOptions?: WindowsOptions;
  sysctls?: readonly Sysctl[];
}

export interface HostHandler {
  host?: string;
}

export interface Probe {
  httpGet?: HostHandler;
  tcpSocket?: HostHandler;
}

export interface LifecycleHandler {
  httpGet?: HostHandler;
  tcpSocket?: HostHandler;
}

export interface Lifecycle {
  postStart?: LifecycleHandler;
  preStop?: LifecycleHandler;
}

export interface ContainerPort {
  name?: string;
  containerPort?: number;
  hostPort?: number;
  protocol?: string;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name?: string; key?: string };
    configMapKeyRef?: { name?: string; key?: string };
    fieldRef?: { fieldPath?: string };
    resourceFieldRef?: { resource?: string };
  };
}

export interface EnvFromSource {
  prefix?: string;
  secretRef?: { name?: string };
  configMapRef?: { name?: string };
}

/** Quantities as the API returns them (strings), or numbers. */
export type ResourceList = Readonly<Record<string, string | number>>;

export interface ResourceRequirements {
  requests?: ResourceList;
  limits?: ResourceList;
}

export interface Container {
  name: string;
  image?: string;
  imagePullPolicy?: string;
  securityContext?: SecurityContext;
  ports?: readonly ContainerPort[];
  env?: readonly EnvVar[];
  envFrom?: readonly EnvFromSource[];
  resources?: ResourceRequirements;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: Lifecycle;
}

/**
 * A volume: `name` plus exactly one source. Only the sources the checks name are typed; any other
 * source key (nfs, gitRepo, rbd, ...) is kept as unknown data so that it can be reported.
 */
export interface Volume {
  name: string;
  hostPath?: { path: string; type?: string };
  configMap?: object;
  secret?: object;
  emptyDir?: object;
  projected?: object;
  downwardAPI?: object;
  csi?: object;
  persistentVolumeClaim?: object;
  ephemeral?: object;
  image?: object;
  [source: string]: unknown;
}

export interface PodSpec {
  containers: readonly Container[];
  initContainers?: readonly Container[];
  ephemeralContainers?: readonly Container[];
  volumes?: readonly Volume[];
  securityContext?: PodSecurityContext;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  hostUsers?: boolean;
  os?: { name?: string };
  serviceAccountName?: string;
  /** Deprecated alias of serviceAccountName, still returned by the API. */
  serviceAccount?: string;
  automountServiceAccountToken?: boolean;
}

export interface OwnerReference {
  apiVersion?: string;
  kind: string;
  name: string;
  uid?: string;
  controller?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Labels;
  annotations?: Labels;
  ownerReferences?: readonly OwnerReference[];
}

/** A live pod, as read for the resource checks (LimitRange defaults are applied at admission). */
export interface Pod {
  metadata: ObjectMeta;
  spec: PodSpec;
  status?: { phase?: string };
}

export const WORKLOAD_KINDS = ['Pod', 'Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'ReplicationController'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

/** A top-level owner (or a bare pod), evaluated once, with its pod spec already located. */
export interface Workload {
  kind: string;
  name: string;
  namespace: string;
  /** The workload's own annotations (exemption annotations live here). */
  annotations?: Labels;
  /** Labels and annotations of the pods it creates (template metadata; the pod's own for a Pod). */
  podLabels?: Labels;
  podAnnotations?: Labels;
  podSpec: PodSpec;
}

// ---------------------------------------------------------------------------------------------
// RBAC
// ---------------------------------------------------------------------------------------------

export interface PolicyRule {
  apiGroups?: readonly string[];
  resources?: readonly string[];
  verbs: readonly string[];
  resourceNames?: readonly string[];
  nonResourceURLs?: readonly string[];
}

export interface Role {
  kind: 'Role' | 'ClusterRole';
  name: string;
  /** '' or absent for a ClusterRole. */
  namespace?: string;
  annotations?: Labels;
  rules?: readonly PolicyRule[];
}

export interface Subject {
  kind: string;
  name: string;
  namespace?: string;
  apiGroup?: string;
}

export interface RoleRef {
  kind: string;
  name: string;
  apiGroup?: string;
}

export interface RoleBinding {
  kind: 'RoleBinding' | 'ClusterRoleBinding';
  name: string;
  namespace?: string;
  annotations?: Labels;
  roleRef: RoleRef;
  subjects?: readonly Subject[];
}

export interface ServiceAccount {
  name: string;
  automountServiceAccountToken?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Network and exposure
// ---------------------------------------------------------------------------------------------

export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: readonly string[];
}

export interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: readonly LabelSelectorRequirement[];
}

export interface IPBlock {
  cidr: string;
  except?: readonly string[];
}

export interface NetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: IPBlock;
}

export interface NetworkPolicyPort {
  protocol?: string;
  port?: number | string;
  endPort?: number;
}

export interface NetworkPolicyIngressRule {
  from?: readonly NetworkPolicyPeer[];
  ports?: readonly NetworkPolicyPort[];
}

export interface NetworkPolicyEgressRule {
  to?: readonly NetworkPolicyPeer[];
  ports?: readonly NetworkPolicyPort[];
}

export interface NetworkPolicy {
  name: string;
  spec: {
    podSelector: LabelSelector;
    policyTypes?: readonly string[];
    ingress?: readonly NetworkPolicyIngressRule[];
    egress?: readonly NetworkPolicyEgressRule[];
  };
}

export interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
  nodePort?: number;
  protocol?: string;
}

export interface Service {
  name: string;
  annotations?: Labels;
  spec: {
    type?: string;
    ports?: readonly ServicePort[];
    externalIPs?: readonly string[];
    loadBalancerSourceRanges?: readonly string[];
  };
}

export interface Ingress {
  name: string;
  annotations?: Labels;
  spec: {
    tls?: readonly { hosts?: readonly string[]; secretName?: string }[];
  };
}

// ---------------------------------------------------------------------------------------------
// Namespace policy objects and data
// ---------------------------------------------------------------------------------------------

export interface ResourceQuota {
  name: string;
  spec: { hard?: ResourceList };
}

export interface LimitRangeItem {
  type: string;
  default?: ResourceList;
  defaultRequest?: ResourceList;
  max?: ResourceList;
  min?: ResourceList;
}

export interface LimitRange {
  name: string;
  spec: { limits: readonly LimitRangeItem[] };
}

export interface ConfigMap {
  name: string;
  annotations?: Labels;
  data?: Readonly<Record<string, string>>;
}

export interface Namespace {
  name: string;
  labels?: Labels;
  annotations?: Labels;
}

export interface NamedObject {
  name: string;
  type?: string;
}

export interface ServerVersion {
  major: string;
  minor: string;
  gitVersion: string;
}

// ---------------------------------------------------------------------------------------------
// Audit input
// ---------------------------------------------------------------------------------------------

export type PodSecurityLevel = 'baseline' | 'restricted';

export interface AuditConfig {
  /** Registry hosts, optionally with a path prefix: `registry.example.com`, `ghcr.io/acme`. */
  allowedRegistries: readonly string[];
  /** RB-007: Group subjects must start with this prefix (unset: any Group passes). */
  oidcGroupPrefix?: string;
  /**
   * RB-003: subjects allowed to read Secrets. Entries are globs (`*`) matched against the subject
   * name (Users, Groups) or `system:serviceaccount:<namespace>:<name>` (ServiceAccounts).
   */
  secretReadAllowlist?: readonly string[];
  /** WL-013: also require limits.cpu (default false). */
  requireCpuLimit?: boolean;
  /** The configured Pod Security level (NS-001 minimum; WL-007/WL-008 level-dependent parts). */
  podSecurityLevel: PodSecurityLevel;
  /** Check ids that are not evaluated at all. */
  disabledChecks?: readonly string[];
}

/** Everything the namespace checks read for one namespace. */
export interface AuditInput {
  namespace: Namespace;
  /** Top-level owners, each evaluated once, plus bare pods (see topLevelWorkloads). */
  workloads: readonly Workload[];
  /** Live pods, for the resource checks. */
  pods: readonly Pod[];
  serviceAccounts: readonly ServiceAccount[];
  /** Roles of this namespace. */
  roles: readonly Role[];
  /** RoleBindings of this namespace. */
  roleBindings: readonly RoleBinding[];
  /** ClusterRoles referenced by those RoleBindings. */
  clusterRoles: readonly Role[];
  /** Optional: ClusterRoleBindings with a subject in this namespace (NS-006 reads them). */
  clusterRoleBindings?: readonly RoleBinding[];
  services: readonly Service[];
  ingresses: readonly Ingress[];
  networkPolicies: readonly NetworkPolicy[];
  resourceQuotas: readonly ResourceQuota[];
  limitRanges: readonly LimitRange[];
  /** ConfigMaps (data only). */
  configMaps: readonly ConfigMap[];
  /** Optional, for NS-005 (use of the `default` namespace). */
  persistentVolumeClaims?: readonly NamedObject[];
  secrets?: readonly NamedObject[];
  config: AuditConfig;
}

/** Input of the cluster-level checks (CL-001). */
export interface ClusterAuditInput {
  version: ServerVersion;
  config?: {
    /** How many minors are supported, counting the newest (default 3). */
    supportedMinors?: number;
    /** The newest released minor (default: NEWEST_KNOWN_MINOR). */
    newestMinor?: number;
    /** The day newestMinor was released (YYYY-MM-DD); without it, its age is unknown and never reported. */
    newestMinorReleased?: string;
  };
  /** The time of the audit; without it, the age of the release knowledge is not judged. */
  now?: Date;
}

// ---------------------------------------------------------------------------------------------
// Findings
// ---------------------------------------------------------------------------------------------

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';
export type Result = 'pass' | 'fail' | 'warn' | 'skip' | 'error';
export type Category = 'Namespace' | 'Workload' | 'Image' | 'RBAC' | 'Secrets' | 'Network' | 'Cluster';
export type FixMode = 'Auto' | 'Opt-in' | 'Report' | 'PSA / Report' | 'Auto for automount, else Report' | 'via NS-002' | 'via NS-004' | 'Auto in generated egress rules';

export interface ResourceRef {
  kind: string;
  /** '' for cluster-scoped resources. */
  namespace: string;
  name: string;
}

export interface Finding {
  checkId: string;
  result: Result;
  severity: Severity;
  resource: ResourceRef;
  /** What was found and what to change. */
  message: string;
  properties?: Readonly<Record<string, string>>;
  /**
   * The subset of the check's equivalents this finding is about (e.g. only `P:hostPIDSet` of
   * WL-001). Exemption annotations of other tools are matched against it; absent: all of them.
   */
  equivalents?: readonly string[];
}
