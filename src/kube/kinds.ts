import { MANAGED_SELECTOR } from '../api/names.js';
import { normalizeLimitRange, normalizeQuota } from '../render/normalize.js';
import { keep, keepSpec, projectConfigMap, projectCronJob, projectNamespace, projectPod, projectPolicyReport, type Projection } from './transform.js';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'patch' | 'update' | 'delete';

/**
 * One kind the operator reads or writes, declared once. The resource types, the cache projections,
 * the informers, the apply order, the normalisation before comparing, the kinds a PolicyReport names
 * and the ClusterRole's rules (generated into config/rbac/role.yaml) all come from this table.
 */
export interface Kind {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  /**
   * managed: rendered and written into namespaces (the table's order is the apply order);
   * audited: read by the audit; admission: spec.guard's policies, written by the guard controller;
   * operator: the operator's own (baselines, namespaces, reports, events).
   */
  role: 'managed' | 'audited' | 'admission' | 'operator';
  /** Watched by a shared informer from the start. */
  cached: boolean;
  /** Only objects with these labels are listed and watched (the operator's own, among many of the kind). */
  labelSelector?: string;
  /** What the cache keeps of each object besides metadata; absent: the whole object. */
  project?: Projection;
  /** A managed kind's top-level fields besides metadata, as rendered. */
  contentKeys?: readonly string[];
  /** Rewrites a managed kind's content so the rendered and the stored form compare equal. */
  normalize?: (content: Record<string, unknown>) => Record<string, unknown>;
  /** An audited kind whose pod template the workload checks read. */
  workload?: boolean;
  /**
   * Watched metadata-only (PartialObjectMetadata): its contents never reach the process, and what a
   * check reads of them is read on demand (ConfigMap data: src/controller/configmapdata.ts).
   */
  metadataOnly?: boolean;
  /** The verbs the ClusterRole grants, and why: the generated rule's comment. */
  verbs: readonly Verb[];
  why: string;
}

const RBAC = 'rbac.authorization.k8s.io';
const MANAGED_WHY =
  'Generated objects: informers (list, watch; the audit reads the namespace\'s own ones too); server-side apply (patch, and create when the object is new); delete prunes.';
const REPLACED_WHY = `${MANAGED_WHY} update replaces an object whole when another manager added a field that apply cannot take back: only possible where the field is granular (a NetworkPolicy's ingress rules, a quota's hard map).`;
const ATOMIC_WHY = `${MANAGED_WHY} A LimitRange's limits, a Role's rules and a RoleBinding's subjects are atomic lists that apply restores whole.`;
const AUDITED_WHY =
  'The audit reads what runs in selected namespaces (list, watch). get is held only so that spec.rbac.roles may grant read access to these: RBAC lets the operator grant only what it holds itself, so a baseline is never a way around the cluster\'s RBAC, and a role asking for more is refused by the API server and reported on the baseline (Stalled, ApplyFailed).';
const AUDITED: readonly Verb[] = ['get', 'list', 'watch'];
const WRITTEN: readonly Verb[] = ['list', 'watch', 'create', 'patch', 'delete'];
const REPLACED: readonly Verb[] = ['list', 'watch', 'create', 'patch', 'update', 'delete'];
const GUARD_WHY =
  'spec.guard: each baseline\'s ValidatingAdmissionPolicies and bindings (posture-guard-*). Informers (list, watch), server-side apply (patch, create when new), delete when a guard is set Off. config/admission/operator-fence.yaml keeps these writes to labelled posture-* objects.';
const spec = keep('spec');

function audited(group: string, kind: string, plural: string, project: Projection, workload = false): Kind {
  return { group, version: 'v1', kind, plural, namespaced: true, role: 'audited', cached: true, project, verbs: AUDITED, why: AUDITED_WHY, ...(workload ? { workload } : {}) };
}

