import assert from 'node:assert/strict';
import { securityBaselineSpecSchema } from '../../src/api/securitybaseline.js';
import { renderNamespace } from '../../src/render/index.js';
import type { ValidBaseline } from '../../src/render/selection.js';

function baseline(spec: Record<string, unknown>): ValidBaseline {
  return { name: 'tenants', uid: 'uid-1', generation: 3, spec: securityBaselineSpecSchema.parse({ namespaceSelector: {}, ...spec }) };
}

describe('rendering network policies', () => {
  it('renders default-deny and allow-dns by default, labelled and owned', () => {
    const objects = renderNamespace(baseline({}), 'shop');
    assert.deepEqual(objects.map((o) => o.metadata.name), ['posture-default-deny', 'posture-allow-dns']);
    for (const o of objects) {
      assert.equal(o.apiVersion, 'networking.k8s.io/v1');
      assert.equal(o.kind, 'NetworkPolicy');
      assert.equal(o.metadata.namespace, 'shop');
      assert.deepEqual(o.metadata.labels, { 'app.kubernetes.io/managed-by': 'posture-operator', 'posture.dev/baseline': 'tenants' });
      assert.deepEqual(o.metadata.ownerReferences, [
        { apiVersion: 'posture.dev/v1alpha1', kind: 'SecurityBaseline', name: 'tenants', uid: 'uid-1', controller: true, blockOwnerDeletion: false },
      ]);
      assert.ok(!Object.keys(o.metadata.labels).some((k) => k.startsWith('argocd.argoproj.io')));
    }
    assert.deepEqual(objects[0]?.spec, { podSelector: {}, policyTypes: ['Egress', 'Ingress'] });
  });

  it('allows DNS to kube-dns on 53 UDP and TCP only', () => {
    const dns = renderNamespace(baseline({}), 'shop')[1];
    assert.deepEqual(dns?.spec, {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        {
          to: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
              podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
            },
          ],
          ports: [
            { protocol: 'UDP', port: 53 },
            { protocol: 'TCP', port: 53 },
          ],
        },
      ],
    });
  });

  it('denies only Ingress when asked, and then needs no DNS rule', () => {
    const objects = renderNamespace(baseline({ networkPolicy: { defaultDeny: ['Ingress'] } }), 'shop');
    assert.deepEqual(objects.map((o) => o.metadata.name), ['posture-default-deny']);
    assert.deepEqual(objects[0]?.spec.policyTypes, ['Ingress']);
  });

  it('writes nothing for an empty defaultDeny', () => {
    assert.deepEqual(renderNamespace(baseline({ networkPolicy: { defaultDeny: [] } }), 'shop'), []);
  });

  it('omits allow-dns when allowDNS is false', () => {
    const names = renderNamespace(baseline({ networkPolicy: { allowDNS: false } }), 'shop').map((o) => o.metadata.name);
    assert.deepEqual(names, ['posture-default-deny']);
  });
});
