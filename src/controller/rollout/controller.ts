import type { Logger } from 'winston';
import { API_VERSION, BASELINE_LABEL, KIND, POD_SECURITY_ANNOTATION, REVISION_LABEL } from '../../api/names.js';
import type { RolloutStatus } from '../../api/rollout.js';
import type { ApiClient } from '../../kube/client.js';
import type { EventRecorder } from '../../kube/events.js';
import { CONTROLLER_REVISION, MANAGED_TYPES, NAMESPACE, SECURITY_BASELINE } from '../../kube/resources.js';
import type { Metrics } from '../../observability/metrics.js';
import { revisionOf } from '../../render/revision.js';
import type { ValidBaseline } from '../../render/selection.js';
import type { CacheReader } from '../../runtime/caches.js';
import type { Clock } from '../../runtime/clock.js';
import { nameKey, watchFor, watchMapped, type ControllerSpec, type ReconcileContext, type Result } from '../../runtime/controller.js';
import { Emitter, type Source } from '../../runtime/source.js';
import type { BaselineChange, BaselineRegistry, SecurityBaselineObject } from '../baselines.js';
import type { ResultStore } from '../results.js';
import type { RolloutGates } from './gates.js';
import { advance, assignSteps, isAllAtOnce, type RolloutDecision } from './plan.js';
import { REVISION_HISTORY, type RevisionStore } from './revisions.js';
import { restoreState, RolloutReason, rolloutStatus } from './status.js';

/** Results come in bursts (a wave is many namespaces): one look at the rollout per burst. */
const COALESCE_MS = 200;
/** Until every namespace has been looked at once, a rollout cannot tell where they are: it waits. */
const FIRST_PASS_RECHECK_MS = 1000;

export const ROLLOUT_STATES = ['updated', 'pending', 'waiting', 'failed'] as const;

export interface RolloutDeps {
  client: ApiClient;
  log: Logger;
  caches: CacheReader;
  clock: Clock;
  metrics: Metrics;
  events: EventRecorder;
  baselines: BaselineRegistry;
  baselineChanges: Source<BaselineChange>;
  results: ResultStore;
  /** Baselines whose per-namespace results changed. */
  resultsChanged: Source<string>;
  revisions: RevisionStore;
  gates: RolloutGates;
  /** Called when a baseline's status.rollout changed, so its status is written. */
  statusDue: (baseline: string) => void;
}

export interface Rollout {
  spec: ControllerSpec<string>;
  /** Namespaces a rollout just released: enforcement brings them to the new revision. */
  released: Source<string>;
  /** status.rollout of a baseline with a staged rollout. */
  status(baseline: string): RolloutStatus | undefined;
}

/**
 * The rollout controller: keyed by baseline, it keeps each revision as a ControllerRevision, and for
 * a baseline with a staged rollout decides which namespaces may take the newest revision (the
 * gates enforcement reads), when the next wave starts, and what status.rollout says.
 */
export function rolloutController(deps: RolloutDeps): Rollout {
  const { caches, gates } = deps;
  const released = new Emitter<string>();
  const statuses = new Map<string, RolloutStatus>();
  const staged = (): string[] => deps.baselines.selectable().filter((b) => !isAllAtOnce(b.spec.rollout)).map((b) => b.name);

  const forget = (name: string): void => {
    gates.delete(name);
    if (statuses.delete(name)) deps.statusDue(name);
    for (const state of ROLLOUT_STATES) deps.metrics.rolloutNamespaces.remove({ baseline: name, state });
  };

  const reconcile = async (name: string, ctx: ReconcileContext): Promise<Result> => {
    const b = await keepHistory(deps, name, ctx);
    if (b === undefined || b.spec.mode === 'Audit' || b.spec.rollout === undefined) {
      forget(name);
      return {};
    }
    if (!everyNamespaceSeen(deps)) return { requeueAfterMs: FIRST_PASS_RECHECK_MS };
    return step(deps, b, b.spec.rollout, { statuses, released });
  };

  return {
    released,
    status: (baseline) => statuses.get(baseline),
    spec: {
      name: 'rollout',
      keys: nameKey,
      concurrency: 1,
      watches: [
        watchFor(SECURITY_BASELINE.plural, deps.baselineChanges, (change) => change.name),
        watchMapped('namespace results', deps.resultsChanged, (_event, baseline) => [baseline], COALESCE_MS),
        // A namespace relabelled into or out of the canary.
        watchMapped(NAMESPACE.plural, caches.source(NAMESPACE.plural), () => staged(), COALESCE_MS),
        // 'for', not mapped: a start also looks at every baseline a revision names, so the revisions
        // of one deleted while the operator was stopped are deleted then.
        watchFor(CONTROLLER_REVISION.plural, caches.source(CONTROLLER_REVISION.plural), (o) => o.metadata?.labels?.[BASELINE_LABEL]),
      ],
      reconcile,
    },
  };
}

