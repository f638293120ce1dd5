/**
 * All-or-nothing grants: before any Role or RoleBinding of a baseline is written into a namespace,
 * each is tried with a server-side dry run, so RBAC's escalation check answers for every one of
 * them at once. If one cannot be granted, none is written (a half-granted set of roles is a state
 * nobody designed), every offending spec.rbac entry is named in one short line, and the protective
 * objects are still written.
 */
import { FIELD_MANAGER } from '../api/names.js';
import type { SecurityBaselineSpec } from '../api/securitybaseline.js';
import type { ApiClient } from '../kube/client.js';
import { ApiError, isTerminal } from '../kube/errors.js';
import { objectPath, resourceTypeOf } from '../kube/resources.js';
import { toManifest, type DesiredObject } from '../render/objects.js';
import type { Action } from './plan.js';

export interface Ungrantable {
  /** spec.rbac.roles[i] or spec.rbac.bindClusterRoles[i]. */
  path: string;
  /** The generated object the API server refused. */
  object: string;
  reason: string;
}

const MAX_REASON = 160;

function isGrant(object: DesiredObject): boolean {
  return object.kind === 'Role' || object.kind === 'RoleBinding';
}

/** The create and update actions of Roles and RoleBindings. */
export function grantActions(actions: readonly Action[]): DesiredObject[] {
  return actions.flatMap((a) => ((a.type === 'create' || a.type === 'update') && isGrant(a.object) ? [a.object] : []));
}

/** The plan without any Role or RoleBinding write; deletions of grants no longer wanted stay. */
export function withoutGrants(actions: readonly Action[]): Action[] {
  return actions.filter((a) => !((a.type === 'create' || a.type === 'update') && isGrant(a.object)));
}

/** The spec entry an object was rendered from. */
export function specPathOf(object: DesiredObject, spec: SecurityBaselineSpec): string {
  const roles = spec.rbac?.roles ?? [];
  const bindings = spec.rbac?.bindClusterRoles ?? [];
  const roleRef = object.content.roleRef as { kind?: string; name?: string } | undefined;
  const name = object.kind === 'Role' ? object.metadata.name : roleRef?.kind === 'Role' ? roleRef.name : undefined;
  if (name !== undefined) {
    const i = roles.findIndex((r) => `posture-${r.name}` === name);
    if (i >= 0) return `spec.rbac.roles[${i}]`;
  }
  if (roleRef?.kind === 'ClusterRole') {
    const i = bindings.findIndex((b) => b.clusterRole === roleRef.name);
    if (i >= 0) return `spec.rbac.bindClusterRoles[${i}]`;
  }
  return `${object.kind} ${object.metadata.name}`;
}

