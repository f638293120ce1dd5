import assert from 'node:assert/strict';
import { auditConfig, gatherAuditInput } from '../../src/controller/auditinput.js';
import type { CacheView, CachedObject } from '../../src/runtime/caches.js';
import { auditSpecSchema } from '../../src/api/audit.js';

function view(objects: Record<string, CachedObject[]>): CacheView {
  return {
    list: (plural) => objects[plural] ?? [],
    get: (plural, name) => (objects[plural] ?? []).find((o) => o.metadata?.name === name),
  };
}

const deploy = (name: string): CachedObject => ({
  metadata: { name, namespace: 'shop' },
  spec: { template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'x:1' }] } } },
});
const rs = (name: string, owner: string): CachedObject => ({
  metadata: { name, namespace: 'shop', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: owner, uid: 'u', controller: true }] },
  spec: { template: { spec: { containers: [{ name: 'c', image: 'x:1' }] } } },
});

describe('gathering the audit input', () => {
  const config = auditConfig(auditSpecSchema.parse({}), undefined);

  it('does not depend on cache order', () => {
    const a = gatherAuditInput(view({ namespaces: [{ metadata: { name: 'shop' } }], deployments: [deploy('b'), deploy('a')] }), 'shop', config);
    const b = gatherAuditInput(view({ namespaces: [{ metadata: { name: 'shop' } }], deployments: [deploy('a'), deploy('b')] }), 'shop', config);
    assert.deepEqual(a, b);
    assert.deepEqual(a.workloads.map((w) => w.name), ['a', 'b']);
  });

  it('evaluates a ReplicaSet through its Deployment only', () => {
    const input = gatherAuditInput(view({ namespaces: [{ metadata: { name: 'shop' } }], deployments: [deploy('web')], replicasets: [rs('web-123', 'web')] }), 'shop', config);
    assert.deepEqual(input.workloads.map((w) => `${w.kind}/${w.name}`), ['Deployment/web']);
  });

  it('holds namespaces to restricted unless the baseline enforces baseline', () => {
    assert.equal(auditConfig(auditSpecSchema.parse({}), undefined).podSecurityLevel, 'restricted');
    assert.equal(auditConfig(auditSpecSchema.parse({}), 'baseline').podSecurityLevel, 'baseline');
    assert.equal(auditConfig(auditSpecSchema.parse({}), 'privileged').podSecurityLevel, 'restricted');
  });
});
