import assert from 'node:assert/strict';
import { canonicalQuantity, compareQuantities, isQuantity, isWithinQuantityRange, parseQuantity } from '../../src/api/quantity.js';
import { securityBaselineSpecSchema } from '../../src/api/securitybaseline.js';
import { normalizeContent } from '../../src/kube/resources.js';

describe('quantities', () => {
  const same: [string, string][] = [
    ['1', '1000m'],
    ['1Gi', '1024Mi'],
    ['0.5', '500m'],
    ['1e3', '1k'],
    ['1.5Gi', '1536Mi'],
    ['.5', '500m'],
    ['100m', '0.1'],
  ];
  for (const [a, b] of same) {
    it(`${a} equals ${b}`, () => {
      assert.equal(compareQuantities(a, b), 0);
    });
  }

  it('orders by value across suffixes', () => {
    assert.equal(compareQuantities('500m', '1'), -1);
    assert.equal(compareQuantities('1G', '1Gi'), -1);
    assert.equal(compareQuantities('2Gi', '2G'), 1);
  });

  it('parses exactly into nano-units', () => {
    assert.equal(parseQuantity('1n'), 1n);
    assert.equal(parseQuantity('1Ki'), 1024n * 1_000_000_000n);
    assert.equal(parseQuantity('-2m'), -2_000_000n);
  });

  it('accepts what the API server accepts, and nothing else', () => {
    for (const ok of ['1', '100m', '16Gi', '1e3', '0.5', '1E-3', '+1', '.5']) assert.ok(isQuantity(ok), ok);
    for (const bad of ['', 'lots', '1.2.3', '5 Gi', '1gi', 'Gi', '1Gib', '--1']) assert.ok(!isQuantity(bad), bad);
    assert.throws(() => parseQuantity('lots'), /not a quantity/);
  });

  it('compares huge exponents without expanding them', () => {
    assert.equal(compareQuantities('1e100000000', '1e300000000'), -1);
    assert.equal(compareQuantities('1e300000000', '1e100000000'), 1);
    assert.equal(compareQuantities('10e99999999', '1e100000000'), 0);
    assert.equal(compareQuantities('-1e300000000', '1'), -1);
    assert.equal(compareQuantities('1e-300000000', '1n'), 0, 'below a nano-unit rounds up, as the API server does');
    assert.equal(compareQuantities('1.5n', '2n'), 0);
    assert.equal(compareQuantities('0e300000000', '0'), 0);
    assert.equal(canonicalQuantity('1e100000000'), '1e100000000');
    assert.equal(canonicalQuantity('1Gi'), canonicalQuantity('1024Mi'));
  });

  it('bounds magnitudes at 2^63-1, the largest quantity the API server holds exactly', () => {
    assert.ok(isWithinQuantityRange('9223372036854775807'));
    assert.ok(!isWithinQuantityRange('9223372036854775808'));
    assert.ok(isWithinQuantityRange('7Ei'));
    assert.ok(!isWithinQuantityRange('8Ei'));
    assert.ok(!isWithinQuantityRange('1e19'));
    assert.ok(!isWithinQuantityRange('1e100000000'));
    assert.throws(() => parseQuantity('1e300000000'), /above 9223372036854775807/);
  });

  it('normalizes a tenant-edited live LimitRange with a huge exponent without expanding it', () => {
    const live = normalizeContent('LimitRange', { spec: { limits: [{ type: 'Container', default: { cpu: '1e300000000', memory: '1Gi' } }] } });
    assert.deepEqual(live, { spec: { limits: [{ type: 'Container', default: { cpu: '1e300000000', memory: '1073741824e0' } }] } });
    const long = normalizeContent('ResourceQuota', { spec: { hard: { pods: '9'.repeat(100_000) } } });
    assert.deepEqual(long, { spec: { hard: { pods: '9'.repeat(100_000) } } }, 'an over-long value is left as a string, unequal to any desired one');
  });
});

describe('quantities in the spec', () => {
  const issues = (spec: Record<string, unknown>): string[][] => {
    const r = securityBaselineSpecSchema.safeParse({ namespaceSelector: {}, ...spec });
    return r.success ? [] : r.error.issues.map((i) => [i.path.join('.'), i.message]);
  };

  for (const value of ['1e100000000', '1e300000000', '1E100', '5e-100']) {
    it(`refuses limitRange.default.cpu ${value}, naming the field`, () => {
      assert.deepEqual(issues({ limitRange: { default: { cpu: value } } }), [['limitRange.default.cpu', 'must be a quantity such as 500m or 2Gi (exponents at most two digits)']]);
    });
  }

  it('refuses a value above 2^63-1 with a two-digit exponent, naming the field', () => {
    assert.deepEqual(issues({ resourceQuota: { hard: { 'requests.cpu': '1e99' } } }), [
      ['resourceQuota.hard.requests.cpu', 'must be at most 9223372036854775807 (2^63-1, the largest quantity the API server holds exactly)'],
    ]);
    assert.deepEqual(issues({ resourceQuota: { hard: { 'limits.memory': '8Ei' } } }).map(([path]) => path), ['resourceQuota.hard.limits.memory']);
  });

  it('accepts exponents and suffixes within range', () => {
    assert.deepEqual(issues({ resourceQuota: { hard: { 'requests.cpu': '1e18', pods: '7Ei', 'limits.cpu': '5e-3' } } }), []);
  });
});
