import { errorMessage } from './errors.js';

/**
 * The most one list item (or the list's metadata) may take as JSON. etcd stores at most 1.5 MiB,
 * but the API server's JSON escapes <, >, & and control characters as \u00XX (six bytes for one),
 * so an object a tenant may legitimately store can be ~9 MiB on the wire. Refusing it would let a
 * tenant stop every list; anything larger cannot come from a sound API server.
 */
export const MAX_ITEM_BYTES = 10 * 1024 * 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const MAX_KEY_BYTES = 1024;

const isSpace = (b: number): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

type Top = 'start' | 'key' | 'colon' | 'value' | 'next' | 'itemsStart' | 'item' | 'itemNext' | 'done';

/**
 * Splits a list response (`{"metadata": {...}, "items": [...]}`, in either order) into its items as
 * bytes arrive, so a page never exists as one string or one parsed object: only the item being read
 * is held, and it is parsed and handed on as soon as it closes. It scans bytes, not characters:
 * every structural byte of JSON is ASCII and no byte of a multi-byte UTF-8 character is, so a chunk
 * may end anywhere. Malformed or truncated input throws; nothing waits for input that cannot come.
 */
export class ListItems {
  /** The list's metadata (resourceVersion, continue), once read. */
  metadata: { resourceVersion?: string; continue?: string } = {};
  private top: Top = 'start';
  private key = '';
  private offset = 0;
  private items = 0;
  // The value being read: its bytes so far (when kept), nesting depth, string and escape state.
  private parts: Uint8Array[] = [];
  private size = 0;
  private keep = false;
  private inValue = false;
  private scalar = false;
  private depth = 0;
  private inString = false;
  private escaped = false;

  constructor(
    private readonly where: string,
    private readonly take: (item: unknown) => void,
    private readonly maxItemBytes = MAX_ITEM_BYTES,
  ) {}

  push(chunk: Uint8Array): void {
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i] ?? 0;
      if (this.inValue) {
        if (this.scalar && (isSpace(b) || b === COMMA || b === CLOSE_OBJECT || b === CLOSE_ARRAY)) {
          this.finishValue(chunk.subarray(start, i));
          i--; // the delimiter belongs to the enclosing structure
          continue;
        }
        if (!this.step(b)) continue;
        this.finishValue(chunk.subarray(start, i + 1));
        continue;
      }
      if (isSpace(b)) continue;
      if (!this.structural(b)) continue;
      start = i;
      if (this.scalar) continue;
      if (this.step(b)) this.finishValue(chunk.subarray(start, i + 1));
    }
    if (this.inValue) this.hold(chunk.subarray(start));
    this.offset += chunk.length;
  }

  /** The response ended: it must have been a whole list. */
  end(): void {
    if (this.inValue && this.scalar) this.finishValue(new Uint8Array(0));
    if (this.top !== 'done') throw new Error(`list ${this.where}: the response ended before the list did (after ${this.offset} bytes)`);
  }

  /** Advances one byte inside a string, object or array; true when the value closes on it. */
  private step(b: number): boolean {
    if (this.inString) {
      if (this.escaped) this.escaped = false;
      else if (b === BACKSLASH) this.escaped = true;
      else if (b === QUOTE) {
        this.inString = false;
        return this.depth === 0;
      }
      return false;
    }
    if (b === QUOTE) this.inString = true;
    else if (b === OPEN_OBJECT || b === OPEN_ARRAY) this.depth++;
    else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) return --this.depth === 0;
    return false;
  }

  /** A byte outside any value: the list's own braces, keys, colons and commas; true when a value begins on it. */
  private structural(b: number): boolean {
    this.structuralStep(b);
    return this.inValue;
  }

  private structuralStep(b: number): void {
    switch (this.top) {
      case 'start':
        if (b !== OPEN_OBJECT) this.fail('a list object');
        this.top = 'key';
        return;
      case 'key':
      case 'next':
        if (b === CLOSE_OBJECT) this.top = 'done';
        else if (this.top === 'next' && b === COMMA) this.top = 'key';
        else if (this.top === 'key' && b === QUOTE) this.begin(b, true);
        else this.fail(this.top === 'key' ? 'a key' : ', or }');
        return;
      case 'colon':
        if (b !== COLON) this.fail(':');
        this.top = 'value';
        return;
      case 'value':
        if (this.key === 'items' && b === OPEN_ARRAY) this.top = 'itemsStart';
        else this.begin(b, this.key === 'metadata' || this.key === 'items');
        return;
      case 'itemsStart':
      case 'itemNext':
        if (b === CLOSE_ARRAY) this.top = 'next';
        else if (this.top === 'itemNext' && b === COMMA) this.top = 'item';
        else if (this.top === 'itemsStart') this.begin(b, true);
        else this.fail(', or ]');
        return;
      case 'item':
        this.begin(b, true);
        return;
      case 'done':
        this.fail('nothing after the list');
    }
  }

  private begin(b: number, keep: boolean): void {
    if (b === CLOSE_OBJECT || b === CLOSE_ARRAY || b === COMMA || b === COLON) this.fail('a value');
    this.inValue = true;
    this.keep = keep;
    this.scalar = b !== QUOTE && b !== OPEN_OBJECT && b !== OPEN_ARRAY;
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
  }

  private hold(bytes: Uint8Array): void {
    if (!this.keep || bytes.length === 0) return;
    this.size += bytes.length;
    const limit = this.top === 'key' ? MAX_KEY_BYTES : this.maxItemBytes;
    if (this.size > limit) throw new Error(`list ${this.where}: ${this.top === 'key' ? 'a key' : `item ${this.items}`} is over ${limit} bytes`);
    // A copy: the chunk's buffer may be reused once push returns.
    this.parts.push(bytes.slice());
  }

  private finishValue(last: Uint8Array): void {
    this.hold(last);
    const bytes = this.parts.length === 1 ? (this.parts[0] ?? new Uint8Array(0)) : Buffer.concat(this.parts);
    this.parts = [];
    this.size = 0;
    this.inValue = false;
    if (!this.keep) {
      this.afterValue(undefined);
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8'));
    } catch (err) {
      throw new Error(`list ${this.where}: ${this.top === 'key' ? 'a key' : this.top === 'value' ? this.key : `item ${this.items}`} is not valid JSON: ${errorMessage(err)}`, { cause: err });
    }
    this.afterValue(value);
  }

  private afterValue(value: unknown): void {
    switch (this.top) {
      case 'key':
        this.key = String(value);
        this.top = 'colon';
        return;
      case 'value':
        if (this.key === 'metadata' && typeof value === 'object' && value !== null) this.metadata = value;
        else if (this.key === 'items' && value !== null) throw new Error(`list ${this.where}: items is not an array`);
        this.top = 'next';
        return;
      default:
        this.take(value);
        this.items++;
        this.top = 'itemNext';
    }
  }

  private fail(expected: string): never {
    throw new Error(`list ${this.where}: malformed response near byte ${this.offset}: expected ${expected}`);
  }
}
