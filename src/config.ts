import { parseArgs } from 'node:util';
import type { LogLevel } from './observability/logger.js';
import { parseBindAddress, type BindAddress } from './observability/server.js';

export interface OperatorConfig {
  metricsAddress: BindAddress | undefined;
  healthAddress: BindAddress | undefined;
  concurrency: number;
  logLevel: LogLevel;
  operatorNamespace: string | undefined;
}

const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];

/** Flags use kubebuilder's names, so the manager Deployment reads like any other operator's. */
export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv): OperatorConfig {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      'metrics-bind-address': { type: 'string', default: ':8080' },
      'health-probe-bind-address': { type: 'string', default: ':8081' },
      concurrency: { type: 'string', default: '4' },
      'log-level': { type: 'string', default: 'info' },
    },
  });
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
    throw new Error(`--concurrency: expected an integer from 1 to 256, got "${values.concurrency}"`);
  }
  const logLevel = values['log-level'] as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new Error(`--log-level: expected one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  return {
    metricsAddress: parseBindAddress('--metrics-bind-address', values['metrics-bind-address']),
    healthAddress: parseBindAddress('--health-probe-bind-address', values['health-probe-bind-address']),
    concurrency,
    logLevel,
    operatorNamespace: env.POD_NAMESPACE === '' ? undefined : env.POD_NAMESPACE,
  };
}
