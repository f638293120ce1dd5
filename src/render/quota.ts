import { LIMIT_RANGE_NAME, QUOTA_NAME } from '../api/names.js';
import { effectiveLimits } from '../api/resources.js';
import { typeOfKind } from '../kube/resources.js';
import { desired, type DesiredObject } from './objects.js';
import type { ValidBaseline } from './selection.js';

export function renderQuota(b: ValidBaseline, ns: string): DesiredObject[] {
  const quota = b.spec.resourceQuota;
  if (quota === undefined) return [];
  return [desired(b, ns, typeOfKind('ResourceQuota'), QUOTA_NAME, { spec: { hard: { ...quota.hard } } })];
}

/** Written in the form the API server stores (default from max, defaultRequest from default), so it reads back equal. */
export function renderLimitRange(b: ValidBaseline, ns: string): DesiredObject[] {
  const lr = b.spec.limitRange;
  if (lr === undefined) return [];
  const item = { type: 'Container', ...effectiveLimits(lr) };
  return [desired(b, ns, typeOfKind('LimitRange'), LIMIT_RANGE_NAME, { spec: { limits: [item] } })];
}
