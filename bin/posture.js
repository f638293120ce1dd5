#!/usr/bin/env node
/* global process, URL */
// The `posture` command (package.json "bin"). In a checkout it runs the TypeScript source through
// tsx, so `npx posture` works right after `npm ci` and always runs the code you have; where there is
// no source or no tsx (a build, the container image) it runs the compiled dist/cli.js.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli.ts', import.meta.url);
const built = new URL('../dist/cli.js', import.meta.url);

const api = existsSync(source) ? await import('tsx/esm/api').catch(() => undefined) : undefined;
if (api !== undefined) {
  api.register();
  await import(source.href);
} else if (existsSync(built)) {
  await import(built.href);
} else {
  process.stderr.write('posture: neither tsx (npm ci) nor dist/cli.js (npm run build) is there to run\n');
  process.exitCode = 2;
}
