import assert from 'node:assert/strict';
import { securityBaselineSpecSchema } from '../../../src/api/securitybaseline.js';
import { namespaceRevision, RolloutGates } from '../../../src/controller/rollout/gates.js';
import { revisionObjectName, verify } from '../../../src/controller/rollout/revisions.js';
import { restoreState, rolloutStatus, withRollout } from '../../../src/controller/rollout/status.js';
import type { ExistingObject } from '../../../src/controller/plan.js';
import { renderNamespace } from '../../../src/render/index.js';
import { revisionData, revisionOf, type RevisionData } from '../../../src/render/revision.js';
import type { ValidBaseline } from '../../../src/render/selection.js';

const ROLLOUT = { canary: { matchLabels: { ring: 'canary' } }, waves: 2, pauseSeconds: 20 };

function baseline(pods: string, extra: Record<string, unknown> = {}): ValidBaseline {
  return { name: 'tenants', uid: 'uid-1', generation: 1, spec: securityBaselineSpecSchema.parse({ namespaceSelector: {}, resourceQuota: { hard: { pods } }, rollout: ROLLOUT, ...extra }) };
}

function existingAt(b: ValidBaseline, ns: string): ExistingObject[] {
  return renderNamespace(b, ns).map((d) => ({ apiVersion: d.apiVersion, kind: d.kind, metadata: { ...d.metadata }, content: d.content }));
}

const podsOf = (b: ValidBaseline): unknown => b.spec.resourceQuota?.hard.pods;
const noLabels = { labels: {}, annotations: {} };

describe('rollout: which revision a namespace is written at', () => {
  const old = baseline('10');
  const now = baseline('20');
  const kept = new Map<string, RevisionData>([[revisionOf(old.spec), revisionData(old.spec)]]);
  const gates = (): RolloutGates => new RolloutGates((_b, r) => kept.get(r));

  it('reads where a namespace is from the labels on its objects, else the Pod Security annotation', () => {
    assert.equal(namespaceRevision(old, existingAt(old, 'shop'), noLabels), revisionOf(old.spec));
    assert.equal(namespaceRevision(old, [], { labels: {}, annotations: { 'posture.dev/pod-security': 'tenants', 'posture.dev/revision': 'abc' } }), 'abc');
    assert.equal(namespaceRevision(old, [], noLabels), undefined);
    const foreign = existingAt({ ...old, uid: 'other' }, 'shop');
    assert.equal(namespaceRevision(old, foreign, noLabels), undefined, 'objects of another baseline say nothing');
  });

  it('keeps a namespace not yet released at its revision, objects and all', () => {
    const g = gates();
    g.set('tenants', { state: { target: revisionOf(now.spec), released: 0 }, steps: new Map([['shop', 1], ['canary', 0]]), from: new Map([['shop', revisionOf(old.spec)]]) });
    const written = g.rendition(now, 'shop', existingAt(old, 'shop'), noLabels);
    assert.equal(revisionOf(written.spec), revisionOf(old.spec));
    assert.equal(podsOf(written), '10');
    assert.equal(podsOf(g.rendition(now, 'canary', existingAt(old, 'canary'), noLabels)), '20', 'released: the new revision');
  });

  it('holds before the rollout controller has looked (no gate yet): a change does not reach every namespace at once', () => {
    assert.equal(podsOf(gates().rendition(now, 'shop', existingAt(old, 'shop'), noLabels)), '10');
  });

  it('keeps the revision a namespace had when the rollout started, whatever its labels say since', () => {
    const g = gates();
    g.set('tenants', { state: { target: revisionOf(now.spec), released: 0 }, steps: new Map([['shop', 1]]), from: new Map([['shop', revisionOf(old.spec)]]) });
    // A tenant relabels the objects as if already moved: the namespace still gets the old revision back.
    const relabelled = existingAt(now, 'shop');
    assert.equal(podsOf(g.rendition(now, 'shop', relabelled, noLabels)), '10');
  });

  it('gives the newest revision at once to a new namespace, and to one at a revision no longer kept', () => {
    const g = gates();
    g.set('tenants', { state: { target: revisionOf(now.spec), released: -1 }, steps: new Map(), from: new Map() });
    assert.equal(podsOf(g.rendition(now, 'new', [], noLabels)), '20');
    assert.equal(podsOf(g.rendition(now, 'lost', existingAt(baseline('5'), 'lost'), noLabels)), '20');
  });

  it('stages nothing without spec.rollout, or in Audit mode', () => {
    const plain = { ...now, spec: { ...now.spec, rollout: undefined } };
    assert.equal(podsOf(gates().rendition(plain, 'shop', existingAt(old, 'shop'), noLabels)), '20');
    const audit = { ...now, spec: { ...now.spec, mode: 'Audit' as const } };
    assert.equal(podsOf(gates().rendition(audit, 'shop', existingAt(old, 'shop'), noLabels)), '20');
  });
});

