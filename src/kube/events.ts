import { randomBytes } from 'node:crypto';
import type { Logger } from 'winston';
import type { ApiClient } from './client.js';
import { errorMessage } from './errors.js';
import { collectionPath, EVENT } from './resources.js';

export interface EventTarget {
  apiVersion: string;
  kind: string;
  name: string;
  /** Unknown for an object the operator is about to create again. */
  uid?: string;
  /** A namespaced object's namespace: its events go there, where its namespace's users read them. */
  namespace?: string;
}

export type EventType = 'Normal' | 'Warning';

/** Events about a cluster-scoped object live in the default namespace, where kubectl describe finds them. */
const CLUSTER_EVENTS_NAMESPACE = 'default';
const REPEAT_WINDOW_MS = 10 * 60_000;
const MAX_REMEMBERED = 2048;
/** Failed events are warned about at most this often: an API server outage fails every one of them. */
const WARN_INTERVAL_MS = 30_000;

/**
 * Records Kubernetes Events (events.k8s.io/v1). The same event for the same object is sent at most
 * once per ten minutes, so a flapping namespace cannot flood the API server. Sending is best effort:
 * a failed event is logged, never retried, and never fails a reconcile.
 */
export class EventRecorder {
  private readonly sent = new Map<string, number>();
  private lastWarned = -Infinity;
  private notRecordedSinceWarning = 0;

  constructor(
    private readonly client: ApiClient,
    private readonly log: Logger,
    private readonly instance: string,
    private readonly now: () => number = Date.now,
  ) {}

  record(target: EventTarget, type: EventType, reason: string, action: string, note: string): void {
    const dedupeKey = `${target.namespace ?? ''}/${target.kind}/${target.name}/${target.uid ?? ''}/${reason}/${note}`;
    const at = this.now();
    const last = this.sent.get(dedupeKey);
    if (last !== undefined && at - last < REPEAT_WINDOW_MS) return;
    this.sent.delete(dedupeKey);
    this.sent.set(dedupeKey, at);
    if (this.sent.size > MAX_REMEMBERED) {
      const oldest = this.sent.keys().next().value;
      if (oldest !== undefined) this.sent.delete(oldest);
    }
    const body = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: `${target.name}.${randomBytes(8).toString('hex')}`, namespace: target.namespace ?? CLUSTER_EVENTS_NAMESPACE },
      eventTime: microTime(new Date(at)),
      reportingController: 'posture.dev/posture-operator',
      reportingInstance: this.instance,
      action,
      reason,
      type,
      note: note.slice(0, 1024),
      regarding: {
        apiVersion: target.apiVersion,
        kind: target.kind,
        name: target.name,
        ...(target.namespace === undefined ? {} : { namespace: target.namespace }),
        ...(target.uid === undefined ? {} : { uid: target.uid }),
      },
    };
    this.client
      .request({ verb: 'create', resource: 'events', method: 'POST', path: collectionPath(EVENT, target.namespace ?? CLUSTER_EVENTS_NAMESPACE), body })
      .catch((err: unknown) => {
        this.notRecorded(reason, target.name, errorMessage(err));
      });
  }

  private notRecorded(reason: string, target: string, error: string): void {
    const at = this.now();
    if (at - this.lastWarned < WARN_INTERVAL_MS) {
      this.notRecordedSinceWarning++;
      this.log.debug('event not recorded', { reason, target, error });
      return;
    }
    this.log.warn('event not recorded', { reason, target, error, notRecordedSinceLastWarning: this.notRecordedSinceWarning });
    this.lastWarned = at;
    this.notRecordedSinceWarning = 0;
  }
}

/** metav1.MicroTime: RFC 3339 with microseconds. */
function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
