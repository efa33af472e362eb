/**
 * The store: a Kysely database on SQLite (embedded, default) or PostgreSQL (shared by several
 * servers). Transactions nest through AsyncLocalStorage, so a request-level transaction (e.g. the
 * one that records an idempotent response) encloses the service's own.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import SqliteDatabase from "better-sqlite3";
import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  Kysely,
  PostgresDialect,
  SqliteAdapter,
  SqliteDriver,
  SqliteIntrospector,
  SqliteQueryCompiler,
  sql,
} from "kysely";
import { DomainError } from "../domain/errors.ts";
import { isBusy, isRetryable } from "./db-errors.ts";
import { GroupCommitDriver, type GroupCommitStats } from "./group-commit.ts";
import { migrate } from "./migrations.ts";
import { ReadCache, type ReadCacheStats, type VersionSource } from "./read-cache.ts";
import type { Capabilities, Db, DirectReads } from "./repos/common.ts";
import { Repos } from "./repos/index.ts";
import type { BatchOptions, BatchResult, RowSet } from "./repos/batch.ts";
import type { Database } from "./schema.ts";

export interface StoreOptions {
  /** Directory of the embedded SQLite database (created if missing). */
  dataDir?: string | undefined;
  /** postgres://… URL; wins over dataDir. */
  databaseUrl?: string | undefined;
  /** PostgreSQL pool size per process. */
  poolSize?: number | undefined;
  /**
   * MB of JSON text the store may keep of its tenants' resources, served while the database says
   * nothing they depend on changed (read-cache.ts; on PostgreSQL told by read_changes); 0 turns it off. Default 16.
   */
  readCacheMb?: number | undefined;
}

const MB = 1024 * 1024;

/** SQLite write transactions start with BEGIN IMMEDIATE: they take the write lock up front, so
 * check-then-insert sequences are serialized across processes, never upgraded mid-way (SQLITE_BUSY). */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
}

/**
 * A SQLite connection for Kysely. The writer takes every transaction; a second, read-only
 * connection serves reads made outside transactions: in WAL mode it reads the last committed
 * state without waiting for a transaction in flight on the writer (and never sees its writes).
 */
/** A read that found the database locked past busy_timeout is the store being unavailable, not a bug. */
function unbusy<T>(read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (isBusy(e)) throw new DomainError("StoreUnavailable", "the store is busy; retry the request", {});
    throw e;
  }
}

function sqliteConnection(file: string, mode: "write" | "read"): { dialect: Dialect; direct: DirectReads; versions: VersionSource; group: GroupCommitDriver | null } {
  const database = new SqliteDatabase(file, { readonly: mode === "read" });
  if (mode === "write") {
    database.pragma("journal_mode = WAL");
    // FULL: a commit is on disk when it is acknowledged; survives kill -9 and power loss.
    database.pragma("synchronous = FULL");
    database.pragma("foreign_keys = ON");
  }
  database.pragma("busy_timeout = 10000");
  // Kysely prepares every query anew; preparing is a good part of a simple read's cost, and the
  // statements of this service are few. Reuse them (one connection: no statement runs twice at once).
  const statements = new Map<string, SqliteDatabase.Statement>();
  const plucking = new Map<string, SqliteDatabase.Statement>();
  const prepared = (cache: Map<string, SqliteDatabase.Statement>, sql: string, pluck: boolean) => {
    let stmt = cache.get(sql);
    if (!stmt) {
      if (cache.size >= 2000) cache.clear();
      stmt = database.prepare(sql);
      if (pluck) stmt.pluck();
      cache.set(sql, stmt);
    }
    return stmt;
  };
  const cached = {
    prepare: (sql: string) => prepared(statements, sql, false),
    close: () => database.close(),
    get inTransaction() {
      return database.inTransaction;
    },
  };
  // The writer commits in groups (group-commit.ts): one durable COMMIT for the transactions of a batch.
  const group = mode === "write" ? new GroupCommitDriver(cached) : null;
  return {
    group,
    dialect: {
      createAdapter: () => new SqliteAdapter(),
      createDriver: () => group ?? new ImmediateSqliteDriver({ database: cached as unknown as SqliteDatabase.Database }),
      createIntrospector: (db) => new SqliteIntrospector(db),
      createQueryCompiler: () => new SqliteQueryCompiler(),
    },
    // better-sqlite3 runs a statement synchronously: safe on a connection that never holds a
    // transaction open across an await (the read-only one), never on the writer.
    direct: {
      all: <R>(sql: string, parameters: readonly unknown[]) => unbusy(() => cached.prepare(sql).all(parameters) as R[]),
      column: <V>(sql: string, parameters: readonly unknown[]) => unbusy(() => prepared(plucking, sql, true).all(parameters) as V[]),
    },
    versions: {
      dataVersion: () => unbusy(() => Number(prepared(plucking, "pragma data_version", true).get())),
      changedSince: (since) => unbusy(() => cached.prepare("select tbl, account_id, v from read_versions where v > ?").all(since) as { tbl: string; account_id: string; v: number }[]),
    },
  };
}

