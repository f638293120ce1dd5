import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import winston from 'winston';
import { ApiError } from '../../../src/kube/errors.js';
import { Controller, nameKey, watchFor, watchMapped, watchOwned, type ControllerSpec, type Result } from '../../../src/runtime/controller.js';
import { OutageLog } from '../../../src/runtime/outage.js';
import { Emitter } from '../../../src/runtime/source.js';
import { ManualClock } from '../support/manualclock.js';

interface Obj {
  name: string;
  owner?: string;
}

function capture(): { log: winston.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done): void {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { log: winston.createLogger({ level: 'debug', format: winston.format.json(), transports: [new winston.transports.Stream({ stream })] }), lines };
}

/** Lets workers, setImmediate yields and promise callbacks run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

function harness(reconcile: ControllerSpec<string>['reconcile']): {
  controller: Controller<string>;
  clock: ManualClock;
  owned: Emitter<Obj>;
  things: Emitter<Obj>;
  other: Emitter<string>;
  lines: Record<string, unknown>[];
  all: Obj[];
} {
  const clock = new ManualClock();
  const all: Obj[] = [{ name: 'a' }, { name: 'b' }];
  const things = new Emitter<Obj>(() => all);
  const owned = new Emitter<Obj>();
  const other = new Emitter<string>();
  const { log, lines } = capture();
  const controller = new Controller<string>(
    {
      name: 'things',
      keys: nameKey,
      concurrency: 2,
      watches: [watchFor('things', things, (o) => o.name), watchOwned('parts', owned, (o) => o.owner), watchMapped('signals', other, (_e, s) => [s], 100)],
      reconcile,
    },
    { clock, log, failures: new OutageLog(log, clock, 'reconcile') },
  );
  return { controller, clock, owned, things, other, lines, all };
}

describe('controller', () => {
  it('queues nothing before start; start queues every object of the kind it reconciles', async () => {
    const seen: string[] = [];
    const h = harness((key) => {
      seen.push(key);
      return Promise.resolve({});
    });
    h.things.emit('add', { name: 'early' });
    h.controller.start();
    await settle();
    assert.deepEqual(seen.sort(), ['a', 'b']);
    await h.controller.stop();
  });

  it('maps owned objects to their owner, and mapped sources after their delay', async () => {
    const seen: string[] = [];
    const h = harness((key) => {
      seen.push(key);
      return Promise.resolve({});
    });
    h.controller.start();
    await settle();
    seen.length = 0;
    h.owned.emit('update', { name: 'part', owner: 'a' });
    h.owned.emit('update', { name: 'orphan' });
    await settle();
    assert.deepEqual(seen, ['a'], 'an owned object maps to its owner; one without an owner to nothing');
    h.other.emit('update', 'z');
    await settle();
    assert.deepEqual(seen, ['a'], 'not before the delay');
    h.clock.advance(100);
    await settle();
    assert.deepEqual(seen, ['a', 'z']);
    await h.controller.stop();
  });

  it('requeues after the delay a result asks for', async () => {
    let runs = 0;
    const h = harness((key): Promise<Result> => {
      if (key !== 'a') return Promise.resolve({});
      runs++;
      return Promise.resolve(runs === 1 ? { requeueAfterMs: 1000 } : {});
    });
    h.controller.start();
    await settle();
    assert.equal(runs, 1);
    h.clock.advance(999);
    await settle();
    assert.equal(runs, 1);
    h.clock.advance(1);
    await settle();
    assert.equal(runs, 2);
    await h.controller.stop();
  });

  it('retries a failure with backoff, and drops NotFound', async () => {
    const runs = new Map<string, number>();
    const h = harness((key) => {
      runs.set(key, (runs.get(key) ?? 0) + 1);
      if (key === 'a') return Promise.reject(new Error('boom'));
      return Promise.reject(new ApiError(404, 'NotFound', 'gone', 'get', '/x'));
    });
    h.controller.start();
    await settle();
    h.clock.advance(5);
    await settle();
    h.clock.advance(10);
    await settle();
    assert.equal(runs.get('a'), 3, 'first try, then after 5 ms and 10 ms');
    assert.equal(runs.get('b'), 1, 'NotFound is done');
    const failed = h.lines.filter((l) => l.message === 'reconcile failed; retrying');
    assert.equal(failed.length, 3);
    assert.deepEqual([failed[0]?.controller, failed[0]?.key], ['things', 'a']);
    await h.controller.stop();
  });

  it('logs one info line per write and one debug line per reconcile, each with controller and key', async () => {
    const h = harness((key, ctx) => {
      if (key === 'a') {
        ctx.wrote('created', { name: 'x' });
        ctx.wrote('deleted', { name: 'y' });
      }
      return Promise.resolve({});
    });
    h.controller.start();
    await settle();
    const forA = h.lines.filter((l) => l.key === 'a');
    assert.deepEqual(
      forA.map((l) => [l.level, l.message, l.controller]),
      [
        ['info', 'created', 'things'],
        ['info', 'deleted', 'things'],
        ['debug', 'reconciled', 'things'],
      ],
    );
    const reconciled = forA[2] ?? {};
    assert.equal(reconciled.writes, 2);
    assert.equal(typeof reconciled.durationMs, 'number');
    await h.controller.stop();
  });

  it('never reconciles one key twice at once; a key queued meanwhile runs once more after', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    let runs = 0;
    let release: () => void = () => undefined;
    const h = harness(async (key) => {
      if (key !== 'a') return {};
      runs++;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      if (runs === 1) await new Promise<void>((resolve) => (release = resolve));
      inFlight--;
      return {};
    });
    h.controller.start();
    await settle();
    h.things.emit('update', { name: 'a' });
    h.things.emit('update', { name: 'a' });
    await settle();
    assert.equal(runs, 1);
    release();
    await settle();
    assert.equal(runs, 2);
    assert.equal(maxInFlight, 1);
    await h.controller.stop();
  });
});
