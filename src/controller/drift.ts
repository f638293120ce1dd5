import type { Logger } from 'winston';
import { API_VERSION, KIND } from '../api/names.js';
import type { DriftRecord, DriftStatus } from '../api/status.js';
import type { EventRecorder } from '../kube/events.js';
import { MANAGED_TYPES, SECURITY_BASELINE } from '../kube/resources.js';
import type { Metrics } from '../observability/metrics.js';
import type { CacheView } from '../runtime/caches.js';
import type { BaselineRegistry, SecurityBaselineObject } from './baselines.js';

export const RECENT_DRIFT_LIMIT = 10;

/**
 * Drift counters and the last records of one baseline. Seeded from the status already on the
 * object, so a restart continues the counts instead of resetting them.
 */
export class DriftLog {
  private detected: number;
  private repaired: number;
  private lastDetected: string | undefined;
  private recent: DriftRecord[];

  constructor(seed: DriftStatus | undefined) {
    this.detected = seed?.detected ?? 0;
    this.repaired = seed?.repaired ?? 0;
    this.lastDetected = seed?.lastDetected;
    this.recent = [...(seed?.recent ?? [])].slice(0, RECENT_DRIFT_LIMIT);
  }

  detect(record: DriftRecord): void {
    this.detected++;
    this.lastDetected = record.time;
    this.recent = [record, ...this.recent].slice(0, RECENT_DRIFT_LIMIT);
  }

  repair(): void {
    this.repaired++;
  }

  status(): DriftStatus {
    return {
      detected: this.detected,
      repaired: this.repaired,
      ...(this.lastDetected === undefined ? {} : { lastDetected: this.lastDetected }),
      recent: this.recent,
    };
  }
}

export class DriftLogs {
  private readonly logs = new Map<string, DriftLog>();

  /** The log of a baseline, created from its current status the first time it is needed. */
  get(baseline: string, seed: () => DriftStatus | undefined): DriftLog {
    let log = this.logs.get(baseline);
    if (log === undefined) this.logs.set(baseline, (log = new DriftLog(seed())));
    return log;
  }

  peek(baseline: string): DriftLog | undefined {
    return this.logs.get(baseline);
  }

  forget(baseline: string): void {
    this.logs.delete(baseline);
  }
}

export interface DriftDeps {
  logs: DriftLogs;
  log: Logger;
  metrics: Metrics;
  events: EventRecorder;
  caches: CacheView;
  baselines: BaselineRegistry;
  /** The baseline's status is due: its drift counts changed. */
  changed: (baseline: string) => void;
}

/**
 * Records drift the enforcement controller found: counted and logged when detected; when repaired,
 * counted, announced as a DriftRepaired Event naming who changed what, and written to status.
 */
export function recordDrift(deps: DriftDeps, baseline: string, record: DriftRecord, repaired: boolean): void {
  const { metrics, log, events } = deps;
  const driftLog = deps.logs.get(baseline, () => (deps.caches.get(SECURITY_BASELINE.plural, baseline) as SecurityBaselineObject | undefined)?.status?.drift);
  if (!repaired) {
    driftLog.detect(record);
    metrics.driftDetected.inc({ baseline, kind: record.kind });
    metrics.countDriftBy(baseline, record.by);
    log.info('drift detected', { baseline, ...record });
    return;
  }
  driftLog.repair();
  metrics.driftRepaired.inc({ baseline, kind: record.kind });
  const by = record.by === 'unknown' ? '' : ` by ${record.by}`;
  // In the namespace, about the object: its tenants read why it came back. A Namespace's own
  // labels are reported in that namespace too (as regarding namespace/name), not in default.
  events.record(
    { apiVersion: apiVersionOf(record.kind), kind: record.kind, name: record.name, namespace: record.namespace },
    'Warning',
    'DriftRepaired',
    'Repair',
    `${record.kind} ${record.name} was ${record.change.toLowerCase()}${by}; restored to baseline ${baseline}`,
  );
  const uid = deps.baselines.get(baseline)?.uid;
  if (uid !== undefined) {
    // On the baseline, whose events anyone reading the default namespace sees: no namespace or object names.
    events.record({ apiVersion: API_VERSION, kind: KIND, name: baseline, uid }, 'Warning', 'DriftRepaired', 'Repair', `managed ${record.kind} objects were changed by someone else and restored; the events of the affected namespaces name them`);
  }
  deps.changed(baseline);
}

function apiVersionOf(kind: string): string {
  return MANAGED_TYPES.find((t) => t.kind === kind)?.apiVersion ?? 'v1';
}
