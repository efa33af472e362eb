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
import pg from "pg";
import { DomainError } from "../domain/errors.ts";
import { isBusy, isRetryable } from "./db-errors.ts";
import { migrate } from "./migrations.ts";
import type { Capabilities, Db } from "./repos/common.ts";
import { Repos } from "./repos/index.ts";
import type { Database } from "./schema.ts";

export interface StoreOptions {
  /** Directory of the embedded SQLite database (created if missing). */
  dataDir?: string | undefined;
  /** postgres://… URL; wins over dataDir. */
  databaseUrl?: string | undefined;
  /** PostgreSQL pool size per process. */
  poolSize?: number | undefined;
}

/** SQLite write transactions start with BEGIN IMMEDIATE: they take the write lock up front, so
 * check-then-insert sequences are serialized across processes, never upgraded mid-way (SQLITE_BUSY). */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
}

function sqliteDialect(file: string): Dialect {
  const database = new SqliteDatabase(file);
  database.pragma("journal_mode = WAL");
  // FULL: a commit is on disk when it is acknowledged; survives kill -9 and power loss.
  database.pragma("synchronous = FULL");
  database.pragma("foreign_keys = ON");
  database.pragma("busy_timeout = 10000");
  // Kysely prepares every query anew; preparing is a good part of a simple read's cost, and the
  // statements of this service are few. Reuse them (one connection: no statement runs twice at once).
  const statements = new Map<string, SqliteDatabase.Statement>();
  const cached = {
    prepare(sql: string) {
      let stmt = statements.get(sql);
      if (!stmt) {
        if (statements.size >= 2000) statements.clear();
        stmt = database.prepare(sql);
        statements.set(sql, stmt);
      }
      return stmt;
    },
    close: () => database.close(),
  };
  return {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new ImmediateSqliteDriver({ database: cached as unknown as SqliteDatabase.Database }),
    createIntrospector: (db) => new SqliteIntrospector(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  };
}

export class Store {
  private readonly als = new AsyncLocalStorage<Repos>();
  private readonly commitListeners = new Set<() => void>();
  private readonly root: Repos;

  private constructor(
    private readonly db: Db,
    readonly caps: Capabilities,
    /** Where the data lives, for logs (never includes a password). */
    readonly location: string,
  ) {
    this.root = new Repos(db, caps);
  }

  static async open(opts: StoreOptions): Promise<Store> {
    let store: Store;
    if (opts.databaseUrl) {
      const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: opts.poolSize ?? 10 });
      // An idle connection dropped by the server (restart, failover) must not crash the process;
      // the pool replaces it and the next query reconnects.
      pool.on("error", () => {});
      const url = new URL(opts.databaseUrl);
      url.password = "";
      store = new Store(new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), { dialect: "postgres", rowLocks: true }, url.toString());
    } else {
      const dir = resolve(opts.dataDir ?? "data");
      mkdirSync(dir, { recursive: true });
      const file = join(dir, "vpcpeer.db");
      store = new Store(new Kysely<Database>({ dialect: sqliteDialect(file) }), { dialect: "sqlite", rowLocks: false }, file);
    }
    try {
      await migrate(store.db);
    } catch (e) {
      await store.close();
      throw e;
    }
    return store;
  }

  /** Repositories for reads: inside a transaction if one is open in this async context. */
  get repos(): Repos {
    return this.als.getStore() ?? this.root;
  }

  /**
   * Runs `fn` in one transaction (joining the enclosing one if there is). Deadlocks and
   * serialization failures on PostgreSQL re-run the whole function, which must therefore only
   * touch the database.
   */
  async transaction<T>(fn: (repos: Repos) => Promise<T>, opts: { notify?: boolean } = {}): Promise<T> {
    const outer = this.als.getStore();
    if (outer) return fn(outer);
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.db.transaction().execute((trx) => {
          const repos = new Repos(trx, this.caps);
          return this.als.run(repos, () => fn(repos));
        });
        if (opts.notify !== false) for (const listener of this.commitListeners) listener();
        return result;
      } catch (e) {
        if (isRetryable(e) && attempt < 5) continue;
        if (isBusy(e)) throw new DomainError("StoreUnavailable", "the store is busy; retry the request", {});
        throw e;
      }
    }
  }

  /** Calls `listener` after every committed top-level transaction of this process (e.g. to wake the data plane). */
  onCommit(listener: () => void): () => void {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
