// The operator's executable (`node dist/entry.js`). It imports nothing statically, so that on an
// unsupported Node.js the user reads one clear line instead of a TypeError from deep inside a
// dependency: everything else is loaded only after the version check passes.
export {};

const MINIMUM_MAJOR = 24;
const major = Number(process.versions.node.split('.')[0]);
if (!(major >= MINIMUM_MAJOR)) {
  process.stderr.write(
    `posture-operator: needs Node.js ${MINIMUM_MAJOR} or newer; ${process.execPath} is Node.js ${process.versions.node}. ` +
      `Use the container image, or run through npm (package.json pins Node.js ${MINIMUM_MAJOR} as a devDependency).\n`,
  );
  process.exit(1);
}
const { runCommand } = await import('./command.js');
await runCommand(process.argv.slice(2), async () => (await import('./main.js')).main);
