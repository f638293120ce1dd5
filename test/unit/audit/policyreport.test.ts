import assert from 'node:assert/strict';
import { MAX_REPORT_BYTES, policyReportContent } from '../../../src/audit/policyreport.js';
import type { Finding, Result, Severity } from '../../../src/audit/types.js';
import { contentDigest } from '../../../src/kube/digest.js';
import { compact } from '../../../src/kube/resources.js';

const NOW = new Date('2026-06-01T00:00:00Z');

function f(checkId: string, result: Result, severity: Severity, name: string, message = 'container app: fix it', properties?: Record<string, string>): Finding {
  return { checkId, result, severity, resource: { kind: 'Deployment', namespace: 'shop', name }, message, ...(properties === undefined ? {} : { properties }) };
}

describe('PolicyReport content', () => {
  it('lists failing and exempted results only, most severe first; the summary counts everything', () => {
    const { content, omitted } = policyReportContent('shop', [
      f('WL-012', 'fail', 'medium', 'a'),
      f('WL-010', 'pass', 'high', 'a'),
      f('IMG-003', 'skip', 'medium', 'a', 'spec.audit.allowedRegistries is empty: nothing to compare with'),
      f('WL-002', 'fail', 'critical', 'b'),
      f('WL-013', 'warn', 'medium', 'b'),
      f('SEC-001', 'error', 'high', 'c'),
      f('WL-001', 'skip', 'high', 'd', 'exempted: lab', { exemption: 'spec', exemptionReason: 'lab', originalResult: 'fail' }),
    ], NOW);
    assert.equal(omitted, 0);
    assert.deepEqual(content.results.map((r) => `${r.policy} ${r.result}`), ['WL-002 fail', 'SEC-001 error', 'WL-001 skip', 'WL-012 fail', 'WL-013 warn']);
    assert.deepEqual(content.summary, { pass: 1, fail: 2, warn: 1, error: 1, skip: 2 });
  });

  it('stays under the byte budget for 200 failing workloads with hostile messages, counting what it left out', () => {
    const findings: Finding[] = [];
    for (let i = 0; i < 200; i++) {
      for (const id of ['WL-001', 'WL-002', 'WL-003', 'WL-009', 'WL-010', 'WL-012', 'IMG-001', 'WL-017']) {
        findings.push(f(id, 'fail', 'high', `w-${i}`, 'x'.repeat(50_000), { container: 'y'.repeat(10_000) }));
      }
      findings.push(f('WL-011', 'pass', 'low', `w-${i}`));
    }
    const { content, omitted } = policyReportContent('shop', findings, NOW);
    const bytes = Buffer.byteLength(JSON.stringify(content));
    assert.ok(bytes < MAX_REPORT_BYTES + 4096, `${bytes} bytes`);
    assert.ok(content.results.length > 0);
    assert.equal(content.results.length + omitted, 1600);
    assert.ok(content.results.every((r) => r.message.length <= 1027 && Object.values(r.properties ?? {}).every((v) => v.length <= 259)));
    assert.equal(content.summary.fail, 1600);
    assert.equal(content.summary.pass, 200);
  });

  it('keeps 200 ordinary failing workloads whole, far under the API server limit', () => {
    const findings: Finding[] = [];
    for (let i = 0; i < 200; i++) for (const id of ['WL-002', 'WL-009', 'WL-010', 'WL-012', 'IMG-001']) findings.push(f(id, 'fail', 'high', `w-${i}`));
    const { content, omitted } = policyReportContent('shop', findings, NOW);
    assert.equal(omitted, 0);
    assert.equal(content.results.length, 1000);
    assert.ok(Buffer.byteLength(JSON.stringify(content)) < 1024 * 1024);
  });
});

describe('contentDigest', () => {
  const report = (message: string, seconds: number): Record<string, unknown> => ({
    apiVersion: 'wgpolicyk8s.io/v1alpha2',
    kind: 'PolicyReport',
    metadata: { name: 'posture-audit', namespace: 'shop', annotations: { 'posture.dev/results-hash': 'forged' } },
    summary: { pass: 1, fail: 1 },
    results: [{ policy: 'WL-002', message, timestamp: { seconds, nanos: 0 } }],
  });

  it('ignores key order, metadata and timestamps, and sees any change in content', () => {
    const a = contentDigest(report('m', 1));
    assert.equal(contentDigest(report('m', 99)), a);
    assert.equal(contentDigest({ results: [{ timestamp: { seconds: 5 }, message: 'm', policy: 'WL-002' }], summary: { fail: 1, pass: 1 } }), a);
    assert.notEqual(contentDigest(report('m2', 1)), a);
    assert.notEqual(contentDigest({ ...report('m', 1), summary: { pass: 2, fail: 1 } }), a);
  });

  it('is what the cache keeps of the operator\'s own report, and of no other', () => {
    const cached = compact('policyreports', report('m', 1)) as Record<string, unknown>;
    assert.equal(cached['contentDigest'], contentDigest(report('m', 1)));
    assert.equal(cached['results'], undefined);
    const other = compact('policyreports', { ...report('m', 1), metadata: { name: 'kyverno-report', namespace: 'shop' } }) as Record<string, unknown>;
    assert.equal(other['contentDigest'], undefined);
  });
});
