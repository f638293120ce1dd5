/** Cluster checks: CL-001 (supported Kubernetes version, from /version). */
import type { CheckMeta, ClusterCheck } from '../check.js';
import { finding } from '../check.js';
import type { ClusterAuditInput, Finding } from '../types.js';

/**
 * The build-time default of what the operator knows about Kubernetes releases: the newest minor
 * and the day it was released (the control plane the tests run, hack/controlplane/kube/go.mod; a
 * unit test keeps them equal). Operators pass newer knowledge in configuration.
 */
export const NEWEST_KNOWN_MINOR = 36;
export const NEWEST_KNOWN_MINOR_RELEASED = '2026-04-22';
export const DEFAULT_SUPPORTED_MINORS = 3;
/** Past this age, "the newest minor" is probably no longer the newest: say so instead of passing. */
const STALE_AFTER_DAYS = 365;
const DAY_MS = 86_400_000;

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

/** "1 year 3 months", "2 years": how old the release knowledge is, in words. */
export function age(days: number): string {
  const years = Math.floor(days / 365);
  const months = Math.floor((days - years * 365) / 30);
  const part = (n: number, unit: string): string => `${n} ${unit}${n === 1 ? '' : 's'}`;
  return months === 0 ? part(years, 'year') : `${part(years, 'year')} ${part(months, 'month')}`;
}

/** When the newest-minor knowledge is over a year old, the sentence that says so; else undefined. */
function staleness(input: ClusterAuditInput, newest: number): string | undefined {
  const since = input.config?.newestMinor === undefined ? NEWEST_KNOWN_MINOR_RELEASED : input.config.newestMinorReleased;
  if (input.now === undefined || since === undefined) return undefined;
  const days = Math.floor((input.now.getTime() - Date.parse(since)) / DAY_MS);
  if (!(days > STALE_AFTER_DAYS)) return undefined;
  return `this operator's newest known Kubernetes minor, 1.${newest} (released ${since}), is ${age(days)} old, so newer minors likely exist: pass the newest minor and its release date in configuration (--newest-kubernetes-minor, --newest-kubernetes-minor-released) or upgrade the operator`;
}

function evaluate(input: ClusterAuditInput): Finding[] {
  const resource = { kind: 'Cluster', namespace: '', name: 'kubernetes' };
  const { version } = input;
  const major = parseNumber(version.major);
  const minor = parseNumber(version.minor);
  const newest = input.config?.newestMinor ?? NEWEST_KNOWN_MINOR;
  const supported = input.config?.supportedMinors ?? DEFAULT_SUPPORTED_MINORS;
  const oldest = newest - supported + 1;
  const properties = { gitVersion: version.gitVersion, oldestSupported: `1.${oldest}`, newestKnownMinor: `1.${newest}` };
  if (major === undefined || minor === undefined) return [finding(meta, resource, 'error', `cannot read the server version ${JSON.stringify(version)}`, { properties })];
  const stale = staleness(input, newest);
  if (major > 1 || minor >= oldest) {
    if (stale !== undefined) return [finding(meta, resource, 'warn', `${version.gitVersion} may no longer be supported: ${stale}`, { properties })];
    return [finding(meta, resource, 'pass', `${version.gitVersion} is within the newest ${supported} minors (1.${oldest} and later)`, { properties })];
  }
  const note = stale === undefined ? '' : `; besides, ${stale}`;
  return [finding(meta, resource, 'fail', `upgrade the control plane from ${version.gitVersion} to 1.${oldest} or later (the newest ${supported} minors are supported)${note}`, { properties })];
}

export const supportedVersionCheck: ClusterCheck = { ...meta, scope: 'cluster', evaluate };
export const clusterChecks: readonly ClusterCheck[] = [supportedVersionCheck];
