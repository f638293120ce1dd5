import assert from 'node:assert/strict';
import { Metrics } from '../../src/observability/metrics.js';

describe('metrics', () => {
  it('creates a baseline\'s drift counters at zero when it is loaded, so the first drift is an increase', async () => {
    const m = new Metrics({ defaultMetrics: false });
    m.initBaseline('tenants', ['NetworkPolicy', 'ResourceQuota']);
    const text = await m.registry.metrics();
    for (const name of ['posture_drift_detected_total', 'posture_drift_repaired_total']) {
      assert.match(text, new RegExp(`^${name}\\{baseline="tenants",kind="NetworkPolicy"\\} 0$`, 'm'));
      assert.match(text, new RegExp(`^${name}\\{baseline="tenants",kind="ResourceQuota"\\} 0$`, 'm'));
    }
    // Loading again (a spec change) keeps what was counted.
    m.driftDetected.inc({ baseline: 'tenants', kind: 'NetworkPolicy' });
    m.initBaseline('tenants', ['NetworkPolicy', 'ResourceQuota']);
    assert.match(await m.registry.metrics(), /^posture_drift_detected_total\{baseline="tenants",kind="NetworkPolicy"\} 1$/m);
    m.forgetBaseline('tenants', ['NetworkPolicy', 'ResourceQuota']);
    assert.doesNotMatch(await m.registry.metrics(), /baseline="tenants"/);
  });

  it('counts drift by who made it, with a label set tenants cannot grow without bound', async () => {
    const m = new Metrics({ defaultMetrics: false });
    m.countDriftBy('tenants', 'kubectl-edit');
    // The form status and events use names the same manager.
    m.countDriftBy('tenants', 'fieldManager="kubectl-edit"');
    for (let i = 0; i < 100; i++) m.countDriftBy('tenants', `attacker-${i}-${'x'.repeat(200)}`);
    const text = await m.registry.getSingleMetricAsString('posture_drift_by_manager_total');
    assert.match(text, /^posture_drift_by_manager_total\{baseline="tenants",manager="kubectl-edit"\} 2$/m);
    const series = text.split('\n').filter((l) => l.startsWith('posture_drift_by_manager_total{'));
    assert.equal(series.length, 17, '16 names, then "other"');
    assert.match(text, /manager="other"\} 85$/m);
    assert.ok(series.every((l) => (/manager="([^"]*)"/.exec(l)?.[1]?.length ?? 0) <= 64));
  });

  it('exports the reconcile error rate at zero before the first error', async () => {
    const text = await new Metrics({ defaultMetrics: false }).registry.getSingleMetricAsString('posture_reconcile_total');
    assert.match(text, /^posture_reconcile_total\{result="error"\} 0$/m);
  });
});
