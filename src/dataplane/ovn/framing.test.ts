import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FramingError, JsonFramer } from "./framing.ts";

// Messages are objects or arrays (JSON-RPC requests, replies and notifications are objects).
const message = fc.oneof(
  fc.dictionary(fc.string({ unit: "binary" }), fc.jsonValue({ stringUnit: "binary" })),
  fc.array(fc.jsonValue({ stringUnit: "binary" })),
);
const space = fc.constantFrom("", "", " ", "\n", "\r\n", "\t ");

/** Splits bytes at the given (arbitrary) positions. */
function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let at = 0;
  for (const p of points) {
    parts.push(bytes.subarray(at, p));
    at = p;
  }
  parts.push(bytes.subarray(at));
  return parts;
}

describe("JsonFramer", () => {
  it("reassembles any sequence of JSON messages split at any byte boundaries", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(message, space, fc.boolean()), { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 40 }), (msgs, cuts) => {
        const text = msgs.map(([m, ws, pretty]) => ws + JSON.stringify(m, null, pretty ? 1 : undefined)).join("");
        const framer = new JsonFramer();
        const out: string[] = [];
        for (const part of split(Buffer.from(text, "utf8"), cuts)) out.push(...framer.push(part));
        expect(out.map((t) => JSON.parse(t))).toEqual(msgs.map(([m]) => JSON.parse(JSON.stringify(m))));
        expect(framer.partial).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it("is not fooled by brackets, quotes and escapes inside strings, even split one byte at a time", () => {
    const tricky = [{ a: '}{"][\\', b: "\\\\", c: '\\"}' }, ["]", "[", '"'], { "k}\"": "é😀\u0000" }];
    const bytes = Buffer.from(tricky.map((m) => JSON.stringify(m)).join(""), "utf8");
    const framer = new JsonFramer();
    const out: string[] = [];
    for (let i = 0; i < bytes.length; i++) out.push(...framer.push(bytes.subarray(i, i + 1)));
    expect(out.map((t) => JSON.parse(t))).toEqual(tricky);
  });

  it("keeps its own copy of a partial message when the caller reuses its buffer", () => {
    const framer = new JsonFramer();
    const buf = Buffer.from('{"id":1,');
    expect(framer.push(buf)).toEqual([]);
    buf.fill(0x20);
    expect(framer.push(Buffer.from('"x":2}'))).toEqual(['{"id":1,"x":2}']);
  });

  it("rejects bytes that cannot start a message, and oversized messages", () => {
    expect(() => new JsonFramer().push(Buffer.from("42"))).toThrow(FramingError);
    expect(() => new JsonFramer().push(Buffer.from('{"a":1}x'))).toThrow(/unexpected byte 0x78/);
    const small = new JsonFramer(10);
    expect(() => small.push(Buffer.from('{"a":"0123456789"'))).toThrow(/larger than 10 bytes/);
  });
});
