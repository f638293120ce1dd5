import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { ControlPlane } from '../../hack/controlplane/launcher.js';
import { sharedControlPlane } from './support/controlplane.js';
import { admin, condition, fetchAsAdmin, type Admin } from './support/kube.js';
import { startOperator, type RunningOperator } from './support/operator.js';
import { eventually } from './support/wait.js';
import { FULL_OBJECTS } from './reliability/fixtures.js';

const MANAGED = 'app.kubernetes.io/managed-by=posture-operator';
const WRITE_VERBS = ['create', 'update', 'patch', 'delete'];
const NAMESPACED_KINDS = [
  ['/apis/networking.k8s.io/v1', 'networkpolicies'],
  ['/api/v1', 'resourcequotas'],
  ['/api/v1', 'limitranges'],
  ['/apis/rbac.authorization.k8s.io/v1', 'roles'],
  ['/apis/rbac.authorization.k8s.io/v1', 'rolebindings'],
] as const;

function suffix(): string {
  return randomBytes(3).toString('hex');
}

interface Meta {
  name: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { uid: string }[];
}

/** Every object in a namespace, as kind/name, optionally only ours. */
async function objectsIn(cp: ControlPlane, ns: string, onlyManaged = true): Promise<string[]> {
  const out: string[] = [];
  for (const [base, plural] of NAMESPACED_KINDS) {
    const selector = onlyManaged ? `?labelSelector=${encodeURIComponent(MANAGED)}` : '';
    const list = (await fetchAsAdmin(cp, 'GET', `${base}/namespaces/${ns}/${plural}${selector}`)) as { items: { metadata: Meta }[] };
    for (const item of list.items) out.push(`${plural}/${item.metadata.name}`);
  }
  return out.sort();
}

async function getObject(cp: ControlPlane, path: string): Promise<{ metadata: Meta } & Record<string, unknown>> {
  return (await fetchAsAdmin(cp, 'GET', path)) as { metadata: Meta } & Record<string, unknown>;
}

async function namespaceMeta(cp: ControlPlane, ns: string): Promise<Meta> {
  return (await getObject(cp, `/api/v1/namespaces/${ns}`)).metadata;
}

async function writes(op: RunningOperator, resource?: string): Promise<number> {
  let total = 0;
  for (const verb of WRITE_VERBS) total += await op.counter('posture_kube_requests_total', resource === undefined ? { verb } : { verb, resource });
  return total;
}

/** Waits until a second passes without a write (bounded): what a change set off has been sent. */
async function settled(op: RunningOperator): Promise<void> {
  let last = await writes(op);
  await eventually('the operator to stop writing', async () => {
    await new Promise((r) => setTimeout(r, 1000));
    const now = await writes(op);
    const quiet = now === last;
    last = now;
    return quiet;
  }, 30_000);
}

/** Waits until a baseline evaluated every namespace for its current generation and enforced them all. */
async function converged(k: Admin, name: string, selected: number): Promise<void> {
  await eventually(`${name} to enforce ${selected} namespace(s)`, async () => {
    const b = await k.getBaseline(name);
    const counts = b.status?.namespaces;
    return b.status?.observedGeneration === b.metadata.generation && counts?.selected === selected && counts.enforced === selected && condition(b, 'Ready')?.status === 'True';
  }, 30_000);
}

const reader = {
  name: 'pod-service-reader',
  rules: [{ apiGroups: [''], resources: ['pods', 'services'], verbs: ['get', 'watch', 'list'] }],
  subjects: [{ kind: 'Group', name: 'k8s-restricted-users' }],
};

function fullSpec(tier: string): Record<string, unknown> {
  return {
    namespaceSelector: { matchLabels: { 'posture.dev/tier': tier } },
    networkPolicy: {
      defaultDeny: ['Ingress', 'Egress'],
      allowIngressFrom: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }],
    },
    resourceQuota: { hard: { 'requests.cpu': '8', 'requests.memory': '16Gi', 'limits.cpu': '16', 'limits.memory': '32768Mi', pods: '100' } },
    limitRange: { default: { cpu: '500m', memory: '512Mi' }, defaultRequest: { cpu: '0.1', memory: '128Mi' }, max: { cpu: '4', memory: '8Gi' } },
    podSecurity: { enforce: 'restricted', warn: 'restricted', audit: 'restricted' },
    rbac: { roles: [reader], bindClusterRoles: [{ clusterRole: 'view', subjects: [{ kind: 'Group', name: 'k8s-viewers' }] }] },
  };
}

