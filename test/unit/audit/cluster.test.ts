import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { age, NEWEST_KNOWN_MINOR, NEWEST_KNOWN_MINOR_RELEASED } from '../../../src/audit/checks/cluster.js';
import { clusterFindingsFor, evaluateCluster } from '../../../src/audit/evaluate.js';
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

  const released = Date.parse(NEWEST_KNOWN_MINOR_RELEASED);
  const daysLater = (days: number): Date => new Date(released + days * 86_400_000);

  it('passes while the release knowledge is under a year old', () => {
    const [f] = evaluateCluster({ version: version(String(NEWEST_KNOWN_MINOR)), now: daysLater(365) });
    assert.equal(f?.result, 'pass');
  });

  it('warns, naming how old the knowledge is, once it is over a year old', () => {
    const [f] = evaluateCluster({ version: version(String(NEWEST_KNOWN_MINOR)), now: daysLater(366 + 75) });
    assert.equal(f?.result, 'warn');
    assert.equal(
      f.message,
      `v1.${NEWEST_KNOWN_MINOR}.0 may no longer be supported: this operator's newest known Kubernetes minor, 1.${NEWEST_KNOWN_MINOR} (released ${NEWEST_KNOWN_MINOR_RELEASED}), is 1 year 2 months old, so newer minors likely exist: pass the newest minor and its release date in configuration (--newest-kubernetes-minor, --newest-kubernetes-minor-released) or upgrade the operator`,
    );
  });

  it('still fails an old control plane when the knowledge is stale, and says both', () => {
    const [f] = evaluateCluster({ version: version('20'), now: daysLater(800) });
    assert.equal(f?.result, 'fail');
    assert.match(f.message, /^upgrade the control plane from v1\.20\.0 to .*; besides, this operator's newest known Kubernetes minor, .* is 2 years 2 months old/);
  });

  it('judges configured knowledge by its own release date, and not at all without one', () => {
    const now = daysLater(900);
    assert.equal(evaluateCluster({ version: version('40'), config: { newestMinor: 40, newestMinorReleased: new Date(now.getTime() - 30 * 86_400_000).toISOString().slice(0, 10) }, now })[0]?.result, 'pass');
    assert.equal(evaluateCluster({ version: version('40'), config: { newestMinor: 40, newestMinorReleased: '2020-01-01' }, now })[0]?.result, 'warn');
    assert.equal(evaluateCluster({ version: version('40'), config: { newestMinor: 40 }, now })[0]?.result, 'pass');
  });

  it('says ages in years and months', () => {
    assert.equal(age(366), '1 year');
    assert.equal(age(365 + 31), '1 year 1 month');
    assert.equal(age(3 * 365 + 100), '3 years 3 months');
  });

  it('defaults to the minor of the control plane the tests run (hack/controlplane/kube/go.mod)', () => {
    const gomod = readFileSync(new URL('../../../hack/controlplane/kube/go.mod', import.meta.url), 'utf8');
    assert.equal(/^require k8s\.io\/kubernetes v1\.(\d+)\./m.exec(gomod)?.[1], String(NEWEST_KNOWN_MINOR));
  });
});

describe('CL-001 as one baseline sees it', () => {
  const failing = evaluateCluster({ version: version('20') });
  const now = new Date('2026-06-01T00:00:00Z');

  it('leaves it out when the baseline disables it', () => {
    assert.deepEqual(clusterFindingsFor(failing, { disabledChecks: ['CL-001'], exemptions: [] }, now), []);
  });

  it('skips it under an exemption that covers every namespace, with the reason', () => {
    const [f] = clusterFindingsFor(failing, { disabledChecks: [], exemptions: [{ checks: ['CL-001'], reason: 'upgrade booked for July' }] }, now);
    assert.equal(f?.result, 'skip');
    assert.match(f.message, /^exempted: upgrade booked for July/);
  });

  it('keeps it failing under an exemption that names namespaces, or one that expired', () => {
    const named = clusterFindingsFor(failing, { disabledChecks: [], exemptions: [{ checks: ['CL-001'], namespaces: ['team-*'], reason: 'r' }] }, now);
    assert.deepEqual(named.map((f) => f.result), ['fail']);
    const expired = clusterFindingsFor(failing, { disabledChecks: [], exemptions: [{ checks: ['*'], reason: 'r', expires: '2026-01-01T00:00:00Z' }] }, now);
    assert.deepEqual(expired.map((f) => [f.checkId, f.result]), [['CL-001', 'fail']]);
  });
});
