import { MAX_ITEM_BYTES } from './listitems.js';

/** The most one watch event may take: one object as large as a list may carry (MAX_ITEM_BYTES: escaped JSON), with its envelope. */
export const MAX_EVENT_BYTES = MAX_ITEM_BYTES + 64 * 1024;

/**
 * Splits a watch response (one JSON event per line) into lines as chunks arrive. A chunk may end
 * mid-line or mid-character; only the unfinished tail is kept between chunks, and a line longer
 * than any event the API server can send is refused rather than buffered without end.
 */
export class WatchLines {
  private readonly decoder = new TextDecoder();
  private tail = '';

  push(chunk: Uint8Array): string[] {
    const text = this.decoder.decode(chunk, { stream: true });
    // A large event arrives in many chunks: append until a line ends, so the unfinished tail is
    // not split again for every chunk (quadratic in the event's size).
    const parts = text.includes('\n') ? (this.tail + text).split('\n') : [this.tail + text];
    this.tail = parts.pop() ?? '';
    if (this.tail.length > MAX_EVENT_BYTES) throw new Error(`watch: an event of over ${MAX_EVENT_BYTES} bytes`);
    return parts.filter((line) => line.trim() !== '');
  }
}
