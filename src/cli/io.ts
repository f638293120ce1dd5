/** What a command may touch of the process: injected, so tests run commands in-process. */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** The whole of standard input (read only when a path is `-`). */
  readStdin: () => Promise<string>;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
}

/** Exit codes, the same for every command (docs/cli.md). */
export const EXIT_OK = 0;
/** Findings at or above --fail-on, an invalid baseline, or differences found. */
export const EXIT_FINDINGS = 1;
/** Bad input: an unknown flag, an unreadable or unparsable file, a cluster that cannot be reached. */
export const EXIT_BAD_INPUT = 2;

/** Bad input from the user: printed as one line, exit 2, no stack trace. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * By name, not instanceof: a command is loaded with import(), and a loader (tsx under mocha) may
 * give it its own instance of this module.
 */
export function isUsageError(err: unknown): err is UsageError {
  return err instanceof Error && err.name === 'UsageError';
}

/** Standard input, bounded: a pipe that never ends or is huge must not exhaust memory. */
export async function readBounded(stream: AsyncIterable<Buffer | string>, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buf.length;
    if (size > maxBytes) throw new UsageError(`standard input is larger than ${maxBytes} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}
