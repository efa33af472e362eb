/**
 * The PostgreSQL side of the store (loaded only for a PostgreSQL store): its pool, whose
 * connections run the store's shaped statements as named prepared statements, and the change
 * feed that keeps the read cache exact across servers (LISTEN/NOTIFY, read-cache.ts).
 */
import pg from "pg";
import { preparedName } from "./repos/common.ts";
import type { ChangeFeed } from "./read-cache.ts";

/** The channel migration 0016's triggers notify: payload `<table> <account id>`. */
export const READS_CHANNEL = "vpcpeer_reads";

/** The feed connection's application_name (pg_stat_activity). */
export const FEED_APPLICATION = "vpcpeer read feed";

type QueryFn = (config: unknown, values?: unknown, callback?: unknown) => unknown;

/** Statements named beyond the shaped ones, at most; and texts remembered while waiting for a second use. */
const MAX_NAMED = 500;
const MAX_SEEN = 5000;
const named = new Map<string, string>();
const seenOnce = new Set<string>();

/**
 * The name a statement is prepared under, if any: a shaped query's (repos/common.ts), or, for any
 * other statement with parameters, one given at its second use (the store's writes are built by
 * Kysely with the values bound, so their text repeats), up to MAX_NAMED of them per process.
 */
export function statementName(text: string, values: unknown): string | undefined {
  const shaped = preparedName(text);
  if (shaped !== undefined) return shaped;
  if (!Array.isArray(values) || values.length === 0) return undefined;
  const name = named.get(text);
  if (name !== undefined || named.size >= MAX_NAMED) return name;
  if (!seenOnce.has(text)) {
    if (seenOnce.size >= MAX_SEEN) seenOnce.clear();
    seenOnce.add(text);
    return undefined;
  }
  seenOnce.delete(text);
  const fresh = `vq${named.size}`;
  named.set(text, fresh);
  return fresh;
}

/**
 * A pool whose clients send the store's repeated statements as named prepared statements
 * (statementName): parsed and planned once per connection, then only bound and executed. Other
 * statements go as they are (unnamed, parsed each time).
 */
export function openPool(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  // An idle connection dropped by the server (restart, failover) must not crash the process;
  // the pool replaces it and the next query reconnects.
  pool.on("error", () => {});
  pool.on("connect", (client) => {
    const query = client.query.bind(client) as QueryFn;
    (client as unknown as { query: QueryFn }).query = (config, values, callback) => {
      const name = typeof config === "string" ? statementName(config, values) : undefined;
      return name === undefined ? query(config, values, callback) : query({ name, text: config, values }, callback);
    };
  });
  return pool;
}

/**
 * The read cache's change feed on PostgreSQL: one connection of its own LISTENs to READS_CHANNEL
 * and passes every notification to `changed`. sync() is a round trip on that connection begun
 * after the call (reads waiting at the same moment share one): PostgreSQL signals listeners
 * before it acknowledges a commit, and a listening backend delivers what is pending before it
 * reads its next query, so when the round trip ends every commit acknowledged before sync() was
 * called has been passed on. If the connection fails, `gap` is called, sync() rejects until a new
 * connection listens again (retried every second), and reads bypass the cache meanwhile.
 */
export class PgChangeFeed implements ChangeFeed {
  private client: pg.Client | null = null;
  /** The round trip in flight, and the one to send when it ends (for the reads asked meanwhile). */
  private current: Promise<void> | null = null;
  private next: Promise<void> | null = null;
  private retry: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly changed: (table: string, accountId: string) => void,
    private readonly gap: () => void,
  ) {}

  /** Connects and listens; rejects if it cannot (the store is not opened then). */
  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, keepAlive: true, application_name: FEED_APPLICATION });
    client.on("notification", (n) => {
      if (n.channel !== READS_CHANNEL || !n.payload) return;
      const space = n.payload.indexOf(" ");
      if (space > 0) this.changed(n.payload.slice(0, space), n.payload.slice(space + 1));
    });
    const lost = () => this.lost(client);
    client.on("error", lost);
    client.on("end", lost);
    try {
      await client.connect();
      await client.query(`listen ${READS_CHANNEL}`);
    } catch (e) {
      client.removeAllListeners("end");
      await client.end().catch(() => {});
      throw e;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
  }

  sync(): Promise<void> {
    if (this.client === null) return Promise.reject(new Error("the change feed is down"));
    if (this.current === null) return (this.current = this.roundTrip(this.client));
    return (this.next ??= this.current.then(
      () => this.afterCurrent(),
      () => this.afterCurrent(),
    ));
  }

  private afterCurrent(): Promise<void> {
    this.next = null;
    if (this.client === null) return Promise.reject(new Error("the change feed is down"));
    return (this.current = this.roundTrip(this.client));
  }

  private roundTrip(client: pg.Client): Promise<void> {
    const p = client.query("select 1").then(() => {});
    const clear = () => {
      if (this.current === p) this.current = null;
    };
    p.then(clear, clear);
    return p;
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    this.current = null;
    this.gap();
    client.end().catch(() => {});
    this.schedule();
  }

  private schedule(): void {
    if (this.closed || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      // Whatever was missed before this connection listens is covered by the gap() already made.
      this.start().catch(() => this.schedule());
    }, 1000);
    this.retry.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    this.client = null;
    if (client) {
      client.removeAllListeners("end");
      client.removeAllListeners("error");
      client.on("error", () => {});
      await client.end().catch(() => {});
    }
  }
}
