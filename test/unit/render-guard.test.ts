import assert from 'node:assert/strict';
import { securityBaselineSpecSchema } from '../../src/api/securitybaseline.js';
import { MANAGED_TYPES, POLICY_REPORT } from '../../src/kube/resources.js';
import { operatorFencePolicy } from '../../src/render/admission/fence.js';
import { guardPolicyName, renderGuardPolicies } from '../../src/render/admission/guard.js';
import type { ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding } from '../../src/render/admission/policy.js';
import { globRegex, selectedCel, selectingKeys } from '../../src/render/admission/select.js';
import type { ValidBaseline } from '../../src/render/selection.js';

function baseline(spec: Record<string, unknown>): ValidBaseline {
  return { name: 'tenants', uid: 'uid-1', generation: 1, spec: securityBaselineSpecSchema.parse({ namespaceSelector: { matchLabels: { 'posture.dev/tier': 'tenant' } }, ...spec }) };
}

const policies = (b: ValidBaseline): ValidatingAdmissionPolicy[] => renderGuardPolicies(b, 'posture-system').filter((o): o is ValidatingAdmissionPolicy => o.kind === 'ValidatingAdmissionPolicy');
const bindings = (b: ValidBaseline): ValidatingAdmissionPolicyBinding[] =>
  renderGuardPolicies(b, 'posture-system').filter((o): o is ValidatingAdmissionPolicyBinding => o.kind === 'ValidatingAdmissionPolicyBinding');
const ALL_DENY = { podsBeforeProtection: 'Deny', managedObjects: 'Deny', namespaceLabels: 'Deny' };

