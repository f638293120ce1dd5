import assert from 'node:assert/strict';
import type { NamespaceResult } from '../../src/controller/results.js';
import { lossesOf, lossOf, rememberedOwners, ResultStore } from '../../src/controller/results.js';
import { computeStatus } from '../../src/controller/status.js';
import { aggregateAudits, reduceFindings, type AuditAggregate } from '../../src/controller/auditstore.js';
import type { Finding } from '../../src/audit/types.js';
import { mergePatchFor } from '../../src/runtime/statuswriter.js';

const ok: NamespaceResult = { winner: 'b', generation: 2, losers: [], inSync: true, planned: { create: 0, update: 0, delete: 0 } };
const pending: NamespaceResult = { ...ok, inSync: false, planned: { create: 2, update: 0, delete: 0 } };
const now = new Date('2026-11-26T00:00:00Z');
const noAudit: AuditAggregate = { summary: { pass: 0, fail: 0, warn: 0, error: 0, skip: 0, annotationSkips: 0 }, complianceScore: 100, compliant: 0, audited: 0, findings: [] };

function condition(status: ReturnType<typeof computeStatus>, type: string): { status: string; reason: string; message: string } | undefined {
  return status.conditions?.find((c) => c.type === type);
}

describe('baseline status', () => {
  it('is not Compliant and shows no score when no namespace is selected (a selector typo)', () => {
    const out: NamespaceResult = { ...ok, winner: undefined, excluded: ['b'] };
    const s = computeStatus({ name: 'b', generation: 1, mode: 'Enforce', invalidSpec: undefined, results: [['legacy-1', out], ['legacy-2', out]], previous: undefined, drift: undefined, pendingNamespaces: 0, audit: noAudit, now });
    assert.equal(condition(s, 'Compliant')?.status, 'Unknown');
    assert.equal(condition(s, 'Compliant')?.reason, 'NoNamespaces');
    assert.equal(
      condition(s, 'Compliant')?.message,
      'No namespace is selected (2 matching namespace(s) are excluded by spec.excludeNamespaces): nothing is enforced or audited. Check that spec.namespaceSelector matches the labels of the namespaces it is meant for.',
    );
    assert.equal(condition(s, 'Ready')?.reason, 'NoNamespaces');
    assert.equal(s.complianceScore, undefined);
    assert.equal(s.summary, undefined);
    assert.deepEqual(s.namespaces, { selected: 0, enforced: 0, conflicted: 0, excluded: 2, compliant: 0 });
  });

  it('says LostAllNamespaces, naming the winners, when every selected namespace went to a higher priority', () => {
    const lost: NamespaceResult = { ...ok, winner: 'everything', losers: ['b'] };
    const s = computeStatus({ name: 'b', generation: 1, mode: 'Enforce', invalidSpec: undefined, results: [['x', lost], ['y', lost]], previous: undefined, drift: undefined, pendingNamespaces: 0, audit: noAudit, now });
    assert.equal(condition(s, 'Compliant')?.status, 'Unknown');
    assert.equal(condition(s, 'Compliant')?.reason, 'LostAllNamespaces');
    assert.equal(condition(s, 'Ready')?.reason, 'LostAllNamespaces');
    assert.equal(
      condition(s, 'Compliant')?.message,
      'Every namespace this baseline selects (2) is taken by a baseline with a higher priority (everything): nothing of b is enforced or audited. See status.conflicts.',
    );
    assert.equal(s.complianceScore, undefined);
  });

  it('bounds every condition message to about 1 KiB, saying how much was cut', () => {
    const huge = `spec.rbac.roles[0]: ${'forbidden rule; '.repeat(5000)}`;
    const s = computeStatus({ name: 'b', generation: 4, mode: undefined, invalidSpec: huge, results: [], previous: undefined, drift: undefined, pendingNamespaces: 0, audit: noAudit, now });
    for (const c of s.conditions ?? []) assert.ok(c.message.length <= 1024, `${c.type}: ${c.message.length}`);
    const message = condition(s, 'Ready')?.message ?? '';
    assert.ok(message.startsWith('spec.rbac.roles[0]: forbidden rule;'));
    assert.match(message, / \.\.\. \((\d+) more characters cut\)$/);
    const cut = Number(/\((\d+) more characters cut\)$/.exec(message)?.[1]);
    assert.equal(message.length - ` ... (${cut} more characters cut)`.length + cut, huge.length);
  });

  it('is Ready with counts when every selected namespace is enforced', () => {
    const s = computeStatus({ name: 'b', generation: 2, mode: 'Enforce', invalidSpec: undefined, results: [['x', ok], ['y', ok]], previous: undefined, drift: undefined, pendingNamespaces: 0, audit: noAudit, now });
    assert.equal(s.observedGeneration, 2);
    assert.deepEqual(s.namespaces, { selected: 2, enforced: 2, conflicted: 0, compliant: 0 });
    assert.equal(condition(s, 'Ready')?.status, 'True');
    assert.equal(condition(s, 'Ready')?.reason, 'Enforced');
    assert.equal(condition(s, 'Reconciling')?.status, 'False');
    assert.equal(s.plannedChanges, undefined);
  });

  it('is Reconciling, not Ready, while namespaces are pending', () => {
    const s = computeStatus({ name: 'b', generation: 2, mode: 'Enforce', invalidSpec: undefined, results: [['x', ok], ['y', pending]], previous: undefined, drift: undefined, pendingNamespaces: 0, audit: noAudit, now });
    assert.equal(condition(s, 'Ready')?.status, 'False');
    assert.equal(condition(s, 'Reconciling')?.status, 'True');
    assert.match(condition(s, 'Ready')?.message ?? '', /1 of 2 .* y/);
  });

  it('is Reconciling until every namespace was evaluated against the generation', () => {
    const s = computeStatus({ name: 'b', generation: 2, mode: 'Enforce', invalidSpec: undefined, results: [], previous: undefined, drift: undefined, pendingNamespaces: 3, audit: noAudit, now });
    assert.equal(condition(s, 'Ready')?.status, 'False');
    assert.equal(condition(s, 'Reconciling')?.status, 'True');
    assert.match(condition(s, 'Reconciling')?.message ?? '', /Evaluating every namespace against generation 2/);
  });

  it('stalls when no namespace can be enforced, not when some of them fail', () => {
    const failing: NamespaceResult = { ...ok, inSync: false, error: 'rolebindings "posture-view" is forbidden' };
    const one = computeStatus({ name: 'b', generation: 1, mode: 'Enforce', invalidSpec: undefined, results: [['x', ok], ['y', failing]], previous: undefined, drift: undefined, pendingNamespaces: 0, audit: noAudit, now });
    assert.equal(condition(one, 'Ready')?.status, 'False');
    assert.match(condition(one, 'Ready')?.message ?? '', /1 namespace\(s\) cannot be enforced \(y\): rolebindings "posture-view" is forbidden/);
    assert.equal(condition(one, 'Stalled')?.status, 'False');
    assert.equal(condition(one, 'Stalled')?.reason, 'NamespacesFailed');
    const all = computeStatus({ name: 'b', generation: 1, mode: 'Enforce', invalidSpec: undefined, results: [['x', failing], ['y', failing]], previous: undefined, drift: undefined, pendingNamespaces: 0, audit: noAudit, now });
    assert.equal(condition(all, 'Stalled')?.status, 'True');
    assert.equal(condition(all, 'Stalled')?.reason, 'ApplyFailed');
  });

  it('names the invalid field and stalls', () => {
    const s = computeStatus({ name: 'b', generation: 4, mode: undefined, invalidSpec: 'spec.mode: bad', results: [], previous: undefined, drift: undefined, pendingNamespaces: 0, audit: noAudit, now });
    assert.equal(condition(s, 'Ready')?.reason, 'InvalidSpec');
    assert.equal(condition(s, 'Ready')?.message, 'spec.mode: bad');
    assert.equal(condition(s, 'Stalled')?.status, 'True');
  });

  it('counts conflicts for the loser', () => {
    const lost: NamespaceResult = { ...ok, winner: 'a', losers: ['b'] };
    const s = computeStatus({ name: 'b', generation: 1, mode: 'Enforce', invalidSpec: undefined, results: [['x', lost]], previous: undefined, drift: undefined, pendingNamespaces: 0, audit: noAudit, now });
    assert.deepEqual(s.namespaces, { selected: 0, enforced: 0, conflicted: 1, compliant: 0 });
  });

  it('reports what Enforce would write in Audit mode', () => {
    const s = computeStatus({ name: 'b', generation: 1, mode: 'Audit', invalidSpec: undefined, results: [['x', pending], ['y', ok]], previous: undefined, drift: undefined, pendingNamespaces: 0, audit: noAudit, now });
    assert.deepEqual(s.plannedChanges, { namespaces: 1, create: 2, update: 0, delete: 0 });
    assert.equal(condition(s, 'Ready')?.reason, 'Audited');
    assert.match(condition(s, 'Ready')?.message ?? '', /would write into 1 of 2/);
  });

  it('keeps lastTransitionTime while a condition holds, so an unchanged status is equal', () => {
    const first = computeStatus({ name: 'b', generation: 2, mode: 'Enforce', invalidSpec: undefined, results: [['x', ok]], previous: undefined, drift: undefined, pendingNamespaces: 0, audit: noAudit, now });
    const later = computeStatus({ name: 'b', generation: 2, mode: 'Enforce', invalidSpec: undefined, results: [['x', ok]], previous: first, drift: undefined, pendingNamespaces: 0, audit: noAudit, now: new Date('2026-11-27T00:00:00Z') });
    assert.deepEqual(later, first);
  });

  it('removes status keys that went away with a null in the merge patch', () => {
    assert.deepEqual(mergePatchFor({ observedGeneration: 1 }, { observedGeneration: 1, plannedChanges: { namespaces: 0, create: 0, update: 0, delete: 0 } }), {
      observedGeneration: 1,
      plannedChanges: null,
    });
  });
});

