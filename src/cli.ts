#!/usr/bin/env node
/** The `posture` command (docs/cli.md): compiled to dist/cli.js; bin/posture.js runs it. */
import { main } from './cli/main.js';
import { readBounded } from './cli/io.js';

const STDIN_LIMIT = 256 * 1024 * 1024;

process.exitCode = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readStdin: () => readBounded(process.stdin, STDIN_LIMIT),
  cwd: process.cwd(),
  env: process.env,
});
