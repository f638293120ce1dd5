// The container image, checked without a Docker engine (there is none on the development machines
// or in CI). Two parts:
//  - the Dockerfile and .dockerignore, read as text, follow the seed security checklist;
//  - the runtime stage, reproduced step by step: compile like the build stage, install production
//    dependencies only into a clean directory, then start `dumb-init -- node dist/entry.js` as an
//    unprivileged user with the image's environment and the operator's ServiceAccount, against the
//    shared real control plane. Nothing from the repository's node_modules (no tsx) is reachable.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmod, chown, copyFile, mkdir, mkdtemp, readdir, readFile, realpath, rm } from 'node:fs/promises';
import { createWriteStream, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { installOperatorPrerequisites, OPERATOR_NAMESPACE, OPERATOR_SERVICE_ACCOUNT, repoRoot } from '../../hack/install.js';
import { sharedControlPlane } from './support/controlplane.js';
import { freePort } from './support/operator.js';
import { eventually } from './support/wait.js';

const DUMB_INIT = '/usr/bin/dumb-init';
const NOBODY = 65534;
/** The PATH of the official node image; the process gets nothing else from the developer's env. */
const IMAGE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const STOP_BOUND_MS = 20_000;

interface PackageJson {
  main?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

interface Instruction {
  keyword: string;
  args: string;
}

interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

async function readPackageJson(): Promise<PackageJson> {
  return JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as PackageJson;
}

/** Splits a Dockerfile into stages of instructions (comments dropped, line continuations joined). */
function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue; // a comment inside a continued instruction
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    logical.push(`${pending}${line}`.trim());
    pending = '';
  }
  if (pending !== '') logical.push(pending.trim());
  const stages: Stage[] = [];
  for (const line of logical) {
    const match = /^(\w+)\s*(.*)$/.exec(line);
    const keyword = (match?.[1] ?? '').toUpperCase();
    const args = match?.[2] ?? '';
    if (keyword === 'FROM') {
      const from = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (from === null) throw new Error(`cannot parse FROM ${args}`);
      stages.push({ from: from[1] ?? '', name: from[2], instructions: [] });
    } else {
      const stage = stages.at(-1);
      if (stage === undefined) {
        if (keyword === 'ARG') continue; // a global ARG before the first FROM
        throw new Error(`${keyword} before the first FROM`);
      }
      stage.instructions.push({ keyword, args });
    }
  }
  return stages;
}

/** .dockerignore patterns (Go filepath.Match plus `**`), as anchored regular expressions. */
function dockerignoreMatchers(text: string): { pattern: string; regex: RegExp }[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('!'))
    .map((pattern) => {
      const clean = pattern.replace(/^\/+/, '').replace(/\/+$/, '');
      let source = '';
      for (let i = 0; i < clean.length; i++) {
        const c = clean.charAt(i);
        if (clean.startsWith('**/', i)) {
          source += '(?:.*/)?';
          i += 2;
        } else if (clean.startsWith('**', i)) {
          source += '.*';
          i += 1;
        } else if (c === '*') source += '[^/]*';
        else if (c === '?') source += '[^/]';
        else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
      }
      // A pattern that names a directory excludes everything below it.
      return { pattern, regex: new RegExp(`^${source}(?:/.*)?$`) };
    });
}

function run(cmd: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { ...options, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} (in ${options.cwd}) failed: ${err.message}\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
}

async function chownTree(target: string, uid: number, gid: number): Promise<void> {
  await chown(target, uid, gid);
  for (const entry of await readdir(target, { withFileTypes: true, recursive: true })) {
    await chown(path.join(entry.parentPath, entry.name), uid, gid);
  }
}

interface ProcStatus {
  name: string;
  ppid: number;
  uids: number[];
  gids: number[];
  capEff: string;
}

