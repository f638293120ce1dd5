import { ALLOW_DNS_POLICY, DEFAULT_DENY_POLICY } from '../api/names.js';
import { objectMeta, type DesiredObject } from './objects.js';
import type { ValidBaseline } from './selection.js';

const NETWORK_POLICY = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' } as const;

/** Every field is written out, so the object read back from the API server equals the rendered one. */
function defaultDeny(baseline: ValidBaseline, namespace: string): DesiredObject | undefined {
  const policyTypes = [...baseline.spec.networkPolicy.defaultDeny].sort();
  if (policyTypes.length === 0) return undefined;
  return {
    ...NETWORK_POLICY,
    metadata: objectMeta(baseline, namespace, DEFAULT_DENY_POLICY),
    spec: { podSelector: {}, policyTypes },
  };
}

function allowDns(baseline: ValidBaseline, namespace: string): DesiredObject | undefined {
  const { allowDNS, defaultDeny: denied } = baseline.spec.networkPolicy;
  if (!allowDNS || !denied.includes('Egress')) return undefined;
  return {
    ...NETWORK_POLICY,
    metadata: objectMeta(baseline, namespace, ALLOW_DNS_POLICY),
    spec: {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        {
          to: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
              podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
            },
          ],
          ports: [
            { protocol: 'UDP', port: 53 },
            { protocol: 'TCP', port: 53 },
          ],
        },
      ],
    },
  };
}

export function renderNetworkPolicies(baseline: ValidBaseline, namespace: string): DesiredObject[] {
  return [defaultDeny(baseline, namespace), allowDns(baseline, namespace)].filter((o) => o !== undefined);
}
