import assert from 'node:assert/strict';
import { compareQuantities, isQuantity, parseQuantity } from '../../src/api/quantity.js';

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
});
