import { ORPHAN_FINALIZER } from '../api/names.js';
import { parseSpec } from '../api/parse.js';
import type { SecurityBaselineStatus } from '../api/status.js';
import type { ValidBaseline } from '../render/selection.js';
import type { CachedObject } from '../runtime/caches.js';
import { Emitter, type Source } from '../runtime/source.js';

/** A SecurityBaseline as read from the API server; only the fields the controller reads. */
export interface SecurityBaselineObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    uid?: string;
    generation?: number;
    resourceVersion?: string;
    deletionTimestamp?: unknown;
    finalizers?: string[];
  };
  spec?: unknown;
  status?: SecurityBaselineStatus;
}

export interface KnownBaseline {
  name: string;
  uid: string;
  generation: number;
  terminating: boolean;
  /** The parsed spec, or the reason it does not parse. */
  parsed: { ok: true; baseline: ValidBaseline } | { ok: false; error: string };
  hasOrphanFinalizer: boolean;
}

/**
 * Parsed baselines, kept current from informer events. Each object is parsed once per generation,
 * not once per namespace reconcile.
 */
export class BaselineRegistry {
  private readonly known = new Map<string, KnownBaseline>();

  /** Records an added or changed baseline. Returns true when what reconciles read changed. */
  upsert(object: SecurityBaselineObject): boolean {
    const name = object.metadata?.name;
    const uid = object.metadata?.uid;
    if (name === undefined || uid === undefined) return false;
    const generation = object.metadata?.generation ?? 0;
    const terminating = object.metadata?.deletionTimestamp !== undefined && object.metadata.deletionTimestamp !== null;
    const hasOrphanFinalizer = object.metadata?.finalizers?.includes(ORPHAN_FINALIZER) ?? false;
    const before = this.known.get(name);
    if (before?.uid === uid && before.generation === generation && before.terminating === terminating && before.hasOrphanFinalizer === hasOrphanFinalizer) {
      return false;
    }
    let parsed: KnownBaseline['parsed'];
    if (before?.uid === uid && before.generation === generation) parsed = before.parsed;
    else {
      const result = parseSpec(object.spec);
      parsed = result.ok ? { ok: true, baseline: { name, uid, generation, spec: result.spec } } : { ok: false, error: result.error };
    }
    this.known.set(name, { name, uid, generation, terminating, parsed, hasOrphanFinalizer });
    return true;
  }

  remove(name: string): void {
    this.known.delete(name);
  }

  names(): string[] {
    return [...this.known.keys()];
  }

  get(name: string): KnownBaseline | undefined {
    return this.known.get(name);
  }

  /** Baselines that may win namespaces: valid and not being deleted. */
  selectable(): ValidBaseline[] {
    const out: ValidBaseline[] = [];
    for (const k of this.known.values()) if (k.parsed.ok && !k.terminating) out.push(k.parsed.baseline);
    return out;
  }

  /**
   * Baselines whose objects stay as they are: an invalid spec (a typo never removes protection), or a
   * deletion with deletionPolicy Orphan in progress (their objects are released, not pruned).
   */
  frozen(): { uids: Set<string>; names: Set<string> } {
    const uids = new Set<string>();
    const names = new Set<string>();
    for (const k of this.known.values()) {
      if (!k.parsed.ok || this.isOrphaning(k)) {
        uids.add(k.uid);
        names.add(k.name);
      }
    }
    return { uids, names };
  }

  /** Baselines being deleted with deletionPolicy Orphan whose objects are still to be released. */
  orphaning(): KnownBaseline[] {
    return [...this.known.values()].filter((k) => this.isOrphaning(k));
  }

  private isOrphaning(k: KnownBaseline): boolean {
    return k.terminating && k.hasOrphanFinalizer;
  }
}

/** A baseline event as the controllers see it, after the registry has taken it in. */
export interface BaselineChange {
  name: string;
  /** What reconciles read changed: the spec's generation, a deletion starting, the finalizer; or it was deleted. */
  specChanged: boolean;
}

/**
 * Keeps a registry current from the SecurityBaseline cache (on every replica, so a standby is warm)
 * and passes each event on, once taken in, to the controllers that watch baselines.
 */
export function trackBaselines(registry: BaselineRegistry, source: Source<CachedObject>): Source<BaselineChange> {
  const changes = new Emitter<BaselineChange>(() => registry.names().map((name) => ({ name, specChanged: false })));
  source.on((event, object) => {
    const name = object.metadata?.name;
    if (name === undefined) return;
    if (event === 'delete') {
      registry.remove(name);
      changes.emit('delete', { name, specChanged: true });
      return;
    }
    changes.emit(event, { name, specChanged: registry.upsert(object) });
  });
  return changes;
}
