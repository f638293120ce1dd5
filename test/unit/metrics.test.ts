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
});
