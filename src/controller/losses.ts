import type { Logger } from 'winston';
import { API_VERSION, KIND } from '../api/names.js';
import type { EventRecorder } from '../kube/events.js';
import type { Metrics } from '../observability/metrics.js';
import type { BaselineRegistry } from './baselines.js';
import type { LossCause } from './results.js';

export interface LossDeps {
  log: Logger;
  metrics: Metrics;
  events: EventRecorder;
  baselines: BaselineRegistry;
}

function why(cause: LossCause, winner: string | undefined): string {
  switch (cause) {
    case 'unselected':
      return 'its labels no longer match spec.namespaceSelector';
    case 'excluded':
      return 'spec.excludeNamespaces names it';
    case 'outranked':
      return `baseline ${winner ?? '(unknown)'} selects it with a higher priority, or the same priority and a name that sorts first`;
  }
}

/**
 * A namespace left a baseline: said in the log, counted (posture_namespaces_lost_total, alert
 * PostureNamespacesLost) and announced as a Warning event on the baseline, naming the namespace and
 * the cause. Called before anything of the baseline is removed from the namespace.
 */
export function recordLoss(deps: LossDeps, baseline: string, namespace: string, cause: LossCause, winner: string | undefined): void {
  deps.log.warn('namespace lost', { baseline, namespace, cause, winner });
  deps.metrics.namespacesLost.inc({ baseline, cause });
  const uid = deps.baselines.get(baseline)?.uid;
  if (uid === undefined) return;
  deps.events.record(
    { apiVersion: API_VERSION, kind: KIND, name: baseline, uid },
    'Warning',
    'NamespaceLost',
    'Release',
    `namespace ${namespace} is no longer covered by this baseline (${cause}: ${why(cause, winner)}); what it enforced there is removed`,
  );
}
