import assert from 'node:assert/strict';
import { join } from 'node:path';
import { securityBaselineSpecSchema } from '../../../src/api/securitybaseline.js';
import { describeAction } from '../../../src/cli/diff.js';
import { planDiff } from '../../../src/cli/diffplan.js';
import type { ClusterState, LiveNamespace } from '../../../src/cli/live.js';
import type { ExistingObject } from '../../../src/controller/plan.js';
import { renderNamespace } from '../../../src/render/index.js';
import type { ValidBaseline } from '../../../src/render/selection.js';
import { BASELINE, files, posture } from './run.js';

const SELECT = { matchLabels: { tier: 'tenant' } };

function baseline(spec: Record<string, unknown>, name = 'tenants'): ValidBaseline {
  return { name, uid: '', generation: 1, spec: securityBaselineSpecSchema.parse({ namespaceSelector: SELECT, ...spec }) };
}

function ns(name: string, labels: Record<string, string> = {}, annotations: Record<string, string> = {}): LiveNamespace {
  return { name, labels: { 'kubernetes.io/metadata.name': name, ...labels }, annotations, terminating: false };
}

/** What the cluster holds after an operator enforced `b` (with uid) in `namespace`. */
function enforced(b: ValidBaseline, uid: string, namespace: string): ExistingObject[] {
  return renderNamespace({ ...b, uid }, namespace).map((d) => ({ apiVersion: d.apiVersion, kind: d.kind, metadata: { ...d.metadata }, content: structuredClone(d.content) }));
}

