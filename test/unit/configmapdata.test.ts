import assert from 'node:assert/strict';
import type { ApiClient, KubeRequest } from '../../src/kube/client.js';
import { ApiError } from '../../src/kube/errors.js';
import { ConfigMapData, NAMESPACE_DATA_BUDGET } from '../../src/controller/configmapdata.js';
import type { CachedObject } from '../../src/runtime/caches.js';

/** An API server holding ConfigMaps; every GET is recorded. */
class ConfigMapServer implements ApiClient {
  readonly gets: string[] = [];
  readonly objects = new Map<string, { rv: string; data: Record<string, string> }>();

  request<T>(req: KubeRequest): Promise<T> {
    this.gets.push(req.path);
    const name = decodeURIComponent(req.path.split('/').pop() ?? '');
    const o = this.objects.get(name);
    if (o === undefined) return Promise.reject(new ApiError(404, 'NotFound', 'gone', 'GET', req.path));
    return Promise.resolve({ metadata: { name, namespace: 'shop', resourceVersion: o.rv }, data: o.data } as T);
  }
}

function meta(name: string, rv: string): CachedObject {
  return { metadata: { name, namespace: 'shop', resourceVersion: rv } as CachedObject['metadata'] };
}

describe('ConfigMap data on demand (the cache holds metadata only)', () => {
  it('reads a ConfigMap when its resourceVersion is new, and not again while it stays', async () => {
    const server = new ConfigMapServer();
    server.objects.set('app', { rv: '1', data: { password: 'hunter2' } });
    const reader = new ConfigMapData(server);
    assert.deepEqual([...(await reader.read('shop', [meta('app', '1')]))], [['app', { password: 'hunter2' }]]);
    await reader.read('shop', [meta('app', '1')]);
    assert.equal(server.gets.length, 1, 'a steady namespace costs no request');
    server.objects.set('app', { rv: '2', data: { password: 'changed' } });
    assert.deepEqual((await reader.read('shop', [meta('app', '2')])).get('app'), { password: 'changed' });
    assert.equal(server.gets.length, 2);
  });

  it('cuts each ConfigMap to what the check reads, and stops reading at the namespace budget', async () => {
    const server = new ConfigMapServer();
    // 1 MB each, in 64 keys of 16 KiB: the projection keeps 8 KiB of it.
    const big = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`key-${i}`, 'x'.repeat(16 * 1024)]));
    const names = Array.from({ length: 60 }, (_, i) => `blob-${String(i).padStart(2, '0')}`);
    for (const n of names) server.objects.set(n, { rv: '1', data: big });
    const reader = new ConfigMapData(server);
    const data = await reader.read('shop', names.map((n) => meta(n, '1')));
    let kept = 0;
    for (const d of data.values()) for (const [k, v] of Object.entries(d ?? {})) kept += k.length + v.length;
    assert.ok(kept <= NAMESPACE_DATA_BUDGET + 8192, `kept ${kept} bytes`);
    assert.ok(server.gets.length < names.length, `read ${server.gets.length} of ${names.length}`);
    assert.equal(data.size, names.length, 'every ConfigMap is named; those past the budget have no data');
  });

  it('skips a ConfigMap deleted since the cache saw it, and forgets a namespace', async () => {
    const server = new ConfigMapServer();
    server.objects.set('kept', { rv: '1', data: { a: 'b' } });
    const reader = new ConfigMapData(server);
    const data = await reader.read('shop', [meta('gone', '1'), meta('kept', '1')]);
    assert.deepEqual([...data.keys()], ['kept']);
    reader.forget('shop');
    await reader.read('shop', [meta('kept', '1')]);
    assert.equal(server.gets.filter((p) => p.endsWith('/kept')).length, 2, 'read again after forget');
  });
});
