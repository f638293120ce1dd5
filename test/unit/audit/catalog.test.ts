import assert from 'node:assert/strict';
import { CATALOG, CLUSTER_CHECKS, NAMESPACE_CHECKS, checkById } from '../../../src/audit/catalog.js';
import { evaluateNamespace } from '../../../src/audit/evaluate.js';
import type { AuditInput, ConfigMap, Finding } from '../../../src/audit/types.js';
import { auditInput, deployment, secureContainer, securePodSpec } from './fixtures.js';

/** Id and severity of every check in CHECKS.md, in order. */
const EXPECTED: readonly (readonly [string, string])[] = [
  ['NS-001', 'high'], ['NS-002', 'high'], ['NS-003', 'medium'], ['NS-004', 'medium'], ['NS-005', 'medium'], ['NS-006', 'medium'],
  ['WL-001', 'high'], ['WL-002', 'critical'], ['WL-003', 'high'], ['WL-004', 'medium'], ['WL-005', 'high'], ['WL-006', 'medium'],
  ['WL-007', 'medium'], ['WL-008', 'medium'], ['WL-009', 'high'], ['WL-010', 'high'], ['WL-011', 'low'], ['WL-012', 'medium'],
  ['WL-013', 'medium'], ['WL-014', 'medium'], ['WL-015', 'medium'], ['WL-016', 'low'], ['WL-017', 'high'],
  ['IMG-001', 'high'], ['IMG-002', 'low'], ['IMG-003', 'medium'], ['IMG-004', 'low'],
  ['RB-001', 'high'], ['RB-002', 'critical'], ['RB-003', 'high'], ['RB-004', 'high'], ['RB-005', 'high'], ['RB-006', 'critical'], ['RB-007', 'medium'],
  ['SEC-001', 'high'], ['NET-001', 'medium'], ['NET-002', 'medium'], ['NET-003', 'high'], ['NET-004', 'low'], ['NET-005', 'high'], ['CL-001', 'medium'],
];

describe('the check catalog', () => {
  it('has every check of CHECKS.md, in order, with its severity', () => {
    assert.deepEqual(CATALOG.map((c) => [c.id, c.severity]), EXPECTED);
    assert.equal(CATALOG.length, 41);
    assert.deepEqual(CLUSTER_CHECKS.map((c) => c.id), ['CL-001']);
    assert.equal(NAMESPACE_CHECKS.length, 40);
  });

  it('uses the titles of CHECKS.md', () => {
    assert.deepEqual(
      Object.fromEntries(CATALOG.map((c) => [c.id, c.title])),
      {
        'NS-001': 'Pod Security Admission enforced', 'NS-002': 'Default-deny NetworkPolicy', 'NS-003': 'ResourceQuota', 'NS-004': 'LimitRange',
        'NS-005': 'default namespace unused', 'NS-006': 'default ServiceAccount inert',
        'WL-001': 'Host namespaces', 'WL-002': 'Privileged', 'WL-003': 'Added capabilities', 'WL-004': 'Drop ALL', 'WL-005': 'hostPath',
        'WL-006': 'hostPort', 'WL-007': 'Other baseline fields', 'WL-008': 'Seccomp', 'WL-009': 'No privilege escalation', 'WL-010': 'Non-root',
        'WL-011': 'Volume types', 'WL-012': 'Read-only root filesystem', 'WL-013': 'Container resources', 'WL-014': 'Token automount',
        'WL-015': 'Pod isolated', 'WL-016': 'Secrets as files', 'WL-017': 'No literal credentials',
        'IMG-001': 'Pinned tag', 'IMG-002': 'Digest (strict)', 'IMG-003': 'Trusted registry', 'IMG-004': 'Pull policy',
        'RB-001': 'No wildcards', 'RB-002': 'No cluster-admin', 'RB-003': 'Secret read', 'RB-004': 'exec/attach/port-forward',
        'RB-005': 'Escalation paths', 'RB-006': 'Dangerous subjects', 'RB-007': 'Group-based access',
        'SEC-001': 'Sensitive ConfigMap', 'NET-001': 'Exposure', 'NET-002': 'Ingress TLS', 'NET-003': 'Metadata API blocked', 'NET-004': 'SSH exposed', 'NET-005': 'No permissive NetworkPolicy',
        'CL-001': 'Supported Kubernetes',
      },
    );
  });

  it('describes every check completely', () => {
    const categories = ['Namespace', 'Workload', 'Image', 'RBAC', 'Secrets', 'Network', 'Cluster'];
    for (const c of CATALOG) {
      assert.ok(c.title.length > 0, c.id);
      assert.ok(c.seedItem.length > 0, c.id);
      assert.ok(categories.includes(c.category), c.id);
      assert.ok(c.fix.length > 0, c.id);
      for (const e of c.equivalents) assert.match(e, /^(P:[a-zA-Z]+|KS:[a-z-]+|C-\d{4}|CIS 5\.\d+\.\d+|KSV-\d{4}|PSS-[BR])$/, `${c.id}: ${e}`);
    }
    assert.deepEqual(checkById('WL-001')?.equivalents.slice(0, 4), ['P:hostNetworkSet', 'P:hostPIDSet', 'P:hostIPCSet', 'C-0038']);
    assert.equal(checkById('NOPE'), undefined);
  });
});

