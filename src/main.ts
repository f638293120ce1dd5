import { KubeConfig } from '@kubernetes/client-node';
import type { Server } from 'node:http';
import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { parseConfig, type OperatorConfig } from './config.js';
import { holderIdentity, LEASE_NAME, LeaderElector, type LostReason } from './runtime/leaderelection.js';
import { Operator } from './controller/operator.js';
import { KubeClient } from './kube/client.js';
import { EventRecorder } from './kube/events.js';
import { errorMessage } from './kube/errors.js';
import { KubeLeaseStore } from './kube/lease.js';
import { createLogger } from './observability/logger.js';
import { Metrics } from './observability/metrics.js';
import { closeServer, healthServer, metricsServer } from './observability/server.js';

/** The Lease's namespace; parseConfig has already refused --leader-elect without POD_NAMESPACE. */
function leaseNamespace(config: OperatorConfig): string {
  if (config.operatorNamespace === undefined) throw new Error('--leader-elect: POD_NAMESPACE must be set');
  return config.operatorNamespace;
}

/**
 * Runs the operator until SIGTERM or SIGINT. Wiring only. Every replica syncs its caches (so a
 * standby is Ready and warm); only the leader, or a replica without leader election, runs workers.
 */
export async function main(argv: readonly string[]): Promise<void> {
  const config = parseConfig(argv, process.env);
  const log = createLogger(config.logLevel);
  const metrics = new Metrics();
  metrics.leader.set(0);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  const client = await KubeClient.create(kubeConfig, (verb, resource, code) => {
    metrics.kubeRequests.inc({ verb, resource, code });
  });
  const events = new EventRecorder(client, log, process.env.POD_NAME ?? hostname());
  const operator = new Operator({
    kubeConfig,
    client,
    log,
    metrics,
    events,
    concurrency: config.concurrency,
    operatorNamespace: config.operatorNamespace,
  });
  const servers: Server[] = [];
  if (config.metricsAddress !== undefined) servers.push(await metricsServer(config.metricsAddress, metrics.registry));
  if (config.healthAddress !== undefined) servers.push(await healthServer(config.healthAddress, () => operator.isSynced));

  let stopping: Promise<void> | undefined;
  const elector = config.leaderElect
    ? new LeaderElector({
        store: new KubeLeaseStore(client, leaseNamespace(config), LEASE_NAME),
        identity: holderIdentity(process.env.POD_NAME),
        log,
        onStartedLeading: () => {
          if (stopping !== undefined) return; // shutting down: release() hands the Lease straight back
          operator.startWorkers();
          metrics.leader.set(1);
        },
        onStoppedLeading: (reason) => {
          lost(reason);
        },
      })
    : undefined;
  log.info('starting', {
    server: client.server,
    concurrency: config.concurrency,
    namespace: config.operatorNamespace,
    metrics: config.metricsAddress,
    health: config.healthAddress,
    leaderElection: elector === undefined ? false : { lease: `${leaseNamespace(config)}/${LEASE_NAME}`, identity: elector.identity },
  });

  // A replica that lost the Lease exits (and is restarted as a standby), so two replicas never
  // write at once. In-flight reconciles get the time a standby still has to wait, no more.
  const lost = (reason: LostReason): void => {
    metrics.leader.set(0);
    if (stopping !== undefined) return;
    const graceMs = reason === 'lease-taken' || elector === undefined ? 0 : elector.stepDownBudgetMs;
    log.error('lost leadership; exiting', { reason, graceMs });
    stopping = Promise.race([operator.stop(), delay(graceMs)]).then(() => undefined);
    void stopping.finally(() => process.exit(1));
  };

  const shutdown = (signal: string): Promise<void> =>
    (stopping ??= (async () => {
      log.info('shutting down', { signal });
      // No new work, in-flight reconciles finish; the elector keeps renewing meanwhile.
      await operator.stop();
      // Only then hand the Lease over, so a standby starts at once instead of after the lease duration.
      await elector?.release();
      metrics.leader.set(0);
      await Promise.all(servers.map(closeServer));
      await client.close();
      log.info('stopped');
    })());
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      shutdown(signal).then(
        () => process.exit(0),
        (err: unknown) => {
          log.error('shutdown failed', { error: errorMessage(err) });
          process.exit(1);
        },
      );
    });
  }

  await operator.startCaches();
  if (stopping !== undefined) return;
  if (elector === undefined) {
    operator.startWorkers();
    metrics.leader.set(1);
    log.info('ready', { leaderElection: false });
    return;
  }
  log.info('ready; caches synced, competing for the lease');
  elector.run().catch((err: unknown) => {
    log.error('leader election failed', { error: errorMessage(err) });
    process.exit(1);
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(JSON.stringify({ level: 'error', message: 'fatal', error: errorMessage(err) }));
    process.exit(1);
  });
}
