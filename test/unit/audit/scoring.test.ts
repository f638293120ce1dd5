import assert from 'node:assert/strict';
import { complianceScore, polarisCounts, polarisScore, summarize } from '../../../src/audit/scoring.js';
import type { Finding, Result, Severity } from '../../../src/audit/types.js';

function f(result: Result, severity: Severity = 'medium'): Finding {
  return { checkId: 'X-1', result, severity, resource: { kind: 'Pod', namespace: 'a', name: 'p' }, message: '' };
}

describe('summarize', () => {
  it('counts each result', () => {
    assert.deepEqual(summarize([f('pass'), f('pass'), f('fail'), f('warn'), f('error'), f('skip'), f('skip')]), { pass: 2, fail: 1, warn: 1, error: 1, skip: 2 });
    assert.deepEqual(summarize([]), { pass: 0, fail: 0, warn: 0, error: 0, skip: 0 });
  });
});

describe('complianceScore', () => {
  const cases: [string, Finding[], number][] = [
    ['nothing evaluated', [], 100],
    ['only info findings', [f('fail', 'info')], 100],
    ['all passing', [f('pass', 'critical'), f('pass', 'low')], 100],
    ['one critical failure against a high pass', [f('fail', 'critical'), f('pass', 'high')], 33], // 5 / 15
    ['weights 10/5/3/1', [f('pass', 'critical'), f('fail', 'high'), f('pass', 'medium'), f('fail', 'low')], 68], // 13 / 19 = 68.4
    ['warn counts as not passed', [f('pass', 'high'), f('warn', 'high')], 50],
    ['skip and error are left out', [f('pass', 'low'), f('skip', 'critical'), f('error', 'critical')], 100],
    ['rounds half up', [f('pass', 'low'), f('fail', 'low'), f('fail', 'low'), f('fail', 'low'), f('fail', 'low'), f('fail', 'low'), f('fail', 'low'), f('fail', 'low')], 13], // 12.5
  ];
  for (const [name, findings, score] of cases) {
    it(`${name}: ${score}`, () => { assert.equal(complianceScore(findings), score); });
  }
});

describe('polarisScore', () => {
  it('counts findings as Polaris does', () => {
    assert.deepEqual(polarisCounts([f('pass'), f('fail', 'critical'), f('fail', 'high'), f('fail', 'medium'), f('fail', 'low'), f('warn', 'high'), f('fail', 'info'), f('skip'), f('error')]), {
      successes: 1,
      warnings: 3,
      dangers: 2,
    });
  });

  const cases: [number, number, number, number][] = [
    [0, 0, 0, 0], // Polaris returns 0 when nothing was counted
    [10, 0, 0, 100],
    [1, 1, 0, 66], // 2/3 = 66.6 -> floor
    [1, 0, 1, 50],
    [3, 2, 1, 60], // 6 / 10
    [7, 3, 2, 66], // 14 / 21 = 66.67
    [0, 5, 0, 0],
  ];
  for (const [successes, warnings, dangers, score] of cases) {
    it(`${successes} pass, ${warnings} warnings, ${dangers} dangers: ${score}`, () => { assert.equal(polarisScore({ successes, warnings, dangers }), score); });
  }
});
