import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, POLICY_REPORT_NAME } from '../api/names.js';
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
 * Annotations as kept: on the operator's own objects every key (an annotation someone added there
 * is drift), with values cut; on everything else only the keys the operator reads.
 */
function keptAnnotations(annotations: Json, managed: boolean): Json | undefined {
  const out: Json = {};
  let n = 0;
  for (const [k, v] of Object.entries(annotations)) {
    if (!managed && !READ_ANNOTATION_PREFIXES.some((prefix) => k.startsWith(prefix))) continue;
    if (++n > MAX_ANNOTATIONS) break;
    out[k] = typeof v === 'string' ? v.slice(0, MAX_ANNOTATION_VALUE) : v;
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

function metadata(meta: Json | undefined): Json {
  const m = meta ?? {};
  const out = pick(m, ['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'labels', 'ownerReferences', 'deletionTimestamp', 'finalizers']) ?? {};
  // A cluster-scoped object's creation (few of them): a Namespace's starts its time to protection.
  if (m.namespace === undefined && m.creationTimestamp !== undefined) out.creationTimestamp = m.creationTimestamp;
  const labels = obj(m.labels);
  const annotations = obj(m.annotations);
  if (annotations !== undefined) {
    const kept = keptAnnotations(annotations, labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE);
    if (kept !== undefined) out.annotations = kept;
  }
  if (labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE && Array.isArray(m.managedFields)) {
    out.managedFields = (m.managedFields as unknown[]).map((e) => pick(obj(e), ['manager', 'operation', 'time']));
  } else if (Array.isArray(m.managedFields)) {
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
