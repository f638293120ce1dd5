import { apiVersionOf, KINDS, type Kind } from './kinds.js';
import { contentDigest } from './digest.js';
import type { ResourceType } from './paths.js';
import { project, projectManaged } from './transform.js';

export { collectionPath, objectPath, type ResourceType } from './paths.js';

/** A kind the operator generates in namespaces, and the top-level fields it renders for it. */
export interface ManagedType extends ResourceType {
  contentKeys: readonly string[];
}

function typeOf(k: Kind): ResourceType {
  return { apiVersion: apiVersionOf(k), kind: k.kind, plural: k.plural, namespaced: k.namespaced, ...(k.labelSelector === undefined ? {} : { labelSelector: k.labelSelector }) };
}

const ALL: readonly ResourceType[] = KINDS.map(typeOf);

/** The resource type of a kind by name; throws for a kind the registry does not declare. */
export function typeOfKind(kind: string): ResourceType {
  const found = ALL.find((t) => t.kind === kind);
  if (found === undefined) throw new Error(`no kind ${kind} in src/kube/kinds.ts`);
  return found;
}

export const NAMESPACE = typeOfKind('Namespace');
export const SECURITY_BASELINE = typeOfKind('SecurityBaseline');
export const EVENT = typeOfKind('Event');
export const POLICY_REPORT = typeOfKind('PolicyReport');
export const CONTROLLER_REVISION = typeOfKind('ControllerRevision');

/** The kinds the operator creates in namespaces, in the order it applies them. */
export const MANAGED_TYPES: readonly ManagedType[] = KINDS.filter((k) => k.role === 'managed').map((k) => ({ ...typeOf(k), contentKeys: k.contentKeys ?? [] }));

/** What the audit reads besides the managed kinds (which it reads too). Never Secrets. */
export const AUDITED_TYPES: readonly ResourceType[] = KINDS.filter((k) => k.role === 'audited').map(typeOf);

/** Every kind a shared informer watches from the start; the PolicyReport informer is added once its CRD is found. */
export const CACHED_TYPES: readonly ResourceType[] = KINDS.filter((k) => k.cached).map(typeOf);

/**
 * The namespaced kinds the audit reads (the managed kinds' caches of every object among them):
 * their caches keep only namespaces some baseline selects, the only ones the audit reads.
 */
export const SCOPED_PLURALS: ReadonlySet<string> = new Set(KINDS.filter((k) => k.namespaced && k.cached && (k.role === 'audited' || k.role === 'managed')).map((k) => k.plural));

/** Kinds whose informers are metadata-only (their contents are read on demand). */
export const METADATA_ONLY_PLURALS: ReadonlySet<string> = new Set(KINDS.filter((k) => k.metadataOnly === true).map((k) => k.plural));

/** spec.guard's policies and bindings (cluster-scoped), written by the guard controller. */
export const ADMISSION_TYPES: readonly ResourceType[] = KINDS.filter((k) => k.role === 'admission').map(typeOf);

/** The audited kinds whose pod templates the workload checks read, as [plural, kind]. */
export const WORKLOAD_KINDS: readonly (readonly [string, string])[] = KINDS.filter((k) => k.workload === true).map((k) => [k.plural, k.kind]);

export function resourceTypeOf(apiVersion: string, kind: string): ResourceType {
  const found = ALL.find((t) => t.apiVersion === apiVersion && t.kind === kind);
  if (found === undefined) throw new Error(`no resource type registered for ${apiVersion} ${kind}`);
  return found;
}

/** The apiVersion of a kind by name (PolicyReports name resources by kind). */
export function apiVersionOfKind(kind: string): string | undefined {
  return ALL.find((t) => t.kind === kind)?.apiVersion;
}

/** What the cache keeps of an object of the given resource (its plural): the kind's projection, or all of it. */
export function compact(plural: string, object: unknown): unknown {
  const projection = KINDS.find((k) => k.plural === plural)?.project;
  return projection === undefined ? object : project(object, projection);
}

/**
 * The name of the cache of a managed kind's own objects (labelled ours), beside the kind's cache of
 * every object in it, which the audit reads.
 */
export function managedCache(plural: string): string {
  return `${plural}/managed`;
}

/** A managed object as the managed caches keep it (see projectManaged). */
export function compactManaged(type: ManagedType, object: unknown): unknown {
  return projectManaged(object, type.contentKeys, (content) => ownedContentHash(type.kind, content));
}

/**
 * The digest of a managed object's rendered content after the kind's normalisation: equal for the
 * object as rendered and as stored when they say the same.
 */
export function ownedContentHash(kind: string, content: Record<string, unknown>): string {
  const defined = Object.fromEntries(Object.entries(content).filter(([, v]) => v !== undefined));
  return contentDigest(normalizeContent(kind, defined));
}

/** A managed kind's content as compared: its normaliser's form, or as is. */
export function normalizeContent(kind: string, content: Record<string, unknown>): Record<string, unknown> {
  const normalize = KINDS.find((k) => k.kind === kind)?.normalize;
  return normalize === undefined ? content : normalize(content);
}
