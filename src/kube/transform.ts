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

const POD_TEMPLATE_KINDS = new Set(['deployments', 'replicasets', 'statefulsets', 'daemonsets', 'jobs', 'replicationcontrollers']);

/** Keeps what the operator reads of an object of the given resource (its plural). */
export function compact(plural: string, object: unknown): unknown {
  const o = obj(object);
  if (o === undefined) return object;
  const out: Json = { metadata: metadata(obj(o.metadata)) };
  if (o.apiVersion !== undefined) out.apiVersion = o.apiVersion;
  if (o.kind !== undefined) out.kind = o.kind;
  const spec = obj(o.spec);
  switch (plural) {
    case 'pods':
      out.spec = spec;
      out.status = pick(obj(o.status), ['phase']);
      break;
    case 'cronjobs':
      out.spec = { jobTemplate: { spec: pick(obj(obj(spec?.jobTemplate)?.spec), ['template']) } };
      break;
    case 'namespaces':
      out.status = pick(obj(o.status), ['phase']);
      break;
    case 'configmaps': {
      const data = obj(o.data);
      if (data !== undefined) {
        out.data = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, typeof v === 'string' ? v.slice(0, MAX_CONFIGMAP_VALUE) : v]));
      }
      break;
    }
    case 'services':
      out.spec = pick(spec, ['type', 'ports', 'externalIPs', 'loadBalancerSourceRanges']);
      break;
    case 'ingresses':
      out.spec = pick(spec, ['tls']);
      break;
    case 'serviceaccounts':
      if (o.automountServiceAccountToken !== undefined) out.automountServiceAccountToken = o.automountServiceAccountToken;
      break;
    case 'roles':
    case 'clusterroles':
      out.rules = o.rules;
      break;
    case 'rolebindings':
    case 'clusterrolebindings':
      out.roleRef = o.roleRef;
      out.subjects = o.subjects;
      break;
    case 'networkpolicies':
    case 'resourcequotas':
    case 'limitranges':
      out.spec = spec;
      break;
    case 'policyreports':
      // Only a digest of the content, for the operator's own report: enough to tell whether the
      // live report says what it should, without keeping it.
      if (obj(o.metadata)?.name === POLICY_REPORT_NAME) out.contentDigest = contentDigest(o);
      break;
    default:
      if (POD_TEMPLATE_KINDS.has(plural)) out.spec = pick(spec, ['template']);
      else return object;
  }
  return out;
}