describe('rollout: stored revisions', () => {
  const b = baseline('10');
  const hash = revisionOf(b.spec);

  it('accepts a revision whose content is a valid section set with its own digest', () => {
    assert.deepEqual(verify(JSON.parse(JSON.stringify(revisionData(b.spec))), hash), revisionData(b.spec));
  });

  it('refuses an edited revision: another digest, or content the schema refuses', () => {
    assert.equal(verify({ resourceQuota: { hard: { pods: '1000' } } }, hash), undefined);
    const wildcard = { rbac: { roles: [{ name: 'r', rules: [{ apiGroups: [''], resources: ['*'], verbs: ['*'] }], subjects: [{ kind: 'Group', name: 'g' }] }] } };
    assert.equal(verify(wildcard, hash), undefined);
    assert.equal(verify('text', hash), undefined);
    assert.equal(verify(null, hash), undefined);
  });

  it('names them posture-<baseline>-<revision> within 253 characters', () => {
    assert.equal(revisionObjectName('tenants', hash), `posture-tenants-${hash}`);
    assert.equal(revisionObjectName('x'.repeat(253), hash).length, 253);
  });
});

describe('rollout: status', () => {
  const rollout = { ...ROLLOUT, paused: false, maxFailedNamespaces: 0 };
  const t = Date.parse('2026-11-29T20:00:00Z');

  it('says where a rollout is, and names at most five failed namespaces when it halts', () => {
    const failed = Array.from({ length: 7 }, (_, i) => [`ns-${i}`, 'quota refused'] as const);
    const s = rolloutStatus({ rollout, decision: { state: { target: 'r2', released: 0, startedAt: t }, phase: 'Halted', started: [] }, updated: 0, total: 10, failed });
    assert.deepEqual([s.phase, s.currentWave, s.failed, s.waveStartedAt], ['Halted', 0, 7, '2026-11-29T20:00:00.000Z']);
    assert.match(s.message ?? '', /^Halted: 7 namespace\(s\) failed to take revision r2, more than maxFailedNamespaces \(0\): ns-0, ns-1, ns-2, ns-3, ns-4 and 2 more; ns-0: quota refused\./);
  });

  it('is restored after a restart when it is of the same revision, so a soak is not started over', () => {
    const s = rolloutStatus({ rollout, decision: { state: { target: 'r2', released: 1, startedAt: t, doneAt: t + 5000 }, phase: 'Progressing', nextWaveAt: t + 25_000, started: [] }, updated: 6, total: 10, failed: [] });
    assert.deepEqual(restoreState(s, 'r2', 20), { target: 'r2', released: 1, startedAt: t, doneAt: t + 5000 });
    assert.equal(restoreState(s, 'r3', 20), undefined);
  });

  it('makes Reconciling True while progressing and Stalled True when halted', () => {
    const base = {
      conditions: ['Ready', 'Reconciling', 'Stalled'].map((type) => ({ type, status: 'False' as const, reason: 'Idle', message: '', lastTransitionTime: 'then', observedGeneration: 1 })),
    };
    const progressing = withRollout(base, { revision: 'r2', phase: 'Progressing', updated: 2, total: 10, currentWave: 0, waves: 2 }, undefined, 2, new Date(t));
    const reconciling = progressing.conditions?.find((c) => c.type === 'Reconciling');
    assert.deepEqual([reconciling?.status, reconciling?.reason], ['True', 'RolloutProgressing']);
    assert.match(reconciling?.message ?? '', /Revision r2: 2 of 10 namespace\(s\) updated; canary/);
    const halted = withRollout(base, { revision: 'r2', phase: 'Halted', updated: 0, total: 10, currentWave: 0, waves: 2, message: 'Halted: ...' }, undefined, 2, new Date(t));
    assert.deepEqual(halted.conditions?.find((c) => c.type === 'Stalled')?.reason, 'RolloutHalted');
    assert.equal(withRollout(base, undefined, undefined, 2, new Date(t)), base);
  });
});
