import type { LabelSelector } from '../api/labelselector.js';
import { ALLOW_DNS_POLICY, ALLOW_SAME_NAMESPACE_POLICY, DEFAULT_DENY_POLICY, allowFromPolicyName } from '../api/names.js';
import { typeOfKind } from '../kube/resources.js';
import { desired, type DesiredObject } from './objects.js';
import type { ValidBaseline } from './selection.js';

const NETWORK_POLICY = typeOfKind('NetworkPolicy');

/**
 * Every field is written out, so the object read back from the API server equals the rendered one.
 * No rule here has an ipBlock: peers are chosen by pod and namespace labels only, so no rule we
 * write can reach the cloud metadata address (169.254.169.254, fd00:ec2::254).
 */
function defaultDeny(b: ValidBaseline, ns: string): DesiredObject | undefined {
  const policyTypes = [...b.spec.networkPolicy.defaultDeny].sort();
  if (policyTypes.length === 0) return undefined;
  return desired(b, ns, NETWORK_POLICY, DEFAULT_DENY_POLICY, { spec: { podSelector: {}, policyTypes } });
}

function allowDns(b: ValidBaseline, ns: string): DesiredObject | undefined {
  const { allowDNS, defaultDeny: denied } = b.spec.networkPolicy;
  if (!allowDNS || !denied.includes('Egress')) return undefined;
  return desired(b, ns, NETWORK_POLICY, ALLOW_DNS_POLICY, {
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
  });
}

function allowSameNamespace(b: ValidBaseline, ns: string): DesiredObject | undefined {
  const { allowSameNamespace: allow, defaultDeny: denied } = b.spec.networkPolicy;
  if (!allow || denied.length === 0) return undefined;
  const policyTypes = [...denied].sort();
  const peer = [{ podSelector: {} }];
  return desired(b, ns, NETWORK_POLICY, ALLOW_SAME_NAMESPACE_POLICY, {
    spec: {
      podSelector: {},
      policyTypes,
      ...(denied.includes('Ingress') ? { ingress: [{ from: peer }] } : {}),
      ...(denied.includes('Egress') ? { egress: [{ to: peer }] } : {}),
    },
  });
}

/** Drops empty selector parts, which the API server would not store. */
function cleanSelector(s: LabelSelector): LabelSelector {
  const out: LabelSelector = {};
  if (s.matchLabels !== undefined && Object.keys(s.matchLabels).length > 0) out.matchLabels = s.matchLabels;
  if (s.matchExpressions !== undefined && s.matchExpressions.length > 0) {
    out.matchExpressions = s.matchExpressions.map((e) => (e.values === undefined || e.values.length === 0 ? { key: e.key, operator: e.operator } : e));
  }
  return out;
}

function allowFrom(b: ValidBaseline, ns: string): DesiredObject[] {
  const { allowIngressFrom, defaultDeny: denied } = b.spec.networkPolicy;
  if (!denied.includes('Ingress')) return [];
  return allowIngressFrom.map((source, i) =>
    desired(b, ns, NETWORK_POLICY, allowFromPolicyName(i), {
      spec: {
        podSelector: {},
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [
              {
                namespaceSelector: cleanSelector(source.namespaceSelector),
                ...(source.podSelector === undefined ? {} : { podSelector: cleanSelector(source.podSelector) }),
              },
            ],
          },
        ],
      },
    }),
  );
}

export function renderNetworkPolicies(b: ValidBaseline, ns: string): DesiredObject[] {
  return [defaultDeny(b, ns), allowDns(b, ns), allowSameNamespace(b, ns), ...allowFrom(b, ns)].filter((o) => o !== undefined);
}
