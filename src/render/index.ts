import { renderNetworkPolicies } from './networkpolicies.js';
import type { DesiredObject } from './objects.js';
import { renderLimitRange, renderQuota } from './quota.js';
import { renderRbac } from './rbac.js';
import type { ValidBaseline } from './selection.js';

/** Everything one baseline wants in one namespace, in the order it is applied. Pure: no client, no clock. */
export function renderNamespace(baseline: ValidBaseline, namespace: string): DesiredObject[] {
  return [
    ...renderNetworkPolicies(baseline, namespace),
    ...renderQuota(baseline, namespace),
    ...renderLimitRange(baseline, namespace),
    ...renderRbac(baseline, namespace),
  ];
}
