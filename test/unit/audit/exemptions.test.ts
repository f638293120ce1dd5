import assert from 'node:assert/strict';
import { EXEMPTION_EXPIRED, annotationIndex, applyExemptions, resourceKey } from '../../../src/audit/exemptions.js';
import type { ExemptionOptions } from '../../../src/audit/exemptions.js';
import type { Finding, Labels, Result } from '../../../src/audit/types.js';
import { auditInput, deployment, runOnPod, securePodSpec, withSecurityContext } from './fixtures.js';

const NOW = new Date('2026-06-01T00:00:00Z');

function wl(checkId: string, result: Result = 'fail', extra: Partial<Finding> = {}): Finding {
  return { checkId, result, severity: 'medium', resource: { kind: 'Deployment', namespace: 'data-1', name: 'db' }, message: 'container db: do something', ...extra };
}

function annotated(annotations: Labels): ExemptionOptions {
  return { now: NOW, workloadAnnotations: { [resourceKey({ kind: 'Deployment', namespace: 'data-1', name: 'db' })]: annotations } };
}

interface Case {
  name: string;
  finding: Finding;
  options: ExemptionOptions;
  result: Result;
  source?: string;
  reason?: string;
}

const cases: Case[] = [
  {
    name: 'a spec exemption by check and namespace glob',
    finding: wl('WL-012'),
    options: { now: NOW, specExemptions: [{ checks: ['WL-012'], namespaces: ['data-*'], reason: 'vendor image needs a writable root', expires: '2027-03-01T00:00:00Z' }] },
    result: 'skip',
    source: 'spec',
    reason: 'vendor image needs a writable root',
  },
  { name: 'a spec exemption for another namespace', finding: wl('WL-012'), options: { now: NOW, specExemptions: [{ checks: ['WL-012'], namespaces: ['web-*'], reason: 'r' }] }, result: 'fail' },
  { name: 'a spec exemption for another check', finding: wl('WL-012'), options: { now: NOW, specExemptions: [{ checks: ['WL-010'], reason: 'r' }] }, result: 'fail' },
  { name: 'a spec exemption of every check in every namespace', finding: wl('WL-012'), options: { now: NOW, specExemptions: [{ checks: ['*'], reason: 'lab' }] }, result: 'skip', source: 'spec' },
  { name: 'an expired spec exemption', finding: wl('WL-012'), options: { now: NOW, specExemptions: [{ checks: ['WL-012'], reason: 'r', expires: '2026-01-01T00:00:00Z' }] }, result: 'fail' },
  { name: 'passing findings stay pass', finding: wl('WL-012', 'pass'), options: { now: NOW, specExemptions: [{ checks: ['WL-012'], reason: 'r' }] }, result: 'pass' },
  {
    name: 'posture.dev/exempt with a reason',
    finding: wl('WL-010'),
    options: annotated({ 'posture.dev/exempt': 'WL-010, IMG-001', 'posture.dev/exempt-reason': 'needs root for port 80' }),
    result: 'skip',
    source: 'annotation',
    reason: 'needs root for port 80',
  },
  { name: 'posture.dev/exempt for other checks', finding: wl('WL-009'), options: annotated({ 'posture.dev/exempt': 'WL-010,IMG-001' }), result: 'fail' },
  { name: 'Polaris exemption of the equivalent check', finding: wl('WL-012'), options: annotated({ 'polaris.fairwinds.com/notReadOnlyRootFilesystem-exempt': 'true' }), result: 'skip', source: 'polaris' },
  { name: 'Polaris exemption set to false', finding: wl('WL-012'), options: annotated({ 'polaris.fairwinds.com/notReadOnlyRootFilesystem-exempt': 'false' }), result: 'fail' },
  { name: 'Polaris exempt-all', finding: wl('WL-009'), options: annotated({ 'polaris.fairwinds.com/exempt': 'true' }), result: 'skip', source: 'polaris' },
  { name: 'Polaris exemption for a check without a Polaris equivalent', finding: wl('WL-011'), options: annotated({ 'polaris.fairwinds.com/exempt': 'true' }), result: 'fail' },
  {
    name: 'Polaris exemption narrowed to what failed (hostPID only)',
    finding: wl('WL-001', 'fail', { equivalents: ['P:hostPIDSet', 'C-0038'] }),
    options: annotated({ 'polaris.fairwinds.com/hostPIDSet-exempt': 'true' }),
    result: 'skip',
    source: 'polaris',
  },
  {
    name: 'Polaris exemption of one of two failing host namespaces',
    finding: wl('WL-001', 'fail', { equivalents: ['P:hostPIDSet', 'P:hostNetworkSet'] }),
    options: annotated({ 'polaris.fairwinds.com/hostPIDSet-exempt': 'true' }),
    result: 'fail',
  },
  { name: 'kube-score ignore', finding: wl('IMG-001'), options: annotated({ 'kube-score/ignore': 'container-image-tag,pod-probes' }), result: 'skip', source: 'kube-score' },
  { name: 'kube-score ignore of privileged (WL-002)', finding: wl('WL-002'), options: annotated({ 'kube-score/ignore': 'container-security-context-privileged' }), result: 'skip', source: 'kube-score' },
  { name: 'kube-score ignore of readonlyrootfilesystem (WL-012)', finding: wl('WL-012'), options: annotated({ 'kube-score/ignore': 'pod-probes, container-security-context-readonlyrootfilesystem' }), result: 'skip', source: 'kube-score' },
  { name: 'kube-score ignore of privileged does not cover WL-012', finding: wl('WL-012'), options: annotated({ 'kube-score/ignore': 'container-security-context-privileged' }), result: 'fail' },
  { name: 'kube-score ignore of another check', finding: wl('IMG-001'), options: annotated({ 'kube-score/ignore': 'pod-probes' }), result: 'fail' },
  {
    name: 'spec exemption wins over annotations',
    finding: wl('IMG-001'),
    options: { ...annotated({ 'kube-score/ignore': 'container-image-tag' }), specExemptions: [{ checks: ['IMG-001'], reason: 'mirror lag' }] },
    result: 'skip',
    source: 'spec',
    reason: 'mirror lag',
  },
];

