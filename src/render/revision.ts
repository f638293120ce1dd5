import type { SecurityBaselineSpec } from '../api/securitybaseline.js';
import { contentDigest } from '../kube/digest.js';
import type { ValidBaseline } from './selection.js';

/**
 * A revision is what a baseline writes into namespaces: the spec sections rendered there. A change
 * elsewhere (audit, rollout, selection, priority, mode, guard) is not a revision and is not staged:
 * it writes nothing into a namespace, or (selection) decides which namespaces, not what they get.
 */
export const REVISION_SECTIONS = ['networkPolicy', 'resourceQuota', 'limitRange', 'podSecurity', 'rbac'] as const;

type Section = (typeof REVISION_SECTIONS)[number];
export type RevisionData = Partial<Pick<SecurityBaselineSpec, Section>>;

/** Hex characters of the digest kept: the label value and the ControllerRevision's name suffix. */
export const REVISION_HASH_LENGTH = 10;

/** The revision's content: the sections present in the spec, nothing else. */
export function revisionData(spec: SecurityBaselineSpec): RevisionData {
  const out: Record<string, unknown> = {};
  for (const key of REVISION_SECTIONS) if (spec[key] !== undefined) out[key] = spec[key];
  return out;
}

/** The revision's name: a digest of its content, independent of key order. */
export function revisionHash(data: RevisionData): string {
  return contentDigest(data).slice(0, REVISION_HASH_LENGTH);
}

/** Parsed specs are immutable and shared; each is hashed once, not once per object rendered. */
const memo = new WeakMap<SecurityBaselineSpec, string>();

/** The revision a spec renders: the posture.dev/revision label on everything written from it. */
export function revisionOf(spec: SecurityBaselineSpec): string {
  let hash = memo.get(spec);
  if (hash === undefined) {
    hash = revisionHash(revisionData(spec));
    memo.set(spec, hash);
  }
  return hash;
}

/**
 * The baseline as it was at an earlier revision: the revision's sections, everything else as the
 * spec says now (a namespace not yet moved keeps what it was given, under today's selection and mode).
 */
export function atRevision(baseline: ValidBaseline, data: RevisionData): ValidBaseline {
  const rest = Object.fromEntries(Object.entries(baseline.spec).filter(([k]) => !(REVISION_SECTIONS as readonly string[]).includes(k)));
  return { ...baseline, spec: { ...rest, ...data } as SecurityBaselineSpec };
}
