import assert from 'node:assert/strict';
import type { NetworkPolicy, Result } from '../../../src/audit/types.js';
import { auditInput, run } from './fixtures.js';

interface Case {
  name: string;
  spec: Omit<NetworkPolicy['spec'], 'podSelector'>;
  result: Result;
  message: string;
}

const web = { podSelector: { matchLabels: { app: 'nginx' } } };
const https = [{ protocol: 'TCP', port: 443 }];

const cases: Case[] = [
  { name: 'default deny', spec: { policyTypes: ['Ingress', 'Egress'] }, result: 'pass', message: 'allows named peers only' },
  { name: 'same namespace only', spec: { ingress: [{ from: [{ podSelector: {} }] }] }, result: 'pass', message: 'allows named peers only' },
  { name: 'a labelled namespace', spec: { ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }] }] }, result: 'pass', message: 'allows named peers only' },
  { name: 'a /8 block', spec: { policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }] }, result: 'pass', message: 'allows named peers only' },
  {
    name: 'allow-everything: ingress [{}] and egress to every namespace',
    spec: { policyTypes: ['Ingress', 'Egress'], ingress: [{}], egress: [{ to: [{ namespaceSelector: {} }] }] },
    result: 'fail',
    message:
      'ingress rule 0: no from, so every pod of every namespace and every address outside the cluster on every port: name the peers that need it, or list the ports; ' +
      'egress rule 0 to[0]: namespaceSelector {} (every namespace) on every port: name the peers that need it, or list the ports',
  },
  {
    name: 'egress to 0.0.0.0/0 and ::/0',
    spec: { policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.169.254/32'] } }, { ipBlock: { cidr: '::/0' } }] }] },
    result: 'fail',
    message: 'egress rule 0 to[0]: ipBlock 0.0.0.0/0 (every address) on every port: name the peers that need it, or list the ports; egress rule 0 to[1]: ipBlock ::/0 (every address) on every port: name the peers that need it, or list the ports',
  },
  {
    name: 'every namespace, narrowed by a pod selector, is still every namespace',
    spec: { ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { role: 'client' } } }] }] },
    result: 'fail',
    message: 'ingress rule 0 from[0]: namespaceSelector {} (every namespace) on every port: name the peers that need it, or list the ports',
  },
  {
    name: 'a protocol without a port is every port',
    spec: { ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ protocol: 'TCP' }] }] },
    result: 'fail',
    message: 'ingress rule 0 from[0]: ipBlock 0.0.0.0/0 (every address) on every port: name the peers that need it, or list the ports',
  },
  {
    name: 'a port range of 65,535 ports is every port',
    spec: { ingress: [{ ports: [{ protocol: 'TCP', port: 1, endPort: 65535 }] }] },
    result: 'fail',
    message: 'ingress rule 0: no from, so every pod of every namespace and every address outside the cluster on every port: name the peers that need it, or list the ports',
  },
  {
    name: 'open to everyone on 443 only passes, naming the port',
    spec: { ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: https }] },
    result: 'pass',
    message: 'allows named peers only, except: ingress rule 0 open to everyone on TCP 443',
  },
  { name: 'egress rules of an Ingress-only policy do nothing', spec: { policyTypes: ['Ingress'], egress: [{}] }, result: 'pass', message: 'allows named peers only' },
];

describe('NET-005 permissive NetworkPolicies', () => {
  for (const c of cases) {
    it(`${c.name}: ${c.result}`, () => {
      const policy: NetworkPolicy = { name: 'p', spec: { ...web, ...c.spec } };
      const findings = run('NET-005', auditInput({ networkPolicies: [policy] })).filter((f) => f.resource.name === 'p');
      assert.deepEqual(findings.map((f) => [f.result, f.severity, f.resource.kind]), [[c.result, 'high', 'NetworkPolicy']]);
      assert.equal(findings[0]?.message, c.message);
    });
  }
});
