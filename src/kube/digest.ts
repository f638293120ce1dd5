import { createHash } from 'node:crypto';

/**
 * A digest of what an object says (everything but apiVersion, kind, metadata and status, and any
 * `timestamp` field), independent of key order. Computed from the live object when it is cached and
 * from the desired one before a write, so the operator writes when the live content differs, not
 * when an annotation (which anyone who can edit the object can copy) says so.
 */
export function contentDigest(object: Readonly<Record<string, unknown>>): string {
  const hash = createHash('sha256');
  for (const [key, value] of Object.entries(object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (key === 'apiVersion' || key === 'kind' || key === 'metadata' || key === 'status') continue;
    hash.update(JSON.stringify(key));
    feed(hash, value);
  }
  return hash.digest('hex').slice(0, 32);
}

type Hash = ReturnType<typeof createHash>;

/** Streams a canonical form into the hash: no intermediate string as large as the object. */
function feed(hash: Hash, value: unknown): void {
  if (Array.isArray(value)) {
    hash.update('[');
    for (const item of value) {
      feed(hash, item);
      hash.update(',');
    }
    hash.update(']');
    return;
  }
  if (value !== null && typeof value === 'object') {
    hash.update('{');
    for (const key of Object.keys(value).sort()) {
      if (key === 'timestamp') continue;
      hash.update(JSON.stringify(key));
      hash.update(':');
      feed(hash, (value as Record<string, unknown>)[key]);
      hash.update(',');
    }
    hash.update('}');
    return;
  }
  hash.update(value === undefined ? 'undefined' : JSON.stringify(value));
}
