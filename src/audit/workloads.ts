import type { Labels, ObjectMeta, OwnerReference, Pod, PodSpec, ResourceRef, Workload } from './types.js';
import { WORKLOAD_KINDS } from './types.js';

interface PodTemplate {
  metadata?: { labels?: Labels; annotations?: Labels };
  spec?: PodSpec;
}

/** The fields of a workload object the audit reads: a Pod, or a controller with a pod template. */
export interface WorkloadObject {
  kind: string;
  metadata: ObjectMeta;
  spec?: Partial<PodSpec> & {
    template?: PodTemplate;
    jobTemplate?: { spec?: { template?: PodTemplate } };
  };
}

const workloadKinds: ReadonlySet<string> = new Set(WORKLOAD_KINDS);

/**
 * The pod template of a workload: `spec` (Pod), `spec.template` (Deployment, ReplicaSet,
 * StatefulSet, DaemonSet, Job, ReplicationController), `spec.jobTemplate.spec.template` (CronJob).
 */
export function podTemplateOf(obj: WorkloadObject): PodTemplate | undefined {
  const spec = obj.spec;
  if (spec === undefined) return undefined;
  if (obj.kind === 'Pod') {
    const containers = spec.containers;
    if (containers === undefined) return undefined;
    return { metadata: { labels: obj.metadata.labels ?? {}, annotations: obj.metadata.annotations ?? {} }, spec: { ...spec, containers } };
  }
  if (obj.kind === 'CronJob') return spec.jobTemplate?.spec?.template;
  if (!workloadKinds.has(obj.kind)) return undefined;
  return spec.template;
}

/** A workload object as the checks see it; undefined for other kinds or a missing pod spec. */
export function toWorkload(obj: WorkloadObject): Workload | undefined {
  const template = podTemplateOf(obj);
  if (template?.spec === undefined) return undefined;
  return {
    kind: obj.kind,
    name: obj.metadata.name,
    namespace: obj.metadata.namespace ?? '',
    annotations: obj.metadata.annotations ?? {},
    podLabels: template.metadata?.labels ?? {},
    podAnnotations: template.metadata?.annotations ?? {},
    podSpec: template.spec,
  };
}

function controllerOf(meta: ObjectMeta): OwnerReference | undefined {
  const refs = meta.ownerReferences ?? [];
  return refs.find((r) => r.controller === true) ?? refs[0];
}

/**
 * Top-level owners and bare pods, each once: an object is dropped when its controller (an
 * ownerReference) is itself among the objects, so a Deployment is evaluated and its ReplicaSets and
 * Pods are not. An object whose owner is not in the list (a custom controller) is evaluated itself.
 */
export function topLevelWorkloads(objects: readonly WorkloadObject[]): Workload[] {
  const present = new Set(objects.map((o) => `${o.kind}/${o.metadata.name}`));
  const seen = new Set<string>();
  const out: Workload[] = [];
  for (const obj of objects) {
    const key = `${obj.kind}/${obj.metadata.name}`;
    if (seen.has(key)) continue;
    const owner = controllerOf(obj.metadata);
    if (owner !== undefined && present.has(`${owner.kind}/${owner.name}`)) continue;
    const workload = toWorkload(obj);
    if (workload === undefined) continue;
    seen.add(key);
    out.push(workload);
  }
  return out;
}

/**
 * The workload a live pod belongs to, among the given top-level workloads: its controller, or
 * the Deployment behind its ReplicaSet (`<deployment>-<pod-template-hash>`), or the CronJob behind
 * its Job (`<cronjob>-<scheduled minute>`). A pod without an owner stands for itself.
 */
export function ownerOfPod(pod: Pod, workloads: readonly Workload[]): ResourceRef {
  const namespace = pod.metadata.namespace ?? '';
  const ref = controllerOf(pod.metadata);
  if (ref === undefined) return { kind: 'Pod', namespace, name: pod.metadata.name };
  const has = (kind: string, name: string): boolean => workloads.some((w) => w.kind === kind && w.name === name);
  if (has(ref.kind, ref.name)) return { kind: ref.kind, namespace, name: ref.name };
  const hash = pod.metadata.labels?.['pod-template-hash'];
  if (ref.kind === 'ReplicaSet' && hash !== undefined && ref.name.endsWith(`-${hash}`)) {
    const deployment = ref.name.slice(0, -hash.length - 1);
    if (has('Deployment', deployment)) return { kind: 'Deployment', namespace, name: deployment };
  }
  const job = /^(.+)-\d+$/.exec(ref.name);
  if (ref.kind === 'Job' && job?.[1] !== undefined && has('CronJob', job[1])) return { kind: 'CronJob', namespace, name: job[1] };
  return { kind: ref.kind, namespace, name: ref.name };
}