describe('audit in the status', () => {
  const finding = (checkId: string, severity: Finding['severity'], result: Finding['result'], name = 'web'): Finding => ({
    checkId,
    severity,
    result,
    resource: { kind: 'Deployment', namespace: 'x', name },
    message: 'm',
  });

  it('aggregates namespaces into a summary, a weighted score and the top failing checks', () => {
    const a = reduceFindings('b', [finding('WL-002', 'critical', 'fail'), finding('WL-012', 'medium', 'pass'), finding('IMG-001', 'high', 'skip')]);
    const c = reduceFindings('b', [finding('WL-002', 'critical', 'fail'), finding('WL-012', 'medium', 'fail'), finding('NS-003', 'medium', 'pass')]);
    const d = reduceFindings('b', [finding('NS-003', 'medium', 'pass')]);
    const agg = aggregateAudits([['a', a], ['c', c], ['d', d]]);
    assert.deepEqual(agg.summary, { pass: 3, fail: 3, warn: 0, error: 0, skip: 1, annotationSkips: 0 });
    // passed weight 3+3+3 = 9 of evaluated 10+3+10+3+3+3 = 32
    assert.equal(agg.complianceScore, 28);
    assert.equal(agg.compliant, 1);
    assert.deepEqual(agg.findings.map((f) => [f.check, f.severity, f.namespaces, f.examples]), [
      ['WL-002', 'critical', 2, ['a', 'c']],
      ['WL-012', 'medium', 1, ['c']],
    ]);
  });

  it('is Compliant only when every selected namespace was audited and nothing fails', () => {
    const clean = aggregateAudits([['x', reduceFindings('b', [finding('NS-003', 'medium', 'pass')])]]);
    const s = computeStatus({ name: 'b', generation: 2, mode: 'Enforce', invalidSpec: undefined, results: [['x', ok]], previous: undefined, drift: undefined, pendingNamespaces: 0, audit: clean, now });
    assert.equal(condition(s, 'Compliant')?.status, 'True');
    assert.equal(s.complianceScore, 100);
    assert.equal(s.namespaces?.compliant, 1);

    const notYet = computeStatus({ name: 'b', generation: 2, mode: 'Enforce', invalidSpec: undefined, results: [['x', ok], ['y', ok]], previous: undefined, drift: undefined, pendingNamespaces: 0, audit: clean, now });
    assert.equal(condition(notYet, 'Compliant')?.status, 'Unknown');

    const failing = aggregateAudits([['x', reduceFindings('b', [finding('WL-002', 'critical', 'fail')])]]);
    const f = computeStatus({ name: 'b', generation: 2, mode: 'Audit', invalidSpec: undefined, results: [['x', ok]], previous: undefined, drift: undefined, pendingNamespaces: 0, audit: failing, now });
    assert.equal(condition(f, 'Compliant')?.status, 'False');
    assert.equal(condition(f, 'Compliant')?.reason, 'FindingsOpen');
    assert.match(condition(f, 'Compliant')?.message ?? '', /1 of 1 namespace\(s\) fail checks; WL-002 \(critical\) in 1/);
    assert.equal(f.complianceScore, 0);
  });
});

