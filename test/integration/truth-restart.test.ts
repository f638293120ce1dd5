// Losing namespaces is never silent, also across restarts (issue 12): namespaces leave their
// baselines while the operator is stopped (a label removed, a higher-priority baseline created, an
// Audit-mode baseline's label removed), and the restarted operator, which never saw them covered,
// still announces each loss with its cause and counts it. It knows from the marks the baselines
// left in the namespaces: the posture.dev/baseline label of managed objects and PolicyReports, and
// the posture.dev/pod-security annotation.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { ControlPlane } from '../../hack/controlplane/launcher.js';
import { sharedControlPlane } from './support/controlplane.js';
import { admin, fetchAsAdmin, type Admin } from './support/kube.js';
import { startOperator, type RunningOperator } from './support/operator.js';
import { servePolicyReports } from './support/policyreports.js';
import { eventually } from './support/wait.js';

interface Event {
  type?: string;
  reason?: string;
  note?: string;
  regarding?: { kind?: string; name?: string };
}

describe('truthful status across a restart: namespaces lost while the operator was down are still reported', function () {
  let cp: ControlPlane;
  let k: Admin;
  let op: RunningOperator;
  const s = randomBytes(3).toString('hex');
  const tier = `down-${s}`;
  const victim = `victim-down-${s}`;
  const thief = `thief-down-${s}`;
  const auditor = `auditor-down-${s}`;
  const unlabelled = `unlabelled-${s}`;
  const taken = `taken-${s}`;
  const audited = `audited-down-${s}`;

  async function lostEvents(baseline: string): Promise<Event[]> {
    const items = ((await fetchAsAdmin(cp, 'GET', '/apis/events.k8s.io/v1/namespaces/default/events')) as { items: Event[] }).items;
    return items.filter((e) => e.reason === 'NamespaceLost' && e.regarding?.kind === 'SecurityBaseline' && e.regarding.name === baseline);
  }

  before(async function () {
    this.timeout(900_000);
    cp = await sharedControlPlane();
    k = admin(cp);
    await servePolicyReports(cp);
    op = await startOperator(cp);
  });

  after(async function () {
    this.timeout(60_000);
    await op.stop();
    for (const b of [victim, thief, auditor]) await k.deleteBaseline(b).catch(() => undefined);
  });

  it('label removed, taken by a higher priority, Audit-mode label removed: each a NamespaceLost event and a count after the restart', async () => {
    await k.createNamespace(unlabelled, { 'posture.dev/tier': tier });
    await k.createNamespace(taken, { 'posture.dev/tier': tier });
    await k.createNamespace(audited, { 'posture.dev/tier': `${tier}-audit` });
    await k.applyBaseline(victim, { namespaceSelector: { matchLabels: { 'posture.dev/tier': tier } }, networkPolicy: { defaultDeny: ['Ingress', 'Egress'] }, podSecurity: { enforce: 'baseline' } });
    await k.applyBaseline(auditor, { mode: 'Audit', namespaceSelector: { matchLabels: { 'posture.dev/tier': `${tier}-audit` } } });
    await eventually('the victim enforces both namespaces', async () => (await k.getBaseline(victim)).status?.namespaces?.enforced === 2);
    await eventually('the auditor has written its PolicyReport', async () => {
      const report = (await fetchAsAdmin(cp, 'GET', `/apis/wgpolicyk8s.io/v1alpha2/namespaces/${audited}/policyreports/posture-audit`)) as { metadata: { labels?: Record<string, string> } };
      return report.metadata.labels?.['posture.dev/baseline'] === auditor;
    });
    assert.equal(await op.counter('posture_namespaces_lost_total'), 0);

    await op.stop();
    assert.deepEqual([...(await lostEvents(victim)), ...(await lostEvents(auditor))], [], 'nothing was lost while the operator watched');
    // While it is down: a label removed, a priority-1000000 baseline taking a namespace, an Audit-mode baseline's label removed.
    await k.labelNamespace(unlabelled, { 'posture.dev/tier': null });
    await k.applyBaseline(thief, {
      priority: 1_000_000,
      namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: [taken] }] },
      networkPolicy: { defaultDeny: [] },
    });
    await k.labelNamespace(audited, { 'posture.dev/tier': null });
    op = await startOperator(cp);

    const note = (baseline: string, ns: string, cause: string): string =>
      `namespace ${ns} is no longer covered by this baseline (${cause}: ${
        cause === 'outranked' ? `baseline ${thief} selects it with a higher priority, or the same priority and a name that sorts first` : 'its labels no longer match spec.namespaceSelector'
      }); what it enforced there is removed`;
    await eventually('three NamespaceLost Warning events naming namespace and cause', async () => {
      const notes = [...(await lostEvents(victim)), ...(await lostEvents(auditor))].filter((e) => e.type === 'Warning').map((e) => e.note);
      return [note(victim, unlabelled, 'unselected'), note(victim, taken, 'outranked'), note(auditor, audited, 'unselected')].every((n) => notes.includes(n));
    });
    assert.equal(await op.counter('posture_namespaces_lost_total', { baseline: victim, cause: 'unselected' }), 1);
    assert.equal(await op.counter('posture_namespaces_lost_total', { baseline: victim, cause: 'outranked' }), 1);
    assert.equal(await op.counter('posture_namespaces_lost_total', { baseline: auditor, cause: 'unselected' }), 1);
    await eventually('the victim\'s default-deny is gone from the unlabelled namespace', async () => (await k.managedPolicies(unlabelled)).length === 0);
  });

  it('a second restart over settled namespaces reports nothing again', async () => {
    await eventually('the marks are gone: no object, annotation or report of a baseline that lost the namespace', async () => {
      const ns = (await fetchAsAdmin(cp, 'GET', `/api/v1/namespaces/${unlabelled}`)) as { metadata: { annotations?: Record<string, string> } };
      const report = await fetchAsAdmin(cp, 'GET', `/apis/wgpolicyk8s.io/v1alpha2/namespaces/${audited}/policyreports/posture-audit`).catch(() => undefined);
      return ns.metadata.annotations?.['posture.dev/pod-security'] === undefined && (await k.managedPolicies(unlabelled)).length === 0 && report === undefined;
    });
    await eventually('the thief enforces the taken namespace', async () => (await k.getBaseline(thief)).status?.namespaces?.enforced === 1);
    await op.stop();
    op = await startOperator(cp);
    // The gauge is set by this process once the thief's first pass (the taken namespace) is done.
    await eventually('the restarted operator has reconciled the taken namespace', async () => (await op.counter('posture_namespaces', { baseline: thief, state: 'enforced' })) === 1);
    assert.equal(await op.counter('posture_namespaces_lost_total'), 0, 'no loss counted again');
  });
});
