import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** The executable as a user meets it: src/entry.ts through tsx, as `npm start` runs it. */

const root = fileURLToPath(new URL('../../', import.meta.url));
const TIMEOUT_MS = 60_000;

function run(args: readonly string[], env: NodeJS.ProcessEnv = process.env): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/entry.ts'), ...args], { cwd: root, env, encoding: 'utf8', timeout: TIMEOUT_MS });
}

describe('the binary', function () {
  this.timeout(TIMEOUT_MS * 2);

  it('--help and -h print the flags and exit 0', () => {
    for (const flag of ['--help', '-h']) {
      const r = run([flag]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^Usage: posture-operator \[flags\]$/m);
      for (const name of ['--kubeconfig', '--metrics-bind-address', '--metrics-secure', '--health-probe-bind-address', '--leader-elect', '--concurrency', '--log-level', '--version']) {
        assert.ok(r.stdout.includes(name), `help names ${name}`);
      }
      assert.equal(r.stderr, '');
    }
  });

  it('--version prints package.json\'s version and exits 0', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    const r = run(['--version']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `posture-operator ${pkg.version} (Node.js ${process.versions.node})\n`);
  });

  it('with no cluster configured, says so in one line and exits 2', () => {
    const home = mkdtempSync(join(tmpdir(), 'posture-nohome-'));
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
      delete env.KUBECONFIG;
      delete env.KUBERNETES_SERVICE_HOST;
      const r = run([], env);
      assert.equal(r.status, 2);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^posture-operator: no cluster configured: pass --kubeconfig, set KUBECONFIG, create ~\/\.kube\/config, or run in a pod .*\n$/);
      assert.equal(r.stderr.split('\n').length, 2, 'one line');
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('a bad flag is named, with where to look, exit 2', () => {
    const r = run(['--concurrency=0']);
    assert.equal(r.status, 2);
    assert.equal(r.stderr, 'posture-operator: --concurrency: expected an integer from 1 to 256, got "0" (posture-operator --help lists the flags)\n');
  });

  describe('on Node.js below 24', () => {
    let dir: string;
    before(() => {
      // entry.ts alone, next to a stand-in for the rest of the program that announces being loaded.
      dir = mkdtempSync(join(tmpdir(), 'posture-entry-'));
      const source = readFileSync(join(root, 'src/entry.ts'), 'utf8');
      const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
      writeFileSync(join(dir, 'entry.mjs'), outputText.replace("'./command.js'", "'./command.mjs'"));
      writeFileSync(join(dir, 'command.mjs'), "process.stdout.write('REST LOADED\\n');\nexport async function runCommand() {}\n");
      writeFileSync(join(dir, 'fake-node20.mjs'), "Object.defineProperty(process, 'versions', { value: { ...process.versions, node: '20.20.2' } });\n");
    });
    after(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    function refuses(r: SpawnSyncReturns<string>, version: string): void {
      assert.equal(r.status, 1);
      assert.equal(r.stdout, '', 'nothing else was loaded');
      assert.match(r.stderr, new RegExp(`^posture-operator: needs Node.js 24 or newer; .* is Node.js ${version.replace(/\./g, '\\.')}\\. `));
    }

    it('refuses in one line before loading anything else', () => {
      refuses(spawnSync(process.execPath, ['--import', join(dir, 'fake-node20.mjs'), join(dir, 'entry.mjs')], { encoding: 'utf8' }), '20.20.2');
      // This machine's own Node 20, where the operator used to die inside undici with a TypeError.
      const systemNode = '/usr/bin/node';
      if (existsSync(systemNode)) {
        const v = spawnSync(systemNode, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
        if (Number(v.split('.')[0]) < 24) refuses(spawnSync(systemNode, [join(dir, 'entry.mjs')], { encoding: 'utf8' }), v);
      }
    });

    it('and on 24 goes on to load the rest', () => {
      const r = spawnSync(process.execPath, [join(dir, 'entry.mjs')], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'REST LOADED\n');
    });
  });
});