async function procStatus(pid: number): Promise<ProcStatus> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): string => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(text)?.[1]?.trim() ?? '';
  const numbers = (name: string): number[] => field(name).split(/\s+/).map(Number);
  return { name: field('Name'), ppid: Number(field('PPid')), uids: numbers('Uid'), gids: numbers('Gid'), capEff: field('CapEff') };
}

/** The pids whose parent is ppid (scans /proc: /proc/<pid>/task/<pid>/children is not on every kernel). */
async function childrenOf(ppid: number): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if ((await procStatus(Number(entry))).ppid === ppid) pids.push(Number(entry));
    } catch {
      // the process exited while we looked
    }
  }
  return pids;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('container image', function () {
  describe('Dockerfile and .dockerignore follow the security checklist', function () {
    let dockerfile: string;
    let stages: Stage[];
    let runtime: Stage;
    let pkg: PackageJson;

    before(async function () {
      dockerfile = await readFile(path.join(repoRoot, 'Dockerfile'), 'utf8');
      stages = parseDockerfile(dockerfile);
      const last = stages.at(-1);
      assert.ok(last, 'the Dockerfile has a FROM');
      runtime = last;
      pkg = await readPackageJson();
    });

    it('pins every base image to an exact x.y.z version, the Node version the project is developed and tested on', function () {
      assert.ok(stages.length >= 2, 'a multi-stage build (build stage, runtime stage)');
      const stageNames = new Set<string>();
      const nodeVersion = pkg.devDependencies?.node;
      assert.ok(nodeVersion !== undefined, 'package.json pins Node as the `node` devDependency');
      for (const stage of stages) {
        if (!stageNames.has(stage.from)) {
          const image = /^(?<repo>[\w.\-/:]+?):(?<tag>[^:@/]+)(?:@sha256:[0-9a-f]{64})?$/.exec(stage.from);
          assert.ok(image?.groups, `FROM ${stage.from} has a tag`);
          assert.match(image.groups.tag ?? '', /^\d+\.\d+\.\d+(?:-[\w.-]+)?$/, `FROM ${stage.from} is pinned to an exact x.y.z version`);
          assert.equal(image.groups.repo, 'node', `FROM ${stage.from} is the official node image`);
          assert.equal((image.groups.tag ?? '').split('-')[0], nodeVersion, `FROM ${stage.from} runs the Node of package.json (${nodeVersion})`);
        }
        if (stage.name !== undefined) stageNames.add(stage.name);
      }
    });

    it('builds in one stage and ships production dependencies only, with NODE_ENV=production', function () {
      const build = stages[0];
      assert.ok(build);
      const buildRuns = build.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
      assert.ok(buildRuns.some((r) => /\bnpm ci\b/.test(r)), 'the build stage runs npm ci');
      assert.ok(buildRuns.some((r) => /\bnpm run build\b/.test(r)), 'the build stage runs npm run build');

      const runs = runtime.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
      const install = runs.find((r) => /\bnpm ci\b/.test(r));
      assert.ok(install !== undefined, 'the runtime stage runs npm ci');
      assert.match(install, /\bnpm ci\b[^&;|]*--omit=dev\b/, 'npm ci --omit=dev in the runtime stage');
      assert.ok(!runs.some((r) => /\bnpm (?:i|install)\b/.test(r)), 'no npm install (ci only, from the lockfile)');

      const env = runtime.instructions.filter((i) => i.keyword === 'ENV').map((i) => i.args);
      assert.ok(env.some((e) => /(?:^|\s)NODE_ENV[=\s]production(?:\s|$)/.test(e)), 'ENV NODE_ENV=production in the runtime stage');
      const envIndex = runtime.instructions.findIndex((i) => i.keyword === 'ENV' && /NODE_ENV/.test(i.args));
      const installIndex = runtime.instructions.findIndex((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args));
      assert.ok(envIndex < installIndex, 'NODE_ENV=production is set before npm ci');

      const copies = runtime.instructions.filter((i) => i.keyword === 'COPY');
      assert.ok(copies.length > 0);
      for (const copy of copies) {
        assert.match(copy.args, /--chown=node:node\b/, `COPY ${copy.args} uses --chown=node:node`);
        const sources = copy.args.split(/\s+/).filter((a) => !a.startsWith('--')).slice(0, -1);
        if (!/--from=/.test(copy.args)) {
          assert.deepEqual(sources.sort(), ['package-lock.json', 'package.json'], 'the runtime stage copies only the manifests from the context');
        }
      }
      assert.ok(copies.some((c) => /--from=\S+/.test(c.args) && /\bdist\b/.test(c.args)), 'dist comes from the build stage');
    });

    it('installs dumb-init from Debian, runs it as PID 1 and runs as the unprivileged node user', function () {
      const apt = runtime.instructions.find((i) => i.keyword === 'RUN' && /apt-get install/.test(i.args));
      assert.ok(apt, 'dumb-init is installed with apt-get');
      assert.match(apt.args, /apt-get install -y --no-install-recommends dumb-init/);
      assert.match(apt.args, /rm -rf \/var\/lib\/apt\/lists\/\*/, 'apt lists are removed in the same layer');

      const users = runtime.instructions.filter((i) => i.keyword === 'USER');
      assert.deepEqual(users.map((u) => u.args), ['node'], 'USER node, once');
      const userIndex = runtime.instructions.findIndex((i) => i.keyword === 'USER');
      const lastRun = runtime.instructions.findLastIndex((i) => i.keyword === 'RUN');
      assert.ok(userIndex > lastRun, 'USER node comes after every RUN, so nothing runs as root afterwards');

      const entrypoint = runtime.instructions.filter((i) => i.keyword === 'ENTRYPOINT');
      assert.equal(entrypoint.length, 1);
      assert.deepEqual(JSON.parse(entrypoint[0]?.args ?? ''), [DUMB_INIT, '--'], 'exec-form ENTRYPOINT ["/usr/bin/dumb-init", "--"]');
      const cmd = runtime.instructions.filter((i) => i.keyword === 'CMD');
      assert.equal(cmd.length, 1);
      assert.deepEqual(JSON.parse(cmd[0]?.args ?? ''), ['node', pkg.main ?? 'dist/entry.js'], 'exec-form CMD runs the package main');
      assert.equal(pkg.main, 'dist/entry.js');

      const exposed = runtime.instructions.filter((i) => i.keyword === 'EXPOSE').flatMap((i) => i.args.split(/\s+/));
      assert.deepEqual(exposed.sort(), ['8080', '8081'], 'metrics and health ports');
      const labels = runtime.instructions.filter((i) => i.keyword === 'LABEL').map((i) => i.args).join(' ');
      for (const label of ['title', 'description', 'licenses']) {
        assert.match(labels, new RegExp(`org\\.opencontainers\\.image\\.${label}=`), `OCI label ${label}`);
      }
    });

    it('keeps secrets and local state out of the build context, and nothing the build copies', async function () {
      const text = await readFile(path.join(repoRoot, '.dockerignore'), 'utf8');
      const listed = new Set(text.split('\n').map((l) => l.trim()));
      for (const entry of ['.env', '.npmrc', '.git', 'node_modules', 'dist', 'test', '.local', 'coverage', 'docs', '*.md']) {
        assert.ok(listed.has(entry), `.dockerignore lists ${entry}`);
      }
      const matchers = dockerignoreMatchers(text);
      const ignored = (p: string): string | undefined => matchers.find((m) => m.regex.test(p))?.pattern;
      for (const secret of ['.env', '.env.local', 'sub/.npmrc', 'admin.kubeconfig', 'key.pem', 'README.md', 'node_modules/x/index.js']) {
        assert.ok(ignored(secret) !== undefined, `${secret} is not sent to the Docker daemon`);
      }
      for (const stage of stages) {
        for (const copy of stage.instructions.filter((i) => i.keyword === 'COPY' && !/--from=/.test(i.args))) {
          const sources = copy.args.split(/\s+/).filter((a) => !a.startsWith('--')).slice(0, -1);
          for (const source of sources) {
            assert.equal(ignored(source), undefined, `COPY ${source}: the build needs it, but .dockerignore excludes it`);
            assert.ok(existsSync(path.join(repoRoot, source)), `COPY ${source}: it exists`);
          }
        }
      }
    });
  });

  describe('runtime stage, reproduced: dumb-init -- node dist/entry.js as a non-root user', function () {
    let tmp: string | undefined;
    let appDir: string;
    let nodeBin: string;
    let logPath: string;
    let child: ChildProcess | undefined;
    let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
    let dumbInitPid: number;
    let healthUrl: string;
    const asRoot = process.getuid?.() === 0;

    before(async function () {
      this.timeout(900_000); // the first run on a machine builds the control plane
      assert.ok(
        existsSync(DUMB_INIT),
        `${DUMB_INIT} is missing: it is the image's PID 1 (Debian package dumb-init; bash hack/ensure-tools.sh or apt-get install -y dumb-init)`,
      );
      const cp = await sharedControlPlane();
      const pkg = await readPackageJson();

      tmp = await mkdtemp(path.join(os.tmpdir(), 'posture-image-'));
      appDir = path.join(tmp, 'app'); // WORKDIR /app
      await mkdir(appDir);

      // Build stage: `npm run build`, into the image's dist only, so no stale file of the working tree's
      // dist/ can make this pass.
      await run('npm', ['run', 'build', '--', '--outDir', path.join(appDir, 'dist')], { cwd: repoRoot });

      // Runtime stage: COPY package.json package-lock.json, npm ci --omit=dev --ignore-scripts with
      // ENV NODE_ENV=production, COPY dist.
      await copyFile(path.join(repoRoot, 'package.json'), path.join(appDir, 'package.json'));
      await copyFile(path.join(repoRoot, 'package-lock.json'), path.join(appDir, 'package-lock.json'));
      await run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], {
        cwd: appDir,
        env: { ...process.env, NODE_ENV: 'production' },
      });

      // The Node binary of the base image: the one the project pins (its `node` devDependency), copied
      // out of the repository so the process reaches nothing under it.
      const pinned = pkg.devDependencies?.node;
      assert.ok(pinned !== undefined);
      const repoNode = path.join(repoRoot, 'node_modules/node/bin/node');
      const source = existsSync(repoNode) ? await realpath(repoNode) : process.execPath;
      await mkdir(path.join(tmp, 'bin'));
      nodeBin = path.join(tmp, 'bin/node');
      await copyFile(source, nodeBin);
      await chmod(nodeBin, 0o755);
      assert.equal((await run(nodeBin, ['--version'], { cwd: tmp })).trim(), `v${pinned}`, 'the Node of the base image');

      // The operator's identity: its ServiceAccount and ClusterRole, never admin.
      await installOperatorPrerequisites(cp.kubeconfigPath);
      const kubeconfig = await cp.mintServiceAccountKubeconfig(OPERATOR_NAMESPACE, OPERATOR_SERVICE_ACCOUNT, path.join(tmp, 'kubeconfig'));

      // Ownership as in the image: copies are --chown=node:node (here nobody), node_modules is root's,
      // the credential is readable by the process user only.
      await chmod(tmp, 0o755);
      await chmod(appDir, 0o755);
      if (asRoot) {
        await chown(path.join(appDir, 'package.json'), NOBODY, NOBODY);
        await chown(path.join(appDir, 'package-lock.json'), NOBODY, NOBODY);
        await chownTree(path.join(appDir, 'dist'), NOBODY, NOBODY);
        await chown(kubeconfig, NOBODY, NOBODY);
      }
      await chmod(kubeconfig, 0o400);

      const [metricsPort, healthPort] = [await freePort(), await freePort()];
      healthUrl = `http://127.0.0.1:${healthPort}`;
      logPath = path.join(tmp, 'operator.log');
      const logStream = createWriteStream(logPath);
      // USER node: drop to an unprivileged uid/gid with no supplementary groups (when the test runs as
      // root; otherwise it already is a non-root user). setpriv execs, so the spawned pid is dumb-init.
      const user = asRoot ? ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--'] : [];
      const argv = [
        ...user,
        DUMB_INIT,
        '--',
        nodeBin,
        'dist/entry.js',
        `--metrics-bind-address=127.0.0.1:${metricsPort}`,
        `--health-probe-bind-address=127.0.0.1:${healthPort}`,
      ];
      const [command, ...args] = argv;
      assert.ok(command !== undefined);
      child = spawn(command, args, {
        cwd: appDir,
        env: { PATH: IMAGE_PATH, NODE_ENV: 'production', KUBECONFIG: kubeconfig, POD_NAMESPACE: OPERATOR_NAMESPACE },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      // Both streams write into one file: end it once, after the process and its stdio have closed.
      child.stdout?.pipe(logStream, { end: false });
      child.stderr?.pipe(logStream, { end: false });
      const spawned = child;
      exited = new Promise((resolve) => {
        spawned.once('close', (code, signal) => {
          logStream.end(() => {
            resolve({ code, signal });
          });
        });
      });
      assert.ok(child.pid !== undefined, `${command} did not start`);
      dumbInitPid = child.pid;
    });

    after(async function () {
      this.timeout(30_000);
      if (child !== undefined && child.exitCode === null && child.signalCode === null) {
        // dumb-init made itself a session and process-group leader: kill the whole group.
        try {
          process.kill(-dumbInitPid, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
        await exited;
      }
      if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
    });

    const log = async (): Promise<string> => readFile(logPath, 'utf8').catch(() => '(no log)');

    it('installs no devDependency', async function () {
      const pkg = await readPackageJson();
      const dev = Object.keys(pkg.devDependencies ?? {});
      for (const name of ['node', 'mocha', 'typescript', 'tsx', 'eslint']) {
        assert.ok(dev.includes(name), `${name} is a devDependency`);
        assert.equal(existsSync(path.join(appDir, 'node_modules', name)), false, `node_modules/${name} is not installed`);
      }
      assert.equal(existsSync(path.join(appDir, 'node_modules/.bin/node')), false, 'no node binary from the node package');
      // Every package the lockfile marks dev-only is absent. (A devDependency may still be installed when a
      // production dependency needs it too: @kubernetes/client-node depends on @types/node.)
      const lock = JSON.parse(await readFile(path.join(appDir, 'package-lock.json'), 'utf8')) as {
        packages: Record<string, { dev?: boolean }>;
      };
      const devOnly = Object.entries(lock.packages).filter(([key, entry]) => key.startsWith('node_modules/') && entry.dev === true);
      assert.ok(devOnly.length > 0);
      const installed = devOnly.map(([key]) => key).filter((key) => existsSync(path.join(appDir, key)));
      assert.deepEqual(installed, [], 'no dev-only package is installed');
      for (const name of Object.keys(pkg.dependencies ?? {})) {
        assert.ok(existsSync(path.join(appDir, 'node_modules', name, 'package.json')), `node_modules/${name} is installed`);
      }
      const tree = JSON.parse(await run('npm', ['ls', '--all', '--omit=dev', '--json'], { cwd: appDir })) as { problems?: string[] };
      assert.deepEqual(tree.problems ?? [], [], 'npm ls finds the production tree complete');
    });

    it('serves /healthz and becomes ready, as a non-root process under dumb-init', async function () {
      this.timeout(120_000);
      // Fails at once, with the operator's log, if the process exits instead of becoming ready.
      const died = exited.then(async ({ code, signal }) => {
        throw new Error(`the process exited (code ${String(code)}, signal ${String(signal)}) before it was ready; its log:\n${await log()}`);
      });
      died.catch(() => undefined); // awaited through Promise.race below; the process exits in the next test
      const ready = async (probe: string): Promise<void> => {
        const wait = eventually(`${probe} to answer 200`, async () => (await fetch(`${healthUrl}${probe}`)).status === 200);
        await Promise.race([died, wait]).catch(async (err: unknown) => {
          if (err instanceof Error && err.message.startsWith('the process exited')) throw err;
          throw new Error(`${err instanceof Error ? err.message : String(err)}; operator log:\n${await log()}`);
        });
      };
      await ready('/healthz');
      await ready('/readyz');

      const init = await procStatus(dumbInitPid);
      assert.equal(init.name, 'dumb-init', 'the spawned process is dumb-init');
      const [nodePid, ...others] = await childrenOf(dumbInitPid);
      assert.ok(nodePid !== undefined, 'dumb-init has a child');
      assert.deepEqual(others, [], 'dumb-init has exactly one child');
      const node = await procStatus(nodePid);
      assert.equal(await realpath(`/proc/${nodePid}/exe`), await realpath(nodeBin), 'dumb-init\'s child is node');
      for (const proc of [init, node]) {
        assert.ok(proc.uids.length === 4 && proc.uids.every((u) => u !== 0), `${proc.name} runs as a non-root uid (Uid: ${proc.uids.join(' ')})`);
        assert.ok(proc.gids.every((g) => g !== 0), `${proc.name} runs as a non-root gid (Gid: ${proc.gids.join(' ')})`);
        assert.match(proc.capEff, /^0+$/, `${proc.name} has no effective capability`);
        if (asRoot) assert.deepEqual(proc.uids, [NOBODY, NOBODY, NOBODY, NOBODY]);
      }
      const environ = (await readFile(`/proc/${nodePid}/environ`, 'utf8')).split('\0').filter((e) => e !== '');
      assert.deepEqual(environ.map((e) => e.split('=')[0]).sort(), ['KUBECONFIG', 'NODE_ENV', 'PATH', 'POD_NAMESPACE']);
      assert.ok(environ.includes('NODE_ENV=production'));
      const cmdline = (await readFile(`/proc/${nodePid}/cmdline`, 'utf8')).split('\0');
      assert.equal(cmdline[1], 'dist/entry.js', 'node runs the compiled entry point, with no loader such as tsx');
      assert.ok(!cmdline.some((a) => a.includes('tsx') || a === '--import'), `no TypeScript loader: ${cmdline.join(' ')}`);
    });

    it('dumb-init forwards SIGTERM and the operator exits 0 within a bounded time', async function () {
      this.timeout(STOP_BOUND_MS + 10_000);
      assert.ok(child !== undefined && child.exitCode === null, 'the process is running');
      const [nodePid] = await childrenOf(dumbInitPid);
      assert.ok(nodePid !== undefined);
      const t0 = Date.now();
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const result = await Promise.race([
        exited,
        new Promise<'timeout'>((resolve) => (timer = setTimeout(() => { resolve('timeout'); }, STOP_BOUND_MS))),
      ]);
      clearTimeout(timer);
      assert.notEqual(result, 'timeout', `still running ${STOP_BOUND_MS} ms after SIGTERM:\n${await log()}`);
      assert.deepEqual(result, { code: 0, signal: null }, `exit status after SIGTERM:\n${await log()}`);
      assert.equal(isRunning(nodePid), false, 'the node process is gone too');
      const text = await log();
      assert.match(text, /"message":"shutting down".*"signal":"SIGTERM"|"signal":"SIGTERM".*"message":"shutting down"/, 'node received SIGTERM');
      assert.match(text, /"message":"stopped"/, 'the operator shut down cleanly');
      process.stderr.write(`      (stopped ${Date.now() - t0} ms after SIGTERM)\n`);
    });
  });
});
