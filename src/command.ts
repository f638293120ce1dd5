import { readFileSync } from 'node:fs';
import { parseConfig } from './config.js';
import { errorMessage } from './kube/errors.js';
import { HELP, kubeconfigSource, parseOptions } from './options.js';

export type Main = (argv: readonly string[]) => Promise<void>;

/** The version in package.json, which ships next to dist/ in the image and next to src/ in a checkout. */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}

/**
 * The command line around main: --help and --version, and every mistake a user can make before the
 * operator starts (a flag, a missing cluster) as one plain line, exit code 2, without loading main.
 */
export async function runCommand(argv: readonly string[], loadMain: () => Promise<Main>): Promise<void> {
  try {
    const options = parseOptions(argv, process.env);
    if (options.action === 'help') {
      process.stdout.write(HELP);
      return;
    }
    if (options.action === 'version') {
      process.stdout.write(`posture-operator ${version()} (Node.js ${process.versions.node})\n`);
      return;
    }
    parseConfig(options.rest, process.env);
    kubeconfigSource(options.kubeconfig, process.env);
  } catch (err) {
    const message = errorMessage(err);
    const hint = message.startsWith('--') || message.startsWith('Unknown option') ? ' (posture-operator --help lists the flags)' : '';
    process.stderr.write(`posture-operator: ${message}${hint}\n`);
    process.exit(2);
  }
  try {
    await (await loadMain())(argv);
  } catch (err) {
    console.error(JSON.stringify({ level: 'error', message: 'fatal', error: errorMessage(err) }));
    process.exit(1);
  }
}
