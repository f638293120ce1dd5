import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { HELP, HELPS } from '../../../src/cli/main.js';
import { posture } from './run.js';

describe('posture: help, version and exit codes', () => {
  it('prints the overview for no command, --help and help', async () => {
    for (const args of [[], ['--help'], ['-h'], ['help']]) assert.deepEqual(await posture(args), { code: 0, stdout: HELP, stderr: '' });
  });

  for (const command of ['audit', 'render', 'diff', 'validate']) {
    it(`${command} --help prints its usage and exit codes, and exits 0`, async () => {
      const r = await posture([command, '--help']);
      assert.equal(r.code, 0);
      assert.equal(r.stdout, HELPS[command]);
      assert.match(r.stdout, new RegExp(`^Usage: posture ${command} `));
      // render has no 1: rendering nothing is an answer, with its reason.
      assert.match(r.stdout, command === 'render' ? /Exit codes: 0 .*, 2 bad input/s : /Exit codes: 0 .*, 1 .*, 2 bad input/s);
      assert.deepEqual(await posture(['help', command]), r);
    });
  }

  it('exits 2 with one line for an unknown command or flag', async () => {
    assert.deepEqual(await posture(['scan']), { code: 2, stdout: '', stderr: 'posture: unknown command "scan"; commands: audit, render, diff, validate (see posture --help)\n' });
    assert.deepEqual(await posture(['validate', '--strict']), { code: 2, stdout: '', stderr: "posture validate: Unknown option '--strict' (see posture validate --help)\n" });
  });

  it('prints the package version', async () => {
    const r = await posture(['--version']);
    assert.match(r.stdout, /^posture \d+\.\d+\.\d+\n$/);
  });

  it('runs as the package bin (bin/posture.js) from source, with the exit code of the command', async function () {
    // A new Node process compiling the source through tsx: slow on a loaded machine, not a speed test.
    this.timeout(60_000);
    const bin = new URL('../../../bin/posture.js', import.meta.url).pathname;
    const { stdout } = await promisify(execFile)(process.execPath, [bin, '--version']);
    assert.match(stdout, /^posture \d+\.\d+\.\d+\n$/);
    await assert.rejects(promisify(execFile)(process.execPath, [bin, 'audit', '-f', 'no-such-file.yaml']), (err: { code?: number; stderr?: string }) => err.code === 2 && err.stderr === 'posture audit: no-such-file.yaml: no such file or directory\n');
  });
});
