import assert from 'node:assert/strict';
import { securityBaselineSpecSchema } from '../../src/api/securitybaseline.js';
import { renderNamespace } from '../../src/render/index.js';
import { renderNamespaceLabels } from '../../src/render/namespace.js';
import { atRevision, revisionData, revisionOf } from '../../src/render/revision.js';
import type { ValidBaseline } from '../../src/render/selection.js';

function baseline(spec: Record<string, unknown>): ValidBaseline {
  return { name: 'tenants', uid: 'uid-1', generation: 1, spec: securityBaselineSpecSchema.parse({ namespaceSelector: {}, ...spec }) };
}

describe('baseline revisions', () => {
  const quota = { resourceQuota: { hard: { pods: '10' } }, podSecurity: { enforce: 'baseline' } };

  it('is a digest of what is written into namespaces, independent of key order', () => {
    const a = baseline(quota);
    const b = baseline({ podSecurity: { enforce: 'baseline' }, resourceQuota: { hard: { pods: '10' } } });
    assert.match(revisionOf(a.spec), /^[0-9a-f]{10}$/);
    assert.equal(revisionOf(a.spec), revisionOf(b.spec));
    assert.notEqual(revisionOf(a.spec), revisionOf(baseline({ ...quota, resourceQuota: { hard: { pods: '20' } } }).spec));
  });

  it('is not changed by what writes nothing into a namespace: audit, rollout, selection, priority, mode, guard', () => {
    const before = revisionOf(baseline(quota).spec);
    for (const other of [
      { audit: { disabledChecks: ['WL-012'] } },
      { rollout: { waves: 4, pauseSeconds: 60 } },
      { namespaceSelector: { matchLabels: { tier: 'x' } } },
      { excludeNamespaces: ['legacy-*'] },
      { priority: 7 },
      { mode: 'Audit' },
      { deletionPolicy: 'Orphan' },
      { guard: { managedObjects: 'Deny' } },
    ]) {
      assert.equal(revisionOf(baseline({ ...quota, ...other }).spec), before, JSON.stringify(other));
    }
  });

  it('labels every rendered object and the Pod Security annotation with the revision', () => {
    const b = baseline(quota);
    for (const o of renderNamespace(b, 'shop')) assert.equal(o.metadata.labels['posture.dev/revision'], revisionOf(b.spec), o.metadata.name);
    assert.equal(renderNamespaceLabels(b).annotations['posture.dev/revision'], revisionOf(b.spec));
  });

  it('renders an earlier revision with today\'s selection and mode', () => {
    const old = baseline(quota);
    const now = baseline({ ...quota, resourceQuota: { hard: { pods: '20' } }, priority: 5, limitRange: { max: { cpu: '1' } } });
    const back = atRevision(now, revisionData(old.spec));
    assert.equal(revisionOf(back.spec), revisionOf(old.spec));
    assert.equal(back.spec.priority, 5);
    assert.equal(back.spec.limitRange, undefined, 'a section the old revision did not have is not written');
    const q = renderNamespace(back, 'shop').find((o) => o.kind === 'ResourceQuota');
    assert.deepEqual(q?.content.spec, { hard: { pods: '10' } });
  });
});
