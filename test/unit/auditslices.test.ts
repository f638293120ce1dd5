import assert from 'node:assert/strict';
import { perWorkload, type NamespaceCheck } from '../../src/audit/check.js';
import { NAMESPACE_CHECKS } from '../../src/audit/catalog.js';
import { evaluateNamespace } from '../../src/audit/evaluate.js';
import type { AuditInput, NetworkPolicy, Workload } from '../../src/audit/types.js';
import { evaluateNamespaceInSlices, TimeSlicer } from '../../src/controller/slices.js';
import { auditInput, deployment, securePodSpec, withContainer, withSecurityContext } from './audit/fixtures.js';

/** A namespace with n workloads (every fifth one privileged, every seventh on :latest) and n policies. */
function large(n: number): AuditInput {
  const workloads: Workload[] = Array.from({ length: n }, (_, i) => {
    let spec = securePodSpec();
    if (i % 5 === 0) spec = withSecurityContext({ privileged: true }, spec);
    if (i % 7 === 0) spec = withContainer({ image: 'nginx:latest' }, spec);
    return deployment(`app-${i}`, spec, { podLabels: { app: `app-${i}` } });
  });
  const policies: NetworkPolicy[] = Array.from({ length: n }, (_, i) => ({
    name: `np-${i}`,
    spec: { podSelector: { matchLabels: { app: `app-${i}` } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: {} }] }] },
  }));
  const base = auditInput();
  return { ...base, workloads, networkPolicies: [...base.networkPolicies, ...policies] };
}

/** A clock that moves 1 ms per reading: every slice runs out of budget at once, whatever the machine's speed. */
function ticking(): () => number {
  let t = 0;
  return () => t++;
}

describe('audit evaluation in slices', () => {
  it('finds exactly what evaluateNamespace finds, in the same order', async () => {
    for (const input of [large(0), large(1), large(17), large(200), auditInput({}, { disabledChecks: ['WL-015', 'NS-002'] })]) {
      const slicer = new TimeSlicer(0, ticking());
      assert.deepEqual(await evaluateNamespaceInSlices(input, slicer), evaluateNamespace(input));
    }
  });

  it('yields to the event loop while it runs: a timer set when the audit starts fires before it ends', async () => {
    const input = large(400);
    let timerFired = false;
    let finishedBeforeTimer = false;
    setTimeout(() => {
      timerFired = true;
    }, 0);
    const slicer = new TimeSlicer(1, ticking());
    const findings = await evaluateNamespaceInSlices(input, slicer).then((f) => {
      finishedBeforeTimer = !timerFired;
      return f;
    });
    assert.equal(finishedBeforeTimer, false, 'the timer ran while the audit was under way');
    assert.ok(slicer.yields >= 400 / 16, `yielded ${slicer.yields} times: at least once per 16 workloads of a per-workload check`);
    assert.equal(findings.length, evaluateNamespace(input).length);
  });

  it('does not yield while the slice has budget left', async () => {
    const slicer = new TimeSlicer(Infinity);
    await evaluateNamespaceInSlices(large(100), slicer);
    assert.equal(slicer.yields, 0);
  });

  it('a per-workload check that throws on one slice reports one error, as the whole check did', async () => {
    const meta = { id: 'XX-001', title: 't', severity: 'low' as const, category: 'Workload' as const, seedItem: 's', equivalents: [], fix: 'Report' as const };
    const boom: NamespaceCheck = perWorkload(meta, (w) => {
      if (w.name === 'app-40') throw new Error('bad workload');
      return { problems: [] };
    });
    const [first] = NAMESPACE_CHECKS;
    assert.ok(first);
    const findings = await evaluateNamespaceInSlices(large(50), new TimeSlicer(0, ticking()), [boom, first]);
    const own = findings.filter((f) => f.checkId === 'XX-001');
    assert.deepEqual(own, [{ checkId: 'XX-001', result: 'error', severity: 'low', resource: { kind: 'Namespace', namespace: '', name: 'shop' }, message: 'the check failed: bad workload' }]);
    assert.ok(findings.some((f) => f.checkId === first.id), 'the other checks still run');
  });
});
