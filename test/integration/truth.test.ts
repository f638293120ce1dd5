// Truthful status (issue 12) against the real control plane, the operator under its own
// ServiceAccount: nothing enforced is never shown as healthy, a namespace that leaves a baseline is
// reported with its cause, and excluded namespaces are counted.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ControlPlane } from '../../hack/controlplane/launcher.js';
import { adminClient, applyAll, readManifests } from '../../hack/install.js';
import { sharedControlPlane } from './support/controlplane.js';
import { admin, condition, fetchAsAdmin, type Admin } from './support/kube.js';
import { startOperator, type RunningOperator } from './support/operator.js';
import { eventually } from './support/wait.js';

interface Event {
  type?: string;
  reason?: string;
  note?: string;
  eventTime?: string;
  regarding?: { kind?: string; name?: string; namespace?: string };
}

async function events(cp: ControlPlane, namespace: string): Promise<Event[]> {
  return ((await fetchAsAdmin(cp, 'GET', `/apis/events.k8s.io/v1/namespaces/${namespace}/events`)) as { items: Event[] }).items;
}

async function baselineEvents(cp: ControlPlane, baseline: string, reason: string): Promise<Event[]> {
  return (await events(cp, 'default')).filter((e) => e.regarding?.kind === 'SecurityBaseline' && e.regarding.name === baseline && e.reason === reason);
}

