import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { ApiClient } from './client.js';
import { isNotFound } from './errors.js';
import { collectionPath, objectPath, type ResourceType } from './paths.js';

/** coordination.k8s.io/v1 Lease: the leader-election record. Times are MicroTime strings. */
export interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string } & Record<string, unknown>;
  spec?: LeaseSpec;
}

/**
 * The three calls leader election makes on one Lease. get answers undefined when there is none;
 * create and update throw the API's error (409 when another replica won the race: AlreadyExists
 * for create, Conflict for an update whose resourceVersion is stale).
 */
export interface LeaseStore {
  readonly namespace: string;
  readonly name: string;
  /** "Lease <namespace>/<name>", for logs. */
  readonly description: string;
  get(): Promise<Lease | undefined>;
  create(lease: Lease): Promise<Lease>;
  update(lease: Lease): Promise<Lease>;
}

export const LEASE: ResourceType = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', plural: 'leases', namespaced: true };

/** A Lease on the API server, through ApiClient (so every call is counted with resource `leases`). */
export class KubeLeaseStore implements LeaseStore {
  readonly description: string;

  constructor(
    private readonly client: ApiClient,
    readonly namespace: string,
    readonly name: string,
  ) {
    this.description = `Lease ${namespace}/${name}`;
  }

  async get(): Promise<Lease | undefined> {
    try {
      return await this.client.request<Lease>({ verb: 'get', resource: LEASE.plural, method: 'GET', path: objectPath(LEASE, this.name, this.namespace) });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  create(lease: Lease): Promise<Lease> {
    return this.client.request<Lease>({ verb: 'create', resource: LEASE.plural, method: 'POST', path: collectionPath(LEASE, this.namespace), body: lease });
  }

  /** A PUT carrying metadata.resourceVersion: optimistic concurrency, 409 when someone wrote first. */
  async update(lease: Lease): Promise<Lease> {
    if (lease.metadata.resourceVersion === undefined) throw new Error(`${this.description}: update without resourceVersion`);
    return this.client.request<Lease>({ verb: 'update', resource: LEASE.plural, method: 'PUT', path: objectPath(LEASE, this.name, this.namespace), body: lease });
  }
}

/** metav1.MicroTime: RFC 3339 with exactly six fractional digits, which the API server requires. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** The Lease every replica competes for, in POD_NAMESPACE. */
export const LEASE_NAME = 'posture-operator';

/** POD_NAME when set; otherwise the hostname and a random suffix, so two processes on one host differ. */
export function holderIdentity(podName: string | undefined): string {
  return podName !== undefined && podName !== '' ? podName : `${hostname()}_${randomUUID()}`;
}
