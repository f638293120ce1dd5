import assert from 'node:assert/strict';
import { cidrContains, effectivePolicyTypes, egressRuleAllows, matchesSelector, policiesSelecting } from '../../../src/audit/networkpolicy.js';
import type { AuditInput, NetworkPolicy, Result, Service } from '../../../src/audit/types.js';
import { auditInput, deployment, run, securePodSpec } from './fixtures.js';

const web = deployment('web', securePodSpec());
const allowAllEgress = (to?: NetworkPolicy['spec']['egress']): NetworkPolicy => ({ name: 'egress', spec: { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Egress'], egress: to } });

interface Case {
  check: string;
  name: string;
  input: Partial<AuditInput>;
  results: Result[];
  message?: string;
}

const svc = (name: string, spec: Service['spec']): Service => ({ name, spec });

const cases: Case[] = [
  // WL-015
  { check: 'WL-015', name: 'default deny selects every pod', input: { workloads: [web] }, results: ['pass'] },
  { check: 'WL-015', name: 'no policy', input: { workloads: [web], networkPolicies: [] }, results: ['fail'], message: 'pod: no NetworkPolicy restricts its Ingress and Egress; add one that selects it (a default-deny policy does)' },
  {
    check: 'WL-015',
    name: 'ingress-only policy on its labels',
    input: { workloads: [web], networkPolicies: [{ name: 'in', spec: { podSelector: { matchLabels: { app: 'web' } } } }] },
    results: ['fail'],
    message: 'pod: no NetworkPolicy restricts its Egress; add one that selects it (a default-deny policy does)',
  },
  {
    check: 'WL-015',
    name: 'a policy for other pods',
    input: { workloads: [web], networkPolicies: [{ name: 'db', spec: { podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Ingress', 'Egress'] } }] },
    results: ['fail'],
  },
  // NET-003
  { check: 'NET-003', name: 'default deny egress', input: { workloads: [web] }, results: ['pass'] },
  { check: 'NET-003', name: 'no egress policy', input: { workloads: [web], networkPolicies: [] }, results: ['fail'], message: 'pod: no NetworkPolicy restricts its egress, so it can reach 169.254.169.254; add a default-deny egress policy' },
  {
    check: 'NET-003',
    name: '0.0.0.0/0 without except',
    input: { workloads: [web], networkPolicies: [allowAllEgress([{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }])] },
    results: ['fail'],
    message: 'NetworkPolicy egress egress rule 0: allows 169.254.169.254; add it to ipBlock.except (or narrow the rule\'s to)',
  },
  { check: 'NET-003', name: '0.0.0.0/0 except the metadata address', input: { workloads: [web], networkPolicies: [allowAllEgress([{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.169.254/32'] } }] }])] }, results: ['pass'] },
  { check: 'NET-003', name: 'a rule without to', input: { workloads: [web], networkPolicies: [allowAllEgress([{ ports: [{ port: 443 }] }])] }, results: ['fail'] },
  { check: 'NET-003', name: 'pod and namespace selectors only', input: { workloads: [web], networkPolicies: [allowAllEgress([{ to: [{ namespaceSelector: {} }] }])] }, results: ['pass'] },
  // NET-001
  { check: 'NET-001', name: 'ClusterIP', input: { services: [svc('web', { type: 'ClusterIP', ports: [{ port: 80 }] })] }, results: ['pass'] },
  { check: 'NET-001', name: 'NodePort', input: { services: [svc('web', { type: 'NodePort', ports: [{ port: 80 }] })] }, results: ['fail'] },
  { check: 'NET-001', name: 'LoadBalancer without source ranges', input: { services: [svc('web', { type: 'LoadBalancer' })] }, results: ['fail'], message: 'set spec.loadBalancerSourceRanges to the networks that need it' },
  { check: 'NET-001', name: 'LoadBalancer with source ranges', input: { services: [svc('web', { type: 'LoadBalancer', loadBalancerSourceRanges: ['10.0.0.0/8'] })] }, results: ['pass'] },
  { check: 'NET-001', name: 'externalIPs', input: { services: [svc('web', { externalIPs: ['1.2.3.4'] })] }, results: ['fail'], message: 'remove spec.externalIPs (1.2.3.4)' },
  // NET-002
  { check: 'NET-002', name: 'with TLS', input: { ingresses: [{ name: 'web', spec: { tls: [{ hosts: ['a.example.com'], secretName: 'tls' }] } }] }, results: ['pass'] },
  { check: 'NET-002', name: 'without TLS', input: { ingresses: [{ name: 'web', spec: {} }] }, results: ['fail'], message: 'add spec.tls with a certificate Secret for its hosts' },
  // NET-004
  { check: 'NET-004', name: 'HTTP', input: { services: [svc('web', { ports: [{ port: 80, targetPort: 8080 }] })] }, results: ['pass'] },
  { check: 'NET-004', name: 'port 22', input: { services: [svc('ssh', { ports: [{ name: 'ssh', port: 22 }] })] }, results: ['fail'], message: 'port ssh: remove SSH (port 22, targetPort 22); use kubectl exec or a bastion' },
  { check: 'NET-004', name: 'targetPort 2222', input: { services: [svc('git', { ports: [{ port: 8022, targetPort: 2222 }] })] }, results: ['fail'] },
  { check: 'NET-004', name: 'a named targetPort', input: { services: [svc('web', { ports: [{ port: 80, targetPort: 'http' }] })] }, results: ['pass'] },
];

describe('network checks WL-015, NET-001..NET-004', () => {
  for (const c of cases) {
    it(`${c.check} ${c.name}: ${c.results.join(', ')}`, () => {
      const findings = run(c.check, auditInput(c.input));
      assert.deepEqual(findings.map((f) => f.result), c.results, JSON.stringify(findings.map((f) => f.message)));
      if (c.message !== undefined) assert.equal(findings[0]?.message, c.message);
    });
  }
});

describe('NetworkPolicy semantics', () => {
  it('matches label selectors', () => {
    const labels = { app: 'web', tier: 'front' };
    assert.ok(matchesSelector({}, labels));
    assert.ok(matchesSelector({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['front'] }] }, labels));
    assert.ok(!matchesSelector({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] }, labels));
    assert.ok(matchesSelector({ matchExpressions: [{ key: 'x', operator: 'DoesNotExist' }] }, labels));
    assert.ok(!matchesSelector({ matchExpressions: [{ key: 'x', operator: 'Exists' }] }, labels));
    assert.ok(!matchesSelector({ matchExpressions: [{ key: 'app', operator: 'Bogus' }] }, labels));
  });

  it('finds the policies selecting a pod through its label index as a scan of every policy would, in order', () => {
    // A small seeded generator: selectors over few keys and values, so that they overlap.
    let state = 7;
    const next = (n: number): number => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state % n;
    };
    const keys = ['app', 'tier', 'team'];
    const values = ['a', 'b', 'c'];
    const labelsOf = (): Record<string, string> => Object.fromEntries(keys.filter(() => next(3) > 0).map((k) => [k, values[next(3)] ?? 'a']));
    const policies: NetworkPolicy[] = Array.from({ length: 300 }, (_, i) => {
      const shape = next(4);
      const matchLabels = shape === 0 ? undefined : labelsOf();
      const matchExpressions = shape >= 2 ? [{ key: keys[next(3)] ?? 'app', operator: ['In', 'NotIn', 'Exists', 'DoesNotExist'][next(4)] ?? 'In', values: [values[next(3)] ?? 'a'] }] : undefined;
      return { name: `p${i}`, spec: { podSelector: { ...(matchLabels === undefined ? {} : { matchLabels }), ...(matchExpressions === undefined ? {} : { matchExpressions }) } } };
    });
    let matched = 0;
    for (let pod = 0; pod < 200; pod++) {
      const labels = labelsOf();
      const expected = policies.filter((p) => matchesSelector(p.spec.podSelector, labels)).map((p) => p.name);
      assert.deepEqual(policiesSelecting(policies, labels).map((p) => p.name), expected, JSON.stringify(labels));
      matched += expected.length;
    }
    assert.ok(matched > 1000, `the generated selectors overlap (${matched} matches)`);
    assert.deepEqual(policiesSelecting(policies.slice(0, 0), { app: 'a' }), []);
  });

  it('defaults policy types like the API server', () => {
    assert.deepEqual([...effectivePolicyTypes({ name: 'a', spec: { podSelector: {} } })], ['Ingress']);
    assert.deepEqual([...effectivePolicyTypes({ name: 'a', spec: { podSelector: {}, egress: [{}] } })], ['Ingress', 'Egress']);
    assert.deepEqual([...effectivePolicyTypes({ name: 'a', spec: { podSelector: {}, policyTypes: ['Egress'] } })], ['Egress']);
  });

  it('contains addresses in IPv4 blocks', () => {
    assert.ok(cidrContains('169.254.0.0/16', '169.254.169.254'));
    assert.ok(cidrContains('0.0.0.0/0', '169.254.169.254'));
    assert.ok(cidrContains('169.254.169.254/32', '169.254.169.254'));
    assert.ok(!cidrContains('10.0.0.0/8', '169.254.169.254'));
    assert.ok(!cidrContains('::/0', '169.254.169.254'));
    assert.ok(!cidrContains('300.1.1.1/8', '169.254.169.254'));
    assert.ok(egressRuleAllows({}, '169.254.169.254'));
    assert.ok(!egressRuleAllows({ to: [{ ipBlock: { cidr: '169.254.0.0/16', except: ['169.254.169.0/24'] } }] }, '169.254.169.254'));
  });
});
