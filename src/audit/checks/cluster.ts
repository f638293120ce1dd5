/** Cluster checks: CL-001 (supported Kubernetes version, from /version). */
import type { CheckMeta, ClusterCheck } from '../check.js';
import { finding } from '../check.js';
import type { ClusterAuditInput, Finding } from '../types.js';

/** The newest Kubernetes minor released when this catalog was written; configurable per input. */
export const NEWEST_KNOWN_MINOR = 36;
export const DEFAULT_SUPPORTED_MINORS = 3;

const meta: CheckMeta = {
  id: 'CL-001',
  title: 'Supported Kubernetes',
  severity: 'medium',
  category: 'Cluster',
  seedItem: 'Keep Kubernetes version up to date',
  equivalents: ['C-0273'],
  fix: 'Report',
};

/** `"28+"` (managed clusters) reads as 28. */
function parseNumber(text: string): number | undefined {
  const m = /^(\d+)/.exec(text.trim());
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

function evaluate(input: ClusterAuditInput): Finding[] {
  const resource = { kind: 'Cluster', namespace: '', name: 'kubernetes' };
  const { version } = input;
  const major = parseNumber(version.major);
  const minor = parseNumber(version.minor);
  const newest = input.config?.newestMinor ?? NEWEST_KNOWN_MINOR;
  const supported = input.config?.supportedMinors ?? DEFAULT_SUPPORTED_MINORS;
  const oldest = newest - supported + 1;
  const properties = { gitVersion: version.gitVersion, oldestSupported: `1.${oldest}` };
  if (major === undefined || minor === undefined) return [finding(meta, resource, 'error', `cannot read the server version ${JSON.stringify(version)}`, { properties })];
  if (major > 1 || minor >= oldest) return [finding(meta, resource, 'pass', `${version.gitVersion} is within the newest ${supported} minors (1.${oldest} and later)`, { properties })];
  return [finding(meta, resource, 'fail', `upgrade the control plane from ${version.gitVersion} to 1.${oldest} or later (the newest ${supported} minors are supported)`, { properties })];
}

export const supportedVersionCheck: ClusterCheck = { ...meta, scope: 'cluster', evaluate };
export const clusterChecks: readonly ClusterCheck[] = [supportedVersionCheck];
