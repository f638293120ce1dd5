import assert from 'node:assert/strict';
import { securityBaselineCrd } from '../../src/api/crd.js';
import { parseSpec } from '../../src/api/parse.js';

const error = (spec: Record<string, unknown>): string => {
  const result = parseSpec({ namespaceSelector: {}, ...spec });
  assert.ok(!result.ok, 'accepted');
  return result.error;
};

describe('spec rules: what is expected, in words, naming the field', () => {
  it('refuses a selector label value with a space', () => {
    assert.match(error({ namespaceSelector: { matchLabels: { tier: 'ten ant' } } }), /^spec\.namespaceSelector\.matchLabels\.tier: must be a label value: empty, or up to 63/);
  });

  it('refuses a selector label key that is not a qualified name', () => {
    assert.match(error({ namespaceSelector: { matchLabels: { 'a/b/c': 'x' } } }), /^spec\.namespaceSelector\.matchLabels\.a\/b\/c: must be a label key such as tier/);
    assert.match(error({ namespaceSelector: { matchExpressions: [{ key: '-tier', operator: 'Exists' }] } }), /matchExpressions\[0\]\.key: must be a label key/);
  });

  it('accepts prefixed keys, empty values and 63-character names', () => {
    const ok = parseSpec({ namespaceSelector: { matchLabels: { 'posture.dev/tier': '', [`x.io/${'a'.repeat(63)}`]: 'b'.repeat(63) } } });
    assert.ok(ok.ok, ok.ok ? '' : ok.error);
  });

  it('refuses expiry times that are not RFC 3339 or name a day that does not exist', () => {
    for (const expires of ['next tuesday', '2027-03-01', '2027-02-30T00:00:00Z', '2027-13-01T00:00:00Z', '2027-03-01 00:00:00Z']) {
      assert.match(error({ audit: { exemptions: [{ checks: ['WL-012'], reason: 'r', expires }] } }), /^spec\.audit\.exemptions\[0\]\.expires: must be an RFC 3339 time such as 2027-03-01T00:00:00Z$/, expires);
    }
    assert.ok(parseSpec({ namespaceSelector: {}, audit: { exemptions: [{ checks: ['WL-012'], reason: 'r', expires: '2028-02-29T23:59:59.5+02:00' }] } }).ok);
  });

  it('compares a default request against requests.cpu, or cpu when that is what the quota sets', () => {
    assert.match(error({ resourceQuota: { hard: { cpu: '1' } }, limitRange: { defaultRequest: { cpu: '2' } } }), /^spec\.limitRange\.defaultRequest\.cpu: must be at most resourceQuota\.hard\["cpu"\] \(1\), found 2$/);
    assert.match(
      error({ resourceQuota: { hard: { 'requests.memory': '1Gi' } }, limitRange: { default: { memory: '2Gi' } } }),
      /^spec\.limitRange\.default\.memory: it is also the default request while limitRange\.defaultRequest\.memory is unset, so it must be at most resourceQuota\.hard\["requests\.memory"\] \(1Gi\), found 2Gi$/,
    );
  });

  it('says a quantity is expected, without the regular expression', () => {
    assert.equal(error({ limitRange: { max: { cpu: 'two' } } }), 'spec.limitRange.max.cpu: must be a quantity such as 500m or 2Gi (exponents at most two digits)');
  });

  it('puts no bare pattern in the CRD spec schema: every string rule is CEL with a message in words', () => {
    const text = JSON.stringify(securityBaselineCrd());
    assert.doesNotMatch(text, /"pattern":/);
    const rules = text.match(/"x-kubernetes-validations":\[[^\]]*\]/g) ?? [];
    assert.ok(rules.length > 20, `${rules.length} rule lists`);
  });
});
