import type { DriftRecord, DriftStatus } from '../api/status.js';

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
