import { type IncomingHttpHeaders, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { SseParser, type SseMessage, followEvents } from "./sse.ts";

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

describe("followEvents", () => {
  it("reconnects after the stream ends or goes silent, resuming after the last id it saw", async () => {
    // A real stream on loopback: the first connection sends one event and ends; the second sends
    // one more and then nothing at all (no keep-alive); the third stays open.
    const asked: IncomingHttpHeaders[] = [];
    const server = createServer((req, res) => {
      asked.push(req.headers);
      res.writeHead(200, { "content-type": "text/event-stream" });
      if (asked.length === 1) res.end("id: 1\nevent: vpc.created\ndata: {}\n\n");
      else if (asked.length === 2) res.write("id: 2\nevent: vpc.deleted\ndata: {}\n\n");
      else res.write(": keep-alive\n\n");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/stream`;
    const messages: SseMessage[] = [];
    const states: boolean[] = [];
    const abort = new AbortController();
    const done = followEvents("t0ken", (m) => messages.push(m), (c) => states.push(c), abort.signal, { url, silenceMs: 300, retryMs: 50 });
    try {
      await expect.poll(() => asked.length, { timeout: 5_000 }).toBe(3);
      expect(messages.map((m) => [m.id, m.event])).toEqual([
        ["1", "vpc.created"],
        ["2", "vpc.deleted"],
      ]);
      expect(asked.map((h) => [h.authorization, h["last-event-id"]])).toEqual([
        ["Bearer t0ken", undefined],
        ["Bearer t0ken", "1"],
        ["Bearer t0ken", "2"],
      ]);
      await expect.poll(() => states).toEqual([true, false, true, false, true]);
    } finally {
      abort.abort();
      await done;
      server.closeAllConnections();
      server.close();
    }
    expect(states.at(-1)).toBe(false);
  });
});
