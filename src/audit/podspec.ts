import type { Container, PodSecurityContext, PodSpec, SecurityContext } from './types.js';

export type ContainerKind = 'initContainer' | 'container' | 'ephemeralContainer';

export interface ContainerEntry {
  container: Container;
  kind: ContainerKind;
}

/**
 * Every container of a pod in the order Pod Security Admission visits them: initContainers,
 * containers, ephemeralContainers (policy/visitor.go). Native sidecars are init containers.
 */
export function allContainers(spec: PodSpec): ContainerEntry[] {
  return [
    ...(spec.initContainers ?? []).map((container) => ({ container, kind: 'initContainer' as const })),
    ...spec.containers.map((container) => ({ container, kind: 'container' as const })),
    ...(spec.ephemeralContainers ?? []).map((container) => ({ container, kind: 'ephemeralContainer' as const })),
  ];
}

/** containers and initContainers: the ones that may carry resources (ephemeral ones may not). */
export function runtimeContainers(spec: PodSpec): ContainerEntry[] {
  return allContainers(spec).filter((c) => c.kind !== 'ephemeralContainer');
}

/** `spec.os.name: windows` lifts the Linux-only restricted rules (PSA policy 1.25+). */
export function isWindowsPod(spec: PodSpec): boolean {
  return spec.os?.name === 'windows';
}

/** `spec.hostUsers: false` (a user namespace) lifts runAsNonRoot/runAsUser (PSA policy 1.35+). */
export function isUserNamespaced(spec: PodSpec): boolean {
  return spec.hostUsers === false;
}

type SharedKey = keyof SecurityContext & keyof PodSecurityContext;

/** The effective value: the container's securityContext field if set, else the pod-level one. */
export function effective<K extends SharedKey>(spec: PodSpec, container: Container, key: K): SecurityContext[K] | PodSecurityContext[K] {
  const own = container.securityContext?.[key];
  return own ?? spec.securityContext?.[key];
}

/** `container app` / `initContainer setup`: how messages name a container. */
export function describe(entry: ContainerEntry): string {
  return `${entry.kind} ${entry.container.name}`;
}

/** The ServiceAccount a pod runs as. */
export function serviceAccountOf(spec: PodSpec): string {
  return spec.serviceAccountName ?? spec.serviceAccount ?? 'default';
}
