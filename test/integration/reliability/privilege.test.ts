// Privilege: a baseline that asks for more than the operator holds gets a clear status error and no
// partial RoleBindings (as in enforcement.test.ts, here with a ClusterRole the operator may not bind
// too), and the API server's audit log shows the operator never touched a Secret, though one sits in
// a namespace it enforces and audits.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ControlPlane } from '../../../hack/controlplane/launcher.js';
import type { RunningOperator } from '../support/operator.js';
import { eventually } from '../support/wait.js';
import { READER } from './fixtures.js';
import { AdminApi, cleanup, condition, launchOperator, OPERATOR_USER, ownControlPlane, report, sleep, stopOperator } from './support.js';

const TIER = { 'posture.dev/tier': 'priv' };
const NAMESPACES = ['priv-0', 'priv-1', 'priv-2'];
const RBAC = '/apis/rbac.authorization.k8s.io/v1';

/** Everything the operator does, and anything anyone does to a Secret, at Metadata level. */
const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
    users: ["${OPERATOR_USER}"]
  - level: Metadata
    resources: [{group: "", resources: ["secrets"]}]
  - level: None
`;

interface AuditEvent {
  stage?: string;
  verb?: string;
  user?: { username?: string };
  objectRef?: { resource?: string; namespace?: string; name?: string; subresource?: string };
  responseStatus?: { code?: number };
  annotations?: Record<string, string>;
}

describe('reliability: privilege, and the audit log never shows the operator reading a Secret', function () {
  this.timeout(300_000);
  let dir: string;
  let cp: ControlPlane;
  let api: AdminApi;
  let op: RunningOperator;

  before(async function () {
    this.timeout(900_000);
    dir = await mkdtemp(path.join(os.tmpdir(), 'posture-audit-'));
    const policy = path.join(dir, 'audit-policy.yaml');
    await writeFile(policy, AUDIT_POLICY);
    cp = await ownControlPlane({ auditPolicyFile: policy });
    api = await AdminApi.connect(cp);
    for (const ns of NAMESPACES) await api.createNamespace(ns, TIER);
    // A Secret in a namespace the operator enforces and audits, and one with a credential-looking name.
    await api.send('POST', '/api/v1/namespaces/priv-0/secrets', { metadata: { name: 'db-password' }, stringData: { password: 'hunter2' } });
    await api.send('POST', '/api/v1/namespaces/priv-1/secrets', { metadata: { name: 'api-token', labels: { 'app.kubernetes.io/managed-by': 'posture-operator', 'posture.dev/baseline': 'greedy' } }, stringData: { token: 't' } });
    op = await launchOperator(cp);
  });

  after(async function () {
    this.timeout(60_000);
    await cleanup(
      () => stopOperator(op),
      () => api.close(),
      () => cp.stop(),
      () => rm(dir, { recursive: true, force: true }),
    );
  });

  it('refuses what the operator cannot grant with a clear status error naming every offending entry, and writes none of the grants', async () => {
    await api.applyBaseline('greedy', {
      namespaceSelector: { matchLabels: TIER },
      rbac: {
        roles: [
          { name: 'secret-reader', rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] }], subjects: [{ kind: 'Group', name: 'g' }] },
          { name: 'pod-deleter', rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['delete'] }], subjects: [{ kind: 'Group', name: 'g' }] },
          READER,
        ],
        bindClusterRoles: [
          { clusterRole: 'edit', subjects: [{ kind: 'Group', name: 'editors' }] },
          { clusterRole: 'view', subjects: [{ kind: 'Group', name: 'viewers' }] },
        ],
      },
    });
    let message = '';
    await eventually('Ready=False, Stalled=True, ApplyFailed', async () => {
      const b = await api.baseline('greedy');
      const stalled = condition(b, 'Stalled');
      message = stalled?.message ?? '';
      return b.status?.observedGeneration === b.metadata.generation && stalled?.status === 'True' && stalled.reason === 'ApplyFailed' && condition(b, 'Ready')?.status === 'False';
    }, 60_000);
    // Converged on the failure: a second look finds the same objects.
    await sleep(2000);
    const b = await api.baseline('greedy');
    const kept: Record<string, string[]> = {};
    for (const ns of NAMESPACES) {
      const roles = await api.get<{ items: { metadata: { name: string } }[] }>(`${RBAC}/namespaces/${ns}/roles`);
      const bindings = await api.get<{ items: { metadata: { name: string } }[] }>(`${RBAC}/namespaces/${ns}/rolebindings`);
      kept[ns] = [...roles.items.map((r) => `roles/${r.metadata.name}`), ...bindings.items.map((r) => `rolebindings/${r.metadata.name}`)].sort();
      // All or nothing (issue 12): a baseline whose grants cannot all be made gets none of them.
      assert.deepEqual(kept[ns], [], `no Role or RoleBinding of the baseline, in ${ns}`);
    }
    report('privilege: a baseline asking for more than the operator holds', {
      injected: 1,
      asked: ['Role secrets get,list', 'Role pods delete', 'RoleBinding to ClusterRole edit'],
      stalled: message.slice(0, 300),
      ready: condition(b, 'Ready')?.reason,
      objectsPerNamespace: kept['priv-0'],
    });
    assert.match(message, /3 namespace\(s\) cannot be enforced/);
    assert.match(message, /spec\.rbac\.roles\[0\] \(Role posture-secret-reader\): cannot be granted: [^\n]*secrets/, 'the message names the role and what it asked for');
    assert.match(message, /spec\.rbac\.roles\[1\] \(Role posture-pod-deleter\): cannot be granted: /);
    assert.match(message, /spec\.rbac\.bindClusterRoles\[0\] \(RoleBinding posture-edit\): cannot be granted: /);
  });

  it('the audit log has no request of the operator\'s on a Secret', async () => {
    // The audit reads the namespaces' pods, ConfigMaps, ServiceAccounts and roles; give it a change to react to.
    await api.send('POST', '/api/v1/namespaces/priv-2/configmaps', { metadata: { name: 'settings' }, data: { PASSWORD: 'not-a-secret' } });
    await sleep(2000);
    const auditLogPath = cp.auditLogPath;
    assert.ok(auditLogPath !== undefined);
    let events: AuditEvent[] = [];
    await eventually('the operator\'s requests in the audit log', async () => {
      events = (await readFile(auditLogPath, 'utf8')).split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as AuditEvent);
      return events.some((e) => e.user?.username === OPERATOR_USER && e.objectRef?.resource === 'rolebindings' && e.verb === 'patch');
    });
    const operator = events.filter((e) => e.user?.username === OPERATOR_USER);
    const secretEvents = events.filter((e) => e.objectRef?.resource === 'secrets');
    const operatorOnSecrets = operator.filter((e) => e.objectRef?.resource === 'secrets');
    const forbidden = operator.filter((e) => e.annotations?.['authorization.k8s.io/decision'] === 'forbid' || e.responseStatus?.code === 403);
    const byResource: Record<string, number> = {};
    for (const e of operator) {
      const key = e.objectRef?.resource ?? 'non-resource';
      byResource[key] = (byResource[key] ?? 0) + 1;
    }
    report('privilege: audit log', {
      auditEvents: events.length,
      operatorEvents: operator.length,
      operatorEventsByResource: byResource,
      operatorForbidden: forbidden.length,
      secretEventsByAnyone: secretEvents.length,
      secretEventsByTheOperator: operatorOnSecrets.length,
    });
    // The log did capture both sides: the admin creating Secrets, and the operator at work (and refused).
    assert.ok(secretEvents.some((e) => e.verb === 'create' && e.user?.username !== OPERATOR_USER), 'the admin\'s Secret writes are in the log');
    assert.ok(operator.length >= 40, `the operator's requests are in the log (${operator.length})`);
    assert.ok(forbidden.some((e) => e.objectRef?.resource === 'roles' || e.objectRef?.resource === 'rolebindings'), 'the refused writes are in the log');
    assert.deepEqual(operatorOnSecrets.map((e) => `${e.verb ?? ''} ${e.objectRef?.namespace ?? ''}/${e.objectRef?.name ?? ''}`), [], 'the operator never read, listed or watched a Secret');
  });
});
