/** Network isolation and exposure: WL-015, NET-001..NET-004. */
import type { CheckMeta, NamespaceCheck } from '../check.js';
import { fromOutcome, perWorkload } from '../check.js';
import { effectivePolicyTypes, egressRuleAllows, policiesSelecting } from '../networkpolicy.js';
import type { AuditInput, Service } from '../types.js';

const NETPOL_SEED = 'Use network policies: allow only necessary traffic between pods';

export const METADATA_IP = '169.254.169.254';

export const podIsolatedCheck: NamespaceCheck = perWorkload(
  {
    id: 'WL-015',
    title: 'Pod isolated',
    severity: 'medium',
    category: 'Workload',
    seedItem: NETPOL_SEED,
    equivalents: ['P:missingNetworkPolicy', 'KS:pod-networkpolicy', 'C-0030'],
    fix: 'via NS-002',
  },
  (w, input) => {
    const types = new Set(policiesSelecting(input.networkPolicies, w.podLabels ?? {}).flatMap((p) => [...effectivePolicyTypes(p)]));
    const missing = ['Ingress', 'Egress'].filter((t) => !types.has(t));
    return {
      problems: missing.length === 0 ? [] : [`pod: no NetworkPolicy restricts its ${missing.join(' and ')}; add one that selects it (a default-deny policy does)`],
      passMessage: 'NetworkPolicies restrict its ingress and egress',
    };
  },
);

export const metadataApiCheck: NamespaceCheck = perWorkload(
  {
    id: 'NET-003',
    title: 'Metadata API blocked',
    severity: 'high',
    category: 'Network',
    seedItem: 'Restrict cloud metadata API access',
    equivalents: [],
    fix: 'Auto in generated egress rules',
  },
  (w, input) => {
    const egress = policiesSelecting(input.networkPolicies, w.podLabels ?? {}).filter((p) => effectivePolicyTypes(p).has('Egress'));
    if (egress.length === 0) return { problems: [`pod: no NetworkPolicy restricts its egress, so it can reach ${METADATA_IP}; add a default-deny egress policy`] };
    const problems = egress.flatMap((p) =>
      (p.spec.egress ?? []).flatMap((rule, i) =>
        egressRuleAllows(rule, METADATA_IP)
          ? [`NetworkPolicy ${p.name} egress rule ${i}: allows ${METADATA_IP}; add it to ipBlock.except (or narrow the rule's to)`]
          : [],
      ),
    );
    return { problems, passMessage: `egress to ${METADATA_IP} is not allowed` };
  },
);

function perService(meta: CheckMeta, problems: (s: Service) => string[], passMessage: string): NamespaceCheck {
  return {
    ...meta,
    scope: 'namespace',
    evaluate: (input: AuditInput) =>
      input.services.map((s) => fromOutcome(meta, { kind: 'Service', namespace: input.namespace.name, name: s.name }, { problems: problems(s), passMessage })),
  };
}

export const exposureCheck: NamespaceCheck = perService(
  {
    id: 'NET-001',
    title: 'Exposure',
    severity: 'medium',
    category: 'Network',
    seedItem: 'Restrict unintended access',
    equivalents: ['KS:service-type', 'KSV-0108'],
    fix: 'Report',
  },
  (s) => {
    const out: string[] = [];
    if (s.spec.type === 'NodePort') out.push('set type: ClusterIP and expose it through an Ingress or a LoadBalancer with source ranges (it is NodePort)');
    if (s.spec.type === 'LoadBalancer' && (s.spec.loadBalancerSourceRanges ?? []).length === 0) out.push('set spec.loadBalancerSourceRanges to the networks that need it');
    if ((s.spec.externalIPs ?? []).length > 0) out.push(`remove spec.externalIPs (${(s.spec.externalIPs ?? []).join(', ')})`);
    return out;
  },
  'not exposed outside the cluster without restriction',
);

const net002: CheckMeta = {
  id: 'NET-002',
  title: 'Ingress TLS',
  severity: 'medium',
  category: 'Network',
  seedItem: 'Ensure that all communication is done via TLS',
  equivalents: ['P:tlsSettingsMissing'],
  fix: 'Report',
};

export const ingressTlsCheck: NamespaceCheck = {
  ...net002,
  scope: 'namespace',
  evaluate: (input) =>
    input.ingresses.map((ing) =>
      fromOutcome(net002, { kind: 'Ingress', namespace: input.namespace.name, name: ing.name }, {
        problems: (ing.spec.tls ?? []).length === 0 ? ['add spec.tls with a certificate Secret for its hosts'] : [],
        passMessage: 'serves TLS',
      }),
    ),
};

const SSH_PORTS = new Set([22, 2222]);

export const sshCheck: NamespaceCheck = perService(
  {
    id: 'NET-004',
    title: 'SSH exposed',
    severity: 'low',
    category: 'Network',
    seedItem: 'Restrict API and SSH access',
    equivalents: ['C-0042'],
    fix: 'Report',
  },
  (s) =>
    (s.spec.ports ?? [])
      .filter((p) => SSH_PORTS.has(p.port) || (typeof p.targetPort === 'number' && SSH_PORTS.has(p.targetPort)))
      .map((p) => `port ${p.name ?? String(p.port)}: remove SSH (port ${p.port}, targetPort ${String(p.targetPort ?? p.port)}); use kubectl exec or a bastion`),
  'no SSH port',
);

export const networkChecks: readonly NamespaceCheck[] = [podIsolatedCheck, exposureCheck, ingressTlsCheck, metadataApiCheck, sshCheck];
