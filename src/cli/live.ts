import { MANAGED_SELECTOR } from '../api/names.js';
import type { SecurityBaselineObject } from '../controller/baselines.js';
import { isManaged, toExisting } from '../controller/enforcement.js';
import type { ExistingObject } from '../controller/plan.js';
import { KubeClient } from '../kube/client.js';
import { loadClusterAccess } from '../kubeconfig.js';
import { collectionPath, MANAGED_TYPES, NAMESPACE, SECURITY_BASELINE, type ResourceType } from '../kube/resources.js';
import { UsageError } from './io.js';

/** A Namespace as diff reads it. */
export interface LiveNamespace {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  terminating: boolean;
}

/** What `posture diff` reads from a cluster: namespaces, baselines and the managed objects. Read only. */
export interface ClusterState {
  namespaces: LiveNamespace[];
  baselines: SecurityBaselineObject[];
  /** Managed objects (our label) by namespace. */
  managed: Map<string, ExistingObject[]>;
}

type Item = Record<string, unknown> & { metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: ExistingObject['metadata']['ownerReferences']; deletionTimestamp?: unknown } };
interface List {
  items?: Item[];
  metadata?: { continue?: string };
}

/** Pages of 500 and a bound on the total: a cluster's size must not decide the CLI's memory. */
const PAGE = 500;
const MAX_ITEMS = 200_000;

async function listAll(client: KubeClient, type: ResourceType, labelSelector?: string): Promise<Item[]> {
  const out: Item[] = [];
  let token: string | undefined;
  do {
    const query: Record<string, string> = { limit: String(PAGE), ...(labelSelector === undefined ? {} : { labelSelector }), ...(token === undefined ? {} : { continue: token }) };
    const page = await client.request<List>({ verb: 'list', resource: type.plural, method: 'GET', path: collectionPath(type), query });
    out.push(...(page.items ?? []));
    if (out.length > MAX_ITEMS) throw new UsageError(`more than ${MAX_ITEMS} ${type.plural} in the cluster`);
    token = page.metadata?.continue === '' ? undefined : page.metadata?.continue;
  } while (token !== undefined);
  return out;
}

/**
 * The API client, as the operator builds it and from the same places (src/kubeconfig.ts): --kubeconfig,
 * else KUBECONFIG (merged), ~/.kube/config, or the pod's ServiceAccount.
 */
export async function connect(kubeconfig: string | undefined, env: NodeJS.ProcessEnv): Promise<KubeClient> {
  try {
    return await KubeClient.create(await loadClusterAccess(kubeconfig, env), () => undefined, 4);
  } catch (err) {
    throw new UsageError(`cannot use the kubeconfig${kubeconfig === undefined ? '' : ` ${kubeconfig}`}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Reads with GET and LIST only. */
export async function readCluster(client: KubeClient): Promise<ClusterState> {
  const [namespaces, baselines, ...managedLists] = await Promise.all([
    listAll(client, NAMESPACE),
    listAll(client, SECURITY_BASELINE),
    ...MANAGED_TYPES.map((t) => listAll(client, t, MANAGED_SELECTOR)),
  ]);
  const managed = new Map<string, ExistingObject[]>();
  MANAGED_TYPES.forEach((type, i) => {
    for (const o of managedLists[i] ?? []) {
      // The operator's own reading of a managed object, as its enforcement controller reads the cache.
      if (!isManaged(o)) continue;
      const e = toExisting(type, o);
      managed.set(e.metadata.namespace, [...(managed.get(e.metadata.namespace) ?? []), e]);
    }
  });
  return {
    namespaces: namespaces.map((n) => ({
      name: n.metadata?.name ?? '',
      labels: n.metadata?.labels ?? {},
      annotations: n.metadata?.annotations ?? {},
      terminating: n.metadata?.deletionTimestamp !== undefined || (n.status as { phase?: string } | undefined)?.phase === 'Terminating',
    })),
    baselines,
    managed,
  };
}
