#!/usr/bin/env node
/* global process, URL */
// The `posture` command (package.json "bin"). In a checkout it runs the TypeScript source through
// tsx, so `npx posture` works right after `npm ci` and always runs the code you have; where there is
// no source or no tsx (a build, the container image) it runs the compiled dist/cli.js.
import { existsSync } from 'node:fs';

// As dist/entry.js (docs/decisions/0007): refuse an old Node.js in one line rather than fail deep
// in a dependency. This file imports nothing else before the check.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(`posture: Node.js 24 or newer is needed; this is ${process.version} (in a checkout, npx posture uses the node devDependency)\n`);
  process.exit(2);
}

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