describe('truthful status: never green when nothing is enforced, never silent when namespaces are lost', function () {
  let cp: ControlPlane;
  let k: Admin;
  let op: RunningOperator;
  const s = randomBytes(3).toString('hex');
  const tier = `truth-${s}`;
  const deny = { networkPolicy: { defaultDeny: ['Ingress', 'Egress'] } };

  before(async function () {
    this.timeout(900_000);
    cp = await sharedControlPlane();
    k = admin(cp);
    op = await startOperator(cp);
  });

  after(async () => {
    await op.stop();
  });

  it('a selector with a typo is Compliant Unknown (NoNamespaces) with no score, and says so once', async () => {
    const name = `typo-${s}`;
    await k.createNamespace(`typo-ns-${s}`, { 'posture.dev/tier': tier });
    await k.applyBaseline(name, { namespaceSelector: { matchLabels: { 'posture.dev/tier': `${tier}-tennant` } }, ...deny });
    await eventually('Compliant Unknown NoNamespaces', async () => condition(await k.getBaseline(name), 'Compliant')?.reason === 'NoNamespaces');
    const b = await k.getBaseline(name);
    assert.equal(condition(b, 'Compliant')?.status, 'Unknown');
    assert.equal(b.status?.complianceScore, undefined, 'no score over nothing');
    assert.equal(b.status?.namespaces?.selected, 0);
    assert.match(condition(b, 'Compliant')?.message ?? '', /^No namespace is selected: nothing is enforced or audited\./);
    await eventually('a Warning event NoNamespaces', async () => (await baselineEvents(cp, name, 'NoNamespaces')).length === 1);
    const [event] = await baselineEvents(cp, name, 'NoNamespaces');
    assert.equal(event?.type, 'Warning');
    await k.deleteBaseline(name);
  });

  it('a baseline that loses every namespace to priority 1000000 and {} says LostAllNamespaces; each loss is an event and a count', async () => {
    const victim = `victim-${s}`;
    const thief = `thief-${s}`;
    const ns = `lost-${s}`;
    await k.createNamespace(ns, { 'posture.dev/tier': tier });
    await k.applyBaseline(victim, { namespaceSelector: { matchLabels: { 'posture.dev/tier': tier } }, excludeNamespaces: [`typo-ns-${s}`, `excl-*`], ...deny });
    await eventually('the victim enforces its namespace', async () => (await k.getBaseline(victim)).status?.namespaces?.enforced === 1);
    // The thief takes every namespace whose labels match, as a priority-1000000 {} baseline would take all of them.
    await k.applyBaseline(thief, { priority: 1_000_000, namespaceSelector: { matchLabels: { 'posture.dev/tier': tier } }, excludeNamespaces: [`typo-ns-${s}`, `excl-*`], networkPolicy: { defaultDeny: [] } });
    await eventually('the victim reports LostAllNamespaces', async () => condition(await k.getBaseline(victim), 'Compliant')?.reason === 'LostAllNamespaces');
    const b = await k.getBaseline(victim);
    assert.equal(condition(b, 'Compliant')?.status, 'Unknown');
    assert.equal(b.status?.complianceScore, undefined);
    assert.match(condition(b, 'Compliant')?.message ?? '', new RegExp(`taken by a baseline with a higher priority \\(${thief}\\)`));
    await eventually('a NamespaceLost event naming the namespace and the cause', async () =>
      (await baselineEvents(cp, victim, 'NamespaceLost')).some((e) => e.type === 'Warning' && e.note?.includes(ns) === true && e.note.includes('outranked') && e.note.includes(thief)),
    );
    assert.equal(await op.counter('posture_namespaces_lost_total', { baseline: victim, cause: 'outranked' }), 1);
    await k.deleteBaseline(thief);
    await eventually('the victim wins its namespace back', async () => (await k.getBaseline(victim)).status?.namespaces?.enforced === 1);
  });

  it('excluding an enforced namespace is reported, naming it, before its objects are removed; excluded namespaces are counted', async () => {
    const victim = `victim-${s}`;
    const ns = `excl-${s}`;
    await k.createNamespace(ns, { 'posture.dev/tier': tier });
    await k.applyBaseline(victim, { namespaceSelector: { matchLabels: { 'posture.dev/tier': tier } }, excludeNamespaces: [`typo-ns-${s}`], ...deny });
    await eventually('the new namespace is enforced', async () => (await k.managedPolicies(ns)).length > 0);
    await k.applyBaseline(victim, { namespaceSelector: { matchLabels: { 'posture.dev/tier': tier } }, excludeNamespaces: [`typo-ns-${s}`, ns], ...deny });
    await eventually('its default-deny is gone', async () => (await k.managedPolicies(ns)).length === 0);
    const lost = (await baselineEvents(cp, victim, 'NamespaceLost')).find((e) => e.note?.includes(ns) === true && e.note.includes('excluded'));
    assert.ok(lost !== undefined, 'a NamespaceLost event for the excluded namespace');
    assert.equal(await op.counter('posture_namespaces_lost_total', { baseline: victim, cause: 'excluded' }), 1);
    const lines = (await readFile(op.logPath, 'utf8')).split('\n');
    const reported = lines.findIndex((l) => l.includes('namespace lost') && l.includes(`"namespace":"${ns}"`) && l.includes('excluded'));
    const removed = lines.findIndex((l, i) => i > 0 && l.includes('"deleted"') && l.includes(`"namespace":"${ns}"`));
    assert.ok(reported >= 0, 'a log line names the lost namespace');
    assert.ok(removed > reported, `the loss is logged (line ${reported}) before the first removal (line ${removed})`);
    await eventually('status counts the excluded namespaces', async () => (await k.getBaseline(victim)).status?.namespaces?.excluded === 2);
  });

  it('removing the label a baseline selects on is a loss too (unselected)', async () => {
    const victim = `victim-${s}`;
    const ns = `lost-${s}`;
    await k.labelNamespace(ns, { 'posture.dev/tier': null });
    await eventually('a NamespaceLost event, cause unselected', async () => (await baselineEvents(cp, victim, 'NamespaceLost')).some((e) => e.note?.includes(ns) === true && e.note.includes('unselected')));
    assert.equal(await op.counter('posture_namespaces_lost_total', { baseline: victim, cause: 'unselected' }), 1);
    await k.deleteBaseline(victim);
  });

  it('Pod Security label drift names the field manager that changed the label, in status and in the namespace\'s events', async () => {
    const name = `psa-${s}`;
    const ns = `psa-ns-${s}`;
    await k.createNamespace(ns, { 'posture.dev/tier': `${tier}-psa` });
    await k.applyBaseline(name, { namespaceSelector: { matchLabels: { 'posture.dev/tier': `${tier}-psa` } }, networkPolicy: { defaultDeny: [] }, podSecurity: { enforce: 'restricted' } });
    await eventually('enforced', async () => (await k.getBaseline(name)).status?.namespaces?.enforced === 1);
    // What `kubectl label ns x pod-security.kubernetes.io/enforce=privileged --overwrite` sends.
    await fetchAsAdmin(cp, 'PATCH', `/api/v1/namespaces/${ns}?fieldManager=kubectl-label`, { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } }, 'application/merge-patch+json');
    await eventually('repaired and attributed', async () => {
      const b = await k.getBaseline(name);
      return (b.status?.drift?.recent ?? []).some((r) => r.kind === 'Namespace' && r.namespace === ns && r.by === 'fieldManager="kubectl-label"');
    });
    const labels = ((await fetchAsAdmin(cp, 'GET', `/api/v1/namespaces/${ns}`)) as { metadata: { labels: Record<string, string> } }).metadata.labels;
    assert.equal(labels['pod-security.kubernetes.io/enforce'], 'restricted');
    await eventually('a DriftRepaired event in the namespace naming the field manager', async () =>
      (await events(cp, ns)).some((e) => e.reason === 'DriftRepaired' && e.regarding?.kind === 'Namespace' && e.note === `Namespace ${ns} was modified by fieldManager="kubectl-label"; restored to baseline ${name}`),
    );
    await k.deleteBaseline(name);
  });

  it('a namespace\'s first audit opens FindingOpened events in the namespace, about the object; the baseline gets a count without names', async () => {
    const name = `first-${s}`;
    const ns = `first-ns-${s}`;
    await k.createNamespace(ns);
    await eventually('the default ServiceAccount', async () => {
      await k.get(`/api/v1/namespaces/${ns}/serviceaccounts/default`);
      return true;
    });
    await k.send('POST', `/api/v1/namespaces/${ns}/pods`, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'root' }, spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10', securityContext: { privileged: true } }] } });
    await k.applyBaseline(name, { namespaceSelector: { matchLabels: { 'posture.dev/tier': `${tier}-first` } }, networkPolicy: { defaultDeny: [] } });
    await k.labelNamespace(ns, { 'posture.dev/tier': `${tier}-first` });
    await eventually('FindingOpened about the privileged pod, in its namespace', async () =>
      (await events(cp, ns)).some((e) => e.reason === 'FindingOpened' && e.regarding?.kind === 'Pod' && e.regarding.name === 'root' && (e.note ?? '').startsWith('WL-002 (critical)')),
    );
    const opened = (await events(cp, ns)).filter((e) => e.reason === 'FindingOpened');
    assert.ok(opened.length <= 10, `bounded: ${opened.length} events`);
    await eventually('an aggregate on the baseline', async () => (await baselineEvents(cp, name, 'FindingOpened')).length > 0);
    for (const e of await baselineEvents(cp, name, 'FindingOpened')) {
      assert.ok(!(e.note ?? '').includes(ns) && !(e.note ?? '').includes('root'), `names no namespace or workload: ${e.note}`);
      assert.match(e.note ?? '', /WL-002 critical/);
    }
    await k.deleteBaseline(name);
  });

  it('bounds a condition message to about 1 KiB, saying how much was cut, so the status stays writable', async () => {
    const name = `many-${s}`;
    const ns = `many-ns-${s}`;
    await k.createNamespace(ns, { 'posture.dev/tier': `${tier}-many` });
    const roles = Array.from({ length: 24 }, (_, i) => ({ name: `secrets-${i}`, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] }], subjects: [{ kind: 'Group', name: 'g' }] }));
    await k.applyBaseline(name, { namespaceSelector: { matchLabels: { 'posture.dev/tier': `${tier}-many` } }, networkPolicy: { defaultDeny: [] }, rbac: { roles } });
    await eventually('Ready=False with the grants refused', async () => condition(await k.getBaseline(name), 'Ready')?.reason === 'ApplyFailed');
    const message = condition(await k.getBaseline(name), 'Ready')?.message ?? '';
    assert.ok(message.length <= 1024, `${message.length} characters`);
    assert.match(message, /spec\.rbac\.roles\[0\]/);
    assert.match(message, / \.\.\. \(\d+ more characters cut\)$/);
    await k.deleteBaseline(name);
  });

  it('notices the PolicyReport CRD installed and removed while running, without a restart', async function () {
    this.timeout(240_000);
    const crdPath = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/policyreports.wgpolicyk8s.io';
    const reportsServed = async (): Promise<boolean> =>
      fetchAsAdmin(cp, 'GET', '/apis/wgpolicyk8s.io/v1alpha2').then(
        (r) => ((r as { resources?: { name: string }[] }).resources ?? []).some((x) => x.name === 'policyreports'),
        () => false,
      );
    // Start from a cluster without the CRD (another test file may have installed it).
    await op.stop();
    await fetchAsAdmin(cp, 'DELETE', crdPath).catch(() => undefined);
    await eventually('the PolicyReport API gone', async () => !(await reportsServed()), 60_000);
    op = await startOperator(cp);
    const name = `reports-${s}`;
    const ns = `reports-ns-${s}`;
    await k.createNamespace(ns, { 'posture.dev/tier': `${tier}-reports` });
    await k.applyBaseline(name, { namespaceSelector: { matchLabels: { 'posture.dev/tier': `${tier}-reports` } }, networkPolicy: { defaultDeny: [] } });
    await eventually('audited', async () => (await k.getBaseline(name)).status?.namespaces?.selected === 1);

    const client = await adminClient(cp.kubeconfigPath);
    await applyAll(client, await readManifests('hack/crds/wgpolicyk8s.io_policyreports.yaml'));
    await client.close();
    await eventually('a PolicyReport in the namespace, written by the running operator', async () =>
      fetchAsAdmin(cp, 'GET', `/apis/wgpolicyk8s.io/v1alpha2/namespaces/${ns}/policyreports/posture-audit`).then(() => true, () => false),
    120_000);

    await fetchAsAdmin(cp, 'DELETE', crdPath);
    await eventually('the operator notices the CRD is gone', async () => (await readFile(op.logPath, 'utf8')).includes('the PolicyReport CRD was removed'), 120_000);
    assert.ok(op.alive, 'still running');
    // Leave the cluster as the other test files expect it.
    const again = await adminClient(cp.kubeconfigPath);
    await applyAll(again, await readManifests('hack/crds/wgpolicyk8s.io_policyreports.yaml'));
    await again.close();
    await k.deleteBaseline(name);
  });
});
