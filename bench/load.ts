/**
 * A small closed-loop HTTP/1.1 load generator on keep-alive connections to 127.0.0.1.
 *
 * It writes prebuilt request bytes on plain TCP sockets and parses only what it needs of the
 * response (status line, Content-Length or chunked framing). On a 2-core machine the client shares
 * the CPU with the server, so a cheap client matters: a node:http client (keep-alive Agent) costs
 * about 80 µs of CPU per request on the benchmark machine against about 15 µs for this one, and
 * capped the bare baseline at a quarter of its rate, which would flatter every ratio to it. The
 * driver reports client CPU next to every figure so this can be checked.
 */
import { connect, type Socket } from "node:net";
import { performance } from "node:perf_hooks";

export interface Response {
  status: number;
  body: Buffer;
}

const HEADER_END = Buffer.from("\r\n\r\n");

/** One keep-alive connection; one request in flight at a time (no pipelining). */
export class Connection {
  private socket: Socket;
  private buf: Buffer = Buffer.alloc(0);
  private pending: { resolve(r: Response): void; reject(e: Error): void } | null = null;
  private closed: Error | null = null;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", (e) => this.fail(e));
    socket.on("close", () => this.fail(new Error("connection closed by the server")));
  }

  static open(host: string, port: number): Promise<Connection> {
    return new Promise((res, rej) => {
      const socket = connect({ host, port });
      socket.once("connect", () => res(new Connection(socket)));
      socket.once("error", rej);
    });
  }

  send(request: Buffer): Promise<Response> {
    if (this.closed) return Promise.reject(this.closed);
    if (this.pending) return Promise.reject(new Error("a request is already in flight on this connection"));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.socket.write(request);
    });
  }

  close(): void {
    this.closed ??= new Error("connection closed");
    this.socket.destroy();
  }

  private fail(e: Error): void {
    this.closed ??= e;
    const p = this.pending;
    this.pending = null;
    p?.reject(e);
  }

  private onData(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const headerEnd = this.buf.indexOf(HEADER_END);
    if (headerEnd < 0) return;
    const head = this.buf.toString("latin1", 0, headerEnd);
    const status = Number(head.slice(9, 12));
    const bodyStart = headerEnd + 4;
    let body: Buffer;
    let consumed: number;
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (length) {
      consumed = bodyStart + Number(length[1]);
      if (this.buf.length < consumed) return;
      body = this.buf.subarray(bodyStart, consumed);
    } else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
      const parsed = dechunk(this.buf, bodyStart);
      if (!parsed) return;
      ({ body, consumed } = parsed);
    } else if (status === 204 || status === 304) {
      body = Buffer.alloc(0);
      consumed = bodyStart;
    } else {
      this.fail(new Error(`response without Content-Length or chunked framing: ${head.split("\r\n")[0]}`));
      this.socket.destroy();
      return;
    }
    if (consumed !== this.buf.length) {
      this.fail(new Error("unexpected bytes after a response (the client never pipelines)"));
      this.socket.destroy();
      return;
    }
    this.buf = Buffer.alloc(0);
    const p = this.pending;
    this.pending = null;
    p?.resolve({ status, body });
  }
}

/** Decodes a complete chunked body starting at `start`, or null if more bytes are needed. */
function dechunk(buf: Buffer, start: number): { body: Buffer; consumed: number } | null {
  const parts: Buffer[] = [];
  let at = start;
  for (;;) {
    const lineEnd = buf.indexOf("\r\n", at);
    if (lineEnd < 0) return null;
    const size = parseInt(buf.toString("latin1", at, lineEnd), 16);
    if (Number.isNaN(size)) throw new Error("bad chunk size");
    const dataStart = lineEnd + 2;
    if (size === 0) {
      // No trailers from our servers: the terminating CRLF follows directly.
      if (buf.length < dataStart + 2) return null;
      return { body: Buffer.concat(parts), consumed: dataStart + 2 };
    }
    if (buf.length < dataStart + size + 2) return null;
    parts.push(buf.subarray(dataStart, dataStart + size));
    at = dataStart + size + 2;
  }
}

/** Request bytes for a GET (with an optional bearer token), built once and reused. */
export function getRequest(host: string, port: number, path: string, token?: string): Buffer {
  return Buffer.from(
    `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\n${token ? `Authorization: Bearer ${token}\r\n` : ""}Accept: application/json\r\n\r\n`,
    "latin1",
  );
}

export function postRequest(host: string, port: number, path: string, body: unknown, token?: string): Buffer {
  const payload = Buffer.from(JSON.stringify(body), "utf8");
  const head = Buffer.from(
    `POST ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\n${token ? `Authorization: Bearer ${token}\r\n` : ""}Accept: application/json\r\nContent-Type: application/json\r\nContent-Length: ${payload.length}\r\n\r\n`,
    "latin1",
  );
  return Buffer.concat([head, payload]);
}

/** A pool of open connections to one server. */
export async function openConnections(host: string, port: number, n: number): Promise<Connection[]> {
  return Promise.all(Array.from({ length: n }, () => Connection.open(host, port)));
}

export interface LoadOptions {
  host: string;
  port: number;
  /** Requests are taken round-robin from this list (shared by all connections). */
  requests: Buffer[];
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  expectStatus: number;
  /** Called when the recorded window opens and closes (e.g. to sample CPU time). */
  onWindowStart?: () => void;
  onWindowEnd?: () => void;
}

export interface LoadResult {
  concurrency: number;
  durationS: number;
  requests: number;
  errors: number;
  firstError?: string;
  rps: number;
  /** Latency percentiles, milliseconds. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/**
 * Closed loop: `concurrency` connections, each sending its next request as soon as the previous
 * response is complete, for warmupMs (not recorded) and then durationMs (recorded). A response
 * counts when it completes inside the recorded window; its latency is from write to last byte.
 */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const conns = await openConnections(opts.host, opts.port, opts.concurrency);
  let next = 0;
  let recording = false;
  let stopped = false;
  let errors = 0;
  let firstError: string | undefined;
  const latencies: number[] = [];

  const worker = async (conn: Connection) => {
    while (!stopped) {
      const req = opts.requests[next++ % opts.requests.length]!;
      const t0 = performance.now();
      let res: Response;
      try {
        res = await conn.send(req);
      } catch (e) {
        if (stopped) return;
        throw e;
      }
      const t1 = performance.now();
      if (!recording || stopped) continue;
      if (res.status !== opts.expectStatus) {
        errors++;
        firstError ??= `HTTP ${res.status}: ${res.body.toString("utf8", 0, 200)}`;
      }
      latencies.push(t1 - t0);
    }
  };

  const running = Promise.all(conns.map(worker));
  let failure: unknown = null;
  running.catch((e) => {
    failure = e;
    stopped = true;
  });
  await sleep(opts.warmupMs);
  latencies.length = 0;
  recording = true;
  opts.onWindowStart?.();
  const t0 = performance.now();
  await sleep(opts.durationMs);
  stopped = true;
  const elapsed = (performance.now() - t0) / 1000;
  opts.onWindowEnd?.();
  for (const c of conns) c.close();
  await running.catch(() => undefined);
  if (failure) throw failure;

  const sorted = Float64Array.from(latencies).sort();
  const pct = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : NaN);
  return {
    concurrency: opts.concurrency,
    durationS: elapsed,
    requests: sorted.length,
    errors,
    ...(firstError ? { firstError } : {}),
    rps: sorted.length / elapsed,
    p50: pct(50),
    p90: pct(90),
    p99: pct(99),
    max: sorted.length ? sorted[sorted.length - 1]! : NaN,
    mean: sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : NaN,
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
