import { parseSpec } from '../api/parse.js';
import type { SecurityBaselineStatus } from '../api/status.js';
import type { ValidBaseline } from '../render/selection.js';

/** A SecurityBaseline as read from the API server; only the fields the controller reads. */
export interface SecurityBaselineObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; uid?: string; generation?: number; resourceVersion?: string };
  spec?: unknown;
  status?: SecurityBaselineStatus;
}

export interface InvalidBaseline {
  name: string;
  generation: number;
  error: string;
}

/**
 * Parsed baselines, kept current from informer events. Each object is parsed once per generation,
 * not once per namespace reconcile.
 */
export class BaselineRegistry {
  private readonly valid = new Map<string, ValidBaseline>();
  private readonly invalid = new Map<string, InvalidBaseline>();

  /** Records an added or changed baseline. Returns true when its spec (generation) changed. */
  upsert(object: SecurityBaselineObject): boolean {
    const name = object.metadata?.name;
    const uid = object.metadata?.uid;
    if (name === undefined || uid === undefined) return false;
    const generation = object.metadata?.generation ?? 0;
    const known = this.valid.get(name) ?? this.invalid.get(name);
    const knownUid = this.valid.get(name)?.uid;
    if (known !== undefined && known.generation === generation && (knownUid === undefined || knownUid === uid)) return false;
    const parsed = parseSpec(object.spec);
    this.valid.delete(name);
    this.invalid.delete(name);
    if (parsed.ok) this.valid.set(name, { name, uid, generation, spec: parsed.spec });
    else this.invalid.set(name, { name, generation, error: parsed.error });
    return true;
  }

  remove(name: string): void {
    this.valid.delete(name);
    this.invalid.delete(name);
  }

  validBaselines(): ValidBaseline[] {
    return [...this.valid.values()];
  }

  getValid(name: string): ValidBaseline | undefined {
    return this.valid.get(name);
  }

  getInvalid(name: string): InvalidBaseline | undefined {
    return this.invalid.get(name);
  }

  /** Names of baselines whose spec does not parse: their objects are left as they are. */
  invalidNames(): ReadonlySet<string> {
    return new Set(this.invalid.keys());
  }
}