describe('posture diff: planning against what the cluster holds', () => {
  const live = baseline({});
  const liveObject = { apiVersion: 'posture.dev/v1alpha1', kind: 'SecurityBaseline', metadata: { name: 'tenants', uid: 'uid-1', generation: 4 }, spec: { namespaceSelector: SELECT } };

  it('plans creates in a selected namespace that has nothing yet, and leaves unselected ones out', () => {
    const state: ClusterState = { namespaces: [ns('a', { tier: 'tenant' }), ns('b')], baselines: [], managed: new Map() };
    const diffs = planDiff(state, baseline({}), undefined);
    assert.deepEqual(diffs.map((d) => [d.namespace, d.winner, d.actions.map((a) => a.type)]), [['a', 'tenants', ['create', 'create', 'create']]]);
  });

  it('sees no change when the file says what the cluster already has, and the owner uid comes from the live baseline', () => {
    const state: ClusterState = { namespaces: [ns('a', { tier: 'tenant' })], baselines: [liveObject], managed: new Map([['a', enforced(live, 'uid-1', 'a')]]) };
    const diffs = planDiff(state, baseline({}), undefined);
    assert.deepEqual(diffs.map((d) => [d.namespace, d.actions.length]), [['a', 0]]);
  });

  it('plans an update with a unified diff, a delete, and the Pod Security labels', () => {
    const state: ClusterState = { namespaces: [ns('a', { tier: 'tenant' })], baselines: [liveObject], managed: new Map([['a', enforced(live, 'uid-1', 'a')]]) };
    const next = baseline({ networkPolicy: { allowSameNamespace: false }, podSecurity: { enforce: 'baseline' } });
    const [d] = planDiff(state, next, undefined);
    assert.ok(d);
    // A new revision: the objects that stay are relabelled with it (posture.dev/revision).
    assert.deepEqual(d.actions.map((a) => a.type), ['labels', 'update', 'update', 'delete']);
    const labels = d.actions[0];
    assert.ok(labels);
    assert.equal(
      describeAction(labels, state.namespaces[0]?.labels ?? {}, {}),
      [
        '  ~ labels Namespace a',
        '      --- Namespace a (cluster)',
        '      +++ Namespace a (baseline)',
        '      @@ -1,3 +1,5 @@',
        '       annotations:',
        '      -  posture.dev/pod-security: null',
        '      -labels: {}',
        '      +  posture.dev/pod-security: tenants',
        '      +labels:',
        '      +  pod-security.kubernetes.io/enforce: baseline',
        '      +  pod-security.kubernetes.io/enforce-version: latest',
      ].join('\n'),
    );
    const del = d.actions[3];
    assert.ok(del);
    assert.equal(describeAction(del, {}, {}), '  - delete NetworkPolicy posture-allow-same-namespace');

    const quota = baseline({ resourceQuota: { hard: { pods: '10' } } });
    const withQuota: ClusterState = { ...state, managed: new Map([['a', enforced(quota, 'uid-1', 'a')]]) };
    const [u] = planDiff(withQuota, baseline({ resourceQuota: { hard: { pods: '20' } } }), undefined);
    const update = u?.actions.find((a) => a.type === 'update' && a.object.kind === 'ResourceQuota');
    assert.ok(update);
    assert.match(describeAction(update, {}, {}), /^ {2}~ update ResourceQuota posture-quota\n {6}--- ResourceQuota posture-quota \(cluster\)\n {6}\+\+\+ ResourceQuota posture-quota \(baseline\)\n[\s\S]*\n {6}- {4}pods: "10"\n {6}\+ {4}pods: "20"$/);
  });

  it('covers a namespace the new selector drops: its objects would be deleted', () => {
    const state: ClusterState = { namespaces: [ns('a', { tier: 'tenant' })], baselines: [liveObject], managed: new Map([['a', enforced(live, 'uid-1', 'a')]]) };
    const [d] = planDiff(state, baseline({ namespaceSelector: { matchLabels: { tier: 'gold' } } }), undefined);
    assert.equal(d?.winner, undefined);
    assert.match(d?.reason ?? '', /^baseline tenants does not select namespace a/);
    assert.deepEqual(d?.actions.map((a) => a.type), ['delete', 'delete', 'delete']);
  });

  it('says when another baseline in the cluster wins, and plans nothing of this one there', () => {
    const other = { apiVersion: 'posture.dev/v1alpha1', kind: 'SecurityBaseline', metadata: { name: 'gold', uid: 'uid-2', generation: 1 }, spec: { priority: 500, namespaceSelector: {} } };
    const state: ClusterState = { namespaces: [ns('a', { tier: 'tenant' })], baselines: [other], managed: new Map([['a', enforced(baseline({ priority: 500, namespaceSelector: {} }, 'gold'), 'uid-2', 'a')]]) };
    const [d] = planDiff(state, baseline({}), undefined);
    assert.equal(d?.winner, 'gold');
    assert.equal(d.reason, 'baseline tenants loses namespace a to baseline gold (priority 500 over 100)');
    assert.deepEqual(d.actions, []);
  });

  it('never selects the operator\'s own namespace or a terminating one', () => {
    const state: ClusterState = { namespaces: [ns('posture-system', { tier: 'tenant' }), { ...ns('gone', { tier: 'tenant' }), terminating: true }], baselines: [], managed: new Map() };
    assert.deepEqual(planDiff(state, baseline({}), 'posture-system'), []);
  });
});

describe('posture diff: finding the cluster as the operator does (src/kubeconfig.ts)', () => {
  it('exits 2 with one line naming --kubeconfig when its file does not exist', async () => {
    const dir = await files({ 'b.yaml': BASELINE });
    const r = await posture(['diff', '--baseline', join(dir, 'b.yaml'), '--kubeconfig', join(dir, 'nope')]);
    assert.deepEqual(r, { code: 2, stdout: '', stderr: `posture diff: cannot use the kubeconfig ${join(dir, 'nope')}: --kubeconfig: ${join(dir, 'nope')} does not exist\n` });
  });

  it('reads KUBECONFIG as the operator does, naming it when none of its files exists', async () => {
    const dir = await files({ 'b.yaml': BASELINE });
    const r = await posture(['diff', '--baseline', join(dir, 'b.yaml')], { env: { KUBECONFIG: `${join(dir, 'a')}:${join(dir, 'b')}` } });
    assert.deepEqual(r, { code: 2, stdout: '', stderr: `posture diff: cannot use the kubeconfig: KUBECONFIG: ${join(dir, 'a')}, ${join(dir, 'b')} does not exist\n` });
  });
});
