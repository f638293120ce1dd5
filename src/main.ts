import { KubeConfig } from '@kubernetes/client-node';
import type { Server } from 'node:http';
import { hostname } from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseConfig } from './config.js';
import { Operator } from './controller/operator.js';
import { KubeClient } from './kube/client.js';
import { EventRecorder } from './kube/events.js';
import { errorMessage } from './kube/errors.js';
import { createLogger } from './observability/logger.js';
import { Metrics } from './observability/metrics.js';
import { closeServer, healthServer, metricsServer } from './observability/server.js';

/** Runs the operator until SIGTERM or SIGINT. Wiring only. */
export async function main(argv: readonly string[]): Promise<void> {
  const config = parseConfig(argv, process.env);
  const log = createLogger(config.logLevel);
  const metrics = new Metrics();
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
  log.info('starting', { server: client.server, concurrency: config.concurrency, namespace: config.operatorNamespace, metrics: config.metricsAddress, health: config.healthAddress });

  let stopping: Promise<void> | undefined;
  const shutdown = (signal: string): Promise<void> =>
    (stopping ??= (async () => {
      log.info('shutting down', { signal });
      await operator.stop();
      await Promise.all(servers.map(closeServer));
      await client.close();
      log.info('stopped');
    })());
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void shutdown(signal).then(() => process.exit(0));
    });
  }
  await operator.start();
  log.info('ready');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(JSON.stringify({ level: 'error', message: 'fatal', error: errorMessage(err) }));
    process.exit(1);
  });
}
