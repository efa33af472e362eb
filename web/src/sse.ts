/**
 * Server-sent events over fetch (EventSource cannot send an Authorization header): a parser for
 * the text/event-stream format, fed chunks as they arrive, and a reader that reconnects.
 */

export interface SseMessage {
  id: string | undefined;
  event: string;
  data: string;
}

/** Incremental text/event-stream parser (the WHATWG rules for lines, fields and dispatch). */
export class SseParser {
  private buffer = "";
  private data: string[] = [];
  private event = "";
  private id: string | undefined;

  /** Feeds a chunk; returns the messages it completed. */
  push(chunk: string): SseMessage[] {
    this.buffer += chunk;
    const out: SseMessage[] = [];
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this.buffer);
      // A lone \r at the end may be the first half of \r\n: wait for the next chunk.
      if (!m || (m[0] === "\r" && m.index === this.buffer.length - 1)) break;
      const line = this.buffer.slice(0, m.index);
      this.buffer = this.buffer.slice(m.index + m[0].length);
      if (line === "") {
        // As the standard says: no message when the data is empty (no data lines, or one empty one).
        const data = this.data.join("\n");
        if (data !== "") out.push({ id: this.id, event: this.event || "message", data });
        this.data = [];
        this.event = "";
        continue;
      }
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "data") this.data.push(value);
      else if (field === "event") this.event = value;
      else if (field === "id" && !value.includes("\0")) this.id = value;
    }
    return out;
  }
}

/** How long a stream may stay silent before it is taken for dead: the server comments every 15 s. */
export const SILENCE_MS = 40_000;

/**
 * Follows the account's event stream until `signal` aborts, reconnecting after a failure with the
 * last id seen (the server resumes after it). `onState` reports whether the stream is connected.
 * A stream silent for longer than the server's keep-alive is dropped and opened again, and so is
 * one the browser says has gone offline; a failed connection is tried again after 2 s, or, while
 * the browser is offline, as soon as it is back online.
 */
export async function followEvents(
  token: string,
  onMessage: (m: SseMessage) => void,
  onState: (connected: boolean) => void,
  signal: AbortSignal,
  opts: { url?: string; silenceMs?: number; retryMs?: number } = {},
): Promise<void> {
  const { url = "/api/v1/events/stream", silenceMs = SILENCE_MS, retryMs = 2000 } = opts;
  let lastId: string | undefined;
  while (!signal.aborted) {
    const attempt = new AbortController();
    const stop = () => attempt.abort();
    signal.addEventListener("abort", stop);
    globalThis.addEventListener?.("offline", stop);
    let watchdog: ReturnType<typeof setTimeout> | undefined;
    const alive = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(stop, silenceMs);
    };
    try {
      const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: "text/event-stream" };
      if (lastId) headers["last-event-id"] = lastId;
      // Without a position the server starts at the newest event.
      alive();
      const res = await fetch(url, { headers, signal: attempt.signal, cache: "no-store" });
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      onState(true);
      const parser = new SseParser();
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        alive();
        for (const m of parser.push(value)) {
          if (m.id) lastId = m.id;
          onMessage(m);
        }
      }
    } catch {
      /* reconnect below */
    } finally {
      clearTimeout(watchdog);
      signal.removeEventListener("abort", stop);
      globalThis.removeEventListener?.("offline", stop);
    }
    onState(false);
    if (!signal.aborted) await pause(retryMs, signal);
  }
}

/** Waits `ms` (while the browser is offline: until it is online again), or until `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  const offline = typeof navigator !== "undefined" && navigator.onLine === false;
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      globalThis.removeEventListener?.("online", done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const t = offline ? undefined : setTimeout(done, ms);
    globalThis.addEventListener?.("online", done);
    signal.addEventListener("abort", done);
  });
}
