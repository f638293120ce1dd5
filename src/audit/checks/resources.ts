/** WL-013: container resource requests and limits, read from live pods (LimitRange defaults apply at admission). */
import type { CheckMeta, NamespaceCheck } from '../check.js';
import { fromOutcome, narrowEquivalents, workloadRef } from '../check.js';
import { describe, runtimeContainers } from '../podspec.js';
import type { AuditInput, Container, Finding, LimitRange, Pod, PodSpec, ResourceList } from '../types.js';
import { ownerOfPod } from '../workloads.js';

const meta: CheckMeta = {
  id: 'WL-013',
  title: 'Container resources',
  severity: 'medium',
  category: 'Workload',
  seedItem: 'Resource quotas and limit ranges: set resource limits at container level as well',
  equivalents: ['P:cpuRequestsMissing', 'P:memoryRequestsMissing', 'P:cpuLimitsMissing', 'P:memoryLimitsMissing', 'KS:container-resources', 'C-0009', 'KSV-0011', 'KSV-0015', 'KSV-0016', 'KSV-0018'],
  fix: 'via NS-004',
};

interface Requirement {
  field: 'requests' | 'limits';
  resource: 'cpu' | 'memory';
  polaris: string;
}

function requirements(requireCpuLimit: boolean): Requirement[] {
  const all: Requirement[] = [
    { field: 'requests', resource: 'cpu', polaris: 'P:cpuRequestsMissing' },
    { field: 'requests', resource: 'memory', polaris: 'P:memoryRequestsMissing' },
    { field: 'limits', resource: 'cpu', polaris: 'P:cpuLimitsMissing' },
    { field: 'limits', resource: 'memory', polaris: 'P:memoryLimitsMissing' },
  ];
  return all.filter((r) => requireCpuLimit || !(r.field === 'limits' && r.resource === 'cpu'));
}

function has(list: ResourceList | undefined, key: string): boolean {
  const value = list?.[key];
  return value !== undefined && value !== '';
}

/** Container defaults of the namespace's LimitRanges, as LimitRanger would apply them to a new pod. */
function limitRangeDefaults(limitRanges: readonly LimitRange[]): { request: (r: string) => boolean; limit: (r: string) => boolean } {
  const items = limitRanges.flatMap((lr) => lr.spec.limits).filter((item) => item.type === 'Container');
  return {
    request: (r) => items.some((i) => has(i.defaultRequest, r) || has(i.default, r)),
    limit: (r) => items.some((i) => has(i.default, r)),
  };
}

type Presence = (c: Container, req: Requirement) => boolean;

/** A live pod: what is set is what runs. */
const livePresence: Presence = (c, req) => has(c.resources?.[req.field], req.resource);

/** A template without live pods: API defaulting (requests from limits), then LimitRange defaults. */
function templatePresence(limitRanges: readonly LimitRange[]): Presence {
  const defaults = limitRangeDefaults(limitRanges);
  return (c, req) => {
    if (req.field === 'limits') return has(c.resources?.limits, req.resource) || defaults.limit(req.resource);
    return has(c.resources?.requests, req.resource) || has(c.resources?.limits, req.resource) || defaults.request(req.resource);
  };
}

function missing(specs: readonly PodSpec[], reqs: readonly Requirement[], present: Presence): { problems: string[]; polaris: string[] } {
  const problems = new Set<string>();
  const polaris = new Set<string>();
  for (const spec of specs) {
    for (const entry of runtimeContainers(spec)) {
      const absent = reqs.filter((r) => !present(entry.container, r));
      if (absent.length === 0) continue;
      problems.add(`${describe(entry)}: set ${absent.map((r) => `resources.${r.field}.${r.resource}`).join(', ')}`);
      for (const r of absent) polaris.add(r.polaris);
    }
  }
  return { problems: [...problems], polaris: [...polaris] };
}

function evaluate(input: AuditInput): Finding[] {
  const reqs = requirements(input.config.requireCpuLimit ?? false);
  const wanted = reqs.map((r) => `${r.field}.${r.resource}`).join(', ');
  const groups = new Map<string, { ref: ReturnType<typeof ownerOfPod>; pods: Pod[] }>();
  for (const pod of [...input.pods].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) {
    const ref = ownerOfPod(pod, input.workloads);
    const key = `${ref.kind}/${ref.name}`;
    const group = groups.get(key) ?? { ref, pods: [] };
    group.pods.push(pod);
    groups.set(key, group);
  }
  const findings: Finding[] = [];
  for (const { ref, pods } of groups.values()) {
    const result = missing(pods.map((p) => p.spec), reqs, livePresence);
    findings.push(
      fromOutcome(meta, { ...ref, namespace: input.namespace.name }, {
        problems: result.problems,
        equivalents: narrowEquivalents(meta, [...result.polaris, 'KS:container-resources']),
        properties: { source: 'pods', pods: String(pods.length) },
        passMessage: `every container sets ${wanted}`,
      }),
    );
  }
  for (const w of input.workloads) {
    if (groups.has(`${w.kind}/${w.name}`)) continue;
    const result = missing([w.podSpec], reqs, templatePresence(input.limitRanges));
    findings.push(
      fromOutcome(meta, workloadRef(w), {
        problems: result.problems,
        equivalents: narrowEquivalents(meta, [...result.polaris, 'KS:container-resources']),
        properties: { source: 'template' },
        passMessage: `every container sets ${wanted} (template and LimitRange defaults)`,
      }),
    );
  }
  return findings;
}

export const resourcesCheck: NamespaceCheck = { ...meta, scope: 'namespace', evaluate };
