import assert from 'node:assert/strict';
import type { AuditConfig, AuditInput, NetworkPolicy, Result } from '../../../src/audit/types.js';
import { auditInput, deployment, run, securePodSpec } from './fixtures.js';

const deny = (name: string, types: string[], extra: Partial<NetworkPolicy['spec']> = {}): NetworkPolicy => ({ name, spec: { podSelector: {}, policyTypes: types, ...extra } });

interface Case {
  check: string;
  name: string;
  input: Partial<AuditInput>;
  config?: Partial<AuditConfig>;
  /** [] when the check does not apply. */
  results: Result[];
  message?: string;
}

const cases: Case[] = [
  // NS-001
  { check: 'NS-001', name: 'enforce restricted', input: {}, results: ['pass'] },
  { check: 'NS-001', name: 'label missing', input: { namespace: { name: 'shop', labels: {} } }, results: ['fail'], message: 'set label pod-security.kubernetes.io/enforce: restricted (it is missing)' },
  { check: 'NS-001', name: 'privileged', input: { namespace: { name: 'shop', labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } }, config: { podSecurityLevel: 'baseline' }, results: ['fail'] },
  { check: 'NS-001', name: 'baseline below restricted', input: { namespace: { name: 'shop', labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } } }, results: ['fail'], message: 'set label pod-security.kubernetes.io/enforce: restricted (it is baseline)' },
  { check: 'NS-001', name: 'baseline meets baseline', input: { namespace: { name: 'shop', labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } } }, config: { podSecurityLevel: 'baseline' }, results: ['pass'] },
  { check: 'NS-001', name: 'restricted exceeds baseline', input: {}, config: { podSecurityLevel: 'baseline' }, results: ['pass'] },
  { check: 'NS-001', name: 'a typo', input: { namespace: { name: 'shop', labels: { 'pod-security.kubernetes.io/enforce': 'Restricted' } } }, results: ['fail'] },
  // NS-002
  { check: 'NS-002', name: 'one policy denying both', input: {}, results: ['pass'] },
  { check: 'NS-002', name: 'two single-type policies', input: { networkPolicies: [deny('in', ['Ingress']), deny('out', ['Egress'])] }, results: ['pass'] },
  { check: 'NS-002', name: 'no policy', input: { networkPolicies: [] }, results: ['fail'], message: 'add a NetworkPolicy with podSelector: {}, policyTypes: [Ingress, Egress] and no rules (default deny)' },
  { check: 'NS-002', name: 'ingress only (types defaulted)', input: { networkPolicies: [{ name: 'in', spec: { podSelector: {} } }] }, results: ['fail'], message: 'add a NetworkPolicy with podSelector: {}, policyTypes: [Egress] and no rules (default deny)' },
  { check: 'NS-002', name: 'egress with allow rules is not a deny', input: { networkPolicies: [deny('dns', ['Ingress', 'Egress'], { egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }] })] }, results: ['fail'] },
  { check: 'NS-002', name: 'a selector is not every pod', input: { networkPolicies: [{ name: 'web', spec: { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress', 'Egress'] } }] }, results: ['fail'] },
  // NS-003
  { check: 'NS-003', name: 'full quota', input: {}, results: ['pass'] },
  { check: 'NS-003', name: 'cpu/memory aliases', input: { resourceQuotas: [{ name: 'q', spec: { hard: { cpu: '4', memory: '8Gi', 'limits.cpu': '8', 'limits.memory': '16Gi' } } }] }, results: ['pass'] },
  { check: 'NS-003', name: 'no quota', input: { resourceQuotas: [] }, results: ['fail'], message: 'add a ResourceQuota whose hard sets requests.cpu, requests.memory, limits.cpu, limits.memory (there is none)' },
  { check: 'NS-003', name: 'pods only', input: { resourceQuotas: [{ name: 'q', spec: { hard: { pods: '10', 'requests.cpu': '1' } } }] }, results: ['fail'], message: 'add a ResourceQuota whose hard sets requests.memory, limits.cpu, limits.memory' },
  // NS-004
  { check: 'NS-004', name: 'container defaults', input: {}, results: ['pass'] },
  { check: 'NS-004', name: 'no LimitRange', input: { limitRanges: [] }, results: ['fail'] },
  { check: 'NS-004', name: 'max only', input: { limitRanges: [{ name: 'l', spec: { limits: [{ type: 'Container', max: { cpu: '2' } }] } }] }, results: ['fail'] },
  { check: 'NS-004', name: 'Pod type only', input: { limitRanges: [{ name: 'l', spec: { limits: [{ type: 'Pod', default: { cpu: '1' }, defaultRequest: { cpu: '1' } }] } }] }, results: ['fail'] },
  // NS-005
  { check: 'NS-005', name: 'not the default namespace', input: { workloads: [deployment('web', securePodSpec())] }, results: [] },
  {
    check: 'NS-005',
    name: 'default with only its defaults',
    input: {
      namespace: { name: 'default' },
      services: [{ name: 'kubernetes', spec: { type: 'ClusterIP', ports: [{ port: 443 }] } }],
      configMaps: [{ name: 'kube-root-ca.crt', data: { 'ca.crt': '-----BEGIN CERTIFICATE-----' } }],
    },
    results: ['pass'],
  },
  {
    check: 'NS-005',
    name: 'default with a workload and a configmap',
    input: { namespace: { name: 'default' }, workloads: [deployment('web', securePodSpec())], configMaps: [{ name: 'cfg' }], secrets: [{ name: 's' }] },
    results: ['fail'],
    message: 'move Deployment web, Secret s, ConfigMap cfg out of the default namespace into a dedicated one',
  },
  // NS-006
  { check: 'NS-006', name: 'inert default ServiceAccount', input: { workloads: [deployment('web', securePodSpec())] }, results: ['pass'] },
  { check: 'NS-006', name: 'automount not disabled', input: { serviceAccounts: [{ name: 'default' }] }, results: ['fail'], message: 'ServiceAccount default: set automountServiceAccountToken: false' },
  {
    check: 'NS-006',
    name: 'bound and used',
    input: {
      workloads: [deployment('web', securePodSpec({ serviceAccountName: undefined }))],
      roleBindings: [{ kind: 'RoleBinding', name: 'rb', namespace: 'shop', roleRef: { kind: 'Role', name: 'r' }, subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'shop' }] }],
    },
    results: ['fail'],
    message: 'RoleBinding rb: bind a dedicated ServiceAccount instead of default; Deployment web: set spec.serviceAccountName to a dedicated ServiceAccount',
  },
  {
    check: 'NS-006',
    name: 'default of another namespace in a ClusterRoleBinding is not this one',
    input: { clusterRoleBindings: [{ kind: 'ClusterRoleBinding', name: 'crb', roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'other' }] }] },
    results: ['pass'],
  },
];

describe('namespace checks NS-001..NS-006', () => {
  for (const c of cases) {
    it(`${c.check} ${c.name}: ${c.results.join(', ') || 'not applicable'}`, () => {
      const findings = run(c.check, auditInput(c.input, c.config));
      assert.deepEqual(findings.map((f) => f.result), c.results, JSON.stringify(findings.map((f) => f.message)));
      for (const f of findings) assert.deepEqual(f.resource, { kind: 'Namespace', namespace: '', name: c.input.namespace?.name ?? 'shop' });
      if (c.message !== undefined) assert.equal(findings[0]?.message, c.message);
    });
  }
});
