/** NetworkPolicy semantics the checks need: selection, effective policy types, IPv4 blocks. */
import type { Labels, LabelSelector, NetworkPolicy, NetworkPolicyEgressRule } from './types.js';

/** metav1.LabelSelector: every matchLabels pair and every expression must hold; {} matches all. */
export function matchesSelector(selector: LabelSelector, labels: Labels): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const value = labels[key];
    const ok =
      operator === 'In' ? value !== undefined && values.includes(value)
      : operator === 'NotIn' ? value === undefined || !values.includes(value)
      : operator === 'Exists' ? value !== undefined
      : operator === 'DoesNotExist' ? value === undefined
      : false;
    if (!ok) return false;
  }
  return true;
}

export function isEmptySelector(selector: LabelSelector): boolean {
  return Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
}

/** policyTypes, defaulted as the API server does: Ingress, plus Egress when there are egress rules. */
export function effectivePolicyTypes(policy: NetworkPolicy): Set<string> {
  const declared = policy.spec.policyTypes ?? [];
  if (declared.length > 0) return new Set(declared);
  return new Set((policy.spec.egress ?? []).length > 0 ? ['Ingress', 'Egress'] : ['Ingress']);
}

/**
 * The policies of one namespace by one label pair each must have (the first of their matchLabels),
 * and those without one (an empty selector, expressions only), which any pod may match. A pod's
 * candidates are then the policies under its own label pairs, plus those: matching every workload
 * against every policy was O(workloads x policies), a second per audit at 4,000 of each.
 */
interface SelectorIndex {
  byLabel: Map<string, number[]>;
  unanchored: number[];
}

const indexes = new WeakMap<readonly NetworkPolicy[], SelectorIndex>();

function labelKey(key: string, value: string): string {
  return `${key}\u0000${value}`;
}

function selectorIndex(policies: readonly NetworkPolicy[]): SelectorIndex {
  const known = indexes.get(policies);
  if (known !== undefined) return known;
  const index: SelectorIndex = { byLabel: new Map(), unanchored: [] };
  policies.forEach((p, i) => {
    const first = Object.entries(p.spec.podSelector.matchLabels ?? {})[0];
    if (first === undefined) {
      index.unanchored.push(i);
      return;
    }
    const key = labelKey(first[0], first[1]);
    const list = index.byLabel.get(key);
    if (list === undefined) index.byLabel.set(key, [i]);
    else list.push(i);
  });
  indexes.set(policies, index);
  return index;
}

/** The policies whose podSelector selects these pod labels, in the order given. */
export function policiesSelecting(policies: readonly NetworkPolicy[], podLabels: Labels): NetworkPolicy[] {
  const index = selectorIndex(policies);
  const candidates = [...index.unanchored];
  for (const [key, value] of Object.entries(podLabels)) candidates.push(...(index.byLabel.get(labelKey(key, value)) ?? []));
  candidates.sort((a, b) => a - b);
  const out: NetworkPolicy[] = [];
  for (const i of candidates) {
    const p = policies[i];
    if (p !== undefined && matchesSelector(p.spec.podSelector, podLabels)) out.push(p);
  }
  return out;
}

function parseIPv4(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    n = n * 256 + octet;
  }
  return n;
}

/** Whether an IPv4 CIDR contains an IPv4 address; false for IPv6 or malformed blocks. */
export function cidrContains(cidr: string, ip: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const net = parseIPv4(base ?? '');
  const addr = parseIPv4(ip);
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (net === undefined || addr === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const size = 2 ** (32 - bits);
  return Math.floor(net / size) === Math.floor(addr / size);
}

/** Whether an egress rule allows traffic to an IPv4 address (a rule without `to` allows everything). */
export function egressRuleAllows(rule: NetworkPolicyEgressRule, ip: string): boolean {
  const to = rule.to ?? [];
  if (to.length === 0) return true;
  return to.some((peer) => peer.ipBlock !== undefined && cidrContains(peer.ipBlock.cidr, ip) && !(peer.ipBlock.except ?? []).some((e) => cidrContains(e, ip)));
}
