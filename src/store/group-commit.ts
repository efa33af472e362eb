/**
 * Group commit for the embedded SQLite store: many logical transactions, one durable COMMIT.
 *
 * With `synchronous = FULL` every COMMIT waits for the disk (an fsync of the WAL). One COMMIT per
 * request caps the writes at the disk's fsync rate, whatever the CPU could do. Here every logical
 * transaction (Store.transaction) runs in a SAVEPOINT inside one physical transaction (BEGIN
 * IMMEDIATE … COMMIT) that several of them share:
 *
 * - Logical transactions still run one at a time on the single writer connection (as before):
 *   each sees the writes of those before it, so the checks (quotas, uniqueness, idempotency keys)
 *   are as serialized as SQLite's single writer always made them.
 * - A logical transaction that fails rolls back to its savepoint: its writes go, the others' stay.
 *   A constraint violation aborts only its statement in SQLite, so it poisons nothing else.
 * - The batch commits when the writer falls idle: at the end of the event loop's turn in which its
 *   last transaction finished (setImmediate), i.e. after every request whose bytes arrived in that
 *   turn has had its turn; or at once when it holds MAX_BATCH transactions.
 * - Nobody is told the outcome of a logical transaction before its batch's COMMIT returned
 *   (`durable()`): a success is acknowledged only once on disk, and a failure, which may have read
 *   the batch's earlier writes, once those are too. If the COMMIT fails, every transaction of the
 *   batch fails with its error.
 * - A statement outside any transaction (a read or an autocommit write on the writer) first
 *   commits the open batch, so that it neither sees nor is acknowledged before uncommitted data.
 * - If SQLite rolls back the whole physical transaction by itself (I/O error, disk full), the
 *   batch is lost: every transaction in it fails with that error.
 */
import type SqliteDatabase from "better-sqlite3";
import { type CompiledQuery, type DatabaseConnection, type Driver, type QueryResult, SelectQueryNode } from "kysely";

/** The most logical transactions one COMMIT covers. */
export const MAX_BATCH = 256;

/** What the driver needs of the connection: statements prepared once (store.ts caches them). */
export interface StatementSource {
  prepare(sql: string): SqliteDatabase.Statement;
  readonly inTransaction: boolean;
  close(): void;
}

interface Batch {
  /** Logical transactions begun in it. */
  size: number;
  /** Settles after the COMMIT: resolved once on disk, rejected if the batch was lost. */
  readonly durable: Promise<void>;
  settle(error?: unknown): void;
}

function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const durable = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A batch nobody waits on (only autocommit-style statements ran in it) must not be an unhandled rejection.
  durable.catch(() => {});
  return { size: 0, durable, settle: (error) => (error === undefined ? resolve() : reject(error)) };
}

/** Counters of the batches committed, for tests and benchmarks. */
export interface GroupCommitStats {
  commits: number;
  transactions: number;
  largest: number;
}

export class GroupCommitDriver implements Driver {
  private readonly connection: GroupConnection;
  private held = false;
  private readonly waiting: (() => void)[] = [];
  private batch: Batch | null = null;
  private flushScheduled = false;
  private commitOnRelease = false;
  private readonly counts: GroupCommitStats = { commits: 0, transactions: 0, largest: 0 };

  constructor(private readonly db: StatementSource) {
    this.connection = new GroupConnection(db, this);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    if (!this.held) {
      this.held = true;
      return this.connection;
    }
    await new Promise<void>((res) => this.waiting.push(res));
    return this.connection;
  }

  async releaseConnection(): Promise<void> {
    if (this.batch && (this.commitOnRelease || this.batch.size >= MAX_BATCH)) this.commit();
    const next = this.waiting.shift();
    if (next) return next(); // handed over: still held
    this.held = false;
    if (this.batch) this.scheduleFlush();
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    if (!this.batch) {
      this.run("begin immediate");
      this.batch = newBatch();
    }
    this.run("savepoint logical");
    this.batch.size++;
    (connection as GroupConnection).logical = true;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    (connection as GroupConnection).logical = false;
    this.run("release logical");
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const conn = connection as GroupConnection;
    conn.logical = false;
    if (this.db.inTransaction) {
      this.run("rollback to logical");
      this.run("release logical");
    } else {
      // SQLite rolled the whole physical transaction back (I/O error, disk full): the batch is lost.
      this.lose(conn.lastError ?? new Error("the store's transaction was rolled back"));
    }
  }

  /** The open batch's durability, for the logical transaction running now (call it inside one). */
  durable(): Promise<void> {
    if (!this.batch) throw new Error("GroupCommitDriver.durable: no batch open");
    return this.batch.durable;
  }

  stats(): GroupCommitStats {
    return { ...this.counts };
  }

  async destroy(): Promise<void> {
    if (this.batch) this.commit();
    this.db.close();
  }

  /** Commits the open batch now, when the writer is idle (also when it is not: then its holder commits on release). */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      if (!this.batch) return;
      if (this.held) this.commitOnRelease = true;
      else this.commit();
    });
  }

  /** Commits the open batch (the caller holds the connection, or nobody does). Synchronous. */
  commit(): void {
    const batch = this.batch;
    this.commitOnRelease = false;
    if (!batch) return;
    this.batch = null;
    try {
      this.run("commit");
    } catch (e) {
      try {
        if (this.db.inTransaction) this.run("rollback");
      } catch {
        // The connection is unusable; the error below says why.
      }
      batch.settle(e);
      return;
    }
    this.counts.commits++;
    this.counts.transactions += batch.size;
    this.counts.largest = Math.max(this.counts.largest, batch.size);
    batch.settle();
  }

  private lose(error: unknown): void {
    const batch = this.batch;
    this.batch = null;
    this.commitOnRelease = false;
    batch?.settle(error);
  }

  private run(sql: string): void {
    this.db.prepare(sql).run();
  }
}

class GroupConnection implements DatabaseConnection {
  /** A logical transaction is open on the connection. */
  logical = false;
  /** The last statement's error (what made SQLite roll a whole batch back, if it did). */
  lastError: unknown = undefined;

  constructor(
    private readonly db: StatementSource,
    private readonly driver: GroupCommitDriver,
  ) {}

  executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    // A statement of no transaction must not see, nor be acknowledged before, the batch's writes.
    if (!this.logical) this.driver.commit();
    try {
      const stmt = this.db.prepare(compiledQuery.sql);
      if (stmt.reader) return Promise.resolve({ rows: stmt.all(compiledQuery.parameters) as R[] });
      const { changes, lastInsertRowid } = stmt.run(compiledQuery.parameters);
      return Promise.resolve({ numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] });
    } catch (e) {
      this.lastError = e;
      return Promise.reject(e);
    }
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    if (!SelectQueryNode.is(compiledQuery.query)) throw new Error("the SQLite store streams select queries only");
    if (!this.logical) this.driver.commit();
    for (const row of this.db.prepare(compiledQuery.sql).iterate(compiledQuery.parameters)) yield { rows: [row as R] };
  }
}
