/**
 * An OVSDB client (RFC 7047 JSON-RPC) over a unix socket or TCP: one connection multiplexes every
 * request by id; the server's `echo` keep-alives are answered and the client sends its own when the
 * line is idle; `update` notifications go to their monitor. When the connection drops, requests in
 * flight fail with OvsdbDisconnectedError (a transaction's outcome is then unknown), new requests
 * wait for the next connection, the client reconnects with exponential backoff and re-registers
 * every monitor, whose handler then gets a fresh "initial" snapshot to replace what it held.
 */
import { EventEmitter } from "node:events";
import { type Socket, connect as netConnect } from "node:net";
import type { Row } from "./atoms.ts";
import { type Endpoint, formatEndpoint, parseEndpoint } from "./endpoint.ts";
import { OvsdbClosedError, OvsdbDisconnectedError, OvsdbError, OvsdbRpcError, OvsdbTimeoutError, OvsdbTransactionError } from "./errors.ts";
import { JsonFramer } from "./framing.ts";
import type { Condition, MonitorRequest, OpResult, Operation, TableUpdates } from "./protocol.ts";

export interface ClientOptions {
  /** Reconnect after the connection drops (default true). */
  reconnect?: boolean;
  /** Backoff between connection attempts, doubling from min to max (default 100 → 4000 ms). */
  backoffMs?: { min: number; max: number };
  /** A request fails with OvsdbTimeoutError after this long, connected or not (default 30 s; 0: never). */
  requestTimeoutMs?: number;
  /** Send an `echo` after this long without hearing from the server, and drop the connection if the next interval passes in silence too (default 5 s; 0: off). */
  probeIntervalMs?: number;
  /** `connect()` keeps trying for this long before it gives up (default 0: one attempt). */
  connectTimeoutMs?: number;
}

export type UpdateKind = "initial" | "update";
export type UpdateHandler = (updates: TableUpdates, kind: UpdateKind) => void;

export interface Monitor {
  readonly id: string;
  /** The snapshot the monitor started with (also given to the handler as "initial"). */
  readonly initial: TableUpdates;
  cancel(): Promise<void>;
}

interface Pending {
  method: string;
  /** Runs as the answer is read, before any later message (a monitor's snapshot precedes its updates). */
  onResult?: (result: unknown) => void;
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout | null;
}

interface MonitorState {
  db: string;
  requests: Record<string, MonitorRequest>;
  handler: UpdateHandler;
  onError?: (e: Error) => void;
  /** The server has accepted it once (so it is re-registered after a reconnection). */
  established: boolean;
}

interface Message {
  id?: unknown;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: unknown;
}

