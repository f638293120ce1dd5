import assert from 'node:assert/strict';
import type { PodSecurityCheckId } from '../../../src/audit/podsecurity.js';
import { podSecurityCheckResults, podSecurityChecks, podSecurityViolations } from '../../../src/audit/podsecurity.js';
import type { Labels, PodSpec } from '../../../src/audit/types.js';
import { secureContainer, securePodSpec, withContainer, withSecurityContext } from './fixtures.js';

function ids(spec: PodSpec, level: 'baseline' | 'restricted', annotations: Labels = {}): PodSecurityCheckId[] {
  return podSecurityCheckResults(spec, level, annotations).map((v) => v.check);
}

interface Case {
  name: string;
  spec: PodSpec;
  annotations?: Labels;
  baseline: PodSecurityCheckId[];
  restricted: PodSecurityCheckId[];
}

const secure = securePodSpec();
const bare: PodSpec = { containers: [{ name: 'app', image: 'nginx' }] };
const BARE_RESTRICTED: PodSecurityCheckId[] = ['allowPrivilegeEscalation', 'capabilities_restricted', 'runAsNonRoot', 'seccompProfile_restricted'];

const cases: Case[] = [
  { name: 'a hardened pod', spec: secure, baseline: [], restricted: [] },
  { name: 'a bare pod', spec: bare, baseline: [], restricted: BARE_RESTRICTED },
  // host namespaces
  { name: 'hostNetwork', spec: { ...secure, hostNetwork: true }, baseline: ['hostNamespaces'], restricted: ['hostNamespaces'] },
  { name: 'hostPID', spec: { ...secure, hostPID: true }, baseline: ['hostNamespaces'], restricted: ['hostNamespaces'] },
  { name: 'hostIPC', spec: { ...secure, hostIPC: true }, baseline: ['hostNamespaces'], restricted: ['hostNamespaces'] },
  { name: 'hostNetwork false', spec: { ...secure, hostNetwork: false }, baseline: [], restricted: [] },
  // privileged
  { name: 'privileged container', spec: withSecurityContext({ privileged: true }), baseline: ['privileged'], restricted: ['privileged'] },
  { name: 'privileged false', spec: withSecurityContext({ privileged: false }), baseline: [], restricted: [] },
  {
    name: 'privileged ephemeral container',
    spec: { ...secure, ephemeralContainers: [secureContainer('debug', { securityContext: { ...secureContainer().securityContext, privileged: true } })] },
    baseline: ['privileged'],
    restricted: ['privileged'],
  },
  {
    name: 'privileged init container',
    spec: { ...secure, initContainers: [secureContainer('init', { securityContext: { ...secureContainer().securityContext, privileged: true } })] },
    baseline: ['privileged'],
    restricted: ['privileged'],
  },
  // capabilities
  { name: 'add NET_RAW', spec: withSecurityContext({ capabilities: { drop: ['ALL'], add: ['NET_RAW'] } }), baseline: ['capabilities_baseline'], restricted: ['capabilities_restricted'] },
  { name: 'add CHOWN (baseline set)', spec: withSecurityContext({ capabilities: { drop: ['ALL'], add: ['CHOWN'] } }), baseline: [], restricted: ['capabilities_restricted'] },
  { name: 'add lowercase chown (exact match)', spec: withSecurityContext({ capabilities: { drop: ['ALL'], add: ['chown'] } }), baseline: ['capabilities_baseline'], restricted: ['capabilities_restricted'] },
  { name: 'add NET_BIND_SERVICE', spec: withSecurityContext({ capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } }), baseline: [], restricted: [] },
  { name: 'drop all (lowercase) is not ALL', spec: withSecurityContext({ capabilities: { drop: ['all'] } }), baseline: [], restricted: ['capabilities_restricted'] },
  { name: 'no capabilities at all', spec: withSecurityContext({ capabilities: undefined }), baseline: [], restricted: ['capabilities_restricted'] },
  {
    name: 'capabilities not relaxed for user namespaces',
    spec: { ...withSecurityContext({ capabilities: { drop: ['ALL'], add: ['SYS_ADMIN'] } }), hostUsers: false },
    baseline: ['capabilities_baseline'],
    restricted: ['capabilities_restricted'],
  },
  // volumes
  { name: 'hostPath volume', spec: { ...secure, volumes: [{ name: 'h', hostPath: { path: '/var/log' } }] }, baseline: ['hostPathVolumes'], restricted: ['restrictedVolumes'] },
  { name: 'nfs volume', spec: { ...secure, volumes: [{ name: 'n', nfs: { server: 's', path: '/' } }] }, baseline: [], restricted: ['restrictedVolumes'] },
  { name: 'volume without a known source', spec: { ...secure, volumes: [{ name: 'x' }] }, baseline: [], restricted: ['restrictedVolumes'] },
  {
    name: 'the nine restricted volume types',
    spec: {
      ...secure,
      volumes: [
        { name: 'a', configMap: { name: 'c' } },
        { name: 'b', csi: { driver: 'd' } },
        { name: 'c', downwardAPI: {} },
        { name: 'd', emptyDir: {} },
        { name: 'e', ephemeral: {} },
        { name: 'f', image: { reference: 'x' } },
        { name: 'g', persistentVolumeClaim: { claimName: 'p' } },
        { name: 'h', projected: { sources: [] } },
        { name: 'i', secret: { secretName: 's' } },
      ],
    },
    baseline: [],
    restricted: [],
  },
  // host ports
  { name: 'hostPort', spec: withContainer({ ports: [{ containerPort: 80, hostPort: 8080 }] }), baseline: ['hostPorts'], restricted: ['hostPorts'] },
  { name: 'hostPort 0', spec: withContainer({ ports: [{ containerPort: 80, hostPort: 0 }] }), baseline: [], restricted: [] },
  // AppArmor
  { name: 'AppArmor Unconfined on the pod', spec: { ...secure, securityContext: { ...secure.securityContext, appArmorProfile: { type: 'Unconfined' } } }, baseline: ['appArmorProfile'], restricted: ['appArmorProfile'] },
  { name: 'AppArmor Unconfined on a container', spec: withSecurityContext({ appArmorProfile: { type: 'Unconfined' } }), baseline: ['appArmorProfile'], restricted: ['appArmorProfile'] },
  { name: 'AppArmor Localhost', spec: withSecurityContext({ appArmorProfile: { type: 'Localhost', localhostProfile: 'p' } }), baseline: [], restricted: [] },
  { name: 'AppArmor annotation unconfined', spec: secure, annotations: { 'container.apparmor.security.beta.kubernetes.io/app': 'unconfined' }, baseline: ['appArmorProfile'], restricted: ['appArmorProfile'] },
  { name: 'AppArmor annotation runtime/default', spec: secure, annotations: { 'container.apparmor.security.beta.kubernetes.io/app': 'runtime/default' }, baseline: [], restricted: [] },
  { name: 'AppArmor annotation localhost/', spec: secure, annotations: { 'container.apparmor.security.beta.kubernetes.io/app': 'localhost/prof' }, baseline: [], restricted: [] },
  // SELinux
  { name: 'SELinux type spc_t', spec: withSecurityContext({ seLinuxOptions: { type: 'spc_t' } }), baseline: ['seLinuxOptions'], restricted: ['seLinuxOptions'] },
  { name: 'SELinux type container_engine_t (1.31)', spec: withSecurityContext({ seLinuxOptions: { type: 'container_engine_t' } }), baseline: [], restricted: [] },
  { name: 'SELinux user on the pod', spec: { ...secure, securityContext: { ...secure.securityContext, seLinuxOptions: { user: 'system_u' } } }, baseline: ['seLinuxOptions'], restricted: ['seLinuxOptions'] },
  { name: 'SELinux role', spec: withSecurityContext({ seLinuxOptions: { role: 'system_r' } }), baseline: ['seLinuxOptions'], restricted: ['seLinuxOptions'] },
  { name: 'SELinux level only', spec: withSecurityContext({ seLinuxOptions: { level: 's0:c123,c456' } }), baseline: [], restricted: [] },
  // /proc mount
  { name: 'procMount Unmasked', spec: withSecurityContext({ procMount: 'Unmasked' }), baseline: ['procMount'], restricted: ['procMount_restricted'] },
  { name: 'procMount Default', spec: withSecurityContext({ procMount: 'Default' }), baseline: [], restricted: [] },
  { name: 'procMount Unmasked in a user namespace', spec: { ...withSecurityContext({ procMount: 'Unmasked' }), hostUsers: false }, baseline: [], restricted: ['procMount_restricted'] },
  // seccomp
  { name: 'seccomp Unconfined on the pod', spec: { ...secure, securityContext: { runAsNonRoot: true, seccompProfile: { type: 'Unconfined' } } }, baseline: ['seccompProfile_baseline'], restricted: ['seccompProfile_restricted'] },
  {
    name: 'pod Unconfined, container RuntimeDefault (the pod setter still fails)',
    spec: withSecurityContext({ seccompProfile: { type: 'RuntimeDefault' } }, { ...secure, securityContext: { runAsNonRoot: true, seccompProfile: { type: 'Unconfined' } } }),
    baseline: ['seccompProfile_baseline'],
    restricted: ['seccompProfile_restricted'],
  },
  { name: 'seccomp unset everywhere', spec: { ...secure, securityContext: { runAsNonRoot: true } }, baseline: [], restricted: ['seccompProfile_restricted'] },
  { name: 'seccomp on the container only', spec: withSecurityContext({ seccompProfile: { type: 'Localhost', localhostProfile: 'p.json' } }, { ...secure, securityContext: { runAsNonRoot: true } }), baseline: [], restricted: [] },
  { name: 'container Unconfined under a valid pod profile', spec: withSecurityContext({ seccompProfile: { type: 'Unconfined' } }), baseline: ['seccompProfile_baseline'], restricted: ['seccompProfile_restricted'] },
  // sysctls
  { name: 'safe sysctl net.ipv4.tcp_rmem (1.32)', spec: { ...secure, securityContext: { ...secure.securityContext, sysctls: [{ name: 'net.ipv4.tcp_rmem', value: '4096 87380 6291456' }] } }, baseline: [], restricted: [] },
  { name: 'safe sysctl ip_local_reserved_ports (1.27)', spec: { ...secure, securityContext: { ...secure.securityContext, sysctls: [{ name: 'net.ipv4.ip_local_reserved_ports', value: '8080' }] } }, baseline: [], restricted: [] },
  { name: 'sysctl tcp_slow_start_after_idle (only 1.37)', spec: { ...secure, securityContext: { ...secure.securityContext, sysctls: [{ name: 'net.ipv4.tcp_slow_start_after_idle', value: '0' }] } }, baseline: ['sysctls'], restricted: ['sysctls'] },
  { name: 'unsafe sysctl kernel.msgmax', spec: { ...secure, securityContext: { ...secure.securityContext, sysctls: [{ name: 'kernel.msgmax', value: '1' }] } }, baseline: ['sysctls'], restricted: ['sysctls'] },
  // Windows host process
  { name: 'hostProcess on the pod', spec: { ...secure, securityContext: { ...secure.securityContext, windowsOptions: { hostProcess: true } } }, baseline: ['windowsHostProcess'], restricted: ['windowsHostProcess'] },
  { name: 'hostProcess on a container', spec: withSecurityContext({ windowsOptions: { hostProcess: true } }), baseline: ['windowsHostProcess'], restricted: ['windowsHostProcess'] },
  // probe and lifecycle host (1.34)
  { name: 'liveness probe httpGet host', spec: withContainer({ livenessProbe: { httpGet: { host: '10.0.0.1' } } }), baseline: ['hostProbesAndHostLifecycle'], restricted: ['hostProbesAndHostLifecycle'] },
  { name: 'preStop tcpSocket host', spec: withContainer({ lifecycle: { preStop: { tcpSocket: { host: 'example.com' } } } }), baseline: ['hostProbesAndHostLifecycle'], restricted: ['hostProbesAndHostLifecycle'] },
  { name: 'empty probe host', spec: withContainer({ readinessProbe: { httpGet: { host: '' } }, startupProbe: { tcpSocket: {} } }), baseline: [], restricted: [] },
  // restricted: privilege escalation
  { name: 'allowPrivilegeEscalation unset', spec: withSecurityContext({ allowPrivilegeEscalation: undefined }), baseline: [], restricted: ['allowPrivilegeEscalation'] },
  { name: 'allowPrivilegeEscalation true', spec: withSecurityContext({ allowPrivilegeEscalation: true }), baseline: [], restricted: ['allowPrivilegeEscalation'] },
  // restricted: non-root
  { name: 'runAsNonRoot on no level', spec: { ...secure, securityContext: { seccompProfile: { type: 'RuntimeDefault' } } }, baseline: [], restricted: ['runAsNonRoot'] },
  { name: 'runAsNonRoot on the container only', spec: withSecurityContext({ runAsNonRoot: true }, { ...secure, securityContext: { seccompProfile: { type: 'RuntimeDefault' } } }), baseline: [], restricted: [] },
  {
    name: 'pod runAsNonRoot false, container true (the pod setter still fails)',
    spec: withSecurityContext({ runAsNonRoot: true }, { ...secure, securityContext: { runAsNonRoot: false, seccompProfile: { type: 'RuntimeDefault' } } }),
    baseline: [],
    restricted: ['runAsNonRoot'],
  },
  { name: 'container runAsNonRoot false under pod true', spec: withSecurityContext({ runAsNonRoot: false }), baseline: [], restricted: ['runAsNonRoot'] },
  { name: 'runAsUser 0 on a container', spec: withSecurityContext({ runAsUser: 0 }), baseline: [], restricted: ['runAsUser'] },
  { name: 'runAsUser 0 on the pod', spec: { ...secure, securityContext: { ...secure.securityContext, runAsUser: 0 } }, baseline: [], restricted: ['runAsUser'] },
  { name: 'runAsUser 1000', spec: withSecurityContext({ runAsUser: 1000 }), baseline: [], restricted: [] },
  {
    name: 'user namespace lifts runAsNonRoot and runAsUser',
    spec: { ...withSecurityContext({ runAsUser: 0, runAsNonRoot: false }), hostUsers: false },
    baseline: [],
    restricted: [],
  },
  { name: 'hostUsers true lifts nothing', spec: { ...withSecurityContext({ runAsUser: 0 }), hostUsers: true }, baseline: [], restricted: ['runAsUser'] },
  // restricted: Windows relaxations
  {
    name: 'Windows lifts privilege escalation, capabilities and seccomp',
    spec: { os: { name: 'windows' }, securityContext: { runAsNonRoot: true }, containers: [{ name: 'app', image: 'x' }] },
    baseline: [],
    restricted: [],
  },
  {
    name: 'Windows does not lift runAsNonRoot',
    spec: { os: { name: 'windows' }, containers: [{ name: 'app', image: 'x' }] },
    baseline: [],
    restricted: ['runAsNonRoot'],
  },
  {
    name: 'Linux os name lifts nothing',
    spec: { ...bare, os: { name: 'linux' } },
    baseline: [],
    restricted: BARE_RESTRICTED,
  },
  // all container kinds are visited
  { name: 'a bare init container (native sidecar)', spec: { ...secure, initContainers: [{ name: 'sidecar', image: 'x' }] }, baseline: [], restricted: ['allowPrivilegeEscalation', 'capabilities_restricted'] },
  { name: 'a bare ephemeral container', spec: { ...secure, ephemeralContainers: [{ name: 'debug', image: 'busybox' }] }, baseline: [], restricted: ['allowPrivilegeEscalation', 'capabilities_restricted'] },
];

