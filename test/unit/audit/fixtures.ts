import assert from 'node:assert/strict';
import { checkById } from '../../../src/audit/catalog.js';
import type { AuditConfig, AuditInput, Container, Finding, PodSpec, Workload } from '../../../src/audit/types.js';

export const DIGEST = `sha256:${'a'.repeat(64)}`;
export const IMAGE = `registry.example.com/team/app:1.2.3@${DIGEST}`;

/** A container that passes every workload and image check. */
export function secureContainer(name = 'app', extra: Partial<Container> = {}): Container {
  return {
    name,
    image: IMAGE,
    imagePullPolicy: 'IfNotPresent',
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true },
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
    ...extra,
  };
}

/** A pod spec that passes the restricted level and every workload check. */
export function securePodSpec(extra: Partial<PodSpec> = {}): PodSpec {
  return {
    serviceAccountName: 'app',
    automountServiceAccountToken: false,
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [secureContainer()],
    ...extra,
  };
}

export function deployment(name: string, podSpec: PodSpec, extra: Partial<Workload> = {}): Workload {
  return { kind: 'Deployment', name, namespace: 'shop', annotations: {}, podLabels: { app: name }, podAnnotations: {}, podSpec, ...extra };
}

export const CONFIG: AuditConfig = {
  allowedRegistries: ['registry.example.com'],
  oidcGroupPrefix: 'oidc:',
  podSecurityLevel: 'restricted',
};

/** A namespace that passes every namespace check, with the given overrides. */
export function auditInput(overrides: Partial<AuditInput> = {}, config: Partial<AuditConfig> = {}): AuditInput {
  return {
    namespace: { name: 'shop', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
    workloads: [],
    pods: [],
    serviceAccounts: [
      { name: 'default', automountServiceAccountToken: false },
      { name: 'app', automountServiceAccountToken: false },
    ],
    roles: [],
    roleBindings: [],
    clusterRoles: [],
    services: [],
    ingresses: [],
    networkPolicies: [{ name: 'posture-default-deny', spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } }],
    resourceQuotas: [{ name: 'posture-quota', spec: { hard: { 'requests.cpu': '8', 'requests.memory': '16Gi', 'limits.cpu': '16', 'limits.memory': '32Gi' } } }],
    limitRanges: [{ name: 'posture-limits', spec: { limits: [{ type: 'Container', default: { cpu: '500m', memory: '512Mi' }, defaultRequest: { cpu: '100m', memory: '128Mi' } }] } }],
    configMaps: [],
    ...overrides,
    config: { ...CONFIG, ...config },
  };
}

/** The findings of one check on an input. */
export function run(checkId: string, input: AuditInput): Finding[] {
  const check = checkById(checkId);
  assert.ok(check?.scope === 'namespace', `no namespace check ${checkId}`);
  return check.evaluate(input);
}

/** The single finding of a workload check on one Deployment with this pod spec. */
export function runOnPod(checkId: string, podSpec: PodSpec, config: Partial<AuditConfig> = {}, extra: Partial<Workload> = {}): Finding {
  const findings = run(checkId, auditInput({ workloads: [deployment('web', podSpec, extra)] }, config));
  assert.equal(findings.length, 1, `${checkId}: expected one finding, got ${JSON.stringify(findings)}`);
  const [only] = findings;
  assert.ok(only !== undefined);
  assert.equal(only.checkId, checkId);
  assert.deepEqual(only.resource, { kind: 'Deployment', namespace: 'shop', name: 'web' });
  return only;
}

/** A pod spec with the first container changed. */
export function withContainer(change: Partial<Container>, spec: PodSpec = securePodSpec()): PodSpec {
  const [first, ...rest] = spec.containers;
  return { ...spec, containers: [{ ...(first ?? secureContainer()), ...change }, ...rest] };
}

/** A pod spec with the first container's securityContext changed. */
export function withSecurityContext(change: NonNullable<Container['securityContext']>, spec: PodSpec = securePodSpec()): PodSpec {
  const first = spec.containers[0] ?? secureContainer();
  return withContainer({ securityContext: { ...first.securityContext, ...change } }, spec);
}
