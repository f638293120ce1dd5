import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './io.js';

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

/** node:util's parseArgs, strict, with its errors turned into one-line usage errors. */
export function parse(args: readonly string[], options: Options, command: string): Parsed {
  try {
    const { values, positionals } = parseArgs({ args: [...args], options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    return { values, positionals };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new UsageError(`${message.replace(/\. To specify a positional argument.*$/s, '')} (see posture ${command} --help)`);
  }
}

export function stringValue(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function stringValues(p: Parsed, name: string): string[] {
  const v = p.values[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
}

export function flag(p: Parsed, name: string): boolean {
  return p.values[name] === true;
}

/** One of the allowed values, or a usage error naming the flag. */
export function choice<T extends string>(p: Parsed, name: string, allowed: readonly T[], fallback: T | undefined): T | undefined {
  const v = stringValue(p, name);
  if (v === undefined) return fallback;
  const found = allowed.find((a) => a === v);
  if (found === undefined) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, not ${JSON.stringify(v)}`);
  return found;
}