export class Store {
  private readonly als = new AsyncLocalStorage<Repos>();
  private readonly commitListeners = new Set<() => void>();
  /** Top-level transactions of this process in flight. */
  private open = 0;
  private readonly root: Repos;
  private readRoot: Repos;
  private readDb: Db | null = null;
  private cache: ReadCache | null = null;
  /** PostgreSQL: what keeps the read cache told of commits. */
  private feed: { close(): Promise<void> } | null = null;
  /** SQLite's writer: transactions share durable commits (group-commit.ts). */
  private group: GroupCommitDriver | null = null;

  private constructor(
    private readonly db: Db,
    readonly caps: Capabilities,
    /** Where the data lives, for logs (never includes a password). */
    readonly location: string,
  ) {
    this.root = new Repos(db, caps);
    this.readRoot = this.root;
  }

  static async open(opts: StoreOptions): Promise<Store> {
    let store: Store;
    if (opts.databaseUrl) {
      // Loaded only for a PostgreSQL store: an embedded server does without the driver's memory.
      const { openPool } = await import("./pg-store.ts");
      const pool = openPool(opts.databaseUrl, opts.poolSize ?? 10);
      const url = new URL(opts.databaseUrl);
      url.password = "";
      store = new Store(new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), { dialect: "postgres", rowLocks: true, overlapConstraint: true }, url.toString());
    } else {
      const dir = resolve(opts.dataDir ?? "data");
      mkdirSync(dir, { recursive: true });
      const file = join(dir, "vpcpeer.db");
      const writer = sqliteConnection(file, "write");
      store = new Store(new Kysely<Database>({ dialect: writer.dialect }), { dialect: "sqlite", rowLocks: false, overlapConstraint: false }, file);
      store.group = writer.group;
    }
    try {
      await migrate(store.db);
      if (!opts.databaseUrl) {
        // Opened after the migrations: the writer has made the file a WAL database by then.
        const reader = sqliteConnection(store.location, "read");
        store.readDb = new Kysely<Database>({ dialect: reader.dialect });
        const budget = (opts.readCacheMb ?? 16) * MB;
        store.cache = budget > 0 ? new ReadCache(reader.versions, budget) : null;
        store.readRoot = new Repos(store.readDb, store.caps, reader.direct, store.cache ?? undefined);
      } else if ((opts.readCacheMb ?? 16) > 0) {
        // PostgreSQL: the cache learns of every server's commits from read_changes (pg-store.ts).
        const { PgChangeFeed } = await import("./pg-store.ts");
        const feed = new PgChangeFeed(
          opts.databaseUrl,
          (table, accountId) => cache.changed(table, accountId),
          () => cache.reset(),
        );
        const cache = new ReadCache(feed, (opts.readCacheMb ?? 16) * MB);
        store.feed = feed;
        await feed.start();
        store.cache = cache;
        store.readRoot = new Repos(store.db, store.caps, undefined, cache);
      }
    } catch (e) {
      await store.close();
      throw e;
    }
    return store;
  }

  /** Repositories for reads and writes: inside a transaction if one is open in this async context. */
  get repos(): Repos {
    return this.als.getStore() ?? this.root;
  }

  /**
   * Repositories for reads only: inside a transaction if one is open in this async context (so a
   * use case sees its own writes); otherwise the last committed state, which on SQLite comes from a
   * read-only connection that never waits behind a write transaction.
   */
  get read(): Repos {
    return this.als.getStore() ?? this.readRoot;
  }

  /** Whether a transaction is open in this async context (a new one would join it). */
  get inTransaction(): boolean {
    return this.als.getStore() !== undefined;
  }

  /**
   * Runs `fn` in one transaction (joining the enclosing one if there is). Deadlocks and
   * serialization failures on PostgreSQL re-run the whole function, which must therefore only
   * touch the database.
   */
  async transaction<T>(fn: (repos: Repos) => Promise<T>, opts: { notify?: boolean } = {}): Promise<T> {
    const outer = this.als.getStore();
    if (outer) return fn(outer);
    this.open++;
    try {
      return await this.topLevel(fn, opts);
    } finally {
      // While AsyncLocalStorage is enabled Node runs a hook on every promise the process creates
      // (a few µs of every request); it is only needed while a transaction is open.
      if (--this.open === 0) this.als.disable();
    }
  }

  private async topLevel<T>(fn: (repos: Repos) => Promise<T>, opts: { notify?: boolean }): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      // SQLite: the batch this transaction runs in; its outcome is told once the batch is committed.
      let durable: Promise<void> | undefined;
      try {
        const result = await this.db.transaction().execute((trx) => {
          durable = this.group?.durable();
          const repos = new Repos(trx, this.caps);
          return this.als.run(repos, () => fn(repos));
        });
        await durable;
        if (opts.notify !== false) for (const listener of this.commitListeners) listener();
        return result;
      } catch (e) {
        // A failure may have read the batch's earlier writes: it is told after them, or as the batch's loss.
        if (durable) await durable;
        if (isRetryable(e) && attempt < 5) continue;
        if (isBusy(e)) throw new DomainError("StoreUnavailable", "the store is busy; retry the request", {});
        throw e;
      }
    }
  }

  /**
   * Inserts a batch of new rows (repos/batch.ts) atomically: in the transaction open in this async
   * context if there is one; else, on PostgreSQL, as its one statement committed by itself (no
   * BEGIN and COMMIT round trips, and a quota counter's lock held while PostgreSQL commits, not
   * across a round trip to this process), on SQLite in a transaction of its own (group-committed).
   * A batch too large for one statement gets a transaction on PostgreSQL too.
   */
  async batch(sets: readonly RowSet[], opts: BatchOptions = {}): Promise<BatchResult> {
    const outer = this.als.getStore();
    if (outer) return outer.batch.insert(sets, opts);
    if (this.caps.dialect !== "postgres" || !this.root.batch.fitsOneStatement(sets)) return this.transaction((r) => r.batch.insert(sets, opts));
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.root.batch.insert(sets, opts);
        if (result.written) for (const listener of this.commitListeners) listener();
        return result;
      } catch (e) {
        if (isRetryable(e) && attempt < 5) continue;
        throw e;
      }
    }
  }

  /** Calls `listener` after every committed top-level transaction of this process (e.g. to wake the data plane). */
  onCommit(listener: () => void): () => void {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
  }

  /** SQLite's group commit counters (commits, transactions, largest batch), or null on PostgreSQL. */
  groupCommitStats(): GroupCommitStats | null {
    return this.group?.stats() ?? null;
  }

  /** The read cache's counters, or null when this store has none (turned off). */
  readCacheStats(): ReadCacheStats | null {
    return this.cache?.stats() ?? null;
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    await this.feed?.close();
    await this.readDb?.destroy();
    await this.db.destroy();
  }
}
