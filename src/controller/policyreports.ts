import type { Logger } from 'winston';
import type { ApiClient } from '../kube/client.js';
import { isNotFound } from '../kube/errors.js';
import { compact, POLICY_REPORT } from '../kube/resources.js';
import type { Caches } from '../runtime/caches.js';
import type { Clock } from '../runtime/clock.js';
import type { Runnable } from '../runtime/controller.js';
import type { Emitter } from '../runtime/source.js';

/** How often the operator looks whether the PolicyReport CRD came or went. */
export const POLICY_REPORT_POLL_MS = 15_000;

export async function servesPolicyReports(client: ApiClient): Promise<boolean> {
  try {
    const list = await client.request<{ resources?: { name?: string }[] }>({ verb: 'get', resource: 'discovery', method: 'GET', path: `/apis/${POLICY_REPORT.apiVersion}` });
    return (list.resources ?? []).some((r) => r.name === POLICY_REPORT.plural);
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

export interface PolicyReportDiscoveryDeps {
  client: ApiClient;
  caches: Caches;
  clock: Clock;
  log: Logger;
  /** Emits once whenever PolicyReports start or stop being written: every namespace is audited again. */
  changed: Emitter<string>;
}

/**
 * Notices the PolicyReport CRD being installed or removed while the operator runs, by asking
 * discovery now and then (the operator may not read CRDs): the PolicyReport cache starts or stops,
 * and every namespace is audited again so its report is written (or no longer attempted).
 */
export class PolicyReportDiscovery implements Runnable {
  readonly name = 'policyreport-crd';
  private enabled = false;
  private timer: unknown;
  private stopped = false;

  constructor(private readonly deps: PolicyReportDiscoveryDeps) {}

  get reportsEnabled(): boolean {
    return this.enabled;
  }

  /** The first look, before the caches start: a CRD present then is watched from the start. */
  async initial(): Promise<void> {
    this.enabled = await servesPolicyReports(this.deps.client);
    if (this.enabled) this.deps.caches.add(POLICY_REPORT, (o) => compact(POLICY_REPORT.plural, o));
    else this.deps.log.info('the PolicyReport CRD (wgpolicyk8s.io/v1alpha2) is not installed: no PolicyReports are written until it is');
  }

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
    await Promise.resolve();
  }

  /** One look; exported for tests. */
  async check(): Promise<void> {
    const { client, caches, log, changed } = this.deps;
    const now = await servesPolicyReports(client);
    if (now === this.enabled) return;
    if (now) {
      await caches.addLive(POLICY_REPORT, (o) => compact(POLICY_REPORT.plural, o));
      log.info('the PolicyReport CRD was installed: PolicyReports are written from now on');
    } else {
      await caches.drop(POLICY_REPORT.plural);
      log.info('the PolicyReport CRD was removed: no PolicyReports are written until it is installed again');
    }
    this.enabled = now;
    changed.emit('update', POLICY_REPORT.plural);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.deps.clock.setTimeout(() => {
      this.check()
        .catch((err: unknown) => {
          this.deps.log.debug('PolicyReport discovery failed; trying again', { error: err instanceof Error ? err.message : String(err) });
        })
        .finally(() => {
          this.schedule();
        });
    }, POLICY_REPORT_POLL_MS);
  }
}