/**
 * Keeps a baseline's revisions: the current one stored, the history bounded, and those of a deleted
 * baseline gone. Returns the baseline when it is valid and live.
 */
async function keepHistory(deps: RolloutDeps, name: string, ctx: ReconcileContext): Promise<ValidBaseline | undefined> {
  const known = deps.baselines.get(name);
  // A deleted baseline's revisions go with it, whatever its deletionPolicy (they are the operator's
  // history, not something written into a namespace); those of an earlier baseline of the name too.
  const live = known === undefined || known.terminating ? undefined : known.uid;
  for (const r of await deps.revisions.sweep(deps.client, name, live)) ctx.wrote('deleted revision', { resource: CONTROLLER_REVISION.plural, name: r });
  if (known === undefined || !known.parsed.ok || known.terminating) return undefined;
  const b = known.parsed.baseline;
  if (b.spec.mode === 'Enforce' && (await deps.revisions.ensure(deps.client, b))) {
    ctx.wrote('created revision', { resource: CONTROLLER_REVISION.plural, baseline: name, revision: revisionOf(b.spec) });
  }
  // Only when there may be more than the history keeps: the scan for revisions in use is over every managed object.
  if (deps.revisions.list(b).length > REVISION_HISTORY + 1) {
    for (const r of await deps.revisions.prune(deps.client, b, inUse(deps, b))) ctx.wrote('deleted revision', { resource: CONTROLLER_REVISION.plural, name: r });
  }
  return b;
}

/** What the rollout controller keeps between reconciles. */
interface RolloutMemory {
  statuses: Map<string, RolloutStatus>;
  released: Emitter<string>;
}

/**
 * One look at a staged rollout: where each namespace is, which step may take the newest revision
 * (the gates enforcement reads), the namespaces released by it, events, status and metrics.
 */
function step(deps: RolloutDeps, b: ValidBaseline, rollout: NonNullable<ValidBaseline['spec']['rollout']>, memory: RolloutMemory): Result {
  const { caches, clock, gates, results } = deps;
  const name = b.name;
  const target = revisionOf(b.spec);
  const won = results.forBaseline(name).filter(([, r]) => r.winner === name);
  const steps = assignSteps(won.map(([ns]) => ({ name: ns, labels: caches.get(NAMESPACE.plural, ns)?.metadata?.labels ?? {} })), rollout);
  const updated = new Set(won.filter(([, r]) => r.revision === target && r.inSync && r.error === undefined).map(([ns]) => ns));
  const failed = won.filter(([, r]) => r.revision === target && r.error !== undefined).map(([ns, r]) => [ns, r.error ?? ''] as const).sort(([a], [c]) => (a < c ? -1 : 1));
  const before = gates.get(name);
  const object = caches.get(SECURITY_BASELINE.plural, name) as SecurityBaselineObject | undefined;
  const previous = before?.state.target === target ? before.state : restoreState(object?.status?.rollout, target, rollout.pauseSeconds);
  // Where each namespace was when this rollout started: those not yet released stay there.
  const from = before?.state.target === target ? before.from : new Map(won.flatMap(([ns, r]) => (r.revision === undefined ? [] : [[ns, r.revision] as const])));
  const moving = new Set([...from].filter(([, r]) => r !== target).map(([ns]) => ns));
  const decision = advance(previous, target, rollout, { steps, updated, failed: failed.map(([ns]) => ns), moving }, clock.now());
  gates.set(name, { state: decision.state, steps, from });

  const wasReleased = before?.state.target === target ? before.state.released : -1;
  for (const [ns, s] of steps) if (s > wasReleased && s <= decision.state.released) memory.released.emit('update', ns);
  announce(deps, b, decision, memory.statuses.get(name), steps, failed.length);

  const status = rolloutStatus({ rollout, decision, updated: updated.size, total: won.length, failed });
  if (JSON.stringify(status) !== JSON.stringify(memory.statuses.get(name))) {
    memory.statuses.set(name, status);
    deps.statusDue(name);
  }
  const pending = [...steps].filter(([ns, s]) => s <= decision.state.released && !updated.has(ns)).length - failed.length;
  const counts = { updated: updated.size, pending: Math.max(0, pending), waiting: [...steps.values()].filter((s) => s > decision.state.released).length, failed: failed.length };
  for (const state of ROLLOUT_STATES) deps.metrics.rolloutNamespaces.set({ baseline: name, state }, counts[state]);
  return decision.requeueAfterMs === undefined ? {} : { requeueAfterMs: decision.requeueAfterMs };
}

