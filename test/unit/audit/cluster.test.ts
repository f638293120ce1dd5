import assert from 'node:assert/strict';
import { NEWEST_KNOWN_MINOR } from '../../../src/audit/checks/cluster.js';
import { evaluateCluster } from '../../../src/audit/evaluate.js';
import type { ClusterAuditInput, Result } from '../../../src/audit/types.js';

const version = (minor: string, gitVersion = `v1.${minor}.0`): ClusterAuditInput['version'] => ({ major: '1', minor, gitVersion });

describe('CL-001 supported Kubernetes', () => {
  const cases: { name: string; input: ClusterAuditInput; result: Result; message?: string }[] = [
    { name: 'the newest minor', input: { version: version(String(NEWEST_KNOWN_MINOR)) }, result: 'pass' },
    { name: 'the oldest supported minor', input: { version: version(String(NEWEST_KNOWN_MINOR - 2)) }, result: 'pass' },
    {
      name: 'one minor too old',
      input: { version: version(String(NEWEST_KNOWN_MINOR - 3)) },
      result: 'fail',
      message: `upgrade the control plane from v1.${NEWEST_KNOWN_MINOR - 3}.0 to 1.${NEWEST_KNOWN_MINOR - 2} or later (the newest 3 minors are supported)`,
    },
    { name: 'a managed "28+" minor with a wider window', input: { version: version('28+', 'v1.28.3-gke.1'), config: { newestMinor: 32, supportedMinors: 4 } }, result: 'fail' },
    { name: 'a configured newest minor', input: { version: version('30'), config: { newestMinor: 31 } }, result: 'pass' },
    { name: 'a newer minor than known', input: { version: version(String(NEWEST_KNOWN_MINOR + 1)) }, result: 'pass' },
    { name: 'an unreadable version', input: { version: { major: '', minor: '', gitVersion: 'unknown' } }, result: 'error' },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.result}`, () => {
      const findings = evaluateCluster(c.input);
      assert.equal(findings.length, 1);
      assert.equal(findings[0]?.checkId, 'CL-001');
      assert.equal(findings[0].result, c.result, findings[0].message);
      assert.deepEqual(findings[0].resource, { kind: 'Cluster', namespace: '', name: 'kubernetes' });
      if (c.message !== undefined) assert.equal(findings[0].message, c.message);
    });
  }

  it('can be disabled', () => {
    assert.deepEqual(evaluateCluster({ version: version('10') }, ['CL-001']), []);
  });
});
