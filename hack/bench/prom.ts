// Reads the operator's /metrics (Prometheus text format) and turns request counters into write
// counts. Pure, except fetchSamples.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

function unescape(value: string): string {
  return value.replace(/\\(["\\n])/g, (_m, c: string) => (c === 'n' ? '\n' : c));
}

/** Every sample of a scrape; comments and blank lines are skipped. */
export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = LINE.exec(line);
    if (match === null) continue;
    const labels: Record<string, string> = {};
    for (const m of (match[2] ?? '').matchAll(LABEL)) labels[m[1] ?? ''] = unescape(m[2] ?? '');
    out.push({ name: match[1] ?? '', labels, value: Number(match[3]) });
  }
  return out;
}

/** The sum of one metric's samples whose labels include the given ones. */
export function sumOf(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (Object.entries(labels).every(([k, v]) => s.labels[k] === v)) total += s.value;
  }
  return total;
}

/** The value of the first sample of a metric, if any (gauges without labels). */
export function valueOf(samples: readonly Sample[], name: string): number | undefined {
  return samples.find((s) => s.name === name)?.value;
}

export const WRITE_VERBS = ['create', 'update', 'patch', 'delete'] as const;
export type WriteVerb = (typeof WRITE_VERBS)[number];

/** Writes that are not about namespaces' objects: reported apart from writesPerNamespace. */
export const SIDE_RESOURCES = ['leases', 'events', 'securitybaselines/status'] as const;

export interface WriteCounts {
  /** Writes of generated objects and Namespace labels, by verb (every verb present, zero or not). */
  objects: Record<WriteVerb, number>;
  /** Writes of leases, events and securitybaselines/status, by resource. */
  side: Record<(typeof SIDE_RESOURCES)[number], number>;
  /** Object writes answered with anything but 2xx (conflicts, throttling, errors). */
  failed: number;
  /** Object writes by "verb resource", e.g. "patch networkpolicies". */
  byResource: Record<string, number>;
  /** Server-side dry runs of grants (resource "roles (dry run)"): they store nothing, so they are no writes. */
  dryRuns: number;
}

const DRY_RUN = ' (dry run)';

/** Classifies posture_kube_requests_total{verb,resource,code} into object writes and side writes. */
export function writeCounts(samples: readonly Sample[]): WriteCounts {
  const objects: Record<WriteVerb, number> = { create: 0, update: 0, patch: 0, delete: 0 };
  const side = { leases: 0, events: 0, 'securitybaselines/status': 0 };
  let failed = 0;
  let dryRuns = 0;
  const byResource: Record<string, number> = {};
  for (const s of samples) {
    if (s.name !== 'posture_kube_requests_total') continue;
    const verb = s.labels.verb;
    const resource = s.labels.resource ?? '';
    if (!(WRITE_VERBS as readonly string[]).includes(verb ?? '')) continue;
    if ((SIDE_RESOURCES as readonly string[]).includes(resource)) {
      side[resource as keyof typeof side] += s.value;
      continue;
    }
    if (resource.endsWith(DRY_RUN)) {
      dryRuns += s.value;
      continue;
    }
    objects[verb as WriteVerb] += s.value;
    const key = `${verb ?? ''} ${resource}`;
    byResource[key] = (byResource[key] ?? 0) + s.value;
    if (!/^2\d\d$/.test(s.labels.code ?? '')) failed += s.value;
  }
  return { objects, side, failed, byResource, dryRuns };
}

/** after - before, field by field (counters only grow within one process). */
export function subtractWrites(after: WriteCounts, before: WriteCounts): WriteCounts {
  const objects = { ...after.objects };
  for (const v of WRITE_VERBS) objects[v] -= before.objects[v];
  const side = { ...after.side };
  for (const r of SIDE_RESOURCES) side[r] -= before.side[r];
  const byResource: Record<string, number> = {};
  for (const [k, v] of Object.entries(after.byResource)) {
    const d = v - (before.byResource[k] ?? 0);
    if (d !== 0) byResource[k] = d;
  }
  return { objects, side, failed: after.failed - before.failed, byResource, dryRuns: after.dryRuns - before.dryRuns };
}

export function totalObjectWrites(w: WriteCounts): number {
  return WRITE_VERBS.reduce((sum, v) => sum + w.objects[v], 0);
}

/** Object writes, status and events: what "no write at all in steady state" forbids. Leases are apart. */
export function steadyWriteTotal(w: WriteCounts): number {
  return totalObjectWrites(w) + w.side.events + w.side['securitybaselines/status'];
}

/** Object writes per namespace by verb; verbs never used are left out. */
export function perNamespace(w: WriteCounts, namespaces: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of WRITE_VERBS) if (w.objects[v] !== 0) out[v] = w.objects[v] / namespaces;
  return out;
}

/** Mean of a histogram from its _sum and _count, in the histogram's unit; undefined when empty. */
export function histogramMean(samples: readonly Sample[], name: string): number | undefined {
  const count = sumOf(samples, `${name}_count`);
  return count === 0 ? undefined : sumOf(samples, `${name}_sum`) / count;
}

/**
 * An upper bound of the q-quantile (0..1) of a Prometheus histogram: the smallest bucket bound
 * holding at least q of the observations. Undefined when empty; Infinity when beyond the last bound.
 */
export function histogramQuantileBound(samples: readonly Sample[], name: string, q: number): number | undefined {
  const buckets = samples
    .filter((s) => s.name === `${name}_bucket`)
    .map((s) => ({ le: s.labels.le === '+Inf' ? Infinity : Number(s.labels.le), count: s.value }))
    .sort((a, b) => a.le - b.le);
  const total = buckets.at(-1)?.count ?? 0;
  if (total === 0) return undefined;
  return buckets.find((b) => b.count >= q * total)?.le;
}

export async function fetchSamples(url: string, timeoutMs = 10_000): Promise<Sample[]> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return parseMetrics(await res.text());
}