/** Every namespace has a result: after a start, none is missing from the steps (nor taken as absent). */
function everyNamespaceSeen(deps: RolloutDeps): boolean {
  return deps.caches.list(NAMESPACE.plural).every((ns) => {
    const meta: { name?: string; deletionTimestamp?: unknown } | undefined = ns.metadata;
    return meta?.name === undefined || meta.deletionTimestamp !== undefined || deps.results.get(meta.name) !== undefined;
  });
}

/** Events on a change of phase and for each step started. */
function announce(deps: RolloutDeps, b: ValidBaseline, decision: RolloutDecision, before: RolloutStatus | undefined, steps: ReadonlyMap<string, number>, failed: number): void {
  const target = { apiVersion: API_VERSION, kind: KIND, name: b.name, uid: b.uid };
  const revision = decision.state.target;
  for (const started of decision.started) {
    const count = [...steps.values()].filter((s) => s === started).length;
    const what = started === 0 ? 'canary' : `wave ${started} of ${b.spec.rollout?.waves ?? 1}`;
    deps.events.record(target, 'Normal', RolloutReason.WaveStarted, 'Rollout', `Revision ${revision}: ${what} started (${count} namespace(s)).`);
  }
  const changed = before?.revision !== revision || before.phase !== decision.phase;
  if (changed && decision.phase === 'Halted') {
    deps.events.record(target, 'Warning', RolloutReason.Halted, 'Rollout', `Revision ${revision}: halted, ${failed} namespace(s) failed (more than maxFailedNamespaces ${b.spec.rollout?.maxFailedNamespaces ?? 0}); see status.rollout.`);
  }
  if (changed && decision.phase === 'Complete' && before !== undefined) {
    deps.events.record(target, 'Normal', RolloutReason.Completed, 'Rollout', `Revision ${revision}: every namespace updated.`);
  }
}

/** Revisions that must be kept: the target, and any a namespace is at or was at when the rollout started. */
function inUse(deps: RolloutDeps, b: ValidBaseline): Set<string> {
  const { caches } = deps;
  const keep = new Set([revisionOf(b.spec)]);
  for (const r of deps.gates.get(b.name)?.from.values() ?? []) keep.add(r);
  for (const type of MANAGED_TYPES) {
    for (const o of caches.list(type.plural)) {
      const labels = o.metadata?.labels;
      const revision = labels?.[REVISION_LABEL];
      if (revision !== undefined && labels?.[BASELINE_LABEL] === b.name) keep.add(revision);
    }
  }
  for (const ns of caches.list(NAMESPACE.plural)) {
    const annotations = ns.metadata?.annotations;
    const revision = annotations?.[REVISION_LABEL];
    if (revision !== undefined && annotations?.[POD_SECURITY_ANNOTATION] === b.name) keep.add(revision);
  }
  return keep;
}