function openSocket(ep: Endpoint): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = ep.kind === "unix" ? netConnect(ep.path) : netConnect({ host: ep.host, port: ep.port });
    const fail = (e: Error) => {
      s.destroy();
      reject(e);
    };
    s.once("error", fail);
    s.once("connect", () => {
      s.off("error", fail);
      resolve(s);
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class OvsdbClient extends EventEmitter<{ connected: []; disconnected: [reason: Error]; echo: [] }> {
  readonly endpoint: Endpoint;
  private socket: Socket | null = null;
  private readonly framer = new JsonFramer();
  private nextId = 1;
  private nextMonitor = 1;
  private readonly pending = new Map<number, Pending>();
  /** Requests made while disconnected, sent on the next connection. */
  private queue: { id: number; line: string }[] = [];
  private readonly monitors = new Map<string, MonitorState>();
  private closed = false;
  private backoff: number;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private probeTimer: NodeJS.Timeout | null = null;
  private lastHeard = 0;
  private probing = false;
  private readonly opts: Required<ClientOptions>;

  private constructor(endpoint: string | Endpoint, options: ClientOptions) {
    super();
    this.endpoint = typeof endpoint === "string" ? parseEndpoint(endpoint) : endpoint;
    this.opts = { reconnect: true, backoffMs: { min: 100, max: 4000 }, requestTimeoutMs: 30_000, probeIntervalMs: 5000, connectTimeoutMs: 0, ...options };
    this.backoff = this.opts.backoffMs.min;
  }

  /** Connects (retrying for `connectTimeoutMs`); rejects if the server cannot be reached. */
  static async connect(endpoint: string | Endpoint, options: ClientOptions = {}): Promise<OvsdbClient> {
    const c = new OvsdbClient(endpoint, options);
    const deadline = Date.now() + c.opts.connectTimeoutMs;
    for (;;) {
      try {
        c.attach(await openSocket(c.endpoint));
        return c;
      } catch (e) {
        if (Date.now() + c.backoff > deadline) throw new OvsdbError(`cannot connect to ${formatEndpoint(c.endpoint)}: ${(e as Error).message}`);
        await sleep(c.backoff);
        c.backoff = Math.min(c.backoff * 2, c.opts.backoffMs.max);
      }
    }
  }

  get connected(): boolean {
    return this.socket !== null;
  }

  // --- connection -------------------------------------------------------------------------------

  private attach(socket: Socket): void {
    this.socket = socket;
    this.backoff = this.opts.backoffMs.min;
    this.framer.reset();
    this.lastHeard = Date.now();
    this.probing = false;
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", () => {}); // "close" follows and carries the outcome
    socket.on("close", () => this.onClose(socket));
    if (this.opts.probeIntervalMs > 0) {
      this.probeTimer = setInterval(() => this.probe(), this.opts.probeIntervalMs);
      this.probeTimer.unref();
    }
    // Monitors first, so their snapshots precede the answers to requests queued meanwhile.
    for (const [id, m] of this.monitors) if (m.established) this.restartMonitor(id, m);
    const queued = this.queue;
    this.queue = [];
    for (const q of queued) if (this.pending.has(q.id)) socket.write(q.line);
    this.emit("connected");
  }

  private onClose(socket: Socket): void {
    if (this.socket !== socket) return;
    this.socket = null;
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.probeTimer = null;
    const reason = new OvsdbDisconnectedError(`connection to ${formatEndpoint(this.endpoint)} lost`);
    // Only requests already written are lost; queued ones wait for the next connection.
    const queuedIds = new Set(this.queue.map((q) => q.id));
    for (const [id, p] of this.pending) {
      if (queuedIds.has(id)) continue;
      this.settle(id);
      p.reject(new OvsdbDisconnectedError(`${p.method}: connection lost before the answer${p.method === "transact" ? " (the transaction may or may not have been applied)" : ""}`));
    }
    this.emit("disconnected", reason);
    if (!this.closed && this.opts.reconnect) this.scheduleReconnect();
    else this.failQueued(reason);
  }

  private scheduleReconnect(): void {
    const delay = this.backoff;
    this.backoff = Math.min(this.backoff * 2, this.opts.backoffMs.max);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.closed) return;
      openSocket(this.endpoint).then(
        (s) => (this.closed ? s.destroy() : this.attach(s)),
        () => this.scheduleReconnect(),
      );
    }, delay);
    this.reconnectTimer.unref();
  }

  private probe(): void {
    if (!this.socket || Date.now() - this.lastHeard < this.opts.probeIntervalMs) return;
    if (this.probing) {
      this.socket.destroy(); // a whole interval without an answer to our echo
      return;
    }
    this.probing = true;
    this.request("echo", ["probe"]).catch(() => {});
  }

  private failQueued(reason: Error): void {
    for (const q of this.queue) {
      const p = this.pending.get(q.id);
      this.settle(q.id);
      p?.reject(reason);
    }
    this.queue = [];
  }

  /** Closes the connection and stops reconnecting; outstanding requests fail with OvsdbClosedError. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.probeTimer) clearInterval(this.probeTimer);
    const err = new OvsdbClosedError("client closed");
    for (const [id, p] of this.pending) {
      this.settle(id);
      p.reject(err);
    }
    this.queue = [];
    this.monitors.clear();
    const s = this.socket;
    if (!s) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => s.destroy(), 1000);
      s.once("close", () => {
        clearTimeout(t);
        resolve();
      });
      s.end();
    });
  }

  // --- messages ---------------------------------------------------------------------------------

  private onData(chunk: Buffer): void {
    this.lastHeard = Date.now();
    this.probing = false;
    let texts: string[];
    try {
      texts = this.framer.push(chunk);
    } catch {
      this.socket?.destroy(); // the stream is garbage from here on: start over
      return;
    }
    for (const t of texts) {
      let msg: Message;
      try {
        msg = JSON.parse(t) as Message;
      } catch {
        this.socket?.destroy();
        return;
      }
      this.onMessage(msg);
    }
  }

  private onMessage(msg: Message): void {
    if (typeof msg.method === "string") {
      if (msg.method === "echo" && msg.id !== undefined && msg.id !== null) {
        this.send({ id: msg.id, result: msg.params ?? [], error: null });
        this.emit("echo");
      } else if (msg.method === "update" && Array.isArray(msg.params)) {
        const [id, updates] = msg.params as [unknown, TableUpdates];
        const m = typeof id === "string" ? this.monitors.get(id) : undefined;
        if (m) this.deliver(m, updates, "update");
      }
      return; // other notifications (locked, stolen…) are not used
    }
    if (typeof msg.id !== "number") return;
    const p = this.pending.get(msg.id);
    if (!p) return; // timed out already
    this.settle(msg.id);
    if (msg.error !== null && msg.error !== undefined) p.reject(new OvsdbRpcError(p.method, msg.error));
    else {
      p.onResult?.(msg.result);
      p.resolve(msg.result);
    }
  }

  private deliver(m: MonitorState, updates: TableUpdates, kind: UpdateKind): void {
    try {
      m.handler(updates ?? {}, kind);
    } catch (e) {
      m.onError?.(e as Error);
    }
  }

  private send(msg: object): void {
    this.socket?.write(JSON.stringify(msg));
  }

  private settle(id: number): void {
    const p = this.pending.get(id);
    if (p?.timer) clearTimeout(p.timer);
    this.pending.delete(id);
  }

  /** Sends one JSON-RPC request; resolves with its result, rejects with OvsdbRpcError on an error reply. */
  request<T = unknown>(method: string, params: unknown[], onResult?: (result: T) => void): Promise<T> {
    if (this.closed) return Promise.reject(new OvsdbClosedError("client closed"));
    const id = this.nextId++;
    const line = JSON.stringify({ method, params, id });
    return new Promise<T>((resolve, reject) => {
      const timeout = this.opts.requestTimeoutMs;
      const timer =
        timeout > 0
          ? setTimeout(() => {
              this.settle(id);
              this.queue = this.queue.filter((q) => q.id !== id);
              reject(new OvsdbTimeoutError(`${method}: no answer from ${formatEndpoint(this.endpoint)} within ${timeout} ms`));
            }, timeout)
          : null;
      this.pending.set(id, { method, resolve: resolve as (v: unknown) => void, reject, timer, ...(onResult ? { onResult: onResult as (r: unknown) => void } : {}) });
      if (this.socket) this.socket.write(line);
      else if (this.opts.reconnect) this.queue.push({ id, line });
      else {
        this.settle(id);
        reject(new OvsdbDisconnectedError(`${method}: not connected`));
      }
    });
  }

  // --- methods ----------------------------------------------------------------------------------

  listDbs(): Promise<string[]> {
    return this.request<string[]>("list_dbs", []);
  }

  getSchema(db: string): Promise<{ name: string; version: string; tables: Record<string, { columns: Record<string, unknown>; isRoot?: boolean; indexes?: string[][] }> }> {
    return this.request("get_schema", [db]);
  }

  echo(...params: unknown[]): Promise<unknown[]> {
    return this.request("echo", params);
  }

  /**
   * Runs operations as one transaction: all or nothing. Resolves with one result per operation;
   * rejects with OvsdbTransactionError (nothing applied) if any operation or the commit failed.
   */
  async transact(db: string, ops: readonly Operation[]): Promise<OpResult[]> {
    const results = await this.request<(OpResult | null)[]>("transact", [db, ...ops]);
    for (let i = 0; i < results.length; i++) {
      const r = results[i];
      if (r && typeof r.error === "string") throw new OvsdbTransactionError(r.error, r.details, i < ops.length ? i : -1, results);
    }
    return results as OpResult[];
  }

  /** The rows of `table` matching `where` (all rows by default). */
  async select(db: string, table: string, where: Condition[] = [], columns?: string[]): Promise<Row[]> {
    const [r] = await this.transact(db, [{ op: "select", table, where, ...(columns ? { columns } : {}) }]);
    return r!.rows ?? [];
  }

  /**
   * Starts a monitor: `handler` gets the current contents ("initial") and then every change
   * ("update"), and again "initial" after each reconnection (replace what you hold). `onError`
   * hears what the handler throws and a failed re-registration.
   */
  async monitor(db: string, requests: Record<string, MonitorRequest>, handler: UpdateHandler, onError?: (e: Error) => void): Promise<Monitor> {
    const id = `m${this.nextMonitor++}`;
    const state: MonitorState = { db, requests, handler, established: false, ...(onError ? { onError } : {}) };
    this.monitors.set(id, state);
    let initial: TableUpdates;
    try {
      initial = await this.request<TableUpdates>("monitor", [db, id, requests], (snapshot) => {
        state.established = true;
        this.deliver(state, snapshot, "initial");
      });
    } catch (e) {
      this.monitors.delete(id);
      throw e;
    }
    return {
      id,
      initial,
      cancel: async () => {
        if (!this.monitors.delete(id)) return;
        if (this.socket) await this.request("monitor_cancel", [id]);
      },
    };
  }

  /** Re-registers a monitor on a new connection. */
  private restartMonitor(id: string, m: MonitorState): void {
    this.request<TableUpdates>("monitor", [m.db, id, m.requests], (initial) => {
      if (this.monitors.get(id) === m) this.deliver(m, initial, "initial");
    }).catch((e: Error) => {
      if (!(e instanceof OvsdbDisconnectedError) && !(e instanceof OvsdbClosedError)) m.onError?.(e);
    });
  }
}
