import { BASELINE_LABEL, FIELD_MANAGER, MANAGED_BY_LABEL, MANAGED_BY_VALUE, POLICY_REPORT_NAME } from '../api/names.js';
import { contentDigest } from './digest.js';
import { podSecurityLabelOwners, type FieldsEntry } from './managedfields.js';

/**
 * Cache transforms: what the informers keep of each object. At 10,000 namespaces the caches are
 * most of the operator's memory, so each kind keeps only the fields a reconcile or a check reads.
 * managedFields (often the largest part) are dropped, except a summary (manager, operation, time)
 * on our own objects, which drift attribution reads. The objects keep the API's shape, so the
 * code that reads them does not change.
 */

type Json = Record<string, unknown>;

/** ConfigMap values are only scanned for credentials; a credential shows in far fewer characters. */
const MAX_CONFIGMAP_VALUE = 1024;
/**
 * The most of one ConfigMap's data kept (keys and values), whatever a tenant puts in it: 60 ConfigMaps
 * of 1 MB cost 60 x 8 KiB, not 60 MB. SEC-001 scans what is kept.
 */
const MAX_CONFIGMAP_BYTES = 8192;
const MAX_CONFIGMAP_KEYS = 64;

/**
 * Annotations the operator reads on objects it does not own: exemptions (posture.dev/, Polaris,
 * kube-score) and the pod-level security annotations the Pod Security checks read. Any other
 * annotation a tenant writes, of any size, is not kept.
 */
const READ_ANNOTATION_PREFIXES = [
  'posture.dev/',
  'polaris.fairwinds.com/',
  'kube-score/',
  'container.apparmor.security.beta.kubernetes.io/',
  'seccomp.security.alpha.kubernetes.io/',
  'container.seccomp.security.alpha.kubernetes.io/',
];
const MAX_ANNOTATION_VALUE = 1024;
const MAX_ANNOTATIONS = 64;

/**
 * Annotations as kept: in the managed caches every key (an annotation someone added to one of our
 * objects is drift) without its value, which nothing reads; elsewhere only the keys the checks
 * read, with values cut.
 */
