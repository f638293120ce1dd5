import assert from 'node:assert/strict';
import { securityBaselineSpecSchema } from '../../../src/api/securitybaseline.js';
import { MAX_GLOB_SUBJECT, countStars, globMatch } from '../../../src/audit/glob.js';

describe('globMatch', () => {
  const table: [pattern: string, value: string, expected: boolean][] = [
    ['', '', true],
    ['', 'a', false],
    ['*', '', true],
    ['*', 'anything at all', true],
    ['**', 'x', true],
    ['?', '', false],
    ['?', 'a', true],
    ['?', 'ab', false],
    ['legacy-*', 'legacy-', true],
    ['legacy-*', 'legacy-app', true],
    ['legacy-*', 'new-legacy-app', false],
    ['*-legacy', 'app-legacy', true],
    ['*-legacy', 'app-legacy-2', false],
    ['team-?', 'team-a', true],
    ['team-?', 'team-ab', false],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'aXcYb', false],
    ['a*b?d', 'aabbcd', true],
    ['*ab', 'aab', true],
    ['*aab', 'aaab', true],
    ['a*a', 'a', false],
    ['system:serviceaccount:*:vault', 'system:serviceaccount:ops:vault', true],
    ['system:serviceaccount:*:vault', 'system:serviceaccount:ops:vault-2', false],
    // Characters that mean something to a regular expression are literal.
    ['a.b', 'axb', false],
    ['a.b', 'a.b', true],
    ['a+', 'aa', false],
    ['(x)|y', '(x)|y', true],
    ['[ab]', 'a', false],
    ['^a$', '^a$', true],
    ['a\\*', 'a\\bc', true],
  ];
  for (const [pattern, value, expected] of table) {
    it(`${JSON.stringify(pattern)} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(value)}`, () => {
      assert.equal(globMatch(pattern, value), expected);
    });
  }

  it('answers the pathological *a*a*a*a*a*a*a*b against a 63-character name', () => {
    const name = 'a'.repeat(63);
    assert.equal(globMatch('*a*a*a*a*a*a*a*b', name), false);
    assert.equal(globMatch('*a*a*a*a*a*a*a*b', `${'a'.repeat(62)}b`), true);
  });

  it('matches a subject at the length limit and refuses a longer one, like a 150,000-character User', () => {
    const atLimit = `u${'a'.repeat(MAX_GLOB_SUBJECT - 1)}`;
    assert.equal(globMatch('u*', atLimit), true);
    assert.equal(globMatch('*a*a*a*b', atLimit), false);
    const hostile = 'a'.repeat(150_000);
    assert.equal(globMatch('*', hostile), false);
    assert.equal(globMatch('*a*a*a*a*a*a*a*b', hostile), false);
  });

  it('counts stars', () => {
    assert.equal(countStars('a*b*'), 2);
    assert.equal(countStars('abc'), 0);
  });
});

describe('glob patterns in the schema', () => {
  const base = { namespaceSelector: {} };

  it('accepts four * and refuses five, naming the field', () => {
    assert.ok(securityBaselineSpecSchema.safeParse({ ...base, excludeNamespaces: ['*a*a*a*'] }).success);
    const r = securityBaselineSpecSchema.safeParse({ ...base, excludeNamespaces: ['*a*a*a*a*a*a*a*b'] });
    assert.equal(r.success, false);
    assert.deepEqual(r.error.issues.map((i) => [i.path.join('.'), i.message]), [['excludeNamespaces.0', 'must hold at most 4 *']]);
  });

  it('bounds secretReadAllowlist and exemption namespaces the same way', () => {
    const r = securityBaselineSpecSchema.safeParse({
      ...base,
      audit: { secretReadAllowlist: ['*:*:*:*:*'], exemptions: [{ checks: ['WL-012'], namespaces: ['*-*-*-*-*'], reason: 'x' }] },
    });
    assert.equal(r.success, false);
    assert.deepEqual(r.error.issues.map((i) => i.path.join('.')).sort(), ['audit.exemptions.0.namespaces.0', 'audit.secretReadAllowlist.0']);
  });
});