/** A namespace where every check has something to look at and everything is right. */
function goodNamespace(): AuditInput {
  const web = deployment('web', securePodSpec({ containers: [secureContainer('app', { imagePullPolicy: 'Always' })] }));
  return auditInput({
    workloads: [web],
    pods: [{ metadata: { name: 'web-1', namespace: 'shop', labels: { app: 'web' } }, spec: web.podSpec }],
    roles: [{ kind: 'Role', name: 'reader', namespace: 'shop', rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }] }],
    roleBindings: [{ kind: 'RoleBinding', name: 'reader', namespace: 'shop', roleRef: { kind: 'Role', name: 'reader' }, subjects: [{ kind: 'Group', name: 'oidc:devs' }] }],
    services: [{ name: 'web', spec: { type: 'ClusterIP', ports: [{ port: 80, targetPort: 8080 }] } }],
    ingresses: [{ name: 'web', spec: { tls: [{ hosts: ['web.example.com'], secretName: 'web-tls' }] } }],
    configMaps: [{ name: 'web', data: { 'log.level': 'info' } }],
  });
}

/** The same namespace with something wrong for every check. */
function badNamespace(): AuditInput {
  const bad = deployment('web', {
    hostNetwork: true,
    volumes: [{ name: 'sock', hostPath: { path: '/var/run/docker.sock' } }],
    securityContext: { sysctls: [{ name: 'kernel.msgmax' }] },
    initContainers: [{ name: 'init', image: 'busybox:1.36', imagePullPolicy: 'IfNotPresent' }],
    containers: [
      {
        name: 'app',
        image: 'nginx',
        ports: [{ containerPort: 80, hostPort: 80 }],
        env: [{ name: 'DB_PASSWORD', value: 'x' }, { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }],
        securityContext: { privileged: true, capabilities: { add: ['SYS_ADMIN'] }, seccompProfile: { type: 'Unconfined' } },
      },
    ],
  });
  return {
    ...auditInput({
      namespace: { name: 'shop', labels: {} },
      workloads: [bad],
      pods: [{ metadata: { name: 'web-1', namespace: 'shop' }, spec: bad.podSpec }],
      serviceAccounts: [{ name: 'default' }],
      roles: [{ kind: 'Role', name: 'all', namespace: 'shop', rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] }],
      roleBindings: [
        { kind: 'RoleBinding', name: 'all', namespace: 'shop', roleRef: { kind: 'Role', name: 'all' }, subjects: [{ kind: 'User', name: 'alice' }, { kind: 'Group', name: 'system:authenticated' }] },
      ],
      services: [{ name: 'ssh', spec: { type: 'NodePort', ports: [{ port: 22 }] } }],
      ingresses: [{ name: 'web', spec: {} }],
      // Selects no pod, so WL-015 and NET-003 still see none; NET-005 sees an allow-everything rule.
      networkPolicies: [{ name: 'allow-all', spec: { podSelector: { matchLabels: { app: 'none' } }, ingress: [{}] } }],
      resourceQuotas: [],
      limitRanges: [],
      configMaps: [{ name: 'cfg', data: { password: 'x' } }],
    }),
  };
}

function byCheck(findings: readonly Finding[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const f of findings) out.set(f.checkId, (out.get(f.checkId) ?? new Set()).add(f.result));
  return out;
}

describe('evaluateNamespace', () => {
  it('passes every check (but NS-005, which is for default only) on a good namespace', () => {
    const results = byCheck(evaluateNamespace(goodNamespace()));
    const expected = NAMESPACE_CHECKS.map((c) => c.id).filter((id) => id !== 'NS-005');
    assert.deepEqual([...results.keys()], expected);
    for (const [id, set] of results) assert.deepEqual([...set], ['pass'], id);
  });

  it('fails every check on a bad namespace', () => {
    const input = badNamespace();
    const results = byCheck([...evaluateNamespace(input), ...evaluateNamespace({ ...input, namespace: { name: 'default', labels: {} } })]);
    for (const c of NAMESPACE_CHECKS) assert.ok(results.get(c.id)?.has('fail'), `${c.id}: ${JSON.stringify([...(results.get(c.id) ?? [])])}`);
  });

  it('skips disabled checks', () => {
    const findings = evaluateNamespace({ ...goodNamespace(), config: { ...goodNamespace().config, disabledChecks: ['WL-012', 'NS-001'] } });
    assert.ok(!findings.some((f) => f.checkId === 'WL-012' || f.checkId === 'NS-001'));
    assert.ok(findings.some((f) => f.checkId === 'WL-011'));
  });

  it('turns a check that throws into one error finding and runs the others', () => {
    const data = Object.defineProperty({}, 'key', {
      enumerable: true,
      get: (): string => {
        throw new Error('boom');
      },
    }) as Record<string, string>;
    const broken: ConfigMap = { name: 'broken', data };
    const findings = evaluateNamespace({ ...goodNamespace(), configMaps: [broken] });
    const sec = findings.filter((f) => f.checkId === 'SEC-001');
    assert.equal(sec.length, 1);
    assert.equal(sec[0]?.result, 'error');
    assert.deepEqual(sec[0].resource, { kind: 'Namespace', namespace: '', name: 'shop' });
    assert.equal(sec[0].message, 'the check failed: boom');
    assert.ok(findings.some((f) => f.checkId === 'NET-004'));
  });
});
