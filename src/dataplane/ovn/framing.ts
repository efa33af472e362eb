/**
 * OVSDB's wire framing (RFC 7047 §4): JSON-RPC messages are JSON objects written back to back on
 * the stream, with no delimiter and no length prefix. The framer finds where each one ends by
 * tracking nesting depth and strings (with their escapes) byte by byte. Working on bytes is safe
 * for UTF-8: the bytes of a multi-byte character are all ≥ 0x80, so they never look like `{`,
 * `}`, `"` or `\`; a message is decoded only once all of its bytes are there.
 */

export class FramingError extends Error {
  override name = "FramingError";
}

const OPEN_OBJ = 0x7b; // {
const CLOSE_OBJ = 0x7d; // }
const OPEN_ARR = 0x5b; // [
const CLOSE_ARR = 0x5d; // ]
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/** Splits a byte stream into the texts of the JSON objects (or arrays) written on it. */
export class JsonFramer {
  /** Bytes of the value being read, from earlier chunks. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;

  /** @param maxBytes the largest message accepted (a guard against a stream that never closes a value). */
  constructor(private readonly maxBytes = 512 * 1024 * 1024) {}

  /** Feeds a chunk; returns the texts of the values it completed, in order. */
  push(chunk: Buffer): string[] {
    const out: string[] = [];
    let start = this.depth > 0 ? 0 : -1; // where the current value starts in this chunk
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (this.depth === 0) {
        if (isSpace(b)) continue;
        if (b !== OPEN_OBJ && b !== OPEN_ARR) throw new FramingError(`unexpected byte 0x${b.toString(16)} between messages`);
        start = i;
        this.depth = 1;
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (b === BACKSLASH) this.escaped = true;
        else if (b === QUOTE) this.inString = false;
        continue;
      }
      if (b === QUOTE) this.inString = true;
      else if (b === OPEN_OBJ || b === OPEN_ARR) this.depth++;
      else if (b === CLOSE_OBJ || b === CLOSE_ARR) {
        if (--this.depth === 0) {
          const tail = chunk.subarray(start, i + 1);
          const bytes = this.pending.length ? Buffer.concat([...this.pending, tail]) : tail;
          this.pending = [];
          this.pendingBytes = 0;
          out.push(bytes.toString("utf8"));
          start = -1;
        }
      }
    }
    if (this.depth > 0 && start >= 0) {
      const rest = chunk.subarray(start);
      this.pendingBytes += rest.length;
      if (this.pendingBytes > this.maxBytes) throw new FramingError(`message larger than ${this.maxBytes} bytes`);
      // Copy: the caller may reuse its buffer.
      this.pending.push(Buffer.from(rest));
    }
    return out;
  }

  /** Whether a value has started and not ended (bytes would be lost if the stream closed now). */
  get partial(): boolean {
    return this.depth > 0;
  }

  reset(): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
  }
}
