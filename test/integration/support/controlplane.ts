// One real control plane (etcd + kube-apiserver + kube-controller-manager) shared by the whole
// integration run. Load this file as a mocha root-hook plugin so it is always torn down:
//   mocha --require test/integration/support/controlplane.ts ...
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { liveControlPlaneDirs, startControlPlane, type ControlPlane } from '../../../hack/controlplane/launcher.js';

// Kept on globalThis rather than in a module variable: mocha loads --require files with require()
// and test files with import(), and under tsx those can be two instances of this module.
const key = Symbol.for('posture-operator.integration.sharedControlPlane');
type Holder = Record<typeof key, Promise<ControlPlane> | undefined>;
const holder = globalThis as unknown as Holder;

/** Starts the control plane on first use; later calls (from any test file) get the same one. */
export function sharedControlPlane(): Promise<ControlPlane> {
  holder[key] ??= startControlPlane();
  return holder[key];
}

/** Lines of each operator log printed when a test fails: the control plane's dir goes with it. */
const FAILURE_LOG_LINES = 80;

/**
 * The tail of every operator log written during a failed test, from the temp dir of each control
 * plane this run started (some suites start their own): CI keeps nothing else of them once the
 * dir is removed.
 */
async function printOperatorLogs(since: number): Promise<void> {
  for (const dir of liveControlPlaneDirs()) {
    for (const name of (await readdir(dir).catch(() => [])).filter((n) => n.startsWith('operator-') && n.endsWith('.log'))) {
      const path = join(dir, name);
      const info = await stat(path).catch(() => undefined);
      if (info === undefined || info.mtimeMs < since) continue;
      const lines = (await readFile(path, 'utf8')).split('\n');
      console.log(`      --- ${name}, last ${FAILURE_LOG_LINES} of ${lines.length} lines ---\n${lines.slice(-FAILURE_LOG_LINES).join('\n')}`);
    }
  }
}

let testStarted = 0;

export const mochaHooks = {
  beforeEach(): void {
    testStarted = Date.now();
  },
  async afterEach(this: Mocha.Context): Promise<void> {
    if (this.currentTest?.state !== 'failed') return;
    await printOperatorLogs(testStarted).catch(() => undefined);
  },
  async afterAll(this: Mocha.Context): Promise<void> {
    const pending = holder[key];
    holder[key] = undefined;
    if (pending === undefined) return;
    this.timeout(60_000);
    let cp: ControlPlane;
    try {
      cp = await pending;
    } catch {
      return; // startup failed; startControlPlane already cleaned up after itself
    }
    await cp.stop();
  },
};
