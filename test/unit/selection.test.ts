import assert from 'node:assert/strict';
import { securityBaselineSpecSchema } from '../../src/api/securitybaseline.js';
import { matchesLabelSelector } from '../../src/render/labelselector.js';
import { globMatch as globMatches } from '../../src/audit/glob.js';
import { selectBaseline, selects, type ValidBaseline } from '../../src/render/selection.js';

function baseline(name: string, spec: Record<string, unknown>): ValidBaseline {
  return { name, uid: `uid-${name}`, generation: 1, spec: securityBaselineSpecSchema.parse(spec) };
}

describe('label selectors', () => {
  const labels = { tier: 'tenant', team: 'a' };
  const cases: [string, Parameters<typeof matchesLabelSelector>[0], boolean][] = [
    ['empty selects all', {}, true],
    ['matchLabels hit', { matchLabels: { tier: 'tenant' } }, true],
    ['matchLabels miss', { matchLabels: { tier: 'system' } }, false],
    ['matchLabels absent key', { matchLabels: { zone: 'x' } }, false],
    ['In hit', { matchExpressions: [{ key: 'team', operator: 'In', values: ['a', 'b'] }] }, true],
    ['In miss', { matchExpressions: [{ key: 'team', operator: 'In', values: ['b'] }] }, false],
    ['In absent key', { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }, false],
    ['NotIn hit', { matchExpressions: [{ key: 'team', operator: 'NotIn', values: ['b'] }] }, true],
    ['NotIn miss', { matchExpressions: [{ key: 'team', operator: 'NotIn', values: ['a'] }] }, false],
    ['NotIn absent key matches', { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, true],
    ['Exists', { matchExpressions: [{ key: 'team', operator: 'Exists' }] }, true],
    ['Exists miss', { matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, false],
    ['DoesNotExist', { matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, true],
    ['DoesNotExist miss', { matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] }, false],
    ['labels and expressions both must hold', { matchLabels: { tier: 'tenant' }, matchExpressions: [{ key: 'team', operator: 'In', values: ['b'] }] }, false],
  ];
  for (const [name, selector, want] of cases) {
    it(name, () => {
      assert.equal(matchesLabelSelector(selector, labels), want);
    });
  }
});

describe('globs', () => {
  it('matches * and ? and nothing else', () => {
    assert.ok(globMatches('legacy-*', 'legacy-app'));
    assert.ok(globMatches('legacy-*', 'legacy-'));
    assert.ok(!globMatches('legacy-*', 'new-legacy-app'));
    assert.ok(globMatches('team-?', 'team-a'));
    assert.ok(!globMatches('team-?', 'team-ab'));
    assert.ok(globMatches('exact', 'exact'));
    assert.ok(!globMatches('exact', 'exactly'));
  });
});

describe('selection', () => {
  const tenant = { name: 'shop', labels: { 'posture.dev/tier': 'tenant' } };

  it('selects by label and honours excludeNamespaces globs', () => {
    const b = baseline('tenants', { namespaceSelector: { matchLabels: { 'posture.dev/tier': 'tenant' } }, excludeNamespaces: ['legacy-*'] });
    assert.ok(selects(b, tenant, undefined));
    assert.ok(!selects(b, { name: 'legacy-shop', labels: tenant.labels }, undefined));
    assert.ok(!selects(b, { name: 'other', labels: {} }, undefined));
  });

  it('never selects system namespaces or the operator namespace, even with {}', () => {
    const all = baseline('all', { namespaceSelector: {} });
    for (const name of ['kube-system', 'kube-public', 'kube-node-lease', 'posture-system']) {
      assert.ok(!selects(all, { name, labels: {} }, 'posture-system'), name);
    }
    assert.ok(selects(all, { name: 'default', labels: {} }, 'posture-system'));
  });

  it('resolves overlap by priority, then by name', () => {
    const low = baseline('a-low', { namespaceSelector: {}, priority: 10 });
    const high = baseline('z-high', { namespaceSelector: {}, priority: 200 });
    const tie = baseline('b-tie', { namespaceSelector: {}, priority: 10 });
    const { winner, losers } = selectBaseline([low, tie, high], tenant, undefined);
    assert.equal(winner?.name, 'z-high');
    assert.deepEqual(losers.map((l) => l.name), ['a-low', 'b-tie']);
  });

  it('has no winner when nothing selects', () => {
    const b = baseline('x', { namespaceSelector: { matchLabels: { a: 'b' } } });
    assert.deepEqual(selectBaseline([b], tenant, undefined), { winner: undefined, losers: [], excluded: [] });
  });

  it('names the baselines whose selector matches but that exclude the namespace', () => {
    const all = baseline('all', { namespaceSelector: {}, excludeNamespaces: [tenant.name] });
    const other = baseline('other', { namespaceSelector: {} });
    const selection = selectBaseline([all, other], tenant, undefined);
    assert.equal(selection.winner?.name, 'other');
    assert.deepEqual(selection.excluded.map((b) => b.name), ['all']);
    assert.deepEqual(selectBaseline([all], { name: 'kube-system', labels: {} }, undefined).excluded.map((b) => b.name), ['all']);
  });
});
