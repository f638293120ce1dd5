import assert from 'node:assert/strict';
import { microTime } from '../../../src/kube/lease.js';
import { newLease, renewedSpec, takenSpec } from '../../../src/runtime/leaserecord.js';

const T0 = Date.UTC(2026, 0, 1);
const T1 = T0 + 5_000;

describe('what leader election writes into the Lease', () => {
  it('creates a Lease this replica holds, never transitioned, with the duration in seconds', () => {
    const lease = newLease({ name: 'posture-operator', namespace: 'posture-system' }, 'a', 15_000, T0);
    assert.deepEqual(lease.metadata, { name: 'posture-operator', namespace: 'posture-system' });
    assert.deepEqual(lease.spec, { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: microTime(T0), renewTime: microTime(T0), leaseTransitions: 0 });
  });

  it('a renewal from the last write moves renewTime only, keeping acquireTime and transitions', () => {
    const last = { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: microTime(T0), renewTime: microTime(T0), leaseTransitions: 3 };
    assert.deepEqual(renewedSpec(last, 'a', 15_000, T1), { ...last, renewTime: microTime(T1) });
  });

  it('over a Lease it already holds, keeps acquireTime and the transition count', () => {
    const current = { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: microTime(T0), renewTime: microTime(T0), leaseTransitions: 2 };
    assert.deepEqual(takenSpec(current, 'a', 15_000, T1), { ...current, renewTime: microTime(T1) });
  });

  it('taking over from another holder, or a released Lease, starts acquireTime anew and counts a transition', () => {
    for (const holderIdentity of ['b', '']) {
      const current = { holderIdentity, leaseDurationSeconds: 1, acquireTime: microTime(T0), renewTime: microTime(T0), leaseTransitions: 2 };
      assert.deepEqual(takenSpec(current, 'a', 15_000, T1), { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: microTime(T1), renewTime: microTime(T1), leaseTransitions: 3 });
    }
  });

  it('a Lease with no spec fields yet is taken over from zero transitions', () => {
    assert.deepEqual(takenSpec({}, 'a', 15_000, T1), { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: microTime(T1), renewTime: microTime(T1), leaseTransitions: 1 });
  });
});
