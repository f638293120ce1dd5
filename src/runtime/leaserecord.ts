// What leader election writes into the Lease: pure, so each case is tested without an API server.
import { microTime, type Lease, type LeaseSpec } from '../kube/lease.js';

/** The Lease a replica creates when there is none: it holds it, never transitioned. */
export function newLease(at: { name: string; namespace: string }, identity: string, leaseDurationMs: number, now: number): Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: at.name, namespace: at.namespace },
    spec: { holderIdentity: identity, leaseDurationSeconds: leaseDurationMs / 1000, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
  };
}

/** A leader's renewal of what it last wrote: only the holder, duration and renewTime change. */
export function renewedSpec(last: LeaseSpec | undefined, identity: string, leaseDurationMs: number, now: number): LeaseSpec {
  return { ...last, holderIdentity: identity, leaseDurationSeconds: leaseDurationMs / 1000, renewTime: microTime(now) };
}

/**
 * The spec written over a Lease just read: a renewal keeps acquireTime and the transition count; a
 * takeover (from another holder, or a released or expired Lease) starts both anew.
 */
export function takenSpec(current: LeaseSpec, identity: string, leaseDurationMs: number, now: number): LeaseSpec {
  const renewing = (current.holderIdentity ?? '') === identity;
  return {
    holderIdentity: identity,
    leaseDurationSeconds: leaseDurationMs / 1000,
    acquireTime: renewing ? (current.acquireTime ?? microTime(now)) : microTime(now),
    renewTime: microTime(now),
    leaseTransitions: renewing ? (current.leaseTransitions ?? 0) : (current.leaseTransitions ?? 0) + 1,
  };
}
