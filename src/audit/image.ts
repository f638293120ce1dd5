/** Container image references, parsed the way container runtimes resolve them. */

export interface ImageRef {
  /** Registry host (with port), lowercased; `docker.io` for Docker Hub. */
  registry: string;
  /** Repository path inside the registry (`library/nginx` for `nginx`). */
  repository: string;
  tag?: string;
  /** `sha256:...` */
  digest?: string;
}

const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/**
 * Parse an image reference. The tag is looked for after the last `/` only, since the registry
 * may carry a port (`registry:5000/app`). The first path segment is the registry host when it has
 * a `.` or a `:` or is `localhost`; otherwise the image is on Docker Hub.
 */
export function parseImage(image: string): ImageRef {
  const at = image.indexOf('@');
  const name = at === -1 ? image : image.slice(0, at);
  const digest = at === -1 ? undefined : image.slice(at + 1);
  const slash = name.lastIndexOf('/');
  const colon = name.indexOf(':', slash + 1);
  const path = colon === -1 ? name : name.slice(0, colon);
  const tag = colon === -1 ? undefined : name.slice(colon + 1);
  const first = path.split('/')[0] ?? '';
  const hasHost = path.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  let registry = hasHost ? first.toLowerCase() : 'docker.io';
  let repository = hasHost ? path.slice(first.length + 1) : path;
  if (DOCKER_HUB_ALIASES.has(registry)) registry = 'docker.io';
  if (registry === 'docker.io' && !repository.includes('/')) repository = `library/${repository}`;
  const ref: ImageRef = { registry, repository };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

export function hasDigest(ref: ImageRef): boolean {
  return ref.digest?.startsWith('sha256:') === true;
}

/** Pinned: a digest, or a tag other than `latest`. */
export function isPinned(ref: ImageRef): boolean {
  return hasDigest(ref) || (ref.tag !== undefined && ref.tag !== '' && ref.tag !== 'latest');
}

/** The pull policy the API server defaults to when none is set. */
export function defaultPullPolicy(ref: ImageRef): string {
  if (ref.tag === 'latest') return 'Always';
  if (ref.tag === undefined && ref.digest === undefined) return 'Always';
  return 'IfNotPresent';
}

function normalizeEntry(entry: string): string {
  let e = entry.trim().replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, '');
  const first = e.split('/')[0] ?? '';
  if (DOCKER_HUB_ALIASES.has(first.toLowerCase())) e = `docker.io${e.slice(first.length)}`;
  const slash = e.indexOf('/');
  return slash === -1 ? e.toLowerCase() : `${e.slice(0, slash).toLowerCase()}${e.slice(slash)}`;
}

/** Whether an image comes from one of the allowed registries (a host, or a host with a path prefix). */
export function isTrustedRegistry(ref: ImageRef, allowed: readonly string[]): boolean {
  const full = `${ref.registry}/${ref.repository}`;
  return allowed.map(normalizeEntry).some((entry) => entry === ref.registry || full === entry || full.startsWith(`${entry}/`));
}