describe('result store', () => {
  it('indexes namespaces by baseline and notifies old and new owners', () => {
    const changed: string[] = [];
    const store = new ResultStore((b) => changed.push(b));
    store.set('x', ok);
    store.set('x', { ...ok, winner: 'c', losers: ['b'] });
    store.delete('x');
    assert.deepEqual(changed, ['b', 'b', 'c', 'c', 'b']);
    assert.deepEqual(store.forBaseline('b'), []);
  });
});

describe('losing a namespace', () => {
  const won: NamespaceResult = { winner: 'tenants', generation: 1, losers: [], inSync: true, planned: { create: 0, update: 0, delete: 0 } };
  const valid = (): boolean => true;

  it('names the cause: excluded, outranked or unselected', () => {
    assert.deepEqual(lossOf(won, { winner: undefined, losers: [], excluded: ['tenants'] }, valid), { baseline: 'tenants', cause: 'excluded' });
    assert.deepEqual(lossOf(won, { winner: 'everything', losers: ['tenants'] }, valid), { baseline: 'tenants', cause: 'outranked' });
    assert.deepEqual(lossOf(won, { winner: undefined, losers: [] }, valid), { baseline: 'tenants', cause: 'unselected' });
  });

  it('after a start (no previous result), reads the losses from the marks baselines left in the namespace', () => {
    const marks = rememberedOwners(['tenants', undefined, '', 'tenants', 'audited']);
    assert.deepEqual(marks, ['audited', 'tenants']);
    assert.deepEqual(lossesOf(undefined, marks, { winner: 'everything', losers: ['tenants'], excluded: ['audited'] }, valid), [
      { baseline: 'audited', cause: 'excluded' },
      { baseline: 'tenants', cause: 'outranked' },
    ]);
    assert.deepEqual(lossesOf(undefined, marks, { winner: 'tenants', losers: [] }, (b) => b !== 'audited'), [], 'the winner and a gone or invalid baseline lost nothing');
    assert.deepEqual(lossesOf(won, ['other'], { winner: 'tenants', losers: [] }, valid), [], 'with a previous result, marks are not read');
  });

  it('is no loss when it still wins, never won, or the baseline is gone or invalid', () => {
    assert.equal(lossOf(won, { winner: 'tenants', losers: ['other'] }, valid), undefined);
    assert.equal(lossOf(undefined, { winner: undefined, losers: [] }, valid), undefined);
    assert.equal(lossOf(won, { winner: undefined, losers: [] }, () => false), undefined);
  });
});
