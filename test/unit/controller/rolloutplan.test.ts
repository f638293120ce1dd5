import assert from 'node:assert/strict';
import type { RolloutSpec } from '../../../src/api/rollout.js';
import { advance, assignSteps, isAllAtOnce, isReleased, type RolloutObservation, type RolloutState } from '../../../src/controller/rollout/plan.js';

const spec = (r: Partial<RolloutSpec> = {}): RolloutSpec => ({ waves: 2, pauseSeconds: 20, paused: false, maxFailedNamespaces: 0, canary: { matchLabels: { ring: 'canary' } }, ...r });
const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
const canary = new Set(['a', 'b']);
const labels = (name: string): Record<string, string> => (canary.has(name) ? { ring: 'canary' } : {});
const steps = assignSteps(names.map((name) => ({ name, labels: labels(name) })), spec());
const inStep = (step: number): string[] => names.filter((n) => steps.get(n) === step);

function obs(updated: readonly string[], o: Partial<RolloutObservation> = {}): RolloutObservation {
  return { steps, updated: new Set(updated), failed: [], moving: new Set(names), ...o };
}

describe('rollout: steps', () => {
  it('puts canaries first and splits the rest into near-equal waves', () => {
    assert.deepEqual(inStep(0), ['a', 'b']);
    assert.deepEqual([inStep(1).length, inStep(2).length], [4, 4]);
  });

  it('is stable: the same namespaces land in the same waves whatever the order they are listed in', () => {
    const again = assignSteps([...names].reverse().map((name) => ({ name, labels: labels(name) })), spec());
    assert.deepEqual([...again].sort(), [...steps].sort());
  });

  it('with no canary and one wave, stages nothing unless paused', () => {
    assert.equal(isAllAtOnce(undefined), true);
    assert.equal(isAllAtOnce(spec({ canary: undefined, waves: 1 })), true);
    assert.equal(isAllAtOnce(spec({ canary: undefined, waves: 1, paused: true })), false);
    assert.equal(isAllAtOnce(spec({ canary: undefined, waves: 3 })), false);
    assert.equal(isAllAtOnce(spec({ waves: 1 })), false);
  });

  it('handles fewer namespaces than waves: some waves are empty', () => {
    const few = assignSteps([{ name: 'x', labels: {} }, { name: 'y', labels: {} }], { waves: 5 });
    assert.deepEqual([...few.values()].every((s) => s >= 1 && s <= 5), true);
    assert.equal(new Set(few.values()).size, 2);
  });
});

describe('rollout: advancing', () => {
  const t = 1_000_000;

  it('starts a new revision at the canary, and waits for it', () => {
    const d = advance(undefined, 'r2', spec(), obs([]), t);
    assert.deepEqual([d.state.released, d.phase, d.started], [0, 'Progressing', [0]]);
    assert.equal(isReleased(d.state, steps.get('a')), true);
    assert.equal(isReleased(d.state, steps.get(inStep(1)[0] ?? '')), false);
  });

  it('soaks pauseSeconds once the canary is in place, then starts wave 1; the soak is a lower bound', () => {
    const started = advance(undefined, 'r2', spec(), obs([]), t).state;
    const soaking = advance(started, 'r2', spec(), obs(['a', 'b']), t + 1000);
    assert.deepEqual([soaking.state.released, soaking.phase, soaking.nextWaveAt, soaking.requeueAfterMs], [0, 'Progressing', t + 21_000, 20_000]);
    const still = advance(soaking.state, 'r2', spec(), obs(['a', 'b']), t + 20_999);
    assert.equal(still.state.released, 0);
    const next = advance(still.state, 'r2', spec(), obs(['a', 'b']), t + 21_000);
    assert.deepEqual([next.state.released, next.started, next.state.startedAt], [1, [1], t + 21_000]);
  });

  it('completes after the last wave is in place, with no soak after it', () => {
    const state: RolloutState = { target: 'r2', released: 2, startedAt: t };
    const d = advance(state, 'r2', spec(), obs(names), t + 1);
    assert.equal(d.phase, 'Complete');
    assert.equal(d.nextWaveAt, undefined);
  });

  it('passes at once a step that moves nothing (a first revision, or namespaces already there)', () => {
    const d = advance(undefined, 'r1', spec(), obs(names, { moving: new Set() }), t);
    assert.deepEqual([d.phase, d.state.released, d.started], ['Complete', 2, []]);
  });

  it('paused holds before the canary, during a soak and after it; resuming after the soak starts the next wave at once', () => {
    assert.deepEqual([advance(undefined, 'r2', spec({ paused: true }), obs([]), t).state.released, advance(undefined, 'r2', spec({ paused: true }), obs([]), t).phase], [-1, 'Paused']);
    const soaking = advance({ target: 'r2', released: 0, startedAt: t }, 'r2', spec({ paused: true }), obs(['a', 'b']), t + 1000);
    assert.deepEqual([soaking.phase, soaking.state.released], ['Paused', 0]);
    const held = advance(soaking.state, 'r2', spec({ paused: true }), obs(['a', 'b']), t + 60_000);
    assert.deepEqual([held.phase, held.state.released], ['Paused', 0]);
    const resumed = advance(held.state, 'r2', spec(), obs(['a', 'b']), t + 60_001);
    assert.deepEqual([resumed.state.released, resumed.started], [1, [1]]);
  });

  it('halts when more namespaces failed than allowed, and releases nothing after', () => {
    const d = advance({ target: 'r3', released: 0, startedAt: t }, 'r3', spec(), obs([], { failed: ['a'] }), t + 999_999);
    assert.deepEqual([d.phase, d.state.released, d.started], ['Halted', 0, []]);
  });

  it('tolerates failures up to maxFailedNamespaces: a failed namespace does not hold its step', () => {
    const d = advance({ target: 'r3', released: 0, startedAt: t, doneAt: t }, 'r3', spec({ maxFailedNamespaces: 1 }), obs(['b'], { failed: ['a'] }), t + 20_000);
    assert.deepEqual([d.phase, d.state.released], ['Progressing', 1]);
  });

  it('a new revision during a rollout starts over at the canary', () => {
    const d = advance({ target: 'r2', released: 2, startedAt: t }, 'r3', spec(), obs([]), t + 5);
    assert.deepEqual([d.state.target, d.state.released, d.started], ['r3', 0, [0]]);
  });
});
