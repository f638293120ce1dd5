import assert from 'node:assert/strict';
import { parseSpec } from '../../../src/api/parse.js';
import { RevisionStore } from '../../../src/controller/rollout/revisions.js';
import { revisionData, revisionOf } from '../../../src/render/revision.js';
import type { ValidBaseline } from '../../../src/render/selection.js';
import { MemoryCaches } from '../support/memorycaches.js';
import { RecordingClient } from '../support/recordingclient.js';

const NS = 'posture-system';
const PATH = `/apis/apps/v1/namespaces/${NS}/controllerrevisions`;

function baseline(uid: string, pods: string): ValidBaseline {
  const parsed = parseSpec({ namespaceSelector: {}, resourceQuota: { hard: { pods } } });
  assert.ok(parsed.ok);
  return { name: 'tenants', uid, generation: 1, spec: parsed.spec };
}

/** The ControllerRevision the store would create for b, as its cache would hold it. */
function stored(b: ValidBaseline, number: number): Record<string, unknown> & { metadata: Record<string, unknown> } {
  const hash = revisionOf(b.spec);
  return {
    metadata: {
      name: `posture-${b.name}-${hash}`,
      namespace: NS,
      labels: { 'app.kubernetes.io/managed-by': 'posture-operator', 'posture.dev/baseline': b.name, 'posture.dev/baseline-uid': b.uid, 'posture.dev/revision': hash },
    },
    data: revisionData(b.spec),
    revision: number,
  };
}

describe('baseline revisions (ControllerRevisions labelled with the baseline, no ownerReference)', () => {
  it('creates a revision labelled with the baseline\'s name and uid, with no ownerReference', async () => {
    const caches = new MemoryCaches();
    const client = new RecordingClient();
    const b = baseline('uid-1', '10');
    assert.equal(await new RevisionStore(caches, NS).ensure(client, b), true);
    assert.deepEqual(client.lines, [`POST ${PATH}`]);
    const body = client.requests[0]?.body as { metadata: { labels: Record<string, string>; ownerReferences?: unknown } };
    assert.equal(body.metadata.labels['posture.dev/baseline-uid'], 'uid-1');
    assert.equal(body.metadata.labels['posture.dev/baseline'], 'tenants');
    assert.equal(body.metadata.ownerReferences, undefined);
  });

  it('reads only the live baseline\'s revisions: one left by an earlier baseline of the name is not its history', () => {
    const caches = new MemoryCaches();
    const earlier = baseline('uid-old', '10');
    caches.set('controllerrevisions', stored(earlier, 1));
    const store = new RevisionStore(caches, NS);
    const now = baseline('uid-new', '20');
    assert.deepEqual(store.list(now), []);
    assert.equal(store.data(now, revisionOf(earlier.spec)), undefined);
    assert.deepEqual(store.data(earlier, revisionOf(earlier.spec)), revisionData(earlier.spec));
  });

  it('sweeps the revisions of another uid while the baseline lives, and all of them once it is gone', async () => {
    const caches = new MemoryCaches();
    const client = new RecordingClient();
    const earlier = baseline('uid-old', '10');
    const now = baseline('uid-new', '20');
    caches.set('controllerrevisions', stored(earlier, 1));
    caches.set('controllerrevisions', stored(now, 1));
    const store = new RevisionStore(caches, NS);
    assert.deepEqual(await store.sweep(client, 'tenants', 'uid-new'), [`posture-tenants-${revisionOf(earlier.spec)}`]);
    assert.deepEqual(client.lines, [`DELETE ${PATH}/posture-tenants-${revisionOf(earlier.spec)}`]);
    caches.remove('controllerrevisions', `posture-tenants-${revisionOf(earlier.spec)}`, NS);
    client.clear();
    assert.deepEqual(await store.sweep(client, 'other', undefined), [], 'another baseline\'s name matches nothing');
    assert.deepEqual(await store.sweep(client, 'tenants', undefined), [`posture-tenants-${revisionOf(now.spec)}`]);
    assert.deepEqual(client.lines, [`DELETE ${PATH}/posture-tenants-${revisionOf(now.spec)}`]);
  });
});
