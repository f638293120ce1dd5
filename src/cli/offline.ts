import { auditSpecSchema } from '../api/audit.js';
import { NAMESPACE, AUDITED_TYPES, MANAGED_TYPES, type ResourceType } from '../kube/resources.js';
import { compact } from '../kube/resources.js';
import { auditConfig, gatherAuditInput } from '../controller/auditinput.js';
import type { CachedObject, CacheView } from '../runtime/caches.js';
import { evaluateNamespace } from '../audit/evaluate.js';
import { annotationIndex, applyExemptions, resourceKey } from '../audit/exemptions.js';
import type { Finding, ResourceRef } from '../audit/types.js';
import type { ValidBaseline } from '../render/selection.js';
import { withApiDefaults } from './defaults.js';
import type { Manifest } from './inputs.js';

/** Where an audited object came from. */
export interface Location {
  file: string;
  line: number;
}

export interface OfflineAudit {
  findings: Finding[];
  namespaces: string[];
  /** The file and line of the object a finding is about (a Namespace finding: its Namespace object, else the namespace's first object). */
  locate: (ref: ResourceRef) => Location | undefined;
}

const TYPES: readonly ResourceType[] = [NAMESPACE, ...MANAGED_TYPES, ...AUDITED_TYPES];
const BY_KIND = new Map(TYPES.map((t) => [t.kind, t]));

/**
 * Checks that read what only a cluster knows. Offline they are `skip`, with the reason, unless
 * the input holds what they read. A check missing here reads only the objects themselves.
 */
const NEEDS: readonly { checks: readonly string[]; plural: string; name?: string; reason: string }[] = [
  { checks: ['NS-001'], plural: 'namespaces', reason: "needs the Namespace object's labels, which only the cluster knows: add the Namespace manifest to the input" },
  { checks: ['NS-002', 'WL-015', 'NET-003'], plural: 'networkpolicies', reason: 'needs the namespace\'s NetworkPolicies, which only the cluster knows: add them to the input' },
  { checks: ['NS-003'], plural: 'resourcequotas', reason: "needs the namespace's ResourceQuotas, which only the cluster knows: add them to the input" },
  { checks: ['NS-004'], plural: 'limitranges', reason: "needs the namespace's LimitRanges, which only the cluster knows: add them to the input" },
  { checks: ['NS-006'], plural: 'serviceaccounts', name: 'default', reason: 'needs the default ServiceAccount, which the cluster creates: add it to the input' },
];

/** The input as the operator's informer caches would hold it (same transform), keyed by plural. */
class ManifestCache implements CacheView {
  private readonly byPlural = new Map<string, Map<string, CachedObject>>();

  add(type: ResourceType, namespace: string, object: Record<string, unknown>): string {
    const given = (object.metadata as { name?: unknown } | undefined)?.name;
    const name = typeof given === 'string' ? given : '';
    const metadata = { ...(object.metadata as Record<string, unknown> | undefined), ...(type.namespaced ? { namespace } : {}) };
    const cached = compact(type.plural, { ...object, metadata }) as CachedObject;
    const key = type.namespaced ? `${namespace}/${name}` : name;
    let map = this.byPlural.get(type.plural);
    if (map === undefined) {
      map = new Map<string, CachedObject>();
      this.byPlural.set(type.plural, map);
    }
    // Two objects with one name: the later one wins, as with kubectl apply.
    map.set(key, cached);
    return name;
  }

  list(plural: string, namespace?: string): readonly CachedObject[] {
    const all = [...(this.byPlural.get(plural)?.values() ?? [])];
    return namespace === undefined ? all : all.filter((o) => o.metadata?.namespace === namespace);
  }

  get(plural: string, name: string, namespace?: string): CachedObject | undefined {
    const type = TYPES.find((t) => t.plural === plural);
    return this.byPlural.get(plural)?.get(type?.namespaced === true && namespace !== undefined ? `${namespace}/${name}` : name);
  }
}

function unknownOffline(findings: readonly Finding[], cache: CacheView, namespace: string): Finding[] {
  return findings.map((f) => {
    const need = NEEDS.find((n) => n.checks.includes(f.checkId));
    if (need === undefined) return f;
    const provided = need.plural === 'namespaces' ? cache.get('namespaces', namespace) !== undefined : cache.list(need.plural, namespace).some((o) => need.name === undefined || o.metadata?.name === need.name);
    return provided ? f : { ...f, result: 'skip', message: `not evaluated offline: ${need.reason}`, properties: { ...f.properties, offline: 'true' } };
  });
}

export interface AuditOptions {
  /** Where objects without a namespace are audited. */
  namespace: string;
  /**
   * The input is everything its namespaces hold, as read from a cluster (kubectl get -o yaml): what
   * is absent is absent, and pods are live pods. Otherwise the input is source manifests.
   */
  complete?: boolean;
  baseline?: ValidBaseline;
  now: Date;
}

/**
 * Audits manifests with the operator's own pipeline: the objects go through the informer cache
 * transform into a cache view, then gatherAuditInput, evaluateNamespace and applyExemptions run
 * exactly as the Auditor runs them, one namespace at a time.
 */
export function auditManifests(manifests: readonly Manifest[], options: AuditOptions): OfflineAudit {
  const cache = new ManifestCache();
  const where = new Map<string, Location>();
  const firstIn = new Map<string, Location>();
  const namespaces = new Set<string>();
  for (const m of manifests) {
    const type = BY_KIND.get(m.object.kind);
    if (type === undefined) continue;
    const given = m.object.metadata?.namespace;
    const namespace = type.namespaced ? (typeof given === 'string' && given !== '' ? given : options.namespace) : '';
    const name = cache.add(type, namespace, options.complete === true ? m.object : withApiDefaults(type.kind, m.object));
    const location = { file: m.file, line: m.line };
    where.set(resourceKey({ kind: type.kind, namespace, name }), location);
    if (type.kind === 'Namespace') namespaces.add(name);
    if (type.namespaced) {
      namespaces.add(namespace);
      if (!firstIn.has(namespace)) firstIn.set(namespace, location);
    }
  }
  const spec = options.baseline?.spec;
  const config = auditConfig(spec?.audit ?? auditSpecSchema.parse({}), spec?.podSecurity?.enforce);
  const sorted = [...namespaces].sort();
  const findings = sorted.flatMap((namespace) => {
    const gathered = gatherAuditInput(cache, namespace, config);
    // A Pod in source manifests has not been admitted: LimitRange defaults are not in it yet, so
    // WL-013 reads it as a template (with the LimitRanges' defaults), as it reads a Deployment.
    const input = options.complete === true ? gathered : { ...gathered, pods: [] };
    const findings = evaluateNamespace(input);
    return applyExemptions(options.complete === true ? findings : unknownOffline(findings, cache, namespace), {
      specExemptions: spec?.audit.exemptions ?? [],
      now: options.now,
      workloadAnnotations: annotationIndex(input),
      namespace,
    });
  });
  const locate = (ref: ResourceRef): Location | undefined => {
    const direct = where.get(resourceKey(ref));
    if (direct !== undefined) return direct;
    return ref.kind === 'Namespace' ? firstIn.get(ref.name) : firstIn.get(ref.namespace);
  };
  return { findings, namespaces: sorted, locate };
}