export const KINDS: readonly Kind[] = [
  {
    group: 'posture.dev', version: 'v1alpha1', kind: 'SecurityBaseline', plural: 'securitybaselines', namespaced: false, role: 'operator', cached: true,
    verbs: ['list', 'watch', 'patch'], why: 'The baselines: informer (list, watch); patch = server-side apply of our finalizer entry only (deletionPolicy: Orphan).',
  },
  {
    group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false, role: 'operator', cached: true, project: projectNamespace,
    verbs: ['list', 'watch', 'patch'], why: 'Selection: namespace informer. patch = server-side apply of the Pod Security labels we own. No create: an apply can never re-create a namespace that was just deleted.',
  },
  // The managed kinds, in the order they are applied.
  { group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy', plural: 'networkpolicies', namespaced: true, role: 'managed', cached: true, project: spec, contentKeys: ['spec'], verbs: REPLACED, why: REPLACED_WHY },
  { group: '', version: 'v1', kind: 'ResourceQuota', plural: 'resourcequotas', namespaced: true, role: 'managed', cached: true, project: spec, contentKeys: ['spec'], normalize: normalizeQuota, verbs: REPLACED, why: REPLACED_WHY },
  { group: '', version: 'v1', kind: 'LimitRange', plural: 'limitranges', namespaced: true, role: 'managed', cached: true, project: spec, contentKeys: ['spec'], normalize: normalizeLimitRange, verbs: WRITTEN, why: ATOMIC_WHY },
  { group: RBAC, version: 'v1', kind: 'Role', plural: 'roles', namespaced: true, role: 'managed', cached: true, project: keep('rules'), contentKeys: ['rules'], verbs: WRITTEN, why: ATOMIC_WHY },
  { group: RBAC, version: 'v1', kind: 'RoleBinding', plural: 'rolebindings', namespaced: true, role: 'managed', cached: true, project: keep('roleRef', 'subjects'), contentKeys: ['roleRef', 'subjects'], verbs: WRITTEN, why: ATOMIC_WHY },
  // spec.guard: the admission policies of each baseline (few, cluster-scoped: cached whole).
  { group: 'admissionregistration.k8s.io', version: 'v1', kind: 'ValidatingAdmissionPolicy', plural: 'validatingadmissionpolicies', namespaced: false, role: 'admission', cached: true, verbs: WRITTEN, why: GUARD_WHY },
  { group: 'admissionregistration.k8s.io', version: 'v1', kind: 'ValidatingAdmissionPolicyBinding', plural: 'validatingadmissionpolicybindings', namespaced: false, role: 'admission', cached: true, verbs: WRITTEN, why: GUARD_WHY },
  {
    group: 'apps', version: 'v1', kind: 'ControllerRevision', plural: 'controllerrevisions', namespaced: true, role: 'operator', cached: true, labelSelector: MANAGED_SELECTOR, project: keep('data', 'revision'),
    verbs: ['list', 'watch', 'create', 'delete'],
    why: 'Baseline revisions (spec.rollout, docs/rollout.md), kept in the operator\'s namespace as StatefulSets keep theirs: informer of ours only (label selector), create for each new revision, delete beyond the bounded history and when their baseline goes (labelled with its uid, no ownerReference: decision 0016). config/admission/operator-fence.yaml keeps these writes to the operator\'s namespace.',
  },
  {
    group: 'events.k8s.io', version: 'v1', kind: 'Event', plural: 'events', namespaced: true, role: 'operator', cached: false,
    verbs: ['create'], why: 'Events: DriftRepaired, FindingOpened.',
  },
  // What the audit reads besides the managed kinds (which it reads too). Never Secrets.
  audited('', 'Pod', 'pods', projectPod, true),
  audited('apps', 'Deployment', 'deployments', keepSpec('template'), true),
  audited('apps', 'ReplicaSet', 'replicasets', keepSpec('template'), true),
  audited('apps', 'StatefulSet', 'statefulsets', keepSpec('template'), true),
  audited('apps', 'DaemonSet', 'daemonsets', keepSpec('template'), true),
  audited('batch', 'Job', 'jobs', keepSpec('template'), true),
  audited('batch', 'CronJob', 'cronjobs', projectCronJob, true),
  audited('', 'Service', 'services', keepSpec('type', 'ports', 'externalIPs', 'loadBalancerSourceRanges')),
  audited('networking.k8s.io', 'Ingress', 'ingresses', keepSpec('tls')),
  { ...audited('', 'ConfigMap', 'configmaps', projectConfigMap), metadataOnly: true },
  audited('', 'PersistentVolumeClaim', 'persistentvolumeclaims', keep()),
  audited('', 'ServiceAccount', 'serviceaccounts', keep('automountServiceAccountToken')),
  { ...audited(RBAC, 'ClusterRole', 'clusterroles', keep('rules')), namespaced: false, verbs: ['list', 'watch'], why: 'Cluster-wide RBAC the audit follows from the namespace\'s bindings.' },
  { ...audited(RBAC, 'ClusterRoleBinding', 'clusterrolebindings', keep('roleRef', 'subjects')), namespaced: false, verbs: ['list', 'watch'], why: 'Cluster-wide RBAC the audit follows from the namespace\'s bindings.' },
  // Discovered at start: watched only when its CRD is installed.
  {
    group: 'wgpolicyk8s.io', version: 'v1alpha2', kind: 'PolicyReport', plural: 'policyreports', namespaced: true, role: 'operator', cached: false, project: projectPolicyReport,
    verbs: WRITTEN, why: 'A PolicyReport per audited namespace, when the wgpolicyk8s.io CRD is installed.',
  },
];

export function apiVersionOf(kind: Pick<Kind, 'group' | 'version'>): string {
  return kind.group === '' ? kind.version : `${kind.group}/${kind.version}`;
}

/** A ClusterRole rule that is not one kind's own verbs. */
export interface ExtraRule {
  group: string;
  resources: readonly string[];
  resourceNames?: readonly string[];
  verbs: readonly string[];
  why: string;
  /** The kind it follows in the generated ClusterRole. */
  after: string;
}

const SECURE_METRICS_WHY =
  "Secure metrics (--metrics-secure, on in a cluster): each scrape's bearer token is authenticated (TokenReview) and its user authorised for GET /metrics (SubjectAccessReview).";

export const EXTRA_RULES: readonly ExtraRule[] = [
  { group: 'posture.dev', resources: ['securitybaselines/status'], verbs: ['patch'], why: 'Status written back: merge patch of the status subresource.', after: 'SecurityBaseline' },
  {
    group: RBAC, resources: ['clusterroles'], resourceNames: ['view'], verbs: ['bind'], after: 'RoleBinding',
    why: 'spec.rbac.bindClusterRoles: the only ClusterRoles a baseline may bind. Extend this list (EXTRA_RULES in src/kube/kinds.ts, then npm run generate) to allow more.',
  },
  { group: 'authentication.k8s.io', resources: ['tokenreviews'], verbs: ['create'], why: SECURE_METRICS_WHY, after: 'ClusterRoleBinding' },
  { group: 'authorization.k8s.io', resources: ['subjectaccessreviews'], verbs: ['create'], why: SECURE_METRICS_WHY, after: 'ClusterRoleBinding' },
];
