import assert from 'node:assert/strict';
import { auditSpecSchema } from '../../../src/api/audit.js';
import { evaluateNamespace } from '../../../src/audit/evaluate.js';
import { annotationIndex, applyExemptions, isAnnotationSkip, type AnnotationPolicy } from '../../../src/audit/exemptions.js';
import type { Finding } from '../../../src/audit/types.js';
import { reduceFindings } from '../../../src/controller/auditstore.js';
import { auditInput, deployment, withContainer } from './fixtures.js';

const NOW = new Date('2026-06-01T00:00:00Z');

/** Row 5 of issue 17: privileged, hostPID, :latest, a literal AWS key, and `posture.dev/exempt: "*"`. */
function exempt(policy: AnnotationPolicy | undefined): Finding[] {
  const spec = withContainer({
    image: 'nginx:latest',
    securityContext: { privileged: true, allowPrivilegeEscalation: true },
    env: [{ name: 'AWS_SECRET_ACCESS_KEY', value: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }],
  });
  const w = deployment('miner', { ...spec, hostPID: true }, { annotations: { 'posture.dev/exempt': '*', 'posture.dev/exempt-reason': 'approved by security (ticket SEC-1234)' } });
  const input = auditInput({ workloads: [w] });
  const findings = evaluateNamespace(input).filter((f) => f.resource.name === 'miner' && f.result !== 'pass');
  return applyExemptions(findings, { now: NOW, workloadAnnotations: annotationIndex(input), ...(policy === undefined ? {} : { annotationPolicy: policy }) });
}

describe('spec.audit.annotationExemptions', () => {
  it('defaults to Allowed, as before, with an empty list', () => {
    const spec = auditSpecSchema.parse({});
    assert.equal(spec.annotationExemptions, 'Allowed');
    assert.deepEqual(spec.annotationExemptChecks, []);
  });

  it('Allowed: every failing result is skipped, marked as the annotation\'s and counted apart', () => {
    const out = exempt(undefined);
    assert.ok(out.length >= 5);
    assert.ok(out.every((f) => f.result === 'skip' && isAnnotationSkip(f)));
    assert.ok(out.every((f) => f.message.startsWith('exempted: approved by security (ticket SEC-1234) [by an annotation on the Deployment, not by the baseline]')), out[0]?.message);
    const audit = reduceFindings('b', out);
    assert.equal(audit.annotationSkips, out.length);
    assert.equal(audit.summary.skip, out.length);
  });

  it('Disabled: the same workload fails every check, each result naming the ignored annotation', () => {
    const out = exempt({ mode: 'Disabled', checks: [] });
    assert.ok(out.length >= 5);
    assert.deepEqual([...new Set(out.map((f) => f.result))], ['fail']);
    for (const id of ['WL-001', 'WL-002', 'IMG-001', 'WL-017']) assert.ok(out.some((f) => f.checkId === id), id);
    assert.ok(out.every((f) => f.message.endsWith("(the posture.dev/exempt annotation's exemption is ignored: spec.audit.annotationExemptions is Disabled)")), out[0]?.message);
    assert.ok(out.every((f) => f.properties?.['ignoredExemption'] === 'annotation'));
    assert.equal(reduceFindings('b', out).annotationSkips, 0);
  });

  it('AllowList: * exempts only the listed checks', () => {
    const out = exempt({ mode: 'AllowList', checks: ['IMG-001'] });
    const skipped = out.filter((f) => f.result === 'skip').map((f) => f.checkId);
    assert.deepEqual(skipped, ['IMG-001']);
    const wl002 = out.find((f) => f.checkId === 'WL-002');
    assert.equal(wl002?.result, 'fail');
    assert.match(wl002.message, /WL-002 is not in spec\.audit\.annotationExemptChecks\)$/);
  });

  it('never limits spec exemptions, which the baseline author wrote', () => {
    const f: Finding = { checkId: 'WL-002', result: 'fail', severity: 'critical', resource: { kind: 'Deployment', namespace: 'shop', name: 'x' }, message: 'm' };
    const [out] = applyExemptions([f], { now: NOW, annotationPolicy: { mode: 'Disabled', checks: [] }, specExemptions: [{ checks: ['WL-002'], reason: 'lab' }] });
    assert.equal(out?.result, 'skip');
    assert.equal(out.properties?.['exemption'], 'spec');
    assert.ok(!isAnnotationSkip(out));
  });

  it('bounds a tenant-written reason', () => {
    const f: Finding = { checkId: 'WL-002', result: 'fail', severity: 'critical', resource: { kind: 'Deployment', namespace: 'shop', name: 'x' }, message: 'm' };
    const [out] = applyExemptions([f], { now: NOW, workloadAnnotations: { 'Deployment/shop/x': { 'posture.dev/exempt': 'WL-002', 'posture.dev/exempt-reason': 'r'.repeat(100_000) } } });
    assert.equal(out?.properties?.['exemptionReason'], `${'r'.repeat(256)}...`);
  });
});
