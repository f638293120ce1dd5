import { renderNetworkPolicies } from './networkpolicies.js';
import type { DesiredObject } from './objects.js';
import type { ValidBaseline } from './selection.js';

/** Everything one baseline wants in one namespace. Pure: no client, no clock. */
export function renderNamespace(baseline: ValidBaseline, namespace: string): DesiredObject[] {
  return renderNetworkPolicies(baseline, namespace);
}
