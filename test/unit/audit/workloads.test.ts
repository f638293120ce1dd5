import assert from 'node:assert/strict';
import type { Pod } from '../../../src/audit/types.js';
import type { WorkloadObject } from '../../../src/audit/workloads.js';
import { ownerOfPod, toWorkload, topLevelWorkloads } from '../../../src/audit/workloads.js';
import { deployment, secureContainer, securePodSpec } from './fixtures.js';

const spec = securePodSpec();
const template = { metadata: { labels: { app: 'web' }, annotations: { a: 'b' } }, spec };
const owned = (kind: string, name: string): WorkloadObject['metadata']['ownerReferences'] => [{ apiVersion: 'apps/v1', kind, name, controller: true }];

describe('locating the pod spec of a workload', () => {
  const cases: [string, WorkloadObject][] = [
    ['Pod', { kind: 'Pod', metadata: { name: 'p', namespace: 'shop', labels: { app: 'web' }, annotations: { a: 'b' } }, spec }],
    ['Deployment', { kind: 'Deployment', metadata: { name: 'd', namespace: 'shop' }, spec: { template } }],
    ['StatefulSet', { kind: 'StatefulSet', metadata: { name: 's', namespace: 'shop' }, spec: { template } }],
    ['DaemonSet', { kind: 'DaemonSet', metadata: { name: 'ds', namespace: 'shop' }, spec: { template } }],
    ['Job', { kind: 'Job', metadata: { name: 'j', namespace: 'shop' }, spec: { template } }],
    ['CronJob', { kind: 'CronJob', metadata: { name: 'c', namespace: 'shop' }, spec: { jobTemplate: { spec: { template } } } }],
  ];
  for (const [kind, obj] of cases) {
    it(kind, () => {
      const w = toWorkload(obj);
      assert.equal(w?.kind, kind);
      assert.equal(w.namespace, 'shop');
      assert.deepEqual(w.podSpec.containers, spec.containers);
      assert.deepEqual(w.podLabels, { app: 'web' });
      assert.deepEqual(w.podAnnotations, { a: 'b' });
    });
  }

  it('ignores other kinds and objects without a pod spec', () => {
    assert.equal(toWorkload({ kind: 'Service', metadata: { name: 's' }, spec: { template } }), undefined);
    assert.equal(toWorkload({ kind: 'Deployment', metadata: { name: 'd' }, spec: {} }), undefined);
    assert.equal(toWorkload({ kind: 'Pod', metadata: { name: 'p' }, spec: {} }), undefined);
  });
});

describe('topLevelWorkloads', () => {
  it('keeps top-level owners and bare pods, each once', () => {
    const objects: WorkloadObject[] = [
      { kind: 'Deployment', metadata: { name: 'web' }, spec: { template } },
      { kind: 'ReplicaSet', metadata: { name: 'web-7d9c', ownerReferences: owned('Deployment', 'web') }, spec: { template } },
      { kind: 'Pod', metadata: { name: 'web-7d9c-a', ownerReferences: owned('ReplicaSet', 'web-7d9c') }, spec },
      { kind: 'CronJob', metadata: { name: 'nightly' }, spec: { jobTemplate: { spec: { template } } } },
      { kind: 'Job', metadata: { name: 'nightly-2900', ownerReferences: owned('CronJob', 'nightly') }, spec: { template } },
      { kind: 'Pod', metadata: { name: 'bare' }, spec },
      { kind: 'Pod', metadata: { name: 'custom-0', ownerReferences: owned('Database', 'pg') }, spec },
      { kind: 'Pod', metadata: { name: 'bare' }, spec },
    ];
    assert.deepEqual(topLevelWorkloads(objects).map((w) => `${w.kind}/${w.name}`), ['Deployment/web', 'CronJob/nightly', 'Pod/bare', 'Pod/custom-0']);
  });
});

describe('ownerOfPod', () => {
  const workloads = [deployment('web', spec), { ...deployment('nightly', spec), kind: 'CronJob' }, { ...deployment('db', spec), kind: 'StatefulSet' }];
  const pod = (name: string, owner?: { kind: string; name: string }, labels: Record<string, string> = {}): Pod => ({
    metadata: { name, namespace: 'shop', labels, ownerReferences: owner === undefined ? undefined : [{ ...owner, controller: true }] },
    spec: { containers: [secureContainer()] },
  });
  const cases: [string, Pod, string][] = [
    ['a bare pod', pod('bare'), 'Pod/bare'],
    ['a StatefulSet pod', pod('db-0', { kind: 'StatefulSet', name: 'db' }), 'StatefulSet/db'],
    ['a Deployment pod through its ReplicaSet', pod('web-7d9c-a', { kind: 'ReplicaSet', name: 'web-7d9c' }, { 'pod-template-hash': '7d9c' }), 'Deployment/web'],
    ['a CronJob pod through its Job', pod('nightly-2900-x', { kind: 'Job', name: 'nightly-2900' }), 'CronJob/nightly'],
    ['an unknown owner', pod('x-1', { kind: 'ReplicaSet', name: 'orphan-abc' }, { 'pod-template-hash': 'zzz' }), 'ReplicaSet/orphan-abc'],
  ];
  for (const [name, p, want] of cases) {
    it(name, () => {
      const ref = ownerOfPod(p, workloads);
      assert.equal(`${ref.kind}/${ref.name}`, want);
      assert.equal(ref.namespace, 'shop');
    });
  }
});
