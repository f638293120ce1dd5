import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, POLICY_REPORT_NAME } from '../api/names.js';
import { contentDigest } from './digest.js';

/**
 * Cache transforms: what the informers keep of each object. At 10,000 namespaces the caches are
 * most of the operator's memory, so each kind keeps only the fields a reconcile or a check reads.
 * managedFields (often the largest part) are dropped, except a summary (manager, operation, time)
 * on our own objects, which drift attribution reads. The objects keep the API's shape, so the
 * code that reads them does not change.
 */

type Json = Record<string, unknown>;

/** kubectl's client-side apply copy of the whole object: large, and never read. */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
/** ConfigMap values are only scanned for credentials; a credential shows in far fewer characters. */
const MAX_CONFIGMAP_VALUE = 4096;

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
  const annotations = obj(m.annotations);
  if (annotations !== undefined) {
    const rest = Object.fromEntries(Object.entries(annotations).filter(([k]) => k !== LAST_APPLIED));
    if (Object.keys(rest).length > 0) out.annotations = rest;
  }
  const labels = obj(m.labels);
  if (labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE && Array.isArray(m.managedFields)) {
    out.managedFields = (m.managedFields as unknown[]).map((e) => pick(obj(e), ['manager', 'operation', 'time']));
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
  return { data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, typeof v === 'string' ? v.slice(0, MAX_CONFIGMAP_VALUE) : v])) };
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
