import assert from 'node:assert/strict';
import type { AuditInput, Container, Pod, PodSpec } from '../../../src/audit/types.js';
import { auditInput, deployment, run, secureContainer, securePodSpec } from './fixtures.js';

function pod(name: string, spec: PodSpec, owner?: { kind: string; name: string }, labels: Record<string, string> = {}): Pod {
  return { metadata: { name, namespace: 'shop', labels, ownerReferences: owner === undefined ? [] : [{ ...owner, controller: true }] }, spec };
}

function specWith(resources: Container['resources']): PodSpec {
  return securePodSpec({ containers: [secureContainer('app', { resources })] });
}

const FULL = { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '128Mi' } };

interface Case {
  name: string;
  input: AuditInput;
  result: 'pass' | 'fail';
  resource: string;
  message?: string;
  equivalents?: string[];
}

const web = deployment('web', specWith(undefined));

const cases: Case[] = [
  {
    name: 'a live pod with requests and a memory limit',
    input: auditInput({ workloads: [web], pods: [pod('web-7d9c-abcde', specWith(FULL), { kind: 'ReplicaSet', name: 'web-7d9c' }, { 'pod-template-hash': '7d9c' })] }),
    result: 'pass',
    resource: 'Deployment/web',
  },
  {
    name: 'a live pod without a memory limit',
    input: auditInput({ workloads: [web], pods: [pod('web-7d9c-abcde', specWith({ requests: { cpu: '1', memory: '1Gi' } }), { kind: 'ReplicaSet', name: 'web-7d9c' }, { 'pod-template-hash': '7d9c' })] }),
    result: 'fail',
    resource: 'Deployment/web',
    message: 'container app: set resources.limits.memory',
    equivalents: ['P:memoryLimitsMissing', 'KS:container-resources', 'C-0009', 'KSV-0011', 'KSV-0015', 'KSV-0016', 'KSV-0018'],
  },
  {
    name: 'an init container without requests',
    input: auditInput({ pods: [pod('job-pod', { ...specWith(FULL), initContainers: [{ name: 'migrate' }] })] }),
    result: 'fail',
    resource: 'Pod/job-pod',
    message: 'initContainer migrate: set resources.requests.cpu, resources.requests.memory, resources.limits.memory',
  },
  {
    name: 'ephemeral containers are not required to have resources',
    input: auditInput({ pods: [pod('p', { ...specWith(FULL), ephemeralContainers: [{ name: 'debug' }] })] }),
    result: 'pass',
    resource: 'Pod/p',
  },
  {
    name: 'limits.cpu required when configured',
    input: auditInput({ pods: [pod('p', specWith(FULL))] }, { requireCpuLimit: true }),
    result: 'fail',
    resource: 'Pod/p',
    message: 'container app: set resources.limits.cpu',
  },
  {
    name: 'a template without live pods takes LimitRange defaults',
    input: auditInput({ workloads: [web] }),
    result: 'pass',
    resource: 'Deployment/web',
  },
  {
    name: 'a template without live pods and without a LimitRange',
    input: auditInput({ workloads: [web], limitRanges: [] }),
    result: 'fail',
    resource: 'Deployment/web',
    message: 'container app: set resources.requests.cpu, resources.requests.memory, resources.limits.memory',
  },
  {
    name: 'a template whose limits default its requests',
    input: auditInput({ workloads: [deployment('web', specWith({ limits: { cpu: '1', memory: '1Gi' } }))], limitRanges: [] }),
    result: 'pass',
    resource: 'Deployment/web',
  },
];

describe('WL-013 container resources', () => {
  for (const c of cases) {
    it(`${c.name}: ${c.result}`, () => {
      const findings = run('WL-013', c.input);
      assert.equal(findings.length, 1, JSON.stringify(findings));
      const [f] = findings;
      assert.ok(f !== undefined);
      assert.equal(f.result, c.result, f.message);
      assert.equal(`${f.resource.kind}/${f.resource.name}`, c.resource);
      if (c.message !== undefined) assert.equal(f.message, c.message);
      if (c.equivalents !== undefined) assert.deepEqual(f.equivalents, c.equivalents);
    });
  }

  it('evaluates the replicas of one owner once, reporting what any of them lacks', () => {
    const rs = { kind: 'ReplicaSet', name: 'web-7d9c' };
    const labels = { 'pod-template-hash': '7d9c' };
    const findings = run(
      'WL-013',
      auditInput({ workloads: [web], pods: [pod('web-7d9c-a', specWith(FULL), rs, labels), pod('web-7d9c-b', specWith({ requests: { cpu: '1' } }), rs, labels)] }),
    );
    assert.equal(findings.length, 1);
    assert.equal(findings[0]?.result, 'fail');
    assert.equal(findings[0].properties?.['pods'], '2');
  });
});
