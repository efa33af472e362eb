import { describe, expect, it } from "vitest";
import { SseParser } from "./sse.ts";

describe("SseParser", () => {
  it("parses messages split anywhere across chunks, with every line ending", () => {
    const text = ": hello\n\nid: 7\nevent: peering.active\ndata: {\"a\":1}\r\n\r\nid:8\ndata: x\ndata:  y\r\rdata\n\ndata\ndata\n\n";
    const whole = new SseParser().push(text);
    expect(whole).toEqual([
      { id: "7", event: "peering.active", data: '{"a":1}' },
      { id: "8", event: "message", data: "x\n y" },
      { id: "8", event: "message", data: "\n" },
    ]);
    for (let size = 1; size <= 7; size++) {
      const p = new SseParser();
      const got = [];
      for (let i = 0; i < text.length; i += size) got.push(...p.push(text.slice(i, i + size)));
      expect(got).toEqual(whole);
    }
  });

  it("keeps an unfinished message until its blank line arrives", () => {
    const p = new SseParser();
    expect(p.push("data: a\n")).toEqual([]);
    expect(p.push("\n")).toEqual([{ id: undefined, event: "message", data: "a" }]);
  });
});