describe('rendering spec.guard as ValidatingAdmissionPolicies', () => {
  it('renders nothing when guard is absent, all Off, or the baseline only audits', () => {
    assert.deepEqual(renderGuardPolicies(baseline({}), 'posture-system'), []);
    assert.deepEqual(renderGuardPolicies(baseline({ guard: {} }), 'posture-system'), []);
    assert.deepEqual(renderGuardPolicies(baseline({ mode: 'Audit', guard: ALL_DENY }), 'posture-system'), []);
  });

  it('renders one policy and one binding per guard, named posture-guard-*, labelled and owned by the baseline', () => {
    const objects = renderGuardPolicies(baseline({ guard: ALL_DENY }), 'posture-system');
    assert.deepEqual(
      objects.map((o) => `${o.kind}/${o.metadata.name}`),
      ['pods', 'objects', 'labels'].flatMap((k) => [`ValidatingAdmissionPolicy/posture-guard-tenants-${k}`, `ValidatingAdmissionPolicyBinding/posture-guard-tenants-${k}`]),
    );
    for (const o of objects) {
      assert.deepEqual(o.metadata.labels, { 'app.kubernetes.io/managed-by': 'posture-operator', 'posture.dev/baseline': 'tenants' });
      assert.deepEqual(o.metadata.ownerReferences, [{ apiVersion: 'posture.dev/v1alpha1', kind: 'SecurityBaseline', name: 'tenants', uid: 'uid-1', controller: true, blockOwnerDeletion: false }]);
    }
    for (const p of policies(baseline({ guard: ALL_DENY }))) assert.equal(p.spec.failurePolicy, 'Fail');
  });

  it('Deny binds with Deny; Warn with Warn and Audit; Off renders no pair', () => {
    const b = baseline({ guard: { podsBeforeProtection: 'Warn', managedObjects: 'Deny', namespaceLabels: 'Off' } });
    assert.deepEqual(bindings(b).map((x) => [x.metadata.name, x.spec.validationActions]), [
      ['posture-guard-tenants-pods', ['Warn', 'Audit']],
      ['posture-guard-tenants-objects', ['Deny']],
    ]);
  });

  it("binds pods and objects to the baseline's namespaceSelector, and judges labels on all namespaces", () => {
    const b = baseline({ guard: ALL_DENY, namespaceSelector: { matchLabels: { team: 'a' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] } });
    const [pods, objects, labels] = bindings(b);
    const selector = { matchLabels: { team: 'a' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] };
    assert.deepEqual(pods?.spec.matchResources, { namespaceSelector: selector });
    assert.deepEqual(objects?.spec.matchResources, { namespaceSelector: selector });
    assert.equal(labels?.spec.matchResources, undefined);
  });

  it('names the baseline in the pods message, and exempts only the operator and exempt groups from it (not controllers)', () => {
    const [pods, objects] = policies(baseline({ guard: { ...ALL_DENY, exemptGroups: ['platform-admins'] } }));
    assert.ok(pods && objects);
    assert.match(pods.spec.validations[0]?.messageExpression ?? '', /is not yet protected by SecurityBaseline tenants; retry in a moment/);
    const podsExempt = pods.spec.matchConditions?.[0]?.expression ?? '';
    assert.match(podsExempt, /system:serviceaccount:posture-system:posture-operator/);
    assert.match(podsExempt, /'platform-admins'/);
    assert.doesNotMatch(podsExempt, /kube-controller-manager|kube-system/);
    assert.match(objects.spec.matchConditions?.[0]?.expression ?? '', /system:kube-controller-manager/);
  });

  it('guards the selecting keys, the Pod Security labels it sets and the protected mark', () => {
    const b = baseline({ guard: ALL_DENY, podSecurity: { enforce: 'restricted' } });
    const labels = policies(b)[2];
    const changed = labels?.spec.variables?.find((v) => v.name === 'changed')?.expression ?? '';
    assert.match(changed, /\['pod-security\.kubernetes\.io\/enforce', 'pod-security\.kubernetes\.io\/enforce-version', 'posture\.dev\/protected', 'posture\.dev\/tier'\]/);
    assert.deepEqual(selectingKeys({ matchLabels: { b: '1', a: '2' }, matchExpressions: [{ key: 'a', operator: 'Exists' }] }), ['a', 'b']);
  });

  it('renders selection as CEL: system and excluded namespaces never, globs anchored, every requirement', () => {
    const cel = selectedCel(
      'o',
      {
        namespaceSelector: {
          matchLabels: { tier: 'tenant' },
          matchExpressions: [
            { key: 'env', operator: 'NotIn', values: ['dev'] },
            { key: 'x', operator: 'DoesNotExist' },
          ],
        },
        excludeNamespaces: ['legacy-*', 'sandbox'],
      },
      'posture-system',
    );
    assert.match(cel, /!\(o\.metadata\.name in \['kube-system', 'kube-public', 'kube-node-lease', 'posture-system'\]\)/);
    assert.match(cel, /!\(o\.metadata\.name\.matches\('\^legacy-\.\*\$'\)\)/);
    assert.match(cel, /!\(o\.metadata\.name == 'sandbox'\)/);
    assert.match(cel, /\('tier' in \(has\(o\.metadata\.labels\) \? o\.metadata\.labels : \{\}\) && .*\['tier'\] == 'tenant'\)/);
    assert.match(cel, /!\('env' in .* && .*\['env'\] in \['dev'\]\)/);
    assert.match(cel, /!\('x' in /);
    assert.equal(globRegex('a.b?c*'), '^a\\.b.c.*$');
  });

  it('exempts the operator by the username it runs as (a Helm release may name it otherwise)', () => {
    const objects = renderGuardPolicies(baseline({ guard: ALL_DENY }), 'platform', 'system:serviceaccount:platform:posture');
    for (const p of objects.filter((o): o is ValidatingAdmissionPolicy => o.kind === 'ValidatingAdmissionPolicy')) {
      assert.match(p.spec.matchConditions?.[0]?.expression ?? '', /request\.userInfo\.username in \['system:serviceaccount:platform:posture'/);
      assert.doesNotMatch(JSON.stringify(p.spec), /posture-system/);
    }
  });

  it('the objects guard and the operator fence cover every managed kind of the registry, and the PolicyReport', () => {
    const objects = policies(baseline({ guard: ALL_DENY })).find((p) => p.metadata.name === 'posture-guard-tenants-objects');
    for (const [what, policy] of [['objects guard', objects], ['fence', operatorFencePolicy()]] as const) {
      const rules = policy?.spec.matchConstraints.resourceRules ?? [];
      for (const type of [...MANAGED_TYPES, POLICY_REPORT]) {
        const group = type.apiVersion.includes('/') ? type.apiVersion.split('/')[0] : '';
        const rule = rules.find((r) => r.apiGroups.includes(group ?? '') && r.resources.includes(type.plural));
        assert.deepEqual(rule?.operations, ['CREATE', 'UPDATE', 'DELETE'], `${what}: ${type.plural}`);
      }
    }
  });

  it('keeps names within 253 characters', () => {
    const long = guardPolicyName('x'.repeat(253), 'objects');
    assert.ok(long.length <= 253);
    assert.notEqual(long, guardPolicyName(`${'x'.repeat(252)}y`, 'objects'));
    assert.match(long, /-objects$/);
    assert.equal(guardPolicyName('tenants', 'pods'), 'posture-guard-tenants-pods');
  });

  it('rejects exemptGroups that would exempt everyone', () => {
    assert.throws(() => baseline({ guard: { exemptGroups: ['system:authenticated'] } }), /exempt everyone/);
  });
});
