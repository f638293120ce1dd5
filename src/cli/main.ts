import { audit, AUDIT_HELP } from './audit.js';
import { diff, DIFF_HELP } from './diff.js';
import { EXIT_BAD_INPUT, EXIT_OK, UsageError, type Io } from './io.js';
import { render, RENDER_HELP } from './render.js';
import { validate, VALIDATE_HELP } from './validate.js';
import { version } from './version.js';

export const HELP = `Usage: posture COMMAND [options]

The operator's own rendering, planning and audit code, offline, for pull requests and CI.

Commands:
  audit     audit manifests with the operator's check catalog (table, json, sarif, junit, policyreport)
  render    print what Enforce would write into a namespace, or why nothing
  diff      what Enforce would create, update or delete in a live cluster (read only)
  validate  check SecurityBaselines with the API server's and the operator's rules

Run posture COMMAND --help for a command's options. posture --version prints the version.

Exit codes: 0 ok; 1 findings at or above --fail-on (audit), differences (diff), an invalid
baseline (validate); 2 bad input. See docs/cli.md.
`;

const COMMANDS: Readonly<Record<string, (args: readonly string[], io: Io) => Promise<number>>> = {
  audit: (args, io) => audit(args, io, () => new Date()),
  render,
  diff,
  validate,
};

export const HELPS: Readonly<Record<string, string>> = { audit: AUDIT_HELP, render: RENDER_HELP, diff: DIFF_HELP, validate: VALIDATE_HELP };

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
  try {
    return await run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
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
