import type { Server } from 'node:http';
import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { runCommand } from './command.js';
import { parseConfig, type OperatorConfig } from './config.js';
import { addControllers } from './controller/setup.js';
import { KubeClient } from './kube/client.js';
import { EventRecorder } from './kube/events.js';
import { errorMessage } from './kube/errors.js';
import { holderIdentity, KubeLeaseStore, LEASE_NAME } from './kube/lease.js';
import { loadClusterAccess } from './kubeconfig.js';
import { createLogger } from './observability/logger.js';
import { Metrics } from './observability/metrics.js';
import { secureServing } from './observability/securemetrics.js';
import { closeServer, healthServer, metricsServer } from './observability/server.js';
import { parseOptions } from './options.js';
import type { LostReason } from './runtime/leaderelection.js';
import { Manager } from './runtime/manager.js';

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
  const options = parseOptions(argv, process.env);
  const config = parseConfig(options.rest, process.env);
  const log = createLogger(config.logLevel);
  const metrics = new Metrics();
  metrics.leader.set(0);
  const client = await connect(options.kubeconfig, config, metrics);
  let stopping: Promise<void> | undefined;
  const manager = new Manager({
    client,
    log,
    metrics,
    leaderElection: config.leaderElect
      ? {
          store: new KubeLeaseStore(client, leaseNamespace(config), LEASE_NAME),
          identity: holderIdentity(process.env.POD_NAME),
          onLost: (reason) => {
            lost(reason);
          },
          onFailed: () => process.exit(1),
        }
      : undefined,
  });
  // Controllers and events write through the gate; the Lease and TokenReviews use the client itself.
  const events = new EventRecorder(manager.writer, log, process.env.POD_NAME ?? hostname());
  addControllers(manager, { client: manager.writer, log, metrics, events, concurrency: config.concurrency, operatorNamespace: config.operatorNamespace, releases: config.releases });
  const servers = await serve(options.metrics, config, client, metrics, manager);

  log.info('starting', {
    server: client.server,
    concurrency: config.concurrency,
    namespace: config.operatorNamespace,
    metrics: config.metricsAddress,
    metricsSecure: options.metrics.secure,
    health: config.healthAddress,
    leaderElection: manager.identity === undefined ? false : { lease: `${leaseNamespace(config)}/${LEASE_NAME}`, identity: manager.identity },
  });

  // A replica that lost the Lease exits (and is restarted as a standby), so two replicas never
  // write at once. In-flight reconciles get the time a standby still has to wait, no more.
  const lost = (reason: LostReason): void => {
    if (stopping !== undefined) return;
    // Only a renew deadline leaves a standby still waiting; the write gate refuses writes from now on either way.
    const graceMs = reason === 'renew-deadline' ? manager.stepDownBudgetMs : 0;
    log.error('lost leadership; exiting', { reason, graceMs });
    stopping = Promise.race([manager.stop(), delay(graceMs)]).then(() => undefined);
    void stopping.finally(() => process.exit(1));
  };

  const shutdown = (signal: string): Promise<void> =>
    (stopping ??= (async () => {
      log.info('shutting down', { signal });
      // No new work, in-flight reconciles finish; the elector keeps renewing meanwhile.
      await manager.stop();
      // Only then hand the Lease over, so a standby starts at once instead of after the lease duration.
      await manager.release();
      await Promise.all(servers.map(closeServer));
      await client.close();
      log.info('stopped');
    })());
  onSignals(shutdown, log);
  await manager.start();
}

/** The API client, from where kubectl would find the cluster, counting every request in the metrics. */
async function connect(kubeconfig: string | undefined, config: OperatorConfig, metrics: Metrics): Promise<KubeClient> {
  const cluster = await loadClusterAccess(kubeconfig, process.env);
  const count = (verb: string, resource: string, code: string): void => {
    metrics.kubeRequests.inc({ verb, resource, code });
  };
  return KubeClient.create(cluster, count, undefined, { restartGraceMs: config.restartGraceMs });
}

/** The metrics (plain or secure) and health servers that are configured. */
async function serve(secureOptions: Parameters<typeof secureServing>[0], config: OperatorConfig, client: KubeClient, metrics: Metrics, manager: Manager): Promise<Server[]> {
  const servers: Server[] = [];
  if (config.metricsAddress !== undefined) {
    const secure = await secureServing(secureOptions, client, config.operatorNamespace);
    servers.push(await metricsServer(config.metricsAddress, metrics.registry, secure));
  }
  if (config.healthAddress !== undefined) servers.push(await healthServer(config.healthAddress, () => manager.isSynced));
  return servers;
}

/** SIGTERM and SIGINT shut down once, and exit 0, or 1 when the shutdown failed. */
function onSignals(shutdown: (signal: string) => Promise<void>, log: ReturnType<typeof createLogger>): void {
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
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runCommand(process.argv.slice(2), () => Promise.resolve(main));
}
