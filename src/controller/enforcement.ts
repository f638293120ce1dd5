import { BASELINE_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE, OBJECT_NAME_PREFIX, POLICY_REPORT_NAME } from '../api/names.js';
import type { DriftRecord } from '../api/status.js';
import type { ApiClient } from '../kube/client.js';
import { compact, compactManaged, managedCache, MANAGED_TYPES, NAMESPACE, POLICY_REPORT, type ManagedType } from '../kube/resources.js';
import { namesOf, type CacheReader, type CachedObject } from '../runtime/caches.js';
import type { Clock } from '../runtime/clock.js';
import { nameKey, watchFor, watchMapped, watchOwned, type ControllerSpec, type ReconcileContext, type Result, type Watch } from '../runtime/controller.js';
import { Expectations } from '../runtime/expectations.js';
import { InFlight } from '../runtime/inflight.js';
import { Emitter, only, type Source } from '../runtime/source.js';
import type { BaselineChange, BaselineRegistry } from './baselines.js';
import { GrantableBaselines } from './grants.js';
import type { ExistingObject } from './plan.js';
import { ProtectionTimer } from './protection.js';
import { reconcileNamespace, type ReconcilerDeps } from './reconciler.js';
import type { LossCause, ResultStore } from './results.js';
import type { Answer } from './writes.js';

/**
 * Write requests in flight across all namespaces. A namespace sends up to 10 at once; the API
 * server's own default limit is 200 mutating requests, shared with every other client.
 */
export const MAX_WRITES_IN_FLIGHT = 64;

export interface EnforcementDeps {
  client: ApiClient;
  caches: CacheReader;
  baselines: BaselineRegistry;
  baselineChanges: Source<BaselineChange>;
  results: ResultStore;
  operatorNamespace: string | undefined;
  clock: Clock;
  concurrency: number;
  /** Write requests in flight across all namespaces; MAX_WRITES_IN_FLIGHT unless given. */
  maxWritesInFlight?: number;
  /** A new namespace was protected: seconds from its creation to the write that completed it. */
  onProtected?: (namespace: string, seconds: number) => void;
  /** A namespace that was in sync drifted; repaired says whether it was put back. */
  onDrift: (baseline: string, record: DriftRecord, repaired: boolean) => void;
  /** A namespace the winning baseline cannot be enforced in (a terminal failure there). */
  onFailed?: (baseline: string, namespace: string, error: string) => void;
  /** A baseline stopped covering a namespace (said before its objects are removed). */
  onLost?: (baseline: string, namespace: string, cause: LossCause, winner: string | undefined) => void;
  /** The winner as written into one namespace (a staged rollout keeps some at an earlier revision). */
  rendition?: ReconcilerDeps['rendition'];
  /** Namespaces a staged rollout just released to the newest revision. */
  rolloutReleased?: Source<string>;
}

export interface Enforcement {
  spec: ControllerSpec<string>;
  /** Namespaces just reconciled (or found gone): the audit and the first-pass count follow them. */
  reconciled: Source<string>;
  /** Baselines whose objects were released (deletionPolicy Orphan): their finalizer can go. */
  released: Source<string>;
}

/** What the enforcement controller keeps between reconciles, shared by its workers. */
interface EnforcementState {
  /** What the operator wrote: read instead of a cache that has not caught up, and its echoes start no reconcile. */
  expectations: Expectations;
  gate: InFlight;
  timer: ProtectionTimer;
  grantable: GrantableBaselines;
  reconciled: Emitter<string>;
  released: Emitter<string>;
}

/**
 * Namespace enforcement: keyed by namespace, it brings each namespace to the baseline that wins it.
 * Watches namespaces, the managed kinds it writes (an event of one of ours maps to its namespace),
 * and baselines (a spec change re-enforces every namespace).
 */
export function enforcementController(deps: EnforcementDeps): Enforcement {
  const { caches, clock } = deps;
  const state: EnforcementState = {
    expectations: new Expectations(),
    gate: new InFlight(deps.maxWritesInFlight ?? MAX_WRITES_IN_FLIGHT),
    timer: new ProtectionTimer(clock.now()),
    grantable: new GrantableBaselines(),
    reconciled: new Emitter<string>(),
    released: new Emitter<string>(),
  };
  caches.source(NAMESPACE.plural).on((event, ns) => {
    if (event === 'add') state.timer.added(ns, clock.now());
  });
  return {
    reconciled: state.reconciled,
    released: state.released,
    spec: {
      name: 'enforcement',
      keys: nameKey,
      concurrency: deps.concurrency,
      watches: enforcementWatches(deps, state),
      reconcile: (name, ctx) => reconcileOne(deps, state, name, ctx),
    },
  };
}