describe('podSecurityViolations: the Pod Security Standards as PSA evaluates them (v1.36, latest)', () => {
  for (const c of cases) {
    it(`${c.name}: baseline ${JSON.stringify(c.baseline)}, restricted ${JSON.stringify(c.restricted)}`, () => {
      assert.deepEqual(ids(c.spec, 'baseline', c.annotations), c.baseline);
      assert.deepEqual(ids(c.spec, 'restricted', c.annotations), c.restricted);
    });
  }

  it('words violations like the API server warning', () => {
    assert.deepEqual(podSecurityViolations(bare, 'restricted'), [
      'allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false)',
      'unrestricted capabilities (container "app" must set securityContext.capabilities.drop=["ALL"])',
      'runAsNonRoot != true (pod or container "app" must set securityContext.runAsNonRoot=true)',
      'seccompProfile (pod or container "app" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    ]);
    assert.deepEqual(podSecurityViolations({ ...bare, hostNetwork: true, hostPID: true }, 'baseline'), ['host namespaces (hostNetwork=true, hostPID=true)']);
    assert.deepEqual(podSecurityViolations(withContainer({ ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 81, hostPort: 443 }] }), 'baseline'), [
      'hostPort (container "app" uses hostPorts 443, 8080)',
    ]);
    assert.deepEqual(podSecurityViolations({ ...secure, securityContext: { sysctls: [{ name: 'kernel.msgmax' }, { name: 'kernel.sem' }] } }, 'baseline'), [
      'forbidden sysctls (kernel.msgmax, kernel.sem)',
    ]);
    assert.deepEqual(podSecurityViolations({ ...secure, volumes: [{ name: 'a', nfs: {} }, { name: 'b', hostPath: { path: '/' } }] }, 'restricted'), [
      'restricted volume types (volumes "a", "b" use restricted volume types "hostPath", "nfs")',
    ]);
    assert.deepEqual(podSecurityViolations(withSecurityContext({ capabilities: { add: ['SYS_ADMIN', 'NET_RAW'] } }), 'baseline'), [
      'non-default capabilities (container "app" must not include "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add)',
    ]);
    assert.deepEqual(podSecurityViolations(secure, 'baseline', { 'container.apparmor.security.beta.kubernetes.io/app': 'unconfined' }), [
      // joinQuote does not escape: the annotation's own quotes appear as they are.
      'forbidden AppArmor profile (annotation must not set AppArmor profile type to "container.apparmor.security.beta.kubernetes.io/app="unconfined"")',
    ]);
  });

  it('names pod and containers together when both are wrong', () => {
    const spec = withSecurityContext({ runAsNonRoot: false }, { ...secure, securityContext: { runAsNonRoot: false, seccompProfile: { type: 'RuntimeDefault' } } });
    assert.deepEqual(podSecurityViolations(spec, 'restricted'), ['runAsNonRoot != true (pod and container "app" must not set securityContext.runAsNonRoot=false)']);
  });

  it('evaluates baseline checks first, then restricted ones, each list sorted by id, minus overridden baseline checks', () => {
    assert.deepEqual(podSecurityChecks('baseline'), [
      'appArmorProfile', 'capabilities_baseline', 'hostNamespaces', 'hostPathVolumes', 'hostPorts', 'hostProbesAndHostLifecycle',
      'privileged', 'procMount', 'seLinuxOptions', 'seccompProfile_baseline', 'sysctls', 'windowsHostProcess',
    ]);
    assert.deepEqual(podSecurityChecks('restricted'), [
      'appArmorProfile', 'hostNamespaces', 'hostPorts', 'hostProbesAndHostLifecycle', 'privileged', 'seLinuxOptions', 'sysctls',
      'windowsHostProcess', 'allowPrivilegeEscalation', 'capabilities_restricted', 'procMount_restricted', 'restrictedVolumes',
      'runAsNonRoot', 'runAsUser', 'seccompProfile_restricted',
    ]);
    assert.deepEqual(podSecurityChecks('privileged'), []);
    assert.deepEqual(podSecurityViolations({ ...bare, hostNetwork: true, containers: [{ name: 'app', securityContext: { privileged: true } }] }, 'privileged'), []);
  });

  it('orders baseline violations before restricted ones in one result', () => {
    const spec: PodSpec = { hostNetwork: true, containers: [{ name: 'app', securityContext: { privileged: true } }] };
    assert.deepEqual(ids(spec, 'restricted'), ['hostNamespaces', 'privileged', 'allowPrivilegeEscalation', 'capabilities_restricted', 'runAsNonRoot', 'seccompProfile_restricted']);
  });
});

