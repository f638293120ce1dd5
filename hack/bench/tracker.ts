// What the benchmark's own watches have seen: when each namespace appeared, when it became protected
// (every expected object and the Pod Security labels seen), and drift probes. Pure: events come in
// with the time they were received; the watch plumbing lives in watch.ts.

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  resourceVersion?: string;
}

export interface WatchedObject {
  metadata?: ObjectMeta;
  [key: string]: unknown;
}

interface NamespaceState {
  createdAt: number | undefined;
  /** The first sign of the operator's work: the labels or any expected object. */
  firstAt: number | undefined;
  labelsAt: number | undefined;
  objects: Set<string>;
  protectedAt: number | undefined;
}

/** Watches one object for a change (the drift) and then for the change back (the repair). */
export interface DriftProbe {
  namespace: string;
  kind: string;
  name: string;
  isDrift: (type: WatchEventType, object: WatchedObject) => boolean;
  isRepair: (type: WatchEventType, object: WatchedObject) => boolean;
  driftAt?: number;
  repairedAt?: number;
}

export function objectKey(kind: string, name: string): string {
  return `${kind}/${name}`;
}

export class ProtectionTracker {
  private readonly namespaces = new Map<string, NamespaceState>();
  private readonly probes = new Map<string, DriftProbe>();
  private objectEvents = 0;
  private protectedCount = 0;

  /**
   * @param expected kind/name of every object a protected namespace holds (names do not depend on the namespace)
   * @param expectedLabels the Pod Security labels a protected namespace carries
   */
  constructor(
    readonly expected: ReadonlySet<string>,
    readonly expectedLabels: Readonly<Record<string, string>>,
  ) {}

  private state(name: string): NamespaceState {
    let s = this.namespaces.get(name);
    if (s === undefined) {
      s = { createdAt: undefined, firstAt: undefined, labelsAt: undefined, objects: new Set(), protectedAt: undefined };
      this.namespaces.set(name, s);
    }
    return s;
  }

  onNamespace(type: WatchEventType, object: WatchedObject, at: number): void {
    const name = object.metadata?.name;
    if (name === undefined) return;
    if (type === 'DELETED') {
      this.namespaces.delete(name);
      return;
    }
    const s = this.state(name);
    s.createdAt ??= at;
    const labels = object.metadata?.labels ?? {};
    const ok = Object.entries(this.expectedLabels).every(([k, v]) => labels[k] === v);
    if (ok) {
      s.labelsAt ??= at;
      s.firstAt ??= at;
    }
    this.check(s, at);
  }

  onObject(type: WatchEventType, kind: string, object: WatchedObject, at: number): void {
    const name = object.metadata?.name;
    const namespace = object.metadata?.namespace;
    if (name === undefined || namespace === undefined) return;
    this.objectEvents++;
    const key = objectKey(kind, name);
    const probe = this.probes.get(`${namespace}/${key}`);
    if (probe !== undefined) {
      if (probe.driftAt === undefined) {
        if (probe.isDrift(type, object)) probe.driftAt = at;
      } else if (probe.repairedAt === undefined && probe.isRepair(type, object)) {
        probe.repairedAt = at;
      }
    }
    const s = this.state(namespace);
    if (type === 'DELETED') {
      s.objects.delete(key);
      return;
    }
    if (this.expected.has(key)) {
      s.objects.add(key);
      s.firstAt ??= at;
    }
    this.check(s, at);
  }

  private check(s: NamespaceState, at: number): void {
    if (s.protectedAt !== undefined || s.labelsAt === undefined || s.objects.size < this.expected.size) return;
    s.protectedAt = at;
    this.protectedCount++;
  }

  addProbe(probe: DriftProbe): void {
    this.probes.set(`${probe.namespace}/${objectKey(probe.kind, probe.name)}`, probe);
  }

  createdAt(namespace: string): number | undefined {
    return this.namespaces.get(namespace)?.createdAt;
  }

  protectedAt(namespace: string): number | undefined {
    return this.namespaces.get(namespace)?.protectedAt;
  }

  isProtected(namespace: string): boolean {
    return this.protectedAt(namespace) !== undefined;
  }

  /** How many of these namespaces were seen, and how many are protected. */
  countOf(names: readonly string[]): { seen: number; protected: number; objects: number } {
    let seen = 0;
    let prot = 0;
    let objects = 0;
    for (const n of names) {
      const s = this.namespaces.get(n);
      if (s === undefined) continue;
      if (s.createdAt !== undefined) seen++;
      if (s.protectedAt !== undefined) prot++;
      objects += s.objects.size;
    }
    return { seen, protected: prot, objects };
  }

  /** Every namespace the watch has seen and not seen deleted. */
  get namespaceCount(): number {
    return this.namespaces.size;
  }

  get totalProtected(): number {
    return this.protectedCount;
  }

  get totalObjectEvents(): number {
    return this.objectEvents;
  }

  /** Per namespace that has both, protectedAt - createdAt, in the order given. */
  latencies(names: readonly string[]): number[] {
    const out: number[] = [];
    for (const n of names) {
      const s = this.namespaces.get(n);
      if (s?.createdAt !== undefined && s.protectedAt !== undefined) out.push(s.protectedAt - s.createdAt);
    }
    return out;
  }

  /**
   * Where the time to protected went, per protected namespace: from creation to the first write seen
   * (the operator noticing and queueing), and from the first write to the last (writing).
   */
  breakdown(names: readonly string[]): { pickup: number[]; writing: number[] } {
    const pickup: number[] = [];
    const writing: number[] = [];
    for (const n of names) {
      const s = this.namespaces.get(n);
      if (s?.createdAt === undefined || s.firstAt === undefined || s.protectedAt === undefined) continue;
      pickup.push(s.firstAt - s.createdAt);
      writing.push(s.protectedAt - s.firstAt);
    }
    return { pickup, writing };
  }

  /** The latest protection time among these namespaces, if all are protected. */
  lastProtected(names: readonly string[]): number | undefined {
    let last = -Infinity;
    for (const n of names) {
      const at = this.namespaces.get(n)?.protectedAt;
      if (at === undefined) return undefined;
      last = Math.max(last, at);
    }
    return Number.isFinite(last) ? last : undefined;
  }
}
