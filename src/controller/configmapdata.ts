import type { ApiClient } from '../kube/client.js';
import { isNotFound } from '../kube/errors.js';
import { objectPath, typeOfKind } from '../kube/resources.js';
import { projectConfigMap } from '../kube/transform.js';
import type { CachedObject } from '../runtime/caches.js';

type Data = Readonly<Record<string, string>>;

/**
 * What one namespace's audit may read of ConfigMap data, in bytes kept (each ConfigMap is already
 * cut to 8 KiB by projectConfigMap): a tenant's thousand ConfigMaps cost one namespace this much,
 * not the process.
 */
export const NAMESPACE_DATA_BUDGET = 256 * 1024;
/** What is remembered between audits over every namespace; past it data is read again each audit. */
export const REMEMBERED_DATA_BUDGET = 16 * 1024 * 1024;

const CONFIG_MAP = typeOfKind('ConfigMap');

interface Remembered {
  resourceVersion: string;
  data: Data | undefined;
  bytes: number;
}

function sizeOf(data: Data | undefined): number {
  let n = 0;
  for (const [k, v] of Object.entries(data ?? {})) n += k.length + v.length;
  return n;
}

/**
 * ConfigMap data, read on demand: the ConfigMap cache holds only metadata (a metadata-only watch:
 * no tenant's megabytes reach the process), and an audit that scans ConfigMaps (SEC-001) reads the
 * ones whose resourceVersion it has not seen, one GET each, within a byte budget per namespace.
 * What it read is remembered by resourceVersion, within a budget over all namespaces, so a steady
 * namespace costs no request.
 */
export class ConfigMapData {
  private readonly remembered = new Map<string, Map<string, Remembered>>();
  private total = 0;

  constructor(private readonly client: ApiClient) {}

  /** The data of each ConfigMap in the namespace (by name), as far as the budget reaches; the rest have none. */
  async read(namespace: string, configMaps: readonly CachedObject[]): Promise<Map<string, Data | undefined>> {
    const before = this.remembered.get(namespace) ?? new Map<string, Remembered>();
    const now = new Map<string, Remembered>();
    const out = new Map<string, Data | undefined>();
    let budget = NAMESPACE_DATA_BUDGET;
    const sorted = [...configMaps].sort((a, b) => ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1));
    for (const cm of sorted) {
      const name = cm.metadata?.name;
      const rv = (cm.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
      if (name === undefined || rv === undefined) continue;
      if (budget <= 0) {
        out.set(name, undefined);
        continue;
      }
      let entry = before.get(name);
      if (entry?.resourceVersion !== rv) entry = await this.fetch(namespace, name);
      if (entry === undefined) continue;
      budget -= entry.bytes;
      out.set(name, entry.data);
      now.set(name, entry);
    }
    this.remember(namespace, before, now);
    return out;
  }

  /** The namespace is no longer audited (or gone): nothing of it is kept. */
  forget(namespace: string): void {
    const before = this.remembered.get(namespace);
    if (before === undefined) return;
    for (const e of before.values()) this.total -= e.bytes;
    this.remembered.delete(namespace);
  }

  private remember(namespace: string, before: Map<string, Remembered>, now: Map<string, Remembered>): void {
    for (const e of before.values()) this.total -= e.bytes;
    this.remembered.delete(namespace);
    let bytes = 0;
    for (const e of now.values()) bytes += e.bytes;
    if (this.total + bytes > REMEMBERED_DATA_BUDGET) return;
    this.total += bytes;
    if (now.size > 0) this.remembered.set(namespace, now);
  }

  private async fetch(namespace: string, name: string): Promise<Remembered | undefined> {
    try {
      const object = await this.client.request<Record<string, unknown>>({ verb: 'get', resource: CONFIG_MAP.plural, method: 'GET', path: objectPath(CONFIG_MAP, name, namespace) });
      const data = projectConfigMap(object).data as Data | undefined;
      const rv = (object.metadata as { resourceVersion?: string } | undefined)?.resourceVersion ?? '';
      return { resourceVersion: rv, data, bytes: sizeOf(data) };
    } catch (err) {
      // Deleted since the cache saw it: its delete event audits the namespace again.
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
}