describe('enforcement: every generated object, lifecycle, drift and bad input', function () {
  let cp: ControlPlane;
  let k: Admin;
  let op: RunningOperator;

  before(async function () {
    this.timeout(900_000);
    cp = await sharedControlPlane();
    k = admin(cp);
    op = await startOperator(cp);
  });

  after(async () => {
    await op.stop();
  });

  it('writes every object of a full baseline once, and the Pod Security labels, and nothing while nothing changes', async () => {
    const s = suffix();
    const ns = `full-${s}`;
    await k.createNamespace(ns, { 'posture.dev/tier': `full-${s}`, team: 'shop' });
    await k.applyBaseline(`full-${s}`, fullSpec(`full-${s}`));
    await eventually('every object', async () => (await objectsIn(cp, ns)).join() === FULL_OBJECTS.join(), 30_000);
    await eventually('the Pod Security labels', async () => (await namespaceMeta(cp, ns)).labels?.['pod-security.kubernetes.io/enforce'] === 'restricted');
    const meta = await namespaceMeta(cp, ns);
    const labels = meta.labels ?? {};
    assert.equal(labels['pod-security.kubernetes.io/warn'], 'restricted');
    assert.equal(labels['pod-security.kubernetes.io/audit-version'], 'latest');
    assert.equal(labels.team, 'shop', 'labels we do not own stay');
    assert.equal(meta.annotations?.['posture.dev/pod-security'], `full-${s}`);

    const binding = await getObject(cp, `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings/posture-view`);
    assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' });
    await converged(k, `full-${s}`, 1);

    // Converged: a quiet interval sends no write at all, though the API server rewrote quantities.
    const quota = await getObject(cp, `/api/v1/namespaces/${ns}/resourcequotas/posture-quota`);
    assert.equal((quota.spec as { hard: Record<string, string> }).hard['limits.memory'], '32Gi', 'the API server canonicalised 32768Mi');
    // The namespace's first audit (its report, FindingOpened events, the summary in status) follows
    // enforcement and may trail it on a loaded machine: those writes are the change's, not steady state's.
    await eventually('the first audit in status', async () => (await k.getBaseline(`full-${s}`)).status?.summary !== undefined, 30_000);
    await settled(op);
    const before = await writes(op);
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(await writes(op), before, 'no write in steady state, status included');
  });

  it('prunes what a spec no longer asks for, and nothing else', async () => {
    const s = suffix();
    const ns = `prune-${s}`;
    await k.createNamespace(ns, { 'posture.dev/tier': `prune-${s}` });
    await fetchAsAdmin(cp, 'POST', `/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: 'team-config', labels: { 'posture.dev/baseline': `prune-${s}` } } });
    await k.applyBaseline(`prune-${s}`, fullSpec(`prune-${s}`));
    await eventually('every object', async () => (await objectsIn(cp, ns)).length === FULL_OBJECTS.length, 30_000);

    const smaller = fullSpec(`prune-${s}`);
    delete smaller.resourceQuota;
    delete smaller.podSecurity;
    smaller.rbac = { roles: [], bindClusterRoles: [{ clusterRole: 'view', subjects: [{ kind: 'Group', name: 'k8s-viewers' }] }] };
    await k.applyBaseline(`prune-${s}`, smaller);
    await eventually('quota and role pruned', async () => {
      const left = await objectsIn(cp, ns);
      return !left.includes('resourcequotas/posture-quota') && !left.includes('roles/posture-pod-service-reader') && !left.includes('rolebindings/posture-pod-service-reader');
    }, 30_000);
    await eventually('Pod Security labels released', async () => {
      const meta = await namespaceMeta(cp, ns);
      return !Object.keys(meta.labels ?? {}).some((l) => l.startsWith('pod-security.kubernetes.io/')) && meta.annotations?.['posture.dev/pod-security'] === undefined;
    });
    assert.ok((await objectsIn(cp, ns)).includes('rolebindings/posture-view'));
    await getObject(cp, `/api/v1/namespaces/${ns}/configmaps/team-config`);
  });

  it('resolves overlapping baselines by priority, shows the conflict on both, and hands over when the winner goes', async () => {
    const s = suffix();
    const ns = `overlap-${s}`;
    await k.createNamespace(ns, { 'posture.dev/tier': `overlap-${s}` });
    const selector = { matchLabels: { 'posture.dev/tier': `overlap-${s}` } };
    await k.applyBaseline(`a-low-${s}`, { priority: 10, namespaceSelector: selector, resourceQuota: { hard: { pods: '10' } } });
    await k.applyBaseline(`b-high-${s}`, { priority: 500, namespaceSelector: selector, limitRange: { max: { cpu: '1' } } });
    await eventually('the winner\'s objects only', async () => {
      const objs = await objectsIn(cp, ns);
      return objs.includes('limitranges/posture-limits') && !objs.includes('resourcequotas/posture-quota');
    }, 30_000);
    await eventually('the conflict on both statuses', async () => {
      const low = await k.getBaseline(`a-low-${s}`);
      const high = await k.getBaseline(`b-high-${s}`);
      return (
        low.status?.namespaces?.conflicted === 1 &&
        low.status.conflicts?.[0]?.baseline === `b-high-${s}` && !low.status.conflicts[0].won &&
        high.status?.conflicts?.[0]?.baseline === `a-low-${s}` && high.status.conflicts[0].won &&
        high.status.conflicts[0].examples.includes(ns)
      );
    });
    const policy = await getObject(cp, `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies/posture-default-deny`);
    assert.equal(policy.metadata.labels?.['posture.dev/baseline'], `b-high-${s}`);

    await k.deleteBaseline(`b-high-${s}`);
    await eventually('the lower baseline to take over', async () => {
      const objs = await objectsIn(cp, ns);
      const p = await getObject(cp, `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies/posture-default-deny`).catch(() => undefined);
      return objs.includes('resourcequotas/posture-quota') && !objs.includes('limitranges/posture-limits') && p?.metadata.labels?.['posture.dev/baseline'] === `a-low-${s}`;
    }, 30_000);
  });

  it('deleting a baseline removes what it created; with deletionPolicy Orphan everything stays, unmanaged', async () => {
    const s = suffix();
    await k.createNamespace(`gone-${s}`, { 'posture.dev/tier': `gone-${s}` });
    await k.createNamespace(`kept-${s}`, { 'posture.dev/tier': `kept-${s}` });
    await k.applyBaseline(`gone-${s}`, fullSpec(`gone-${s}`));
    await k.applyBaseline(`kept-${s}`, { ...fullSpec(`kept-${s}`), deletionPolicy: 'Orphan' });
    await eventually('both converged', async () => (await objectsIn(cp, `gone-${s}`)).length === FULL_OBJECTS.length && (await objectsIn(cp, `kept-${s}`)).length === FULL_OBJECTS.length, 30_000);
    await eventually('the orphan finalizer', async () => {
      const b = (await fetchAsAdmin(cp, 'GET', `/apis/posture.dev/v1alpha1/securitybaselines/kept-${s}`)) as { metadata: { finalizers?: string[] } };
      return b.metadata.finalizers?.includes('posture.dev/orphan') === true;
    });

    await k.deleteBaseline(`gone-${s}`);
    await k.deleteBaseline(`kept-${s}`);
    await eventually('Delete: objects and labels gone', async () => {
      const meta = await namespaceMeta(cp, `gone-${s}`);
      return (await objectsIn(cp, `gone-${s}`, false)).length === 0 && meta.labels?.['pod-security.kubernetes.io/enforce'] === undefined;
    }, 60_000);
    await eventually('Orphan: the baseline is gone', async () => {
      try {
        await k.getBaseline(`kept-${s}`);
        return false;
      } catch {
        return true;
      }
    }, 60_000);
    const kept = await objectsIn(cp, `kept-${s}`, false);
    assert.deepEqual(kept, FULL_OBJECTS, 'every object stays');
    assert.deepEqual(await objectsIn(cp, `kept-${s}`, true), [], 'none carries our label any more');
    const policy = await getObject(cp, `/apis/networking.k8s.io/v1/namespaces/kept-${s}/networkpolicies/posture-default-deny`);
    assert.equal(policy.metadata.ownerReferences, undefined, 'no ownerReference, so the garbage collector leaves it');
    const meta = await namespaceMeta(cp, `kept-${s}`);
    assert.equal(meta.labels?.['pod-security.kubernetes.io/enforce'], 'restricted', 'Pod Security labels stay');
    assert.equal(meta.annotations?.['posture.dev/pod-security'], undefined);
  });

  it('repairs drift and says who changed it, in status and in an Event', async () => {
    const s = suffix();
    const ns = `drift-${s}`;
    await k.createNamespace(ns, { 'posture.dev/tier': `drift-${s}` });
    await k.applyBaseline(`drift-${s}`, fullSpec(`drift-${s}`));
    await converged(k, `drift-${s}`, 1);

    // A user takes the quota over with kubectl apply --server-side --force-conflicts.
    await fetchAsAdmin(
      cp,
      'PATCH',
      `/api/v1/namespaces/${ns}/resourcequotas/posture-quota?fieldManager=kubectl&force=true`,
      { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'posture-quota', namespace: ns }, spec: { hard: { pods: '100000' } } },
      'application/apply-patch+yaml',
    );
    await fetchAsAdmin(cp, 'DELETE', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles/posture-pod-service-reader`);
    await eventually('both repaired and recorded', async () => {
      const quota = await getObject(cp, `/api/v1/namespaces/${ns}/resourcequotas/posture-quota`);
      const role = await getObject(cp, `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles/posture-pod-service-reader`).catch(() => undefined);
      const b = await k.getBaseline(`drift-${s}`);
      const recent = b.status?.drift?.recent ?? [];
      return (
        (quota.spec as { hard: Record<string, string> }).hard.pods === '100' &&
        role !== undefined &&
        recent.some((r) => r.kind === 'ResourceQuota' && r.change === 'Modified' && r.by === 'fieldManager="kubectl"' && r.namespace === ns) &&
        recent.some((r) => r.kind === 'Role' && r.change === 'Deleted')
      );
    }, 30_000);
    const b = await k.getBaseline(`drift-${s}`);
    assert.ok((b.status?.drift?.detected ?? 0) >= 2);
    assert.ok((b.status?.drift?.repaired ?? 0) >= 2);
    type Events = { items: { reason?: string; note?: string; regarding?: { kind?: string; name?: string; namespace?: string } }[] };
    // In the namespace, about the object: its tenants read why it came back.
    await eventually('a DriftRepaired event in the namespace, regarding the quota, naming the field manager', async () => {
      const events = (await fetchAsAdmin(cp, 'GET', `/apis/events.k8s.io/v1/namespaces/${ns}/events`)) as Events;
      return events.items.some(
        (e) => e.reason === 'DriftRepaired' && e.regarding?.kind === 'ResourceQuota' && e.regarding.name === 'posture-quota' && e.regarding.namespace === ns && e.note === `ResourceQuota posture-quota was modified by fieldManager="kubectl"; restored to baseline drift-${s}`,
      );
    });
    // On the baseline, in default where many can read: no namespace or object names.
    const onBaseline = ((await fetchAsAdmin(cp, 'GET', '/apis/events.k8s.io/v1/namespaces/default/events')) as Events).items.filter((e) => e.reason === 'DriftRepaired' && e.regarding?.name === `drift-${s}`);
    assert.ok(onBaseline.length > 0, 'an aggregate DriftRepaired event on the baseline');
    for (const e of onBaseline) assert.ok(!(e.note ?? '').includes(ns) && !(e.note ?? '').includes('posture-quota'), `names nothing: ${e.note}`);
  });

  it('grants all or nothing: a role the operator cannot grant and a binding to admin are both named, and no Role or RoleBinding of the baseline is written', async () => {
    const s = suffix();
    const ns = `greedy-${s}`;
    await k.createNamespace(ns, { 'posture.dev/tier': `greedy-${s}` });
    await k.applyBaseline(`greedy-${s}`, {
      namespaceSelector: { matchLabels: { 'posture.dev/tier': `greedy-${s}` } },
      networkPolicy: { defaultDeny: [] },
      resourceQuota: { hard: { pods: '10' } },
      rbac: {
        roles: [
          { name: 'secret-reader', rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }], subjects: [{ kind: 'Group', name: 'g' }] },
          reader,
        ],
        bindClusterRoles: [{ clusterRole: 'admin', subjects: [{ kind: 'Group', name: 'g' }] }],
      },
    });
    await eventually('Stalled, naming every offending entry', async () => {
      const b = await k.getBaseline(`greedy-${s}`);
      const stalled = condition(b, 'Stalled');
      return stalled?.status === 'True' && stalled.reason === 'ApplyFailed' && /spec\.rbac\.roles\[0\]/.test(stalled.message) && /spec\.rbac\.bindClusterRoles\[0\]/.test(stalled.message) && condition(b, 'Ready')?.status === 'False';
    }, 30_000);
    const message = condition(await k.getBaseline(`greedy-${s}`), 'Ready')?.message ?? '';
    console.log(`      grants refused: ${message}`);
    assert.match(message, /spec\.rbac\.roles\[0\] \(Role posture-secret-reader\): cannot be granted: /);
    assert.match(message, /spec\.rbac\.bindClusterRoles\[0\] \(RoleBinding posture-admin\): cannot be granted: /);
    assert.doesNotMatch(message, /spec\.rbac\.roles\[1\]/, 'the grantable role is not named');
    const objs = await objectsIn(cp, ns, false);
    assert.ok(!objs.some((o) => o.startsWith('roles/') || o.startsWith('rolebindings/')), `no Role or RoleBinding of the baseline: ${objs.join()}`);
    assert.ok(objs.includes('resourcequotas/posture-quota'), `the protective objects are still written: ${objs.join()}`);
    // A stalled baseline retries on restart; the restart test below needs a compliant cluster.
    await k.deleteBaseline(`greedy-${s}`);
  });

  it('never copies Argo CD tracking labels or annotations from a baseline onto what it generates', async () => {
    const s = suffix();
    const ns = `gitops-${s}`;
    await k.createNamespace(ns, { 'posture.dev/tier': `gitops-${s}` });
    await fetchAsAdmin(cp, 'POST', '/apis/posture.dev/v1alpha1/securitybaselines', {
      apiVersion: 'posture.dev/v1alpha1',
      kind: 'SecurityBaseline',
      metadata: {
        name: `gitops-${s}`,
        labels: { 'app.kubernetes.io/instance': 'posture-baselines', 'argocd.argoproj.io/instance': 'posture-baselines' },
        annotations: { 'argocd.argoproj.io/tracking-id': 'posture-baselines:posture.dev/SecurityBaseline:/gitops', 'argocd.argoproj.io/sync-wave': '1' },
      },
      spec: fullSpec(`gitops-${s}`),
    });
    await converged(k, `gitops-${s}`, 1);
    const tracked = /argocd\.argoproj\.io|app\.kubernetes\.io\/instance/;
    for (const [base, plural] of NAMESPACED_KINDS) {
      const list = (await fetchAsAdmin(cp, 'GET', `${base}/namespaces/${ns}/${plural}`)) as { items: { metadata: Meta }[] };
      for (const item of list.items) {
        const keys = [...Object.keys(item.metadata.labels ?? {}), ...Object.keys(item.metadata.annotations ?? {})];
        assert.ok(!keys.some((key) => tracked.test(key)), `${plural}/${item.metadata.name} carries ${keys.join(', ')}`);
      }
    }
    const nsMeta = await namespaceMeta(cp, ns);
    assert.ok(![...Object.keys(nsMeta.labels ?? {}), ...Object.keys(nsMeta.annotations ?? {})].some((key) => tracked.test(key)));
    await k.deleteBaseline(`gitops-${s}`);
  });

  it('a restart over a converged cluster sends no write', async () => {
    await eventually('quiet', async () => {
      const before = await writes(op);
      await new Promise((r) => setTimeout(r, 1000));
      return (await writes(op)) === before;
    });
    await op.stop();
    op = await startOperator(cp);
    // Ready means synced; give the workers the time to go through every namespace.
    await eventually('the queue to drain', async () => (await op.counter('posture_reconcile_total')) > 0 && (await op.counter('posture_workqueue_depth')) === 0);
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(await writes(op, 'networkpolicies') + await writes(op, 'resourcequotas') + await writes(op, 'limitranges') + await writes(op, 'roles') + await writes(op, 'rolebindings') + await writes(op, 'namespaces'), 0);
  });
});
