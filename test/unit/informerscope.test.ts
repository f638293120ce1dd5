import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import winston from 'winston';
import type { KubeRequest, KubeStream, WatchClient } from '../../src/kube/client.js';
import { typeOfKind } from '../../src/kube/resources.js';
import { Informer } from '../../src/runtime/informer.js';
import { NamespaceScope } from '../../src/runtime/scope.js';

interface Obj {
  metadata: { name: string; namespace: string; resourceVersion: string };
  spec?: unknown;
}

const DEPLOYMENT = typeOfKind('Deployment');
const quiet = winston.createLogger({ silent: true });

/** An API server of Deployments: paged lists of the cluster or one namespace, and one watch whose events the test sends. */
class FakeServer implements WatchClient {
  readonly objects = new Map<string, Obj>();
  readonly lists: string[] = [];
  private rv = 100;
  private readonly pending: string[] = [];
  private wake: (() => void) | undefined;
  /** Holds the answers to namespace lists until released, to let watch events in meanwhile. */
  hold: Promise<void> | undefined;

  create(namespace: string, name: string): Obj {
    const o = { metadata: { name, namespace, resourceVersion: String(++this.rv) } };
    this.objects.set(`${namespace}/${name}`, o);
    this.send('ADDED', o);
    return o;
  }

  remove(namespace: string, name: string): void {
    const o = this.objects.get(`${namespace}/${name}`);
    if (o === undefined) return;
    this.objects.delete(`${namespace}/${name}`);
    this.send('DELETED', { metadata: { ...o.metadata, resourceVersion: String(++this.rv) } });
  }

  /** The watch breaks with 410 Gone: the informer lists the whole collection again. */
  expire(): void {
    this.pending.push(JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' } }) + '\n');
    this.wake?.();
  }

  send(type: string, object: Obj): void {
    this.pending.push(JSON.stringify({ type, object }) + '\n');
    this.wake?.();
  }

  async request<T>(req: KubeRequest): Promise<T> {
    this.lists.push(req.path);
    const namespace = /\/namespaces\/([^/]+)\//.exec(req.path)?.[1];
    // The answer as of the request; a held one arrives later, after whatever happened meanwhile.
    const answer = { items: structuredClone([...this.objects.values()].filter((o) => namespace === undefined || o.metadata.namespace === namespace)), metadata: { resourceVersion: String(this.rv) } };
    if (namespace !== undefined) await this.hold;
    return answer as T;
  }

  /** The answer request gives, as the bytes of one response. */
  async requestBody<T>(req: KubeRequest, read: (body: AsyncIterable<Uint8Array>) => Promise<T>): Promise<T> {
    const answer = await this.request<unknown>(req);
    return read(Readable.from([Buffer.from(JSON.stringify(answer))]));
  }

  stream(_req: KubeRequest, signal: AbortSignal): Promise<KubeStream> {
    const encoder = new TextEncoder();
    const body = async function* (this: FakeServer): AsyncGenerator<Uint8Array> {
      while (!signal.aborted) {
        const line = this.pending.shift();
        if (line !== undefined) {
          yield encoder.encode(line);
          continue;
        }
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          signal.addEventListener('abort', () => {
            resolve();
          }, { once: true });
        });
      }
    }.call(this);
    return Promise.resolve({ body });
  }
}

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));
const names = (informer: Informer<Obj>, ns: string): string[] => informer.list(ns).map((o) => o.metadata.name).sort();

describe('a scoped informer', () => {
  let server: FakeServer;
  let scope: NamespaceScope;
  let informer: Informer<Obj>;
  let listed: string[];
  let events: string[];

  beforeEach(async () => {
    server = new FakeServer();
    scope = new NamespaceScope();
    listed = [];
    events = [];
    scope.set('selected', true);
    for (let i = 0; i < 3; i++) server.create('selected', `s${i}`);
    for (let i = 0; i < 50; i++) server.create('tenant', `t${i}`);
    informer = new Informer<Obj>(DEPLOYMENT, server, quiet, { scope, onNamespaceListed: (ns) => listed.push(ns) });
    informer.on((event, o) => {
      events.push(`${event} ${o.metadata.namespace}/${o.metadata.name}`);
    });
    await informer.start();
  });

  afterEach(async () => {
    await informer.stop();
  });

  it('keeps only the namespaces in scope, from its list and its watch', async () => {
    assert.deepEqual(names(informer, 'selected'), ['s0', 's1', 's2']);
    assert.equal(informer.list().length, 3);
    server.create('tenant', 'late');
    server.create('selected', 'late');
    await settle();
    assert.deepEqual(names(informer, 'tenant'), []);
    assert.deepEqual(names(informer, 'selected'), ['late', 's0', 's1', 's2']);
    assert.ok(informer.holdsNamespace('selected'));
    assert.ok(!informer.holdsNamespace('tenant'));
  });

  it('lists a namespace that enters the scope on its own, and says when it holds it', async () => {
    scope.set('tenant', true);
    assert.ok(!informer.holdsNamespace('tenant'), 'not before its list');
    await settle();
    assert.equal(names(informer, 'tenant').length, 50);
    assert.ok(informer.holdsNamespace('tenant'));
    assert.deepEqual(listed, ['tenant']);
    assert.ok(server.lists.some((p) => p.endsWith('/namespaces/tenant/deployments')), 'a list of that namespace alone');
  });

  it('keeps what the watch brought while the namespace list was out: created after it, deleted before it comes back', async () => {
    let release: () => void = () => undefined;
    server.hold = new Promise((resolve) => {
      release = resolve;
    });
    scope.set('tenant', true);
    await settle();
    // The list is out, its answer held: it has t0 and not the new one.
    server.create('tenant', 'during');
    server.remove('tenant', 't0');
    await settle();
    release();
    await settle();
    const held = names(informer, 'tenant');
    assert.ok(held.includes('during'), 'created by the watch after the list: kept');
    assert.ok(!held.includes('t0'), 'deleted by the watch after the list: not brought back');
    assert.equal(held.length, 50);
  });

  it('takes a cluster-wide list that ran while a namespace list was out as the newer: what it missed stays gone', async () => {
    let release: () => void = () => undefined;
    server.hold = new Promise((resolve) => {
      release = resolve;
    });
    scope.set('tenant', true);
    await settle();
    // The namespace list is out with t0 in its answer; t0 goes while the watch is broken (no event), and the informer lists everything again.
    server.objects.delete('tenant/t0');
    server.expire();
    await settle();
    assert.ok(informer.holdsNamespace('tenant'), 'the cluster-wide list covered the namespace');
    assert.deepEqual(listed, ['tenant']);
    release();
    await settle();
    const held = names(informer, 'tenant');
    assert.ok(!held.includes('t0'), 'the older namespace list does not bring back what the newer list no longer had');
    assert.equal(held.length, 49);
  });

  it('drops a namespace that leaves the scope, with a delete event per object', () => {
    events.length = 0;
    scope.set('selected', false);
    assert.deepEqual(informer.list(), []);
    assert.deepEqual(events.sort(), ['delete selected/s0', 'delete selected/s1', 'delete selected/s2']);
    assert.ok(!informer.holdsNamespace('selected'));
  });
});
