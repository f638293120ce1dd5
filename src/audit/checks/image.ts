/** Image checks: IMG-001..IMG-004, evaluated per workload over all its containers. */
import type { CheckMeta, NamespaceCheck, Outcome } from '../check.js';
import { perWorkload } from '../check.js';
import type { ImageRef } from '../image.js';
import { defaultPullPolicy, hasDigest, isPinned, isTrustedRegistry, parseImage } from '../image.js';
import type { ContainerEntry } from '../podspec.js';
import { allContainers, describe } from '../podspec.js';
import type { AuditInput, Workload } from '../types.js';

const SEED = 'Use deterministic image tags and a trusted registry; verify the image publisher';

function perImage(meta: CheckMeta, passMessage: string, problem: (ref: ImageRef, entry: ContainerEntry, image: string, input: AuditInput) => string | undefined): NamespaceCheck {
  return perWorkload(meta, (w: Workload, input): Outcome => ({
    problems: allContainers(w.podSpec).flatMap((entry) => {
      const image = entry.container.image;
      if (image === undefined || image === '') return [];
      const p = problem(parseImage(image), entry, image, input);
      return p === undefined ? [] : [`${describe(entry)}: ${p}`];
    }),
    passMessage,
  }));
}

const img001: CheckMeta = {
  id: 'IMG-001',
  title: 'Pinned tag',
  severity: 'high',
  category: 'Image',
  seedItem: SEED,
  equivalents: ['P:tagNotSpecified', 'KS:container-image-tag', 'KSV-0013', 'C-0075'],
  fix: 'Report',
};

export const pinnedTagCheck = perImage(img001, 'every image has a version tag or a digest', (ref, _entry, image) =>
  isPinned(ref) ? undefined : `pin image ${image} to a version tag or a digest (it is ${ref.tag === undefined ? 'untagged' : 'latest'})`,
);

const img002: CheckMeta = {
  id: 'IMG-002',
  title: 'Digest (strict)',
  severity: 'low',
  category: 'Image',
  seedItem: SEED,
  equivalents: ['C-0306'],
  fix: 'Report',
};

export const digestCheck = perImage(img002, 'every image is pinned by digest', (ref, _entry, image) =>
  hasDigest(ref) ? undefined : `pin image ${image} by digest (@sha256:...)`,
);

const img003: CheckMeta = {
  id: 'IMG-003',
  title: 'Trusted registry',
  severity: 'medium',
  category: 'Image',
  seedItem: SEED,
  equivalents: ['C-0078', 'KSV-0125'],
  fix: 'Report',
};

const registryCheck = perImage(img003, 'every image comes from an allowed registry', (ref, _entry, image, input) =>
  isTrustedRegistry(ref, input.config.allowedRegistries)
    ? undefined
    : `use an image from an allowed registry (${input.config.allowedRegistries.join(', ')}) instead of ${image} (registry ${ref.registry})`,
);

/** With no allowedRegistries configured there is nothing to compare with: skip rather than fail everything. */
export const trustedRegistryCheck: NamespaceCheck = {
  ...registryCheck,
  evaluate: (input) =>
    input.config.allowedRegistries.length > 0
      ? registryCheck.evaluate(input)
      : registryCheck.evaluate(input).map((f) => ({ ...f, result: 'skip' as const, severity: img003.severity, message: 'spec.audit.allowedRegistries is empty: nothing to compare with' })),
};

const img004: CheckMeta = {
  id: 'IMG-004',
  title: 'Pull policy',
  severity: 'low',
  category: 'Image',
  seedItem: SEED,
  equivalents: ['P:pullPolicyNotAlways', 'KS:container-image-pull-policy'],
  fix: 'Report',
};

export const pullPolicyCheck = perImage(img004, 'every image is pulled Always or pinned by digest', (ref, entry) => {
  const policy = entry.container.imagePullPolicy ?? defaultPullPolicy(ref);
  return policy === 'Always' || hasDigest(ref) ? undefined : `set imagePullPolicy: Always (it is ${policy}) or pin the image by digest`;
});

export const imageChecks: readonly NamespaceCheck[] = [pinnedTagCheck, digestCheck, trustedRegistryCheck, pullPolicyCheck];