function keptAnnotations(annotations: Json, managed: boolean): Json | undefined {
  const out: Json = {};
  let n = 0;
  for (const [k, v] of Object.entries(annotations)) {
    if (!managed && !READ_ANNOTATION_PREFIXES.some((prefix) => k.startsWith(prefix))) continue;
    if (++n > MAX_ANNOTATIONS) break;
    out[k] = managed ? '' : typeof v === 'string' ? v.slice(0, MAX_ANNOTATION_VALUE) : v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function obj(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

function pick(source: Json | undefined, keys: readonly string[]): Json | undefined {
  if (source === undefined) return undefined;
  const out: Json = {};
  for (const k of keys) if (source[k] !== undefined) out[k] = source[k];
  return out;
}

/**
 * What every cache keeps of metadata: identity, labels, owners and the annotations the checks read.
 * The operator's own objects are read for drift from the managed caches (projectManaged), so here
 * no object keeps its managedFields, except a Namespace's Pod Security label owners.
 */
function metadata(meta: Json | undefined): Json {
  const m = meta ?? {};
  const out = pick(m, ['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'labels', 'ownerReferences', 'deletionTimestamp', 'finalizers']) ?? {};
  // A cluster-scoped object's creation (few of them): a Namespace's starts its time to protection.
  if (m.namespace === undefined && m.creationTimestamp !== undefined) out.creationTimestamp = m.creationTimestamp;
  const annotations = obj(m.annotations);
  if (annotations !== undefined) {
    const kept = keptAnnotations(annotations, false);
    if (kept !== undefined) out.annotations = kept;
  }
  if (Array.isArray(m.managedFields)) {
    // Who owns the Pod Security labels (of a Namespace): drift of those is attributed to its field manager.
    const owners = podSecurityLabelOwners(m.managedFields as FieldsEntry[]);
    if (owners.length > 0) out.managedFields = owners;
  }
  return out;
}

/** The fields of one kind a cache keeps besides apiVersion, kind and metadata. */
export type Projection = (object: Json) => Json;

/** Keeps these top-level fields whole. */
export function keep(...keys: string[]): Projection {
  return (o) => pick(o, keys) ?? {};
}

/** Keeps these fields of the spec. */
export function keepSpec(...keys: string[]): Projection {
  return (o) => ({ spec: pick(obj(o.spec), keys) });
}

export const projectPod: Projection = (o) => ({ spec: obj(o.spec), status: pick(obj(o.status), ['phase']) });

export const projectCronJob: Projection = (o) => ({ spec: { jobTemplate: { spec: pick(obj(obj(obj(o.spec)?.jobTemplate)?.spec), ['template']) } } });

export const projectNamespace: Projection = (o) => ({ status: pick(obj(o.status), ['phase']) });

export const projectConfigMap: Projection = (o) => {
  const data = obj(o.data);
  if (data === undefined) return {};
  const out: Json = {};
  let budget = MAX_CONFIGMAP_BYTES;
  for (const k of Object.keys(data).sort().slice(0, MAX_CONFIGMAP_KEYS)) {
    const v = data[k];
    if (typeof v !== 'string') continue;
    const kept = v.slice(0, Math.min(MAX_CONFIGMAP_VALUE, Math.max(0, budget - k.length)));
    budget -= k.length + kept.length;
    out[k.slice(0, 253)] = kept;
    if (budget <= 0) break;
  }
  return { data: out };
};

/**
 * Only a digest of the content, for the operator's own report: enough to tell whether the live
 * report says what it should, without keeping it.
 */
export const projectPolicyReport: Projection = (o) => (obj(o.metadata)?.name === POLICY_REPORT_NAME ? { contentDigest: contentDigest(o) } : {});

/** The object as a cache keeps it: metadata without the large parts, and what the projection keeps. */
export function project(object: unknown, projection: Projection): unknown {
  const o = obj(object);
  if (o === undefined) return object;
  const out: Json = { metadata: metadata(obj(o.metadata)) };
  if (o.apiVersion !== undefined) out.apiVersion = o.apiVersion;
  if (o.kind !== undefined) out.kind = o.kind;
  return { ...out, ...projection(o) };
}

/** Of a managed object, the content the operator renders (its contentKeys), as compared: one digest. */
export type ContentHash = (content: Json) => string;

/**
 * The newest managedFields entry of a manager other than the operator, as { manager, operation,
 * time }: whom drift is attributed to. One entry, whatever the object's history.
 */
function lastOtherManager(managedFields: unknown): Json[] | undefined {
  if (!Array.isArray(managedFields)) return undefined;
  let newest: Json | undefined;
  let newestTime = '';
  for (const e of managedFields as unknown[]) {
    const entry = obj(e);
    // A status update (the controller manager's quota usage) changes nothing the operator owns.
    if (typeof entry?.manager !== 'string' || entry.manager === FIELD_MANAGER || entry.subresource === 'status') continue;
    // RFC 3339 times in UTC compare as strings.
    const time = typeof entry.time === 'string' ? entry.time : '';
    if (newest === undefined || time >= newestTime) {
      newest = pick(entry, ['manager', 'operation', 'time']);
      newestTime = time;
    }
  }
  return newest === undefined ? undefined : [newest];
}

/** Shared objects for what most managed objects have in common: the labels and owner of one baseline. */
const sharedLabels = new Map<string, Json>();
const sharedOwners = new Map<string, unknown[]>();
/** Baselines are few; a bound all the same, since tenants may label objects of their own. */
const MAX_SHARED = 1000;

function ourLabels(labels: Json | undefined): Json | undefined {
  if (labels === undefined) return undefined;
  const baseline = labels[BASELINE_LABEL];
  if (Object.keys(labels).length !== 2 || labels[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE || typeof baseline !== 'string') return labels;
  const found = sharedLabels.get(baseline);
  if (found !== undefined) return found;
  if (sharedLabels.size < MAX_SHARED) sharedLabels.set(baseline, Object.freeze(labels));
  return labels;
}

function ourOwners(owners: unknown): unknown {
  if (!Array.isArray(owners) || owners.length !== 1) return owners;
  const only = obj(owners[0]);
  const keyOf = JSON.stringify(pick(only, ['apiVersion', 'kind', 'name', 'uid', 'controller', 'blockOwnerDeletion']));
  const found = sharedOwners.get(keyOf);
  if (found !== undefined) return found;
  if (sharedOwners.size < MAX_SHARED) sharedOwners.set(keyOf, owners);
  return owners;
}

/**
 * A managed object as the enforcement caches keep it: what planning and drift attribution read,
 * no more. Identity and resourceVersion, our labels and owner (shared between objects), the keys of
 * any annotation (one there is drift), a digest of the rendered content instead of the content,
 * and the last other field manager with its time. About a tenth of the object with its
 * managedFields, and the same whatever a quota's status or a policy's size.
 */
export function projectManaged(object: unknown, contentKeys: readonly string[], hash: ContentHash): unknown {
  const o = obj(object);
  if (o === undefined) return object;
  const m = obj(o.metadata) ?? {};
  const meta: Json = pick(m, ['name', 'namespace', 'uid', 'resourceVersion', 'deletionTimestamp']) ?? {};
  const labels = ourLabels(obj(m.labels));
  if (labels !== undefined) meta.labels = labels;
  const owners = ourOwners(m.ownerReferences);
  if (owners !== undefined) meta.ownerReferences = owners;
  const annotations = obj(m.annotations);
  const kept = annotations === undefined ? undefined : keptAnnotations(annotations, true);
  if (kept !== undefined) meta.annotations = kept;
  const last = lastOtherManager(m.managedFields);
  if (last !== undefined) meta.managedFields = last;
  const content: Json = {};
  for (const k of contentKeys) if (o[k] !== undefined) content[k] = o[k];
  return { metadata: meta, contentHash: hash(content) };
}
