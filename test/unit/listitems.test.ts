import assert from 'node:assert/strict';
import { ListItems } from '../../src/kube/listitems.js';

/** Feeds text to a scanner in chunks of size bytes; returns the items taken and the list metadata. */
function scan(text: string, size: number, maxItemBytes?: number): { items: unknown[]; metadata: ListItems['metadata'] } {
  const items: unknown[] = [];
  const scanner = new ListItems('/api/v1/configmaps', (item) => items.push(item), maxItemBytes);
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i += size) scanner.push(bytes.subarray(i, i + size));
  scanner.end();
  return { items, metadata: scanner.metadata };
}

const TRICKY = [
  { metadata: { name: 'a', annotations: { q: 'a "quoted" } ] { [ , : value', b: 'back\\slash\\', u: 'ünïcødé ☃ 𝄞 \u2028 <&>' } }, data: { x: '\\"}' } },
  { metadata: { name: 'b' }, spec: { nested: [[1, [2, [3]]], [], {}, [{ a: [] }]], n: -1.5e3, t: true, f: false, z: null } },
  { metadata: { name: 'c' }, s: '' },
];

describe('ListItems: a list response split into items as bytes arrive', () => {
  const whole = JSON.stringify({ kind: 'ConfigMapList', apiVersion: 'v1', metadata: { resourceVersion: '42', continue: 'tok' }, items: TRICKY });

  it('gives every item and the metadata whatever the chunk size (1 byte splits strings, escapes and UTF-8 characters)', () => {
    for (const size of [1, 2, 3, 7, 64, whole.length]) {
      const { items, metadata } = scan(whole, size);
      assert.deepEqual(items, TRICKY, `chunks of ${size}`);
      assert.deepEqual(metadata, { resourceVersion: '42', continue: 'tok' }, `chunks of ${size}`);
    }
  });

  it('reads the metadata after the items as well as before, with whitespace anywhere', () => {
    const after = `{ "items" : [ ${TRICKY.map((i) => JSON.stringify(i, null, 2)).join(' ,\n ')} ] ,\n "metadata" : {"resourceVersion":"7"} , "kind":"List" }\n`;
    for (const size of [1, 5, after.length]) {
      const { items, metadata } = scan(after, size);
      assert.deepEqual(items, TRICKY);
      assert.equal(metadata.resourceVersion, '7');
      assert.equal(metadata.continue, undefined);
    }
  });

  it('takes empty and null items lists, and scalar items', () => {
    assert.deepEqual(scan('{"metadata":{"resourceVersion":"1"},"items":[]}', 3).items, []);
    assert.deepEqual(scan('{"items":null,"metadata":{"resourceVersion":"1"}}', 3), { items: [], metadata: { resourceVersion: '1' } });
    assert.deepEqual(scan('{"items":[1,"two",null,true,-3.5]}', 1).items, [1, 'two', null, true, -3.5]);
  });

  it('hands each item on before the next arrives', () => {
    const seen: unknown[] = [];
    const scanner = new ListItems('/x', (item) => seen.push(item));
    scanner.push(Buffer.from('{"items":[{"a":1},{"b":'));
    assert.deepEqual(seen, [{ a: 1 }]);
    scanner.push(Buffer.from('2}]}'));
    scanner.end();
    assert.deepEqual(seen, [{ a: 1 }, { b: 2 }]);
  });

  it('refuses malformed and truncated responses with an error naming the list', () => {
    const bad: Array<[string, RegExp]> = [
      ['<html>503</html>', /list \/api\/v1\/configmaps: malformed response near byte 0: expected a list object/],
      ['{"items":[{"a":1}{"b":2}]}', /expected , or \]/],
      ['{"items":[{"a":1},]}', /expected a value/],
      ['{"metadata" {"resourceVersion":"1"}}', /expected :/],
      ['{"items":[{"a":1}', /ended before the list did/],
      ['{"items":[{"a":"unterminated', /ended before the list did/],
      ['', /ended before the list did/],
      ['{"items":[{"a":1}]} {}', /expected nothing after the list/],
      ['{"items":[{"a":nope}]}', /item 0 is not valid JSON/],
      ['{"items":{"a":1}}', /items is not an array/],
    ];
    for (const [text, error] of bad) for (const size of [1, 4, 100]) assert.throws(() => scan(text, size), error, `${text} in chunks of ${size}`);
  });

  it('refuses an item larger than the bound, without reading on', () => {
    const big = JSON.stringify({ items: [{ a: 'x'.repeat(100) }, { b: 'y'.repeat(2000) }] });
    const taken: unknown[] = [];
    const scanner = new ListItems('/apis/rbac.authorization.k8s.io/v1/rolebindings', (item) => taken.push(item), 1000);
    const bytes = Buffer.from(big);
    assert.throws(() => {
      for (let i = 0; i < bytes.length; i += 16) scanner.push(bytes.subarray(i, i + 16));
    }, /list \/apis\/rbac.authorization.k8s.io\/v1\/rolebindings: item 1 is over 1000 bytes/);
    assert.equal(taken.length, 1);
    assert.throws(() => scan(JSON.stringify({ metadata: { continue: 'z'.repeat(2000) }, items: [] }), 64, 1000), /over 1000 bytes/);
  });
});
