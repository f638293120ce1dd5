import winston from 'winston';
import { BaselineRegistry, trackBaselines, type BaselineChange } from '../../../src/controller/baselines.js';
import type { KubeRequest } from '../../../src/kube/client.js';
import { compact, MANAGED_TYPES } from '../../../src/kube/resources.js';
import type { ReconcileContext } from '../../../src/runtime/controller.js';
import type { Source } from '../../../src/runtime/source.js';
import { MemoryCaches } from './memorycaches.js';
import { RecordingClient } from './recordingclient.js';

export const silent = winston.createLogger({ silent: true });

/** A reconcile context that records the writes a reconcile reports. */
export function context(): ReconcileContext & { writes: string[] } {
  const writes: string[] = [];
  return {
    log: silent,
    writes,
    wrote: (what, meta) => {
      writes.push(`${what} ${JSON.stringify(meta?.resource ?? '')}/${JSON.stringify(meta?.name ?? '')}`.replace(/"/g, ''));
    },
  };
}

export interface World {
  caches: MemoryCaches;
  client: RecordingClient;
  baselines: BaselineRegistry;
  baselineChanges: Source<BaselineChange>;
}

/** Caches, a recording client, and a registry that follows the SecurityBaseline cache. */
export function world(): World {
  const caches = new MemoryCaches();
  const baselines = new BaselineRegistry();
  const client = new RecordingClient();
  client.stored = (path) => {
    const name = /^\/api\/v1\/namespaces\/([^/]+)$/.exec(path)?.[1];
    return name === undefined ? undefined : (caches.get('namespaces', name));
  };
  return { caches, client, baselines, baselineChanges: trackBaselines(baselines, caches.source('securitybaselines')) };
}

export function baselineObject(name: string, spec: Record<string, unknown>, generation = 1): Record<string, unknown> & { metadata: Record<string, unknown> } {
  return { apiVersion: 'posture.dev/v1alpha1', kind: 'SecurityBaseline', metadata: { name, uid: `uid-${name}`, generation }, spec };
}

/**
 * What the informers would deliver after the API server accepted the recorded writes: applied
 * objects and namespace labels land in the caches, projected as the real caches project them, and
 * every cache has observed past them.
 */
export function deliver(caches: MemoryCaches, requests: readonly KubeRequest[], resourceVersion = '1000'): void {
  for (const req of requests) {
    if (req.method !== 'PATCH' || req.contentType !== 'application/apply-patch+yaml') continue;
    const body = req.body as Record<string, unknown> & { kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> } };
    if (body.kind === 'Namespace') {
      const current = caches.get('namespaces', body.metadata.name) ?? { metadata: { name: body.metadata.name } };
      const labels = { ...Object.fromEntries(Object.entries(current.metadata?.labels ?? {}).filter(([k]) => !k.startsWith('pod-security.kubernetes.io/'))), ...body.metadata.labels };
      const metadata: Record<string, unknown> = { ...current.metadata, labels, annotations: body.metadata.annotations, resourceVersion };
      caches.set('namespaces', { ...current, metadata });
      continue;
    }
    const type = MANAGED_TYPES.find((t) => t.kind === body.kind);
    if (type === undefined) continue;
    caches.set(type.plural, compact(type.plural, { ...body, metadata: { ...body.metadata, resourceVersion } }) as Record<string, unknown>);
  }
  for (const plural of ['namespaces', ...MANAGED_TYPES.map((t) => t.plural)]) caches.observed(plural, resourceVersion);
}
