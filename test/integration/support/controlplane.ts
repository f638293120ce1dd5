// One real control plane (etcd + kube-apiserver + kube-controller-manager) shared by the whole
// integration run. Load this file as a mocha root-hook plugin so it is always torn down:
//   mocha --require test/integration/support/controlplane.ts ...
import { startControlPlane, type ControlPlane } from '../../../hack/controlplane/launcher.js';

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

export const mochaHooks = {
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
