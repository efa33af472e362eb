/**
 * The PostgreSQL side of the store (loaded only for a PostgreSQL store): its pool, whose
 * connections run the store's repeated statements as named prepared statements, and the change
 * feed that keeps the read cache exact across servers (read_changes, read-cache.ts).
 */
import pg from "pg";
import { preparedName } from "./repos/common.ts";
import type { ChangeFeed } from "./read-cache.ts";

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
 * The feed connection's setting: the changes from the floor on are an index range, but without
 * statistics (a new table) or with a generic plan PostgreSQL estimates a third of the table and
 * reads all of it (1.5–2.4 ms a sync at 20,000 rows, against 0.3 ms).
 */
export const FEED_SESSION = "set enable_seqscan = off";

/** One snapshot's xmin and the changes of transactions from $1 on (one row with null xid if none). */
export const FEED_QUERY =
  "select s.xmin::text as xmin, c.xid::text as xid, c.tbl, c.account_id " +
  "from (select pg_snapshot_xmin(pg_current_snapshot()) as xmin) s left join read_changes c on c.xid >= $1";

/** Changes are kept this long (pruned by the servers); a feed that has not synced for PRUNE_AFTER / 5 forgets its cache. */
const PRUNE_AFTER_S = 300;
const STALE_AFTER_MS = (PRUNE_AFTER_S / 5) * 1000;

/**
 * The read cache's change feed on PostgreSQL (migration 0016): a transaction that writes a
 * tenant's rows records (its xid, table, account) in read_changes, in its own commit. sync() is
 * one statement on a connection of the feed's own, sent after the call (reads waiting at the same
 * moment share it): it reads, in one snapshot, that snapshot's xmin and the changes of
 * transactions from the previous sync's xmin on. Every transaction below the previous xmin had
 * ended by the previous sync, so it was seen then; every commit acknowledged before this sync
 * is in its snapshot. So when sync() resolves, every change acknowledged before it was called
 * has been passed to `changed` (a transaction seen before is not passed again). If the
 * connection fails, `gap` is called, sync() rejects until a new one is open (retried every
 * second), and reads bypass the cache meanwhile.
 */
export class PgChangeFeed implements ChangeFeed {
  private client: pg.Client | null = null;
  /** A round trip is in flight; the next one, not sent yet, that reads asked meanwhile wait for. */
  private inFlight = false;
  private pending: { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } | null = null;
  private retry: NodeJS.Timeout | null = null;
  private closed = false;
  /** The xmin of the last sync's snapshot: transactions below it were all seen. */
  private floor = 0;
  /** Transactions at or above `floor` already passed on. */
  private seen = new Set<number>();
  private lastSync = 0;
  /** Prunes read_changes every minute, whether or not this server reads (pruning is idempotent across servers). */
  private readonly pruner = setInterval(() => void this.prune().catch(() => {}), 60_000).unref();

  constructor(
    private readonly url: string,
    private readonly changed: (table: string, accountId: string) => void,
    private readonly gap: () => void,
  ) {}

  /** Connects; rejects if it cannot (the store is not opened then). */
  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, keepAlive: true, application_name: FEED_APPLICATION });
    const lost = () => this.lost(client);
    client.on("error", lost);
    client.on("end", lost);
    let xmin: number;
    try {
      await client.connect();
      await client.query(FEED_SESSION);
      const { rows } = await client.query<{ xmin: string }>("select pg_snapshot_xmin(pg_current_snapshot())::text as xmin");
      xmin = Number(rows[0]!.xmin);
    } catch (e) {
      client.removeAllListeners("end");
      await client.end().catch(() => {});
      throw e;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    // Nothing is cached yet (or the cache was emptied by gap()): changes before now do not matter.
    this.floor = xmin;
    this.seen.clear();
    this.lastSync = Date.now();
    this.client = client;
  }

  sync(): Promise<void> {
    if (this.client === null) return Promise.reject(new Error("the change feed is down"));
    if (this.pending !== null) return this.pending.promise;
    let settle!: { resolve: () => void; reject: (e: unknown) => void };
    const promise = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    this.pending = { promise, ...settle };
    // Sent at the end of this turn of the event loop (or when the one in flight ends), so that
    // the reads of one turn share it; a read never joins one already sent.
    if (!this.inFlight) setImmediate(() => this.flush());
    return promise;
  }

  private flush(): void {
    const pending = this.pending;
    if (pending === null || this.inFlight) return;
    this.pending = null;
    if (this.client === null) {
      pending.reject(new Error("the change feed is down"));
      return;
    }
    this.inFlight = true;
    this.roundTrip(this.client)
      .then(pending.resolve, pending.reject)
      .finally(() => {
        this.inFlight = false;
        this.flush();
      });
  }

  private roundTrip(client: pg.Client): Promise<void> {
    const started = Date.now();
    // Idle for long: changes may have been pruned unseen.
    if (started - this.lastSync > STALE_AFTER_MS) this.gap();
    const p = client
      .query<{ xmin: string; xid: string | null; tbl: string | null; account_id: string | null }>({
        name: "vpcpeer_read_changes",
        text: FEED_QUERY,
        values: [this.floor],
      })
      .then(({ rows }) => {
        const fresh = new Set<number>();
        for (const r of rows) {
          if (r.xid === null) continue;
          const xid = Number(r.xid);
          if (this.seen.has(xid)) continue;
          fresh.add(xid);
          this.changed(r.tbl!, r.account_id!);
        }
        const xmin = Number(rows[0]!.xmin);
        for (const xid of fresh) this.seen.add(xid);
        for (const xid of this.seen) if (xid < xmin) this.seen.delete(xid);
        this.floor = xmin;
        this.lastSync = started;
      });
    return p;
  }

  /** Deletes the changes older than PRUNE_AFTER_S (a feed that has not synced for STALE_AFTER_MS empties its cache first). */
  async prune(): Promise<void> {
    await this.client?.query(`delete from read_changes where at < now() - interval '${PRUNE_AFTER_S} seconds'`);
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    this.gap();
    client.end().catch(() => {});
    this.schedule();
  }

  private schedule(): void {
    if (this.closed || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      this.start().catch(() => this.schedule());
    }, 1000);
    this.retry.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.pruner);
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