function enforcementWatches(deps: EnforcementDeps, state: EnforcementState): Watch<string>[] {
  const { caches, clock } = deps;
  /** A type's events of one namespace, without the echoes of the operator's own writes. */
  const notOwn = (plural: string, ownerOf: (o: CachedObject) => string | undefined): Source<CachedObject> =>
    only(caches.source(plural), (event, o) => {
      const owner = ownerOf(o);
      return owner !== undefined && state.expectations.shouldReconcile(plural, owner, event, o, clock.now());
    });
  return [
    watchFor(NAMESPACE.plural, notOwn(NAMESPACE.plural, (ns) => ns.metadata?.name), (ns) => ns.metadata?.name),
    // Ours, from the kind's managed cache (by label), without the echoes of our own writes; and
    // one of the names we take, unlabelled, from the kind's cache the audit reads (no label
    // selects it): a tenant's posture-view that blocked a reconcile is retried when it goes.
    ...MANAGED_TYPES.map((type) => {
      const ours = notOwn(managedCache(type.plural), (o) => (isManaged(o) ? o.metadata?.namespace : undefined));
      const taken = only(caches.source(type.plural), (_event, o) => !isManaged(o) && o.metadata?.name?.startsWith(OBJECT_NAME_PREFIX) === true);
      return watchOwned(type.plural, either(ours, taken), (o) => o.metadata?.namespace);
    }),
    // Status writes change resourceVersion, not generation: only a spec change (or a deletion) re-enforces.
    watchMapped('securitybaselines (spec changes)', deps.baselineChanges, (_event, change) => (change.specChanged ? namesOf(caches.source(NAMESPACE.plural).list()) : [])),
    ...(deps.rolloutReleased === undefined ? [] : [watchMapped('rollout (released namespaces)', deps.rolloutReleased, (_event, ns) => [ns])]),
  ];
}

/** One namespace, with its writes held as expectations until the informers have seen them. */
async function reconcileOne(deps: EnforcementDeps, state: EnforcementState, name: string, ctx: ReconcileContext): Promise<Result> {
  const { caches } = deps;
  const { expectations, timer } = state;
  if (caches.get(NAMESPACE.plural, name) === undefined) {
    expectations.forget(name);
    timer.forget(name);
  }
  // Set by the reconcile's callback.
  const outcome = { completed: false };
  let changedMeanwhile: boolean;
  expectations.begin(name);
  try {
    await reconcileNamespace(reconcilerDeps(deps, state, ctx, outcome), name);
  } finally {
    // An event held while the writes were out that was not their echo: someone else changed the namespace.
    changedMeanwhile = expectations.end(name);
  }
  if (!outcome.completed && deps.results.get(name)?.error === undefined) timer.forget(name);
  state.reconciled.emit('update', name);
  return changedMeanwhile ? { requeueAfterMs: 0 } : {};
}

/** The reconcile's view of the cluster (the caches, overlaid with what was just written) and its callbacks. */
function reconcilerDeps(deps: EnforcementDeps, state: EnforcementState, ctx: ReconcileContext, outcome: { completed: boolean }): ReconcilerDeps {
  const { caches, clock } = deps;
  const view = (plural: string, namespace: string, cached: readonly CachedObject[]): readonly CachedObject[] =>
    state.expectations.view(plural, namespace, cached, caches.resourceVersion(plural), clock.now());
  return {
    client: deps.client,
    log: ctx.log,
    baselines: deps.baselines,
    results: deps.results,
    operatorNamespace: deps.operatorNamespace,
    now: () => new Date(clock.now()),
    getNamespace: (n) => {
      const cached = caches.get(NAMESPACE.plural, n);
      return view(NAMESPACE.plural, n, cached === undefined ? [] : [cached]).find((o) => o.metadata?.name === n);
    },
    managedIn: (namespace) =>
      MANAGED_TYPES.flatMap((type) => view(managedCache(type.plural), namespace, caches.list(managedCache(type.plural), namespace)).filter(isManaged).map((o) => toExisting(type, o))),
    onDrift: deps.onDrift,
    ...(deps.onFailed === undefined ? {} : { onFailed: deps.onFailed }),
    ...(deps.onLost === undefined ? {} : { onLost: deps.onLost }),
    ...(deps.rendition === undefined ? {} : { rendition: deps.rendition }),
    reportOwner: (namespace) => caches.get(POLICY_REPORT.plural, POLICY_REPORT_NAME, namespace)?.metadata?.labels?.[BASELINE_LABEL],
    onReleased: (baseline) => {
      state.released.emit('update', baseline);
    },
    onWritten: (namespace, plural, object, answer) => {
      remember(state.expectations, namespace, plural, object, answer, clock.now());
    },
    onCompleted: (namespace) => {
      outcome.completed = true;
      const seconds = state.timer.completed(namespace, clock.now());
      if (seconds !== undefined) deps.onProtected?.(namespace, seconds);
    },
    gate: state.gate,
    grantable: state.grantable,
    wrote: ctx.wrote,
  };
}

/** A write's answer, remembered as the cache that reads it keeps it: a managed kind's managed cache. */
function remember(expectations: Expectations, namespace: string, plural: string, name: string, answer: Answer | undefined, now: number): void {
  const managed = MANAGED_TYPES.find((t) => t.plural === plural);
  const cache = managed === undefined ? plural : managedCache(plural);
  if (answer === undefined) expectations.deleted(cache, namespace, name, now);
  else expectations.wrote(cache, namespace, name, (managed === undefined ? compact(plural, answer) : compactManaged(managed, answer)) as CachedObject, now);
}

/** The events of two sources as one; list() is the first's (the keys a start queues). */
function either(first: Source<CachedObject>, second: Source<CachedObject>): Source<CachedObject> {
  return {
    on: (handler) => {
      first.on(handler);
      second.on(handler);
    },
    list: () => first.list(),
  };
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
    content: typeof o.contentHash === 'string' ? {} : Object.fromEntries(type.contentKeys.map((k) => [k, o[k]])),
    ...(typeof o.contentHash === 'string' ? { contentHash: o.contentHash } : {}),
  };
}
