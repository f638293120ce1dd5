import winston from 'winston';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

/** Structured JSON logs, one object per line, on stderr so stdout stays free for tools. */
export function createLogger(level: LogLevel = 'info'): winston.Logger {
  return winston.createLogger({
    level,
    format: winston.format.combine(winston.format.timestamp(), winston.format.errors({ stack: true }), winston.format.json()),
    defaultMeta: { logger: 'posture-operator' },
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] })],
  });
}
