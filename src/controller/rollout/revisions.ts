import { BASELINE_LABEL, BASELINE_UID_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE, OBJECT_NAME_PREFIX, REVISION_LABEL } from '../../api/names.js';
import { parseSpec } from '../../api/parse.js';
import type { ApiClient } from '../../kube/client.js';
import { isConflict } from '../../kube/errors.js';
import { remove } from '../../kube/operations.js';
import { collectionPath, CONTROLLER_REVISION } from '../../kube/resources.js';
import { revisionData, revisionHash, revisionOf, type RevisionData } from '../../render/revision.js';
import type { ValidBaseline } from '../../render/selection.js';
import type { CacheView, CachedObject } from '../../runtime/caches.js';

/** Revisions kept besides the target and those a namespace is at: enough to see what changed lately. */
export const REVISION_HISTORY = 3;

/** One baseline revision as kept in a ControllerRevision. */
export interface StoredRevision {
  name: string;
  hash: string;
  number: number;
}

/** `posture-<baseline>-<revision>`, within the 253 characters a name may have. */
export function revisionObjectName(baseline: string, hash: string): string {
  return `${OBJECT_NAME_PREFIX}${baseline.slice(0, 253 - OBJECT_NAME_PREFIX.length - hash.length - 1)}-${hash}`;
}

/** A baseline as its revisions are labelled: a name may be reused, a uid not. */
export type BaselineIdentity = Pick<ValidBaseline, 'name' | 'uid'>;

/**
 * The baseline revisions in the ControllerRevision cache. Their content is checked before it is
 * written anywhere: it must be a valid spec section set whose digest is the revision's name, so an
 * edited ControllerRevision is not a way to put something else into the namespaces.
 *
 * They carry no ownerReference: they are labelled with the baseline's name and uid, and the operator
 * deletes them itself when the baseline goes (sweep), so the garbage collector never waits on them
 * (decision 0016: an ownerReference held Orphan deletions for as long as the collector took).
 */
export class RevisionStore {
  private readonly verified = new Map<string, { resourceVersion: string | undefined; data: RevisionData | undefined }>();

  constructor(
    private readonly caches: CacheView,
    private readonly namespace: string,
  ) {}

  list(baseline: BaselineIdentity): StoredRevision[] {
    return this.objects(baseline.name).filter((o) => o.metadata?.labels?.[BASELINE_UID_LABEL] === baseline.uid).flatMap((o) => {
      const hash = o.metadata?.labels?.[REVISION_LABEL];
      const name = o.metadata?.name;
      return hash === undefined || name === undefined ? [] : [{ name, hash, number: typeof o.revision === 'number' ? o.revision : 0 }];
    });
  }

  /** The content of one revision of a baseline, or undefined when it is not kept (or not intact). */
  data(baseline: BaselineIdentity, hash: string): RevisionData | undefined {
    const object = this.caches.get(CONTROLLER_REVISION.plural, revisionObjectName(baseline.name, hash), this.namespace);
    const labels = object?.metadata?.labels;
    if (object === undefined || labels?.[BASELINE_LABEL] !== baseline.name || labels[BASELINE_UID_LABEL] !== baseline.uid) return undefined;
    const key = `${baseline.uid}/${hash}`;
    const resourceVersion = (object.metadata as { resourceVersion?: string }).resourceVersion;
    const seen = this.verified.get(key);
    if (seen !== undefined && seen.resourceVersion === resourceVersion) return seen.data;
    const data = verify(object.data, hash);
    this.verified.set(key, { resourceVersion, data });
    return data;
  }

  /** Creates the ControllerRevision of the baseline's current spec, numbered after the newest. Returns whether it wrote. */
  async ensure(client: ApiClient, baseline: ValidBaseline): Promise<boolean> {
    const hash = revisionOf(baseline.spec);
    const existing = this.list(baseline);
    if (existing.some((r) => r.hash === hash)) return false;
    const number = existing.reduce((max, r) => Math.max(max, r.number), 0) + 1;
    const body = {
      apiVersion: CONTROLLER_REVISION.apiVersion,
      kind: CONTROLLER_REVISION.kind,
      metadata: {
        name: revisionObjectName(baseline.name, hash),
        namespace: this.namespace,
        labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [BASELINE_LABEL]: baseline.name, [BASELINE_UID_LABEL]: baseline.uid, [REVISION_LABEL]: hash },
      },
      data: revisionData(baseline.spec),
      revision: number,
    };
    try {
      await client.request({ verb: 'create', resource: CONTROLLER_REVISION.plural, method: 'POST', path: collectionPath(CONTROLLER_REVISION, this.namespace), body });
    } catch (err) {
      // Created by an earlier pass whose watch event is still on its way, or left by an earlier
      // baseline of the same name that the sweep is deleting (its delete event brings a new pass).
      if (!isConflict(err)) throw err;
      return false;
    }
    return true;
  }

  /** Deletes the revisions of a baseline beyond the ones to keep and the newest REVISION_HISTORY others. Returns their names. */
  async prune(client: ApiClient, baseline: BaselineIdentity, keep: ReadonlySet<string>): Promise<string[]> {
    const others = this.list(baseline)
      .filter((r) => !keep.has(r.hash))
      .sort((a, b) => b.number - a.number);
    const gone = others.slice(REVISION_HISTORY);
    for (const r of gone) await remove(client, CONTROLLER_REVISION, r.name, this.namespace);
    return gone.map((r) => r.name);
  }

  /**
   * Deletes the revisions labelled with this baseline's name that are not the live baseline's: all
   * of them once it is deleted or being deleted (live undefined), else those of an earlier baseline
   * of the same name (another uid, or none). Returns their names.
   */
  async sweep(client: ApiClient, baseline: string, live: string | undefined): Promise<string[]> {
    const gone = this.objects(baseline).filter((o) => live === undefined || o.metadata?.labels?.[BASELINE_UID_LABEL] !== live);
    const names = gone.flatMap((o) => (o.metadata?.name === undefined ? [] : [o.metadata.name]));
    for (const name of names) await remove(client, CONTROLLER_REVISION, name, this.namespace);
    return names;
  }

  private objects(baseline: string): readonly CachedObject[] {
    return this.caches.list(CONTROLLER_REVISION.plural, this.namespace).filter((o) => o.metadata?.labels?.[BASELINE_LABEL] === baseline);
  }
}

/** The revision's content, if it parses as spec sections and its digest is its name. */
export function verify(data: unknown, hash: string): RevisionData | undefined {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return undefined;
  const parsed = parseSpec({ ...(data as Record<string, unknown>), namespaceSelector: {} });
  if (!parsed.ok) return undefined;
  const sections = revisionData(parsed.spec);
  return revisionHash(sections) === hash ? sections : undefined;
}
