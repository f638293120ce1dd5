/** The audit check catalog (see /docs/checks.md, generated from it by catalogMarkdown). */
import type { CheckDefinition, ClusterCheck, NamespaceCheck } from './check.js';
import { clusterChecks } from './checks/cluster.js';
import { credentialChecks } from './checks/credentials.js';
import { imageChecks } from './checks/image.js';
import { namespaceChecks } from './checks/namespace.js';
import { networkChecks } from './checks/network.js';
import { permissivePolicyCheck } from './checks/netpol-permissive.js';
import { rbacChecks } from './checks/rbac.js';
import { resourcesCheck } from './checks/resources.js';
import { workloadHostChecks } from './checks/workload-host.js';
import { workloadRestrictedChecks } from './checks/workload-restricted.js';

export type { CheckDefinition, CheckMeta, ClusterCheck, NamespaceCheck } from './check.js';

const PREFIX_ORDER = ['NS', 'WL', 'IMG', 'RB', 'SEC', 'NET', 'CL'];

function order(id: string): [number, number] {
  const [prefix = '', num = '0'] = id.split('-');
  return [PREFIX_ORDER.indexOf(prefix), Number(num)];
}

function byId(a: CheckDefinition, b: CheckDefinition): number {
  const [pa, na] = order(a.id);
  const [pb, nb] = order(b.id);
  return pa - pb || na - nb;
}

/** Every check, in catalog order (NS, WL, IMG, RB, SEC, NET, CL; by number). */
export const CATALOG: readonly CheckDefinition[] = [
  ...namespaceChecks,
  ...workloadHostChecks,
  ...workloadRestrictedChecks,
  resourcesCheck,
  ...credentialChecks,
  ...imageChecks,
  ...rbacChecks,
  ...networkChecks,
  permissivePolicyCheck,
  ...clusterChecks,
].sort(byId);

export const NAMESPACE_CHECKS: readonly NamespaceCheck[] = CATALOG.filter((c): c is NamespaceCheck => c.scope === 'namespace');
export const CLUSTER_CHECKS: readonly ClusterCheck[] = CATALOG.filter((c): c is ClusterCheck => c.scope === 'cluster');

export function checkById(id: string): CheckDefinition | undefined {
  return CATALOG.find((c) => c.id === id);
}
