import assert from 'node:assert/strict';
import { securityBaselineSpecSchema } from '../../src/api/securitybaseline.js';
import { renderNamespace } from '../../src/render/index.js';
import { revisionOf } from '../../src/render/revision.js';
import type { ValidBaseline } from '../../src/render/selection.js';

function baseline(spec: Record<string, unknown>): ValidBaseline {
  return { name: 'tenants', uid: 'uid-1', generation: 3, spec: securityBaselineSpecSchema.parse({ namespaceSelector: {}, ...spec }) };
}

describe('rendering network policies', () => {
  it('renders default-deny, allow-dns and allow-same-namespace by default, labelled and owned', () => {
    const objects = renderNamespace(baseline({}), 'shop');
    assert.deepEqual(objects.map((o) => o.metadata.name), ['posture-default-deny', 'posture-allow-dns', 'posture-allow-same-namespace']);
    for (const o of objects) {
      assert.equal(o.apiVersion, 'networking.k8s.io/v1');
      assert.equal(o.kind, 'NetworkPolicy');
      assert.equal(o.metadata.namespace, 'shop');
      assert.deepEqual(o.metadata.labels, { 'app.kubernetes.io/managed-by': 'posture-operator', 'posture.dev/baseline': 'tenants', 'posture.dev/revision': revisionOf(baseline({}).spec) });
      assert.deepEqual(o.metadata.ownerReferences, [
        { apiVersion: 'posture.dev/v1alpha1', kind: 'SecurityBaseline', name: 'tenants', uid: 'uid-1', controller: true, blockOwnerDeletion: false },
      ]);
      assert.ok(!Object.keys(o.metadata.labels).some((k) => k.startsWith('argocd.argoproj.io')));
    }
    assert.deepEqual(objects[0]?.content.spec, { podSelector: {}, policyTypes: ['Egress', 'Ingress'] });
  });

  it('allows DNS to kube-dns on 53 UDP and TCP only', () => {
    const dns = renderNamespace(baseline({}), 'shop')[1];
    assert.deepEqual(dns?.content.spec, {
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
    const objects = renderNamespace(baseline({ networkPolicy: { defaultDeny: ['Ingress'], allowSameNamespace: false } }), 'shop');
    assert.deepEqual(objects.map((o) => o.metadata.name), ['posture-default-deny']);
    assert.deepEqual(objects[0]?.content.spec, { podSelector: {}, policyTypes: ['Ingress'] });
  });

  it('writes nothing for an empty defaultDeny', () => {
    assert.deepEqual(renderNamespace(baseline({ networkPolicy: { defaultDeny: [] } }), 'shop'), []);
  });

  it('omits allow-dns when allowDNS is false', () => {
    const names = renderNamespace(baseline({ networkPolicy: { allowDNS: false, allowSameNamespace: false } }), 'shop').map((o) => o.metadata.name);
    assert.deepEqual(names, ['posture-default-deny']);
  });

  it('allows same-namespace traffic in each denied direction', () => {
    const same = renderNamespace(baseline({}), 'shop').find((o) => o.metadata.name === 'posture-allow-same-namespace');
    assert.deepEqual(same?.content.spec, {
      podSelector: {},
      policyTypes: ['Egress', 'Ingress'],
      ingress: [{ from: [{ podSelector: {} }] }],
      egress: [{ to: [{ podSelector: {} }] }],
    });
  });

  it('renders one allow-from policy per ingress source, numbered', () => {
    const objects = renderNamespace(
      baseline({
        networkPolicy: {
          allowIngressFrom: [
            { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
            { namespaceSelector: { matchLabels: { team: 'mon' } }, podSelector: { matchLabels: { app: 'prometheus' } } },
          ],
        },
      }),
      'shop',
    );
    const from1 = objects.find((o) => o.metadata.name === 'posture-allow-from-1');
    assert.ok(objects.some((o) => o.metadata.name === 'posture-allow-from-0'));
    assert.deepEqual(from1?.content.spec, {
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'mon' } }, podSelector: { matchLabels: { app: 'prometheus' } } }] }],
    });
  });

  it('never writes an ipBlock, so no rule can reach the cloud metadata address', () => {
    const all = renderNamespace(
      baseline({ networkPolicy: { allowIngressFrom: [{ namespaceSelector: {} }] } }),
      'shop',
    );
    assert.ok(all.length >= 4);
    assert.doesNotMatch(JSON.stringify(all), /ipBlock|169\.254|fd00:ec2/);
  });
});
