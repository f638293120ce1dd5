// The workload checks judge Pod Security at the policy version the namespace pins
// (pod-security.kubernetes.io/enforce-version), as the API server admits its pods: each check
// against the per-version evaluator over the whole pod corpus at every version boundary, then one
// pod per boundary with the messages a user reads.
import assert from 'node:assert/strict';
import { ENFORCE_VERSION_LABEL, pinnedPolicy } from '../../../src/audit/podsecurity/pinned.js';
import { podSecurityCheckResults, type PodSecurityCheckId } from '../../../src/audit/podsecurity.js';
import { LATEST_POLICY_MINOR, VERSIONED_CHECKS } from '../../../src/audit/podsecurity/registry.js';
import type { AuditConfig, Finding, Labels, PodSpec } from '../../../src/audit/types.js';
import { podCorpus } from '../../integration/support/podcorpus.js';
import { auditInput, deployment, run, securePodSpec, withContainer, withSecurityContext } from './fixtures.js';

type Level = AuditConfig['podSecurityLevel'];

/** Each workload check and the Pod Security checks that report its rule, at any version. */
const PSS_EQUIVALENT: readonly (readonly [string, Level, readonly PodSecurityCheckId[]])[] = [
  ['WL-001', 'baseline', ['hostNamespaces']],
  ['WL-002', 'baseline', ['privileged']],
  ['WL-003', 'baseline', ['capabilities_baseline']],
  ['WL-005', 'baseline', ['hostPathVolumes']],
  ['WL-006', 'baseline', ['hostPorts']],
  ['WL-007', 'baseline', ['appArmorProfile', 'hostProbesAndHostLifecycle', 'procMount', 'seLinuxOptions', 'sysctls', 'windowsHostProcess']],
  ['WL-008', 'baseline', ['seccompProfile_baseline']],
  ['WL-001', 'restricted', ['hostNamespaces']],
  ['WL-002', 'restricted', ['privileged']],
  ['WL-004', 'restricted', ['capabilities_restricted']],
  ['WL-006', 'restricted', ['hostPorts']],
  // procMount (1.0) gives way to procMount_restricted (1.35); seccompProfile_baseline to seccompProfile_restricted (1.19).
  ['WL-007', 'restricted', ['appArmorProfile', 'hostProbesAndHostLifecycle', 'procMount', 'procMount_restricted', 'seLinuxOptions', 'sysctls', 'windowsHostProcess']],
  ['WL-008', 'restricted', ['seccompProfile_baseline', 'seccompProfile_restricted']],
  ['WL-009', 'restricted', ['allowPrivilegeEscalation']],
  ['WL-010', 'restricted', ['runAsNonRoot', 'runAsUser']],
  ['WL-011', 'restricted', ['restrictedVolumes']],
];

/** Every minor at which some check changed, the one before it, one past the newest, and latest. */
const BOUNDARIES: readonly string[] = [
  ...[...new Set(VERSIONED_CHECKS.flatMap((c) => c.versions.flatMap((v) => (v.since === 0 ? [0] : [v.since - 1, v.since]))))].sort((a, b) => a - b).map((m) => `v1.${m}`),
  `v1.${LATEST_POLICY_MINOR + 1}`,
  'latest',
];

function pinned(version: string | undefined, level: Level = 'baseline'): Labels {
  return { 'pod-security.kubernetes.io/enforce': level, ...(version === undefined ? {} : { [ENFORCE_VERSION_LABEL]: version }) };
}

/** The single finding of a workload check on one Deployment in a namespace pinning `version`. */
function judge(check: string, spec: PodSpec, version: string | undefined, level: Level = 'baseline', podAnnotations: Labels = {}): Finding {
  const input = auditInput({ namespace: { name: 'shop', labels: pinned(version, level) }, workloads: [deployment('web', spec, { podAnnotations })] }, { podSecurityLevel: level });
  const [only, ...rest] = run(check, input);
  assert.ok(only !== undefined && rest.length === 0, `${check}: expected one finding`);
  return only;
}

