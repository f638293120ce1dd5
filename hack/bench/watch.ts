// List-then-watch of the kinds that make a namespace protected: Namespaces (for creation time and the
// Pod Security labels) and the five managed kinds (label app.kubernetes.io/managed-by=posture-operator).
// Events go to the ProtectionTracker with the time they arrived (performance.now()).
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { MANAGED_SELECTOR } from '../../src/api/names.js';
import { collectionPath, MANAGED_TYPES, NAMESPACE, type ResourceType } from '../../src/kube/resources.js';
import { ApiError } from '../../src/kube/errors.js';
import type { BenchClient } from './kube.js';
import type { ProtectionTracker, WatchedObject, WatchEventType } from './tracker.js';

interface ListResponse {
  metadata?: { resourceVersion?: string };
  items?: WatchedObject[];
}

const MAX_RESTARTS = 200;

export interface Watches {
  /** Resolves once every watch has listed and is watching. */
  ready: Promise<void>;
  /** Watch requests that ended (the server closes them now and then) or failed, and were restarted. */
  restarts(): number;
  relists(): number;
  stop(): Promise<void>;
}

export function watchAll(client: BenchClient, tracker: ProtectionTracker, log: (line: string) => void): Watches {
  const controller = new AbortController();
  let restarts = 0;
  let relists = 0;
  const readies: Promise<void>[] = [];
  const loops: Promise<void>[] = [];

  const run = (type: ResourceType, selector: string | undefined, deliver: (t: WatchEventType, o: WatchedObject, at: number) => void): void => {
    let markReady: () => void = () => undefined;
    let failReady: (err: unknown) => void = () => undefined;
    readies.push(
      new Promise<void>((resolve, reject) => {
        markReady = resolve;
        failReady = reject;
      }),
    );
    const base = collectionPath(type);
    const sel = selector === undefined ? '' : `&labelSelector=${encodeURIComponent(selector)}`;
    const loop = async (): Promise<void> => {
      let rv: string | undefined;
      let attempts = 0;
      const aborted = (): boolean => controller.signal.aborted;
      while (!aborted()) {
        try {
          if (rv === undefined) {
            const list = await client.getJson<ListResponse>(`${base}${sel.replace('&', '?')}`);
            const at = performance.now();
            for (const item of list.items ?? []) deliver('ADDED', item, at);
            rv = list.metadata?.resourceVersion;
            if (rv === undefined) throw new Error(`${base}: list without resourceVersion`);
            markReady();
          }
          const path = `${base}?watch=1&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(rv)}${sel}`;
          await client.watchOnce(
            path,
            (t, object) => {
              const at = performance.now();
              const meta = (object as WatchedObject).metadata;
              if (t === 'BOOKMARK') {
                rv = meta?.resourceVersion ?? rv;
                return;
              }
              if (t === 'ERROR') {
                const code = (object as { code?: number }).code;
                if (code === 410) rv = undefined;
                throw new Error(`watch ${type.plural}: ${JSON.stringify(object).slice(0, 200)}`);
              }
              rv = meta?.resourceVersion ?? rv;
              if (t === 'ADDED' || t === 'MODIFIED' || t === 'DELETED') deliver(t, object, at);
            },
            controller.signal,
          );
          attempts = 0;
        } catch (err) {
          if (aborted()) return;
          if (err instanceof ApiError && err.code === 410) rv = undefined;
          if (rv === undefined) relists++;
          attempts++;
          if (attempts > 20) {
            failReady(err);
            log(`watch ${type.plural} gave up: ${err instanceof Error ? err.message : String(err)}`);
            return;
          }
          log(`watch ${type.plural} restarting (${err instanceof Error ? err.message : String(err)})`);
          await sleep(Math.min(2000, 100 * 2 ** attempts), undefined, { signal: controller.signal }).catch(() => undefined);
        }
        restarts++;
        if (restarts > MAX_RESTARTS) {
          log('too many watch restarts; giving up on watches');
          return;
        }
      }
    };
    loops.push(loop());
  };

  run(NAMESPACE, undefined, (t, o, at) => {
    tracker.onNamespace(t, o, at);
  });
  for (const type of MANAGED_TYPES) {
    run(type, MANAGED_SELECTOR, (t, o, at) => {
      tracker.onObject(t, type.kind, o, at);
    });
  }

  return {
    ready: Promise.all(readies).then(() => undefined),
    restarts: () => restarts,
    relists: () => relists,
    stop: async () => {
      controller.abort();
      await Promise.all(loops);
    },
  };
}
