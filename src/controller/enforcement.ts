import { BASELINE_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE, OBJECT_NAME_PREFIX, POLICY_REPORT_NAME } from '../api/names.js';
import type { DriftRecord } from '../api/status.js';
import type { ApiClient } from '../kube/client.js';
import { MANAGED_TYPES, NAMESPACE, POLICY_REPORT, type ManagedType } from '../kube/resources.js';
import type { CacheReader, CachedObject } from '../runtime/caches.js';
import type { Clock } from '../runtime/clock.js';
import { nameKey, watchFor, watchMapped, watchOwned, type ControllerSpec, type ReconcileContext, type Result } from '../runtime/controller.js';
import { OwnWrites } from '../runtime/ownwrites.js';
import { Emitter, type Source } from '../runtime/source.js';
import type { BaselineChange, BaselineRegistry } from './baselines.js';
import type { ExistingObject } from './plan.js';
import { reconcileNamespace } from './reconciler.js';
import type { LossCause, ResultStore } from './results.js';

/** A namespace whose caches lag behind the operator's own write looks again after this, if no event came first. */
const OWN_WRITE_RECHECK_MS = 1000;

export interface EnforcementDeps {
  client: ApiClient;
  caches: CacheReader;
  baselines: BaselineRegistry;
  baselineChanges: Source<BaselineChange>;
  results: ResultStore;
  operatorNamespace: string | undefined;
  clock: Clock;
  concurrency: number;
  /** A namespace that was in sync drifted; repaired says whether it was put back. */
  onDrift: (baseline: string, record: DriftRecord, repaired: boolean) => void;
  /** A namespace the winning baseline cannot be enforced in (a terminal failure there). */
  onFailed?: (baseline: string, namespace: string, error: string) => void;
  /** A baseline stopped covering a namespace (said before its objects are removed). */
  onLost?: (baseline: string, namespace: string, cause: LossCause, winner: string | undefined) => void;
}

export interface Enforcement {
  spec: ControllerSpec<string>;
  /** Namespaces just reconciled (or found gone): the audit and the first-pass count follow them. */
  reconciled: Source<string>;
  /** Baselines whose objects were released (deletionPolicy Orphan): their finalizer can go. */
  released: Source<string>;
}

/**
 * Namespace enforcement: keyed by namespace, it brings each namespace to the baseline that wins it.
 * Watches namespaces, the managed kinds it writes (an event of one of ours maps to its namespace),
 * and baselines (a spec change re-enforces every namespace).
 */
export function enforcementController(deps: EnforcementDeps): Enforcement {
  const { caches, clock } = deps;
  /** Writes whose watch events the caches have not seen yet: a reconcile then would read stale objects. */
  const ownWrites = new OwnWrites();
  const reconciled = new Emitter<string>();
  const released = new Emitter<string>();
  const namespaces = caches.source(NAMESPACE.plural);
  const allNamespaces = (): string[] => names(namespaces.list());

  const reconcile = async (name: string, ctx: ReconcileContext): Promise<Result> => {
    if (caches.get(NAMESPACE.plural, name) === undefined) ownWrites.forget(name);
    else if (ownWrites.isBehind(name, (plural) => caches.resourceVersion(plural), clock.now())) {
      // The watch event of our own last write is on its way and queues the namespace again.
      return { requeueAfterMs: OWN_WRITE_RECHECK_MS };
    }
    await reconcileNamespace(
      {
        client: deps.client,
        log: ctx.log,
        baselines: deps.baselines,
        results: deps.results,
        operatorNamespace: deps.operatorNamespace,
        now: () => new Date(clock.now()),
        getNamespace: (n) => caches.get(NAMESPACE.plural, n),
        managedIn: (namespace) => MANAGED_TYPES.flatMap((type) => caches.list(type.plural, namespace).filter(isManaged).map((o) => toExisting(type, o))),
        onDrift: deps.onDrift,
        ...(deps.onFailed === undefined ? {} : { onFailed: deps.onFailed }),
        ...(deps.onLost === undefined ? {} : { onLost: deps.onLost }),
        reportOwner: (namespace) => caches.get(POLICY_REPORT.plural, POLICY_REPORT_NAME, namespace)?.metadata?.labels?.[BASELINE_LABEL],
        onReleased: (baseline) => {
          released.emit('update', baseline);
        },
        onWritten: (namespace, plural, resourceVersion) => {
          ownWrites.record(namespace, plural, resourceVersion, clock.now());
        },
        wrote: ctx.wrote,
      },
      name,
    );
    reconciled.emit('update', name);
    return {};
  };

  return {
    reconciled,
    released,
    spec: {
      name: 'enforcement',
      keys: nameKey,
      concurrency: deps.concurrency,
      watches: [
        watchFor(NAMESPACE.plural, namespaces, (ns) => ns.metadata?.name),
        // Ours, or one of the names we take: a tenant's posture-view that blocked a reconcile is
        // retried when it goes.
        ...MANAGED_TYPES.map((type) => watchOwned(type.plural, caches.source(type.plural), (o) => (isManaged(o) || o.metadata?.name?.startsWith(OBJECT_NAME_PREFIX) === true ? o.metadata?.namespace : undefined))),
        // Status writes change resourceVersion, not generation: only a spec change (or a deletion) re-enforces.
        watchMapped('securitybaselines (spec changes)', deps.baselineChanges, (_event, change) => (change.specChanged ? allNamespaces() : [])),
      ],
      reconcile,
    },
  };
}

function names(objects: readonly CachedObject[]): string[] {
  return objects.flatMap((o) => (o.metadata?.name === undefined ? [] : [o.metadata.name]));
}

/** Ours: the managed-by label and a baseline label. Only these are read as existing managed objects. */
export function isManaged(o: CachedObject): boolean {
  return o.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE && o.metadata.labels[BASELINE_LABEL] !== undefined;
}

export function toExisting(type: ManagedType, o: CachedObject): ExistingObject {
  const meta = o.metadata;
  return {
    apiVersion: type.apiVersion,
    kind: type.kind,
    metadata: {
      name: meta?.name ?? '',
      namespace: meta?.namespace ?? '',
      labels: meta?.labels,
      annotations: meta?.annotations,
      ownerReferences: meta?.ownerReferences,
      managedFields: meta?.managedFields,
    },
    // List items carry no kind; it comes from the informer's type, the content from its keys.
    content: Object.fromEntries(type.contentKeys.map((k) => [k, o[k]])),
  };
}