describe('podSecurityViolations at a pinned policy version (pod-security.kubernetes.io/enforce-version)', () => {
  const at = (spec: PodSpec, level: 'baseline' | 'restricted', version: string, annotations: Labels = {}): PodSecurityCheckId[] =>
    podSecurityCheckResults(spec, level, annotations, version).map((v) => v.check);

  it('lists only the checks that existed at v1.0, in the same order', () => {
    assert.deepEqual(podSecurityChecks('restricted', 'v1.0'), [
      'appArmorProfile', 'capabilities_baseline', 'hostNamespaces', 'hostPorts', 'privileged', 'procMount', 'seLinuxOptions', 'seccompProfile_baseline',
      'sysctls', 'windowsHostProcess', 'restrictedVolumes', 'runAsNonRoot',
    ]);
    assert.deepEqual(at(bare, 'restricted', 'v1.0'), ['runAsNonRoot']);
    assert.deepEqual(at(bare, 'restricted', 'v1.8'), ['allowPrivilegeEscalation', 'runAsNonRoot']);
    assert.deepEqual(at(bare, 'restricted', 'v1.22'), ['allowPrivilegeEscalation', 'capabilities_restricted', 'runAsNonRoot', 'seccompProfile_restricted']);
  });

  it('treats latest, the newest policy and later versions alike, and an unparseable version as latest', () => {
    for (const v of ['v1.35', 'v1.36', 'v1.99', 'v2.0', 'nonsense']) assert.deepEqual(podSecurityChecks('restricted', v), podSecurityChecks('restricted', 'latest'), v);
  });

  it('relaxes Windows pods only from v1.25', () => {
    const windows: PodSpec = { os: { name: 'windows' }, securityContext: { runAsNonRoot: true }, containers: [{ name: 'app', image: 'x' }] };
    assert.deepEqual(at(windows, 'restricted', 'v1.24'), ['allowPrivilegeEscalation', 'capabilities_restricted', 'seccompProfile_restricted']);
    assert.deepEqual(at(windows, 'restricted', 'v1.25'), []);
  });

  it('relaxes user-namespaced pods only from v1.35', () => {
    const userns: PodSpec = { ...secure, hostUsers: false, securityContext: { ...secure.securityContext, runAsNonRoot: undefined, runAsUser: 0 } };
    assert.deepEqual(at(userns, 'restricted', 'v1.34'), ['runAsNonRoot', 'runAsUser']);
    assert.deepEqual(at(userns, 'restricted', 'v1.35'), []);
  });

  it('allows more sysctls and SELinux types as the policy grew', () => {
    const sysctl = (name: string): PodSpec => ({ ...secure, securityContext: { ...secure.securityContext, sysctls: [{ name, value: '1' }] } });
    assert.deepEqual(at(sysctl('net.ipv4.ip_local_reserved_ports'), 'baseline', 'v1.26'), ['sysctls']);
    assert.deepEqual(at(sysctl('net.ipv4.ip_local_reserved_ports'), 'baseline', 'v1.27'), []);
    assert.deepEqual(at(sysctl('net.ipv4.tcp_keepalive_time'), 'baseline', 'v1.28'), ['sysctls']);
    assert.deepEqual(at(sysctl('net.ipv4.tcp_rmem'), 'baseline', 'v1.31'), ['sysctls']);
    assert.deepEqual(at(sysctl('net.ipv4.tcp_rmem'), 'baseline', 'v1.32'), []);
    const engine = withSecurityContext({ seLinuxOptions: { type: 'container_engine_t' } }, secure);
    assert.deepEqual(at(engine, 'baseline', 'v1.30'), ['seLinuxOptions']);
    assert.deepEqual(at(engine, 'baseline', 'v1.31'), []);
  });

  it('judges the seccomp alpha annotations before v1.19, and the field from then on', () => {
    const annotations = { 'seccomp.security.alpha.kubernetes.io/pod': 'unconfined', 'container.seccomp.security.alpha.kubernetes.io/app': 'runtime/default' };
    assert.deepEqual(podSecurityViolations(bare, 'baseline', annotations, 'v1.18'), ['seccompProfile (forbidden annotation seccomp.security.alpha.kubernetes.io/pod="unconfined")']);
    assert.deepEqual(podSecurityViolations(bare, 'baseline', annotations, 'v1.19'), []);
    const unconfined = withSecurityContext({ seccompProfile: { type: 'Unconfined' } }, secure);
    assert.deepEqual(at(unconfined, 'baseline', 'v1.18'), []);
    assert.deepEqual(at(unconfined, 'baseline', 'v1.19'), ['seccompProfile_baseline']);
  });

  it('forbids probe and lifecycle hosts only from v1.34', () => {
    const probe = withContainer({ ...secureContainer(), livenessProbe: { httpGet: { host: '10.0.0.1' } } });
    assert.deepEqual(at(probe, 'baseline', 'v1.33'), []);
    assert.deepEqual(at(probe, 'baseline', 'v1.34'), ['hostProbesAndHostLifecycle']);
  });
});
