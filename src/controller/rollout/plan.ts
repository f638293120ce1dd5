import { createHash } from 'node:crypto';
import type { RolloutPhase, RolloutSpec } from '../../api/rollout.js';
import { matchesLabelSelector } from '../../render/labelselector.js';

/**
 * The rollout's decisions, pure: which step each namespace is in, and, given where the namespaces
 * are and the clock, which steps are released. Step 0 is the canary, steps 1..waves the waves.
 */

export interface NamespaceFacts {
  name: string;
  labels: Readonly<Record<string, string>>;
}

/** True when the rollout has nothing to stage: every namespace gets a change at once, as without spec.rollout. */
export function isAllAtOnce(rollout: RolloutSpec | undefined): boolean {
  return rollout === undefined || (rollout.canary === undefined && rollout.waves <= 1 && !rollout.paused);
}

/** A stable place for a name, independent of the set it is in: a rerun picks the same waves. */
function order(name: string): string {
  return createHash('sha256').update(name).digest('hex');
}

/**
 * Each namespace's step: 0 for a canary (by label), then the rest, sorted by a hash of the name,
 * split into `waves` contiguous, near-equal parts (1..waves).
 */
export function assignSteps(namespaces: readonly NamespaceFacts[], rollout: Pick<RolloutSpec, 'canary' | 'waves'>): Map<string, number> {
  const steps = new Map<string, number>();
  const rest: { name: string; key: string }[] = [];
  for (const ns of namespaces) {
    if (rollout.canary !== undefined && matchesLabelSelector(rollout.canary, ns.labels)) steps.set(ns.name, 0);
    else rest.push({ name: ns.name, key: order(ns.name) });
  }
  rest.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.name < b.name ? -1 : 1));
  const waves = Math.max(1, rollout.waves);
  rest.forEach((ns, i) => steps.set(ns.name, 1 + Math.floor((i * waves) / rest.length)));
  return steps;
}

/** What the rollout controller remembers of one baseline's rollout between reconciles. */
export interface RolloutState {
  /** The revision being rolled out. */
  target: string;
  /** The last step released: -1 none yet, 0 the canary, waves: all. */
  released: number;
  /** When the last released step started. */
  startedAt?: number;
  /** When the last released step was first seen in place: its soak started. */
  doneAt?: number;
}

export interface RolloutObservation {
  steps: ReadonlyMap<string, number>;
  /** Namespaces whose objects are at the target revision, in sync. */
  updated: ReadonlySet<string>;
  /** Namespaces that failed to take the target revision. */
  failed: readonly string[];
  /** Namespaces this rollout moves: at another revision when it started. A step none of them is in needs no soak. */
  moving: ReadonlySet<string>;
}

export interface RolloutDecision {
  state: RolloutState;
  phase: RolloutPhase;
  /** When the next step may start, while the last one soaks. */
  nextWaveAt?: number;
  /** Steps released by this decision, in order (for the WaveStarted events). */
  started: number[];
  /** Look again then: the soak ends. */
  requeueAfterMs?: number;
}

/**
 * Advances one baseline's rollout as far as the clock and the namespaces allow. A new target starts
 * over at the canary; paused and halted (more failed than allowed) release nothing further; a step
 * that moves namespaces soaks `pauseSeconds` once all of them are in place (or failed, within the
 * allowance); a step that moves none (empty, or all there already) passes at once.
 */
export function advance(previous: RolloutState | undefined, target: string, rollout: RolloutSpec, obs: RolloutObservation, now: number): RolloutDecision {
  const state: RolloutState = previous?.target === target ? { ...previous } : { target, released: -1 };
  const started: number[] = [];
  if (obs.failed.length > rollout.maxFailedNamespaces) return { state, phase: 'Halted', started };
  const failed = new Set(obs.failed);
  const moves = (step: number): boolean => [...obs.steps].some(([n, s]) => s === step && obs.moving.has(n));
  const pauseMs = rollout.pauseSeconds * 1000;
  for (;;) {
    if (state.released >= 0) {
      const pending = [...obs.steps].some(([n, s]) => s <= state.released && !obs.updated.has(n) && !failed.has(n));
      if (pending) return { state, phase: rollout.paused ? 'Paused' : 'Progressing', started };
      if (state.released >= rollout.waves) return { state, phase: 'Complete', started };
      if (moves(state.released) && pauseMs > 0) {
        state.doneAt ??= now;
        const nextWaveAt = state.doneAt + pauseMs;
        if (now < nextWaveAt) return { state, phase: rollout.paused ? 'Paused' : 'Progressing', nextWaveAt, started, requeueAfterMs: nextWaveAt - now };
      }
    }
    if (rollout.paused) return { state, phase: 'Paused', started };
    state.released += 1;
    state.startedAt = now;
    delete state.doneAt;
    if (moves(state.released)) started.push(state.released);
  }
}

/** Whether a namespace in this step may take the target revision. */
export function isReleased(state: RolloutState | undefined, step: number | undefined): boolean {
  return state !== undefined && step !== undefined && step <= state.released;
}
