/**
 * Exemptions turn findings that would fail into `skip`, with the reason, from four sources (first
 * match wins):
 * 1. spec.audit.exemptions of the SecurityBaseline (checks, namespace globs, reason, expires);
 * 2. `posture.dev/exempt: "WL-010,IMG-001"` (+ `posture.dev/exempt-reason`) on the resource;
 * 3. Polaris: `polaris.fairwinds.com/<check>-exempt: "true"` (or `polaris.fairwinds.com/exempt`),
 *    for checks with a Polaris equivalent, when every Polaris check the finding is about is exempt;
 * 4. kube-score: `kube-score/ignore: "<check>,..."`, likewise.
 * Annotations (2-4) are written by whoever edits the resource, tenants included: the baseline decides
 * whether they count (spec.audit.annotationExemptions), and skips they cause are marked as theirs.
 * Passing findings stay `pass`. An expired spec exemption no longer applies and is reported as an
 * EXEMPTION-EXPIRED finding (severity low) for each audited namespace it names.
 */
import { checkById } from './catalog.js';
import { globMatch } from './glob.js';
import type { AuditInput, Finding, Labels, ResourceRef } from './types.js';

export const EXEMPTION_EXPIRED = 'EXEMPTION-EXPIRED';
export const EXEMPT_ANNOTATION = 'posture.dev/exempt';
export const EXEMPT_REASON_ANNOTATION = 'posture.dev/exempt-reason';

export interface SpecExemption {
  /** Check ids; `*` for all. */
  checks: readonly string[];
  /** Namespace names or globs; empty or absent: every namespace. */
  namespaces?: readonly string[];
  reason: string;
  /** RFC 3339; absent: never expires. */
  expires?: string;
}

/** spec.audit.annotationExemptions and annotationExemptChecks. */
export interface AnnotationPolicy {
  mode: 'Allowed' | 'Disabled' | 'AllowList';
  /** With AllowList: the checks an annotation may exempt. */
  checks: readonly string[];
}

export interface ExemptionOptions {
  specExemptions?: readonly SpecExemption[];
  /** Default: Allowed (annotations exempt any check). */
  annotationPolicy?: AnnotationPolicy;
  now: Date;
  /** Annotations of the audited resources, keyed by resourceKey() (see annotationIndex). */
  workloadAnnotations?: Readonly<Record<string, Labels>>;
  /** The audited namespace; default: each finding's own (a Namespace finding's name). */
  namespace?: string;
}

export function resourceKey(ref: ResourceRef): string {
  return `${ref.kind}/${ref.namespace}/${ref.name}`;
}

/** Annotations of everything in an audit input that can carry exemption annotations. */
export function annotationIndex(input: AuditInput): Record<string, Labels> {
  const ns = input.namespace.name;
  const index: Record<string, Labels> = {};
  const add = (kind: string, namespace: string, name: string, annotations: Labels | undefined): void => {
    if (annotations !== undefined && Object.keys(annotations).length > 0) index[resourceKey({ kind, namespace, name })] = annotations;
  };
  for (const w of input.workloads) add(w.kind, w.namespace, w.name, w.annotations);
  for (const s of input.services) add('Service', ns, s.name, s.annotations);
  for (const i of input.ingresses) add('Ingress', ns, i.name, i.annotations);
  for (const c of input.configMaps) add('ConfigMap', ns, c.name, c.annotations);
  for (const r of input.roles) add('Role', ns, r.name, r.annotations);
  for (const r of input.clusterRoles) add('ClusterRole', '', r.name, r.annotations);
  for (const b of input.roleBindings) add('RoleBinding', ns, b.name, b.annotations);
  add('Namespace', '', ns, input.namespace.annotations);
  return index;
}

function namespaceOf(f: Finding, options: ExemptionOptions): string {
  return options.namespace ?? (f.resource.kind === 'Namespace' ? f.resource.name : f.resource.namespace);
}

function isExpired(e: SpecExemption, now: Date): boolean {
  if (e.expires === undefined) return false;
  const t = Date.parse(e.expires);
  return Number.isNaN(t) || t <= now.getTime();
}

function coversNamespace(e: SpecExemption, namespace: string): boolean {
  const globs = e.namespaces ?? [];
  return globs.length === 0 || globs.some((g) => globMatch(g, namespace));
}

function coversCheck(e: SpecExemption, checkId: string): boolean {
  return e.checks.some((c) => c === '*' || c.toUpperCase() === checkId.toUpperCase());
}

function list(value: string | undefined): string[] {
  return (value ?? '').split(/[\s,]+/).map((s) => s.trim()).filter((s) => s !== '');
}

/** The other tool's check ids (`P:x` -> x) this finding is about. */
function toolIds(f: Finding, prefix: 'P:' | 'KS:'): string[] {
  const equivalents = f.equivalents ?? checkById(f.checkId)?.equivalents ?? [];
  return equivalents.filter((e) => e.startsWith(prefix)).map((e) => e.slice(prefix.length));
}

interface Exemption {
  source: string;
  reason: string;
  expires?: string;
}

/** Sources that the resource's own author controls, unlike spec.audit.exemptions. */
const ANNOTATION_SOURCES = new Set(['annotation', 'polaris', 'kube-score']);
const ANNOTATION_NAMES: Readonly<Record<string, string>> = { annotation: EXEMPT_ANNOTATION, polaris: 'Polaris', 'kube-score': 'kube-score/ignore' };

/** Tenants write annotation reasons; the report shows a bounded one. */
const MAX_ANNOTATION_REASON = 256;

