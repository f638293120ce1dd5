import { HELP, HELPS } from './help.js';
import { EXIT_BAD_INPUT, EXIT_OK, isUsageError, type Io } from './io.js';
import { version } from './version.js';

export { HELP, HELPS };

/**
 * Each command is loaded when it runs: diff brings the Kubernetes client, which an offline audit in
 * CI should not pay for at every start.
 */
const COMMANDS: Readonly<Record<string, (args: readonly string[], io: Io) => Promise<number>>> = {
  audit: async (args, io) => (await import('./audit.js')).audit(args, io, () => new Date()),
  render: async (args, io) => (await import('./render.js')).render(args, io),
  diff: async (args, io) => (await import('./diff.js')).diff(args, io),
  validate: async (args, io) => (await import('./validate.js')).validate(args, io),
};

/** Runs one command; returns the exit code. Bad input is one line on stderr and exit 2, never a stack trace. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    const topic = command === 'help' ? rest[0] : undefined;
    io.stdout(topic !== undefined && HELPS[topic] !== undefined ? HELPS[topic] : HELP);
    return EXIT_OK;
  }
  if (command === '--version' || command === 'version') {
    io.stdout(`posture ${version()}\n`);
    return EXIT_OK;
  }
  const run = COMMANDS[command];
  if (run === undefined) {
    io.stderr(`posture: unknown command ${JSON.stringify(command)}; commands: ${Object.keys(COMMANDS).join(', ')} (see posture --help)\n`);
    return EXIT_BAD_INPUT;
  }
  // Help without loading the command: diff --help should not wait for the Kubernetes client.
  const help = HELPS[command];
  if (help !== undefined && (rest.includes('--help') || rest.includes('-h'))) {
    io.stdout(help);
    return EXIT_OK;
  }
  try {
    return await run(rest, io);
  } catch (err) {
    if (isUsageError(err)) {
      io.stderr(`posture ${command}: ${err.message}\n`);
      return EXIT_BAD_INPUT;
    }
    // A filesystem error (permission denied, a directory given as a file) is bad input too.
    if (err instanceof Error && 'code' in err && typeof err.code === 'string' && /^E[A-Z]+$/.test(err.code)) {
      io.stderr(`posture ${command}: ${err.message}\n`);
      return EXIT_BAD_INPUT;
    }
    throw err;
  }
}