describe('workload checks at the namespace\'s pinned Pod Security version', () => {
  it('covers every version boundary of the registry', () => {
    for (const v of ['v1.0', 'v1.7', 'v1.8', 'v1.18', 'v1.19', 'v1.21', 'v1.22', 'v1.23', 'v1.24', 'v1.25', 'v1.26', 'v1.27', 'v1.30', 'v1.31', 'v1.33', 'v1.34', 'v1.35', 'v1.36', 'latest']) {
      assert.ok(BOUNDARIES.includes(v), `${v} in ${BOUNDARIES.join(', ')}`);
    }
  });

  const corpus = podCorpus();
  for (const version of BOUNDARIES) {
    it(`agree with Pod Security Admission check by check on the pod corpus at ${version}`, () => {
      const disagreements: string[] = [];
      for (const [check, level, psa] of PSS_EQUIVALENT) {
        for (const pod of corpus) {
          const psaFails = podSecurityCheckResults(pod.spec, level, pod.annotations ?? {}, version).some((v) => psa.includes(v.check));
          const wl = judge(check, pod.spec, version, level, pod.annotations ?? {});
          if ((wl.result === 'fail') !== psaFails) disagreements.push(`${pod.name} ${level}: ${check}=${wl.result} (${wl.message}), PSA ${psa.join('|')} fails=${String(psaFails)}`);
        }
      }
      assert.deepEqual(disagreements, []);
      // Each version evaluates the whole corpus twice (about 1.5 s on a loaded 2-core machine):
      // the limit only catches a hang, it is not a speed assertion.
    }).timeout(60_000);
  }

  it('reads the label the namespace carries: unset, latest, past the newest policy and unparseable all mean latest', () => {
    for (const label of [undefined, 'latest', `v1.${LATEST_POLICY_MINOR + 5}`, 'v2.0', 'v1.031', 'bogus']) {
      const policy = pinnedPolicy(label);
      assert.equal(policy.minor, LATEST_POLICY_MINOR, String(label));
      assert.equal(policy.older, false, String(label));
    }
    assert.equal(pinnedPolicy('v1.31').version, 'v1.31');
    assert.equal(pinnedPolicy('bogus').version, 'latest');
  });

  const bare = withSecurityContext({ allowPrivilegeEscalation: undefined });
  const boundaries: { name: string; check: string; level?: Level; spec: PodSpec; annotations?: Labels; allowedAt: string; forbiddenAt: string; message: string }[] = [
    { name: 'allowPrivilegeEscalation (1.8)', check: 'WL-009', spec: bare, allowedAt: 'v1.7', forbiddenAt: 'v1.8', message: 'container app: set securityContext.allowPrivilegeEscalation: false' },
    {
      name: 'seccomp fields replace the annotations (1.19)',
      check: 'WL-008',
      spec: securePodSpec({ securityContext: { runAsNonRoot: true, seccompProfile: { type: 'Unconfined' } } }),
      allowedAt: 'v1.18',
      forbiddenAt: 'v1.19',
      message: 'pod: set securityContext.seccompProfile.type: RuntimeDefault instead of Unconfined',
    },
    { name: 'drop ALL (1.22)', check: 'WL-004', spec: withSecurityContext({ capabilities: undefined }), allowedAt: 'v1.21', forbiddenAt: 'v1.22', message: 'container app: set securityContext.capabilities.drop: [ALL]' },
    { name: 'runAsUser=0 (1.23)', check: 'WL-010', spec: withSecurityContext({ runAsUser: 0 }), allowedAt: 'v1.22', forbiddenAt: 'v1.23', message: 'container app: set securityContext.runAsUser to a non-zero UID' },
    {
      name: 'probe host (1.34)',
      check: 'WL-007',
      spec: withContainer({ livenessProbe: { httpGet: { host: '10.0.0.1' } } }),
      allowedAt: 'v1.33',
      forbiddenAt: 'v1.34',
      message: 'container app: remove livenessProbe.httpGet.host 10.0.0.1',
    },
  ];
  for (const b of boundaries) {
    it(`${b.name}: allowed at ${b.allowedAt}, saying latest would not; forbidden from ${b.forbiddenAt}`, () => {
      const before = judge(b.check, b.spec, b.allowedAt, b.level, b.annotations);
      assert.equal(before.result, 'pass');
      assert.equal(before.message, `allowed at Pod Security ${b.allowedAt}, the namespace's pinned enforce-version (latest would not: ${b.message})`);
      const at = judge(b.check, b.spec, b.forbiddenAt, b.level, b.annotations);
      assert.equal(at.result, 'fail');
      assert.equal(at.message, b.message);
      assert.equal(judge(b.check, b.spec, undefined, b.level, b.annotations).message, b.message);
    });
  }

  const stricter: { name: string; check: string; level?: Level; spec: PodSpec; annotations?: Labels; forbiddenAt: string; allowedAt: string; message: string }[] = [
    {
      name: 'the seccomp annotation is judged before 1.19',
      check: 'WL-008',
      spec: securePodSpec(),
      annotations: { 'seccomp.security.alpha.kubernetes.io/pod': 'unconfined' },
      forbiddenAt: 'v1.18',
      allowedAt: 'v1.19',
      message: 'pod annotation seccomp.security.alpha.kubernetes.io/pod: use runtime/default or localhost/<profile> instead of unconfined (or remove it)',
    },
    {
      name: 'Windows pods are relaxed from 1.25',
      check: 'WL-009',
      spec: { os: { name: 'windows' }, securityContext: { runAsNonRoot: true }, containers: [{ name: 'app', image: 'x' }] },
      forbiddenAt: 'v1.24',
      allowedAt: 'v1.25',
      message: 'container app: set securityContext.allowPrivilegeEscalation: false',
    },
    {
      name: 'net.ipv4.ip_local_reserved_ports is safe from 1.27',
      check: 'WL-007',
      spec: securePodSpec({ securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' }, sysctls: [{ name: 'net.ipv4.ip_local_reserved_ports', value: '30000' }] } }),
      forbiddenAt: 'v1.26',
      allowedAt: 'v1.27',
      message: 'pod: remove unsafe sysctl net.ipv4.ip_local_reserved_ports',
    },
    {
      name: 'net.ipv4.tcp_keepalive_time is safe from 1.29',
      check: 'WL-007',
      spec: securePodSpec({ securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' }, sysctls: [{ name: 'net.ipv4.tcp_keepalive_time', value: '60' }] } }),
      forbiddenAt: 'v1.28',
      allowedAt: 'v1.29',
      message: 'pod: remove unsafe sysctl net.ipv4.tcp_keepalive_time',
    },
    {
      name: 'container_engine_t is allowed from 1.31',
      check: 'WL-007',
      spec: withSecurityContext({ seLinuxOptions: { type: 'container_engine_t' } }),
      forbiddenAt: 'v1.30',
      allowedAt: 'v1.31',
      message: 'container app: remove seLinuxOptions.type container_engine_t (allowed: container_t, container_init_t, container_kvm_t)',
    },
    {
      name: 'net.ipv4.tcp_rmem is safe from 1.32',
      check: 'WL-007',
      spec: securePodSpec({ securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' }, sysctls: [{ name: 'net.ipv4.tcp_rmem', value: '4096 87380 6291456' }] } }),
      forbiddenAt: 'v1.31',
      allowedAt: 'v1.32',
      message: 'pod: remove unsafe sysctl net.ipv4.tcp_rmem',
    },
    {
      name: 'a user namespace lifts runAsNonRoot from 1.35',
      check: 'WL-010',
      spec: securePodSpec({ hostUsers: false, securityContext: { seccompProfile: { type: 'RuntimeDefault' } } }),
      forbiddenAt: 'v1.34',
      allowedAt: 'v1.35',
      message: 'container app: set securityContext.runAsNonRoot: true (or set it on the pod)',
    },
    {
      name: 'a user namespace lifts the baseline procMount check from 1.35',
      check: 'WL-007',
      spec: securePodSpec({ hostUsers: false, containers: [{ ...withSecurityContext({ procMount: 'Unmasked' }).containers[0], name: 'app' }] }),
      forbiddenAt: 'v1.34',
      allowedAt: 'v1.35',
      message: 'container app: set securityContext.procMount: Default',
    },
  ];
  for (const b of stricter) {
    it(`${b.name}: forbidden at ${b.forbiddenAt}, saying latest allows it`, () => {
      const before = judge(b.check, b.spec, b.forbiddenAt, b.level, b.annotations);
      assert.equal(before.result, 'fail');
      assert.equal(before.message, `${b.message}; forbidden at Pod Security ${b.forbiddenAt}, the namespace's pinned enforce-version, though latest allows it`);
      assert.equal(judge(b.check, b.spec, b.allowedAt, b.level, b.annotations).result, 'pass');
      assert.equal(judge(b.check, b.spec, 'latest', b.level, b.annotations).result, 'pass');
    });
  }

  it('a restricted rule the pinned version does not have passes, naming the version', () => {
    const spec = withSecurityContext({ allowPrivilegeEscalation: undefined });
    assert.match(judge('WL-009', spec, 'v1.0', 'restricted').message, /^allowed at Pod Security v1\.0, the namespace's pinned enforce-version \(latest would not: /);
    // Not a Pod Security rule: WL-012 ignores the version.
    const writable = withSecurityContext({ readOnlyRootFilesystem: false });
    assert.equal(judge('WL-012', writable, 'v1.0').result, 'fail');
  });
});