/** A skip that an annotation on the resource asked for, not the baseline. */
export function isAnnotationSkip(f: Finding): boolean {
  return f.result === 'skip' && ANNOTATION_SOURCES.has(f.properties?.['exemption'] ?? '');
}

function annotationAllowed(policy: AnnotationPolicy | undefined, checkId: string): boolean {
  if (policy === undefined || policy.mode === 'Allowed') return true;
  if (policy.mode === 'Disabled') return false;
  return policy.checks.some((c) => c.toUpperCase() === checkId.toUpperCase());
}

function annotationExemption(f: Finding, annotations: Labels): Exemption | undefined {
  if (list(annotations[EXEMPT_ANNOTATION]).some((id) => id === '*' || id.toUpperCase() === f.checkId.toUpperCase())) {
    const given = annotations[EXEMPT_REASON_ANNOTATION];
    const reason = given === undefined ? `exempted by annotation ${EXEMPT_ANNOTATION}` : given.length > MAX_ANNOTATION_REASON ? `${given.slice(0, MAX_ANNOTATION_REASON)}...` : given;
    return { source: 'annotation', reason };
  }
  const polaris = toolIds(f, 'P:');
  const polarisAll = annotations['polaris.fairwinds.com/exempt'] === 'true';
  if (polaris.length > 0 && (polarisAll || polaris.every((id) => annotations[`polaris.fairwinds.com/${id}-exempt`] === 'true'))) {
    return { source: 'polaris', reason: `exempted by Polaris annotation (${polarisAll ? 'polaris.fairwinds.com/exempt' : polaris.map((id) => `polaris.fairwinds.com/${id}-exempt`).join(', ')})` };
  }
  const kubeScore = toolIds(f, 'KS:');
  const ignored = new Set(list(annotations['kube-score/ignore']));
  if (kubeScore.length > 0 && kubeScore.every((id) => ignored.has(id))) {
    return { source: 'kube-score', reason: `exempted by kube-score annotation (kube-score/ignore: ${kubeScore.join(', ')})` };
  }
  return undefined;
}

function exemptionFor(f: Finding, options: ExemptionOptions): Exemption | undefined {
  const namespace = namespaceOf(f, options);
  const spec = (options.specExemptions ?? []).find((e) => !isExpired(e, options.now) && coversCheck(e, f.checkId) && coversNamespace(e, namespace));
  if (spec !== undefined) {
    const out: Exemption = { source: 'spec', reason: spec.reason };
    if (spec.expires !== undefined) out.expires = spec.expires;
    return out;
  }
  const annotations = options.workloadAnnotations?.[resourceKey(f.resource)];
  return annotations === undefined ? undefined : annotationExemption(f, annotations);
}

function exempted(f: Finding, exemption: Exemption): Finding {
  const properties: Record<string, string> = { ...f.properties, exemption: exemption.source, exemptionReason: exemption.reason, originalResult: f.result };
  if (exemption.expires !== undefined) properties['exemptionExpires'] = exemption.expires;
  const by = ANNOTATION_SOURCES.has(exemption.source) ? ` [by an annotation on the ${f.resource.kind}, not by the baseline]` : '';
  return { ...f, result: 'skip', message: `exempted: ${exemption.reason}${by} (finding: ${f.message})`, properties };
}

/** The result stands; it says which annotation tried to exempt it and why that was ignored. */
function notExempted(f: Finding, exemption: Exemption, policy: AnnotationPolicy | undefined): Finding {
  const why = policy?.mode === 'Disabled' ? 'spec.audit.annotationExemptions is Disabled' : `${f.checkId} is not in spec.audit.annotationExemptChecks`;
  const name = ANNOTATION_NAMES[exemption.source] ?? exemption.source;
  return { ...f, message: `${f.message} (the ${name} annotation's exemption is ignored: ${why})`, properties: { ...f.properties, ignoredExemption: exemption.source } };
}

function expiredFindings(findings: readonly Finding[], options: ExemptionOptions): Finding[] {
  const namespaces = options.namespace !== undefined ? [options.namespace] : [...new Set(findings.map((f) => namespaceOf(f, options)).filter((n) => n !== ''))].sort();
  return (options.specExemptions ?? [])
    .filter((e) => isExpired(e, options.now))
    .flatMap((e) =>
      namespaces
        .filter((ns) => coversNamespace(e, ns))
        .map((ns) => ({
          checkId: EXEMPTION_EXPIRED,
          result: 'fail' as const,
          severity: 'low' as const,
          resource: { kind: 'Namespace', namespace: '', name: ns },
          message: `the exemption of ${e.checks.join(', ')} ("${e.reason}") expired at ${e.expires ?? ''}: renew it or remove it from spec.audit.exemptions`,
          properties: { checks: e.checks.join(','), expires: e.expires ?? '', reason: e.reason },
        })),
    );
}

/** Apply exemptions (pure): a new list, exempted findings as `skip`, plus EXEMPTION-EXPIRED findings. */
export function applyExemptions(findings: readonly Finding[], options: ExemptionOptions): Finding[] {
  const out = findings.map((f): Finding => {
    if (f.result === 'pass' || f.result === 'skip') return f;
    const exemption = exemptionFor(f, options);
    if (exemption === undefined) return f;
    if (ANNOTATION_SOURCES.has(exemption.source) && !annotationAllowed(options.annotationPolicy, f.checkId)) return notExempted(f, exemption, options.annotationPolicy);
    return exempted(f, exemption);
  });
  return [...out, ...expiredFindings(findings, options)];
}
