/**
 * NET-005: NetworkPolicies are additive. A default-deny policy stops nothing once any other policy
 * in the namespace allows the traffic, and tenants with `edit` can write such a policy. This check
 * fails every rule that opens a direction to everyone on every port: no peers at all, a `{}`
 * namespace selector (every namespace), or an ipBlock of every address (0.0.0.0/0, ::/0).
 *
 * A rule open to everyone on a few listed ports (a public web port, egress to the API server on
 * 443) is the ordinary way to expose a service; it passes, and the pass message names the ports.
 * "Every port" is: no ports, an entry without a port (all ports of a protocol), or a range wider
 * than MAX_LISTED_PORTS.
 */
import type { CheckMeta, NamespaceCheck } from '../check.js';
import { fromOutcome } from '../check.js';
import { effectivePolicyTypes, isEmptySelector } from '../networkpolicy.js';
import type { NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from '../types.js';

const net005: CheckMeta = {
  id: 'NET-005',
  title: 'No permissive NetworkPolicy',
  severity: 'high',
  category: 'Network',
  seedItem: 'Use network policies: allow only necessary traffic between pods',
  equivalents: [],
  fix: 'Report',
};

const MAX_LISTED_PORTS = 16;

function portLimit(ports: readonly NetworkPolicyPort[] | undefined): string | undefined {
  if (ports === undefined || ports.length === 0) return undefined;
  let count = 0;
  for (const p of ports) {
    if (p.port === undefined) return undefined;
    count += typeof p.port === 'number' && p.endPort !== undefined ? Math.max(1, p.endPort - p.port + 1) : 1;
  }
  if (count > MAX_LISTED_PORTS) return undefined;
  return ports.map((p) => `${p.protocol ?? 'TCP'} ${String(p.port)}${p.endPort !== undefined ? `-${p.endPort}` : ''}`).join(', ');
}

/** A CIDR with prefix length 0 covers every address of its family. */
function isEveryAddress(cidr: string): boolean {
  return /\/0+$/.test(cidr.trim());
}

/** What makes a rule's peers everyone, or nothing. */
function openings(where: string, field: 'from' | 'to', peers: readonly NetworkPolicyPeer[] | undefined): string[] {
  if (peers === undefined || peers.length === 0) return [`${where}: no ${field}, so every pod of every namespace and every address outside the cluster`];
  return peers.flatMap((peer, j) => {
    const out: string[] = [];
    if (peer.namespaceSelector !== undefined && isEmptySelector(peer.namespaceSelector)) out.push(`${where} ${field}[${j}]: namespaceSelector {} (every namespace)`);
    if (peer.ipBlock !== undefined && isEveryAddress(peer.ipBlock.cidr)) out.push(`${where} ${field}[${j}]: ipBlock ${peer.ipBlock.cidr} (every address)`);
    return out;
  });
}

interface Verdict {
  problems: string[];
  /** Rules open to everyone, but on a few listed ports only. */
  listed: string[];
}

function judge(verdict: Verdict, where: string, field: 'from' | 'to', peers: readonly NetworkPolicyPeer[] | undefined, ports: readonly NetworkPolicyPort[] | undefined): void {
  const open = openings(where, field, peers);
  if (open.length === 0) return;
  const limit = portLimit(ports);
  if (limit === undefined) verdict.problems.push(...open.map((o) => `${o} on every port: name the peers that need it, or list the ports`));
  else verdict.listed.push(`${where} open to everyone on ${limit}`);
}

export function permissiveRules(policy: NetworkPolicy): Verdict {
  const types = effectivePolicyTypes(policy);
  const verdict: Verdict = { problems: [], listed: [] };
  if (types.has('Ingress')) (policy.spec.ingress ?? []).forEach((r, i) => { judge(verdict, `ingress rule ${i}`, 'from', r.from, r.ports); });
  if (types.has('Egress')) (policy.spec.egress ?? []).forEach((r, i) => { judge(verdict, `egress rule ${i}`, 'to', r.to, r.ports); });
  return verdict;
}

export const permissivePolicyCheck: NamespaceCheck = {
  ...net005,
  scope: 'namespace',
  evaluate: (input) =>
    input.networkPolicies.map((p) => {
      const { problems, listed } = permissiveRules(p);
      return fromOutcome(net005, { kind: 'NetworkPolicy', namespace: input.namespace.name, name: p.name }, {
        problems,
        passMessage: listed.length === 0 ? 'allows named peers only' : `allows named peers only, except: ${listed.join('; ')}`,
      });
    }),
};