/** One short line: what the operator lacks, not the API server's whole paragraph. */
export function shortReason(err: unknown): string {
  const text = err instanceof ApiError ? err.message.slice(err.message.indexOf(`${err.code} ${err.reason}: `) + `${err.code} ${err.reason}: `.length) : String(err);
  const held = /attempting to grant RBAC permissions not currently held:\s*([\s\S]*)$/.exec(text);
  let reason: string;
  if (held?.[1] !== undefined) {
    const rules = held[1].split('\n').map((l) => l.trim()).filter((l) => l.startsWith('{'));
    reason = `the operator does not hold ${rules.slice(0, 2).join(' ')}${rules.length > 2 ? ` and ${rules.length - 2} more rule(s)` : ''}`;
  } else {
    reason = text.replace(/\s+/g, ' ');
  }
  return reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON - 3)}...` : reason;
}

async function dryRun(client: ApiClient, object: DesiredObject): Promise<void> {
  const type = resourceTypeOf(object.apiVersion, object.kind);
  await client.request({
    verb: 'patch',
    // Counted apart from writes (posture_kube_requests_total): a dry run stores nothing.
    resource: `${type.plural} (dry run)`,
    method: 'PATCH',
    path: objectPath(type, object.metadata.name, object.metadata.namespace),
    query: { fieldManager: FIELD_MANAGER, force: 'true', dryRun: 'All' },
    body: toManifest(object),
    contentType: 'application/apply-patch+yaml',
  });
}

/**
 * Dry-runs every grant and returns the ones the API server refuses, one per spec entry. A
 * RoleBinding to one of the baseline's own Roles is judged with its Role: before the Role exists
 * its binding cannot be dry-run, and it grants exactly what the Role does. Retryable errors throw.
 */
export async function ungrantable(client: ApiClient, grants: readonly DesiredObject[], spec: SecurityBaselineSpec, roleExists: (name: string) => boolean): Promise<Ungrantable[]> {
  const out = new Map<string, Ungrantable>();
  for (const object of grants) {
    const roleRef = object.content.roleRef as { kind?: string; name?: string } | undefined;
    if (object.kind === 'RoleBinding' && roleRef?.kind === 'Role' && roleRef.name !== undefined && !roleExists(roleRef.name)) continue;
    try {
      await dryRun(client, object);
    } catch (err) {
      if (!isTerminal(err)) throw err;
      // A binding someone else created under this name with another roleRef: the grant itself is
      // fine; the write replaces that binding (reconciler.ts, applyOrRecreate).
      if (object.kind === 'RoleBinding' && err instanceof ApiError && err.code === 422 && /roleRef/.test(err.message)) continue;
      const path = specPathOf(object, spec);
      if (!out.has(path)) out.set(path, { path, object: `${object.kind} ${object.metadata.name}`, reason: shortReason(err) });
    }
  }
  return [...out.values()].sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true }));
}

/** The condition text: every offending entry at once, one short line each. */
export function grantsMessage(failures: readonly Ungrantable[]): string {
  const lines = failures.map((f) => `${f.path} (${f.object}): cannot be granted: ${f.reason}`);
  return `none of this baseline's Roles and RoleBindings were written, because ${failures.length} cannot be granted:\n${lines.join('\n')}`;
}

/**
 * Baselines (uid and generation) whose grants a dry run accepted lately. Whether the operator may
 * grant a Role's rules or bind a ClusterRole depends on its own cluster-wide permissions, not on the
 * namespace: so a new namespace does not pay two more round trips, in sequence, before its writes.
 * Only acceptance is remembered, and only for ttlMs: a refusal is checked (and reported) in every
 * namespace, and a permission taken from the operator is noticed within ttlMs or at the first
 * write it refuses.
 */
export class GrantableBaselines {
  private readonly accepted = new Map<string, number>();
  /** A dry run in flight per baseline: the namespaces of a burst wait for it rather than each send their own. */
  private readonly inFlight = new Map<string, Promise<boolean>>();

  constructor(private readonly ttlMs = 60_000) {}

  /** The grants this namespace may not have: none when accepted lately, else dry-run (one run per baseline at a time). */
  async check(key: string, now: number, dryRun: () => Promise<Ungrantable[]>): Promise<Ungrantable[]> {
    if (this.has(key, now)) return [];
    const pending = this.inFlight.get(key);
    if (pending !== undefined && (await pending)) return [];
    const run = dryRun();
    const accepted = run.then(
      (refused) => refused.length === 0,
      () => false,
    );
    this.inFlight.set(key, accepted);
    try {
      const refused = await run;
      if (refused.length === 0) this.add(key, now);
      return refused;
    } finally {
      if (this.inFlight.get(key) === accepted) this.inFlight.delete(key);
    }
  }

  has(key: string, now: number): boolean {
    const at = this.accepted.get(key);
    if (at === undefined) return false;
    if (now - at <= this.ttlMs) return true;
    this.accepted.delete(key);
    return false;
  }

  add(key: string, now: number): void {
    this.accepted.set(key, now);
  }

  forget(key: string): void {
    this.accepted.delete(key);
  }
}
