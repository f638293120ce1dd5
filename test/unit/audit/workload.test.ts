import assert from 'node:assert/strict';
import { isCriticalHostPath } from '../../../src/audit/checks/workload-host.js';
import { podSecurityCheckResults } from '../../../src/audit/podsecurity.js';
import type { PodSecurityCheckId } from '../../../src/audit/podsecurity.js';
import type { AuditConfig, PodSpec, Result, Severity, Workload } from '../../../src/audit/types.js';
import { runOnPod, secureContainer, securePodSpec, withContainer, withSecurityContext } from './fixtures.js';

interface Case {
  check: string;
  name: string;
  spec: PodSpec;
  config?: Partial<AuditConfig>;
  workload?: Partial<Workload>;
  result: Result;
  severity?: Severity;
  /** Every fragment must appear in the message. */
  message?: string[];
  equivalents?: string[];
}

const secure = securePodSpec();
const windows: PodSpec = { os: { name: 'windows' }, securityContext: { runAsNonRoot: true }, containers: [{ name: 'app', image: 'x' }] };

const cases: Case[] = [
  // WL-001 host namespaces
  { check: 'WL-001', name: 'no host namespaces', spec: secure, result: 'pass' },
  {
    check: 'WL-001',
    name: 'hostPID',
    spec: { ...secure, hostPID: true },
    result: 'fail',
    severity: 'high',
    message: ['pod: set spec.hostPID: false'],
    equivalents: ['P:hostPIDSet', 'C-0038', 'C-0041', 'CIS 5.2.3', 'CIS 5.2.4', 'CIS 5.2.5', 'KSV-0008', 'KSV-0009', 'KSV-0010', 'PSS-B'],
  },
  { check: 'WL-001', name: 'hostNetwork and hostIPC', spec: { ...secure, hostNetwork: true, hostIPC: true }, result: 'fail', message: ['spec.hostNetwork: false', 'spec.hostIPC: false'] },
  // WL-002 privileged
  { check: 'WL-002', name: 'not privileged', spec: withSecurityContext({ privileged: false }), result: 'pass' },
  { check: 'WL-002', name: 'privileged', spec: withSecurityContext({ privileged: true }), result: 'fail', severity: 'critical', message: ['container app: set securityContext.privileged: false'] },
  {
    check: 'WL-002',
    name: 'privileged init container',
    spec: { ...secure, initContainers: [{ name: 'setup', securityContext: { privileged: true } }] },
    result: 'fail',
    message: ['initContainer setup: set securityContext.privileged: false'],
  },
  // WL-003 added capabilities
  { check: 'WL-003', name: 'baseline capability', spec: withSecurityContext({ capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE', 'CHOWN'] } }), result: 'pass' },
  { check: 'WL-003', name: 'NET_RAW is high', spec: withSecurityContext({ capabilities: { add: ['NET_RAW'] } }), result: 'fail', severity: 'high', message: ['container app: remove NET_RAW from securityContext.capabilities.add'] },
  { check: 'WL-003', name: 'SYS_ADMIN is critical', spec: withSecurityContext({ capabilities: { add: ['SYS_ADMIN'] } }), result: 'fail', severity: 'critical' },
  { check: 'WL-003', name: 'CAP_NET_ADMIN is critical', spec: withSecurityContext({ capabilities: { add: ['CAP_NET_ADMIN'] } }), result: 'fail', severity: 'critical' },
  { check: 'WL-003', name: 'ALL is critical', spec: withSecurityContext({ capabilities: { add: ['ALL'] } }), result: 'fail', severity: 'critical' },
  // WL-004 drop ALL
  { check: 'WL-004', name: 'drops ALL', spec: secure, result: 'pass' },
  { check: 'WL-004', name: 'drops ALL, adds NET_BIND_SERVICE', spec: withSecurityContext({ capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } }), result: 'pass' },
  { check: 'WL-004', name: 'drops nothing', spec: withSecurityContext({ capabilities: undefined }), result: 'fail', severity: 'medium', message: ['container app: set securityContext.capabilities.drop: [ALL]'] },
  { check: 'WL-004', name: 'adds CHOWN', spec: withSecurityContext({ capabilities: { drop: ['ALL'], add: ['CHOWN'] } }), result: 'fail', message: ['remove CHOWN'] },
  { check: 'WL-004', name: 'Windows pods are relaxed', spec: windows, result: 'pass', message: ['Windows'] },
  // WL-005 hostPath
  { check: 'WL-005', name: 'no hostPath', spec: { ...secure, volumes: [{ name: 'tmp', emptyDir: {} }] }, result: 'pass' },
  { check: 'WL-005', name: 'hostPath /var/log is high', spec: { ...secure, volumes: [{ name: 'logs', hostPath: { path: '/var/log' } }] }, result: 'fail', severity: 'high', message: ['volume logs: replace hostPath /var/log'] },
  { check: 'WL-005', name: 'hostPath docker.sock is critical', spec: { ...secure, volumes: [{ name: 'sock', hostPath: { path: '/var/run/docker.sock' } }] }, result: 'fail', severity: 'critical' },
  { check: 'WL-005', name: 'hostPath / is critical', spec: { ...secure, volumes: [{ name: 'root', hostPath: { path: '/' } }] }, result: 'fail', severity: 'critical' },
  // WL-006 hostPort
  { check: 'WL-006', name: 'containerPort only', spec: withContainer({ ports: [{ containerPort: 8080 }] }), result: 'pass' },
  { check: 'WL-006', name: 'hostPort 8080', spec: withContainer({ ports: [{ containerPort: 8080, hostPort: 8080 }] }), result: 'fail', severity: 'medium', message: ['container app: remove hostPort 8080'] },
  // WL-007 other baseline fields
  { check: 'WL-007', name: 'nothing unusual', spec: secure, result: 'pass' },
  { check: 'WL-007', name: 'procMount Unmasked', spec: withSecurityContext({ procMount: 'Unmasked' }), result: 'fail', message: ['container app: set securityContext.procMount: Default'] },
  {
    check: 'WL-007',
    name: 'procMount Unmasked in a user namespace at baseline',
    spec: { ...withSecurityContext({ procMount: 'Unmasked' }), hostUsers: false },
    config: { podSecurityLevel: 'baseline' },
    result: 'pass',
  },
  { check: 'WL-007', name: 'procMount Unmasked in a user namespace at restricted', spec: { ...withSecurityContext({ procMount: 'Unmasked' }), hostUsers: false }, result: 'fail' },
  { check: 'WL-007', name: 'SELinux spc_t', spec: withSecurityContext({ seLinuxOptions: { type: 'spc_t' } }), result: 'fail', message: ['container app: remove seLinuxOptions.type spc_t'] },
  { check: 'WL-007', name: 'SELinux container_t', spec: withSecurityContext({ seLinuxOptions: { type: 'container_t', level: 's0' } }), result: 'pass' },
  { check: 'WL-007', name: 'unsafe sysctl', spec: { ...secure, securityContext: { ...secure.securityContext, sysctls: [{ name: 'kernel.msgmax' }] } }, result: 'fail', message: ['pod: remove unsafe sysctl kernel.msgmax'] },
  { check: 'WL-007', name: 'safe sysctl', spec: { ...secure, securityContext: { ...secure.securityContext, sysctls: [{ name: 'net.ipv4.tcp_syncookies' }] } }, result: 'pass' },
  { check: 'WL-007', name: 'AppArmor Unconfined', spec: withSecurityContext({ appArmorProfile: { type: 'Unconfined' } }), result: 'fail', message: ['container app: set appArmorProfile.type: RuntimeDefault'] },
  {
    check: 'WL-007',
    name: 'AppArmor annotation unconfined',
    spec: secure,
    workload: { podAnnotations: { 'container.apparmor.security.beta.kubernetes.io/app': 'unconfined' } },
    result: 'fail',
    message: ['pod annotation container.apparmor.security.beta.kubernetes.io/app'],
  },
  { check: 'WL-007', name: 'hostProcess', spec: { ...secure, securityContext: { ...secure.securityContext, windowsOptions: { hostProcess: true } } }, result: 'fail', message: ['pod: set securityContext.windowsOptions.hostProcess: false'] },
  { check: 'WL-007', name: 'probe host', spec: withContainer({ livenessProbe: { httpGet: { host: '10.0.0.1' } } }), result: 'fail', message: ['container app: remove livenessProbe.httpGet.host 10.0.0.1'] },
  // WL-008 seccomp
  { check: 'WL-008', name: 'pod RuntimeDefault', spec: secure, result: 'pass' },
  { check: 'WL-008', name: 'unset at restricted', spec: { ...secure, securityContext: { runAsNonRoot: true } }, result: 'fail', message: ['container app: set securityContext.seccompProfile.type: RuntimeDefault (or set it on the pod)'] },
  { check: 'WL-008', name: 'unset at baseline', spec: { ...secure, securityContext: { runAsNonRoot: true } }, config: { podSecurityLevel: 'baseline' }, result: 'pass' },
  { check: 'WL-008', name: 'Unconfined at baseline', spec: withSecurityContext({ seccompProfile: { type: 'Unconfined' } }), config: { podSecurityLevel: 'baseline' }, result: 'fail', message: ['instead of Unconfined'] },
  { check: 'WL-008', name: 'container Localhost without pod profile', spec: withSecurityContext({ seccompProfile: { type: 'Localhost', localhostProfile: 'a.json' } }, { ...secure, securityContext: { runAsNonRoot: true } }), result: 'pass' },
  { check: 'WL-008', name: 'Windows at restricted', spec: windows, result: 'pass' },
  // WL-009 privilege escalation
  { check: 'WL-009', name: 'explicitly false', spec: secure, result: 'pass' },
  { check: 'WL-009', name: 'unset', spec: withSecurityContext({ allowPrivilegeEscalation: undefined }), result: 'fail', severity: 'high', message: ['container app: set securityContext.allowPrivilegeEscalation: false'] },
  { check: 'WL-009', name: 'ephemeral container unset', spec: { ...secure, ephemeralContainers: [{ name: 'debug' }] }, result: 'fail', message: ['ephemeralContainer debug: set securityContext.allowPrivilegeEscalation: false'] },
  { check: 'WL-009', name: 'Windows pods are relaxed', spec: windows, result: 'pass' },
  // WL-010 non-root
  { check: 'WL-010', name: 'pod runAsNonRoot', spec: secure, result: 'pass' },
  { check: 'WL-010', name: 'nothing set', spec: { ...secure, securityContext: { seccompProfile: { type: 'RuntimeDefault' } } }, result: 'fail', message: ['container app: set securityContext.runAsNonRoot: true (or set it on the pod)'] },
  { check: 'WL-010', name: 'runAsUser 0', spec: withSecurityContext({ runAsUser: 0 }), result: 'fail', message: ['container app: set securityContext.runAsUser to a non-zero UID'] },
  { check: 'WL-010', name: 'container opts out', spec: withSecurityContext({ runAsNonRoot: false }), result: 'fail', message: ['(it is false)'] },
  { check: 'WL-010', name: 'user namespace', spec: { ...withSecurityContext({ runAsUser: 0 }), hostUsers: false }, result: 'pass', message: ['user namespace'] },
  // WL-011 volume types
  { check: 'WL-011', name: 'allowed volumes', spec: { ...secure, volumes: [{ name: 'c', configMap: { name: 'x' } }, { name: 'i', image: { reference: 'r' } }] }, result: 'pass' },
  { check: 'WL-011', name: 'nfs', spec: { ...secure, volumes: [{ name: 'share', nfs: { server: 'nas', path: '/x' } }] }, result: 'fail', severity: 'low', message: ['volume share: replace the nfs volume'] },
  // WL-012 read-only root filesystem
  { check: 'WL-012', name: 'read-only root', spec: secure, result: 'pass' },
  { check: 'WL-012', name: 'writable root', spec: withSecurityContext({ readOnlyRootFilesystem: false }), result: 'fail', message: ['container app: set securityContext.readOnlyRootFilesystem: true'] },
  { check: 'WL-012', name: 'Windows: not applicable', spec: windows, result: 'skip' },
];

describe('workload checks WL-001..WL-012', () => {
  for (const c of cases) {
    it(`${c.check} ${c.name}: ${c.result}`, () => {
      const f = runOnPod(c.check, c.spec, c.config, c.workload);
      assert.equal(f.result, c.result, f.message);
      if (c.severity !== undefined) assert.equal(f.severity, c.severity);
      for (const fragment of c.message ?? []) assert.ok(f.message.includes(fragment), `${JSON.stringify(f.message)} lacks ${JSON.stringify(fragment)}`);
      if (c.equivalents !== undefined) assert.deepEqual(f.equivalents, c.equivalents);
    });
  }

  it('reports one finding per workload, naming every failing container', () => {
    const spec: PodSpec = { ...secure, containers: [secureContainer('a', { securityContext: { privileged: true } }), secureContainer('b', { securityContext: { privileged: true } })] };
    const f = runOnPod('WL-002', spec);
    assert.equal(f.message, 'container a: set securityContext.privileged: false; container b: set securityContext.privileged: false');
  });

  it('classifies critical host paths', () => {
    for (const p of ['/', '/etc', '/etc/kubernetes/', '/proc', '/sys/fs', '/var/run/docker.sock', '/run/containerd/containerd.sock', '/var/lib/kubelet']) assert.ok(isCriticalHostPath(p), p);
    for (const p of ['/var/log', '/data', '/etcd-backup', '/opt/app']) assert.ok(!isCriticalHostPath(p), p);
  });
});

/** Each Pod Security check and the workload check that reports the same rule. */
const PSS_EQUIVALENT: readonly (readonly [string, 'baseline' | 'restricted', readonly PodSecurityCheckId[]])[] = [
  ['WL-001', 'baseline', ['hostNamespaces']],
  ['WL-002', 'baseline', ['privileged']],
  ['WL-003', 'baseline', ['capabilities_baseline']],
  ['WL-005', 'baseline', ['hostPathVolumes']],
  ['WL-006', 'baseline', ['hostPorts']],
  ['WL-007', 'baseline', ['appArmorProfile', 'hostProbesAndHostLifecycle', 'procMount', 'seLinuxOptions', 'sysctls', 'windowsHostProcess']],
  ['WL-008', 'baseline', ['seccompProfile_baseline']],
  ['WL-004', 'restricted', ['capabilities_restricted']],
  ['WL-007', 'restricted', ['appArmorProfile', 'hostProbesAndHostLifecycle', 'procMount_restricted', 'seLinuxOptions', 'sysctls', 'windowsHostProcess']],
  ['WL-008', 'restricted', ['seccompProfile_restricted']],
  ['WL-009', 'restricted', ['allowPrivilegeEscalation']],
  ['WL-010', 'restricted', ['runAsNonRoot', 'runAsUser']],
  ['WL-011', 'restricted', ['restrictedVolumes']],
];

describe('workload checks agree with podSecurityViolations', () => {
  const corpus = cases.filter((c) => c.check !== 'WL-012');
  for (const [check, level, psa] of PSS_EQUIVALENT) {
    it(`${check} fails exactly when PSA ${level} reports ${psa.join(' or ')}`, () => {
      for (const c of corpus) {
        const annotations = c.workload?.podAnnotations ?? {};
        const psaFails = podSecurityCheckResults(c.spec, level, annotations).some((v) => psa.includes(v.check));
        const wl = runOnPod(check, c.spec, { podSecurityLevel: level }, c.workload);
        assert.equal(wl.result === 'fail', psaFails, `${c.check} ${c.name}: ${check}=${wl.result}, PSA=${String(psaFails)}`);
      }
    });
  }
});