describe('applyExemptions', () => {
  for (const c of cases) {
    it(`${c.name}: ${c.result}`, () => {
      const out = applyExemptions([c.finding], c.options).filter((f) => f.checkId !== EXEMPTION_EXPIRED);
      assert.equal(out.length, 1);
      const [f] = out;
      assert.equal(f?.result, c.result);
      if (c.result === 'skip') {
        assert.equal(f.properties?.['exemption'], c.source);
        assert.equal(f.properties?.['originalResult'], c.finding.result);
        assert.ok(f.message.startsWith('exempted: '));
        assert.ok(f.message.includes(c.finding.message));
      }
      if (c.reason !== undefined) assert.equal(f.properties?.['exemptionReason'], c.reason);
    });
  }

  it('reports an expired exemption once per namespace it names, and does not mutate its input', () => {
    const findings = [wl('WL-012'), wl('WL-010', 'fail', { resource: { kind: 'Deployment', namespace: 'web', name: 'x' } })];
    const frozen = JSON.stringify(findings);
    const out = applyExemptions(findings, { now: NOW, specExemptions: [{ checks: ['WL-012'], namespaces: ['data-*'], reason: 'vendor', expires: '2026-03-01T00:00:00Z' }] });
    assert.equal(JSON.stringify(findings), frozen);
    const expired = out.filter((f) => f.checkId === EXEMPTION_EXPIRED);
    assert.deepEqual(expired, [
      {
        checkId: EXEMPTION_EXPIRED,
        result: 'fail',
        severity: 'low',
        resource: { kind: 'Namespace', namespace: '', name: 'data-1' },
        message: 'the exemption of WL-012 ("vendor") expired at 2026-03-01T00:00:00Z: renew it or remove it from spec.audit.exemptions',
        properties: { checks: 'WL-012', expires: '2026-03-01T00:00:00Z', reason: 'vendor' },
      },
    ]);
    assert.equal(out.find((f) => f.checkId === 'WL-012')?.result, 'fail');
  });

  it('treats an unreadable expiry as expired', () => {
    const out = applyExemptions([wl('WL-012')], { now: NOW, namespace: 'data-1', specExemptions: [{ checks: ['WL-012'], reason: 'r', expires: 'soon' }] });
    assert.deepEqual(out.map((f) => [f.checkId, f.result]), [['WL-012', 'fail'], [EXEMPTION_EXPIRED, 'fail']]);
  });

  it('uses the audited namespace for cluster-scoped findings when given', () => {
    const clusterRole: Finding = { checkId: 'RB-001', result: 'fail', severity: 'high', resource: { kind: 'ClusterRole', namespace: '', name: 'edit' }, message: 'm' };
    const spec = [{ checks: ['RB-001'], namespaces: ['data-*'], reason: 'r' }];
    assert.equal(applyExemptions([clusterRole], { now: NOW, specExemptions: spec })[0]?.result, 'fail');
    assert.equal(applyExemptions([clusterRole], { now: NOW, specExemptions: spec, namespace: 'data-1' })[0]?.result, 'skip');
  });

  it('works end to end with annotationIndex and real findings', () => {
    const spec = withSecurityContext({ readOnlyRootFilesystem: false }, securePodSpec());
    const w = deployment('web', spec, { annotations: { 'polaris.fairwinds.com/notReadOnlyRootFilesystem-exempt': 'true' } });
    const input = auditInput({ workloads: [w] });
    const finding = runOnPod('WL-012', spec, {}, { annotations: w.annotations ?? {} });
    assert.equal(finding.result, 'fail');
    const [out] = applyExemptions([finding], { now: NOW, workloadAnnotations: annotationIndex(input) });
    assert.equal(out?.result, 'skip');
    assert.deepEqual(Object.keys(annotationIndex(input)), ['Deployment/shop/web']);
  });
});
