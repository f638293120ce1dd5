import assert from 'node:assert/strict';
import { selectedBySome } from '../../src/controller/auditscope.js';
import { parseSpec } from '../../src/api/parse.js';
import type { ValidBaseline } from '../../src/render/selection.js';
import { mergeNamespaceList } from '../../src/runtime/namespacemerge.js';
import { compareResourceVersions, isNewer } from '../../src/runtime/resourceversion.js';
import { NamespaceScope } from '../../src/runtime/scope.js';

interface Obj {
  metadata: { name: string; resourceVersion: string };
  v?: string;
}

const obj = (name: string, rv: string, v?: string): Obj => ({ metadata: { name, resourceVersion: rv }, ...(v === undefined ? {} : { v }) });
const byName = (...objects: Obj[]): Map<string, Obj> => new Map(objects.map((o) => [o.metadata.name, o]));
const rvOf = (o: Obj): string => o.metadata.resourceVersion;

function baseline(name: string, spec: Record<string, unknown>): ValidBaseline {
  const parsed = parseSpec(spec);
  if (!parsed.ok) throw new Error(parsed.error);
  return { name, uid: name, generation: 1, spec: parsed.spec };
}

describe('audit cache scope', () => {
  it('orders resourceVersions as integers, and refuses what the API server never writes', () => {
    assert.ok((compareResourceVersions('9', '10') ?? 0) < 0);
    assert.ok((compareResourceVersions('100', '99') ?? 0) > 0);
    assert.equal(compareResourceVersions('42', '42'), 0);
    assert.equal(compareResourceVersions('042', '42'), undefined);
    assert.equal(compareResourceVersions('0', '1'), undefined);
    assert.equal(compareResourceVersions('abc', '1'), undefined);
    assert.ok(isNewer('10', '9'));
    assert.ok(!isNewer('x', '9'));
    assert.ok(!isNewer(undefined, '9'));
  });

  it('merges a namespace list with what the watch brought meanwhile: the newer state of each object wins', () => {
    const current = byName(obj('newer-by-watch', '120', 'watch'), obj('older-by-watch', '90', 'watch'), obj('created-after-list', '130'), obj('deleted-before-list', '95'));
    const listed = byName(obj('newer-by-watch', '100', 'list'), obj('older-by-watch', '105', 'list'), obj('only-listed', '80'), obj('deleted-by-watch', '70'));
    const deleted = new Map([['deleted-by-watch', '115']]);
    const { objects, events } = mergeNamespaceList(current, listed, '110', deleted, rvOf);
    assert.deepEqual(
      [...objects.values()].map((o) => `${o.metadata.name}@${rvOf(o)}`).sort(),
      ['created-after-list@130', 'newer-by-watch@120', 'older-by-watch@105', 'only-listed@80'],
    );
    assert.deepEqual(
      events.map(([e, o]) => `${e} ${o.metadata.name}`),
      ['update older-by-watch', 'add only-listed', 'delete deleted-before-list'],
    );
  });

  it('takes a list whole into an empty namespace, and empties one the list has nothing of', () => {
    const into = mergeNamespaceList(new Map<string, Obj>(), byName(obj('a', '5'), obj('b', '6')), '7', new Map(), rvOf);
    assert.deepEqual([...into.objects.keys()], ['a', 'b']);
    assert.deepEqual(into.events.map(([e]) => e), ['add', 'add']);
    const emptied = mergeNamespaceList(byName(obj('a', '5')), new Map<string, Obj>(), '7', new Map(), rvOf);
    assert.equal(emptied.objects.size, 0);
    assert.deepEqual(emptied.events.map(([e, o]) => `${e} ${o.metadata.name}`), ['delete a']);
  });

  it('tells each listener once when a namespace enters or leaves', () => {
    const scope = new NamespaceScope();
    const heard: string[] = [];
    scope.onChange((ns, inScope) => heard.push(`${inScope ? '+' : '-'}${ns}`));
    scope.set('a', true);
    scope.set('a', true);
    scope.set('b', false);
    scope.set('a', false);
    assert.deepEqual(heard, ['+a', '-a']);
    assert.equal(scope.size, 0);
  });

  it('is the namespaces some baseline selects, not those it excludes nor the operator\'s own', () => {
    const teams = baseline('teams', { namespaceSelector: { matchLabels: { tier: 'team' } }, excludeNamespaces: ['team-skip-*'] });
    const team = { tier: 'team' };
    assert.ok(selectedBySome([teams], { name: 'team-a', labels: team }, 'posture-system'));
    assert.ok(!selectedBySome([teams], { name: 'team-b', labels: {} }, 'posture-system'));
    assert.ok(!selectedBySome([teams], { name: 'team-skip-1', labels: team }, 'posture-system'));
    assert.ok(!selectedBySome([teams], { name: 'posture-system', labels: team }, 'posture-system'));
    assert.ok(!selectedBySome([], { name: 'team-a', labels: team }, undefined));
  });
});
