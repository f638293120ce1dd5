/**
 * The API server's defaulting that the checks can see, applied to source manifests so that they
 * are audited as the objects the cluster will hold. Only what changes a check's result is here:
 * with hostNetwork, a container port's hostPort defaults to its containerPort (SetDefaults_PodSpec),
 * which WL-006 reports.
 */
type Json = Record<string, unknown>;

function obj(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

function defaultPodSpec(spec: Json | undefined): void {
  if (spec?.hostNetwork !== true) return;
  for (const list of ['containers', 'initContainers', 'ephemeralContainers']) {
    const containers = spec[list];
    if (!Array.isArray(containers)) continue;
    for (const c of containers) {
      const ports = obj(c)?.ports;
      if (!Array.isArray(ports)) continue;
      for (const p of ports) {
        const port = obj(p);
        if (port !== undefined && (port.hostPort === undefined || port.hostPort === 0) && typeof port.containerPort === 'number') port.hostPort = port.containerPort;
      }
    }
  }
}

/** A copy of a workload with the defaults above applied; other kinds are returned as they are. */
export function withApiDefaults(kind: string, object: Json): Json {
  const copy = structuredClone(object);
  const spec = obj(copy.spec);
  if (kind === 'Pod') defaultPodSpec(spec);
  else if (kind === 'CronJob') defaultPodSpec(obj(obj(obj(obj(spec?.jobTemplate)?.spec)?.template)?.spec));
  else defaultPodSpec(obj(obj(spec?.template)?.spec));
  return copy;
}
