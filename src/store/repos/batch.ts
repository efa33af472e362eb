/**
 * New rows of several tables written together: a VPC with its route table, default security
 * group, rules, tags and event; a subnet with its tags and event. On PostgreSQL they go as one
 * statement (each table's insert a data-modifying CTE, foreign keys checked at the statement's
 * end, so parents and children may come in one), which can also answer the JSON of a row it made
 * and enforce a create quota: one round trip where a VPC's create took ten (#17). On SQLite
 * (in-process, no round trips) each table is one insert, in order.
 */
import { CompiledQuery, type Insertable } from "kysely";
import type { Database, OwnedTable } from "../schema.ts";
import type { Capabilities, Db, Runner } from "./common.ts";

/** Rows for one table; every row with the same columns. */
export type RowSet = { [T in keyof Database]: { table: T; rows: readonly Insertable<Database[T]>[] } }[keyof Database];

/**
 * A create quota a batch enforces: its count before the batch must be under `limit`, or nothing
 * is written. Default VPCs and subnets are not counted.
 */
export type BatchQuota = { name: "vpcsPerRegion"; accountId: string; region: string; limit: number } | { name: "subnetsPerVpc"; vpcId: string; limit: number };

/** What a batch may also do and answer. */
export interface BatchOptions {
  /** The JSON view (views.ts) of one row the batch inserts; `sql`: the view's expression over alias `t`. */
  json?: { table: OwnedTable; id: string; sql: string } | undefined;
  /**
   * Insert only while this quota allows. On PostgreSQL the statement locks the quota's counter
   * (held to the end of the transaction; a counter another transaction changed meanwhile is
   * read as that one committed it) and fails when the count has reached the limit: inside an
   * enclosing transaction, that leaves it aborted, so the caller must throw (checkQuota does).
   */
  quota?: BatchQuota | undefined;
}

export interface BatchResult {
  /** Whether the rows were written (false only when the quota had been reached). */
  written: boolean;
  json: string | null;
  /** The quota's count before the batch (a quota given), else null. */
  counted: number | null;
}

/** The counter row of a quota on PostgreSQL (migration 0025). */
const quotaScope = (q: BatchQuota): string => (q.name === "vpcsPerRegion" ? `${q.accountId}/${q.region}` : q.vpcId);

/** Parameters per statement at most (PostgreSQL takes 65,535; SQLite 32,766). */
const MAX_PARAMETERS = 16_000;

/** Statement texts per shape (tables, columns, row counts). */
const texts = new Map<string, string>();

const quoteId = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** A set's rows cut so that none holds more than MAX_PARAMETERS values. */
function chunks(set: RowSet): RowSet[] {
  const columns = Object.keys(set.rows[0] ?? {}).length || 1;
  const per = Math.max(1, Math.floor(MAX_PARAMETERS / columns));
  if (set.rows.length <= per) return [set];
  const out: RowSet[] = [];
  for (let i = 0; i < set.rows.length; i += per) out.push({ table: set.table, rows: set.rows.slice(i, i + per) } as RowSet);
  return out;
}

/** A set's values, row after row, column after column (the first row's columns). */
function valuesOf(set: RowSet): unknown[] {
  const columns = Object.keys(set.rows[0]!);
  const values: unknown[] = [];
  for (const row of set.rows) {
    const r = row as Record<string, unknown>;
    if (Object.keys(r).length !== columns.length) throw new Error(`batch insert into ${set.table}: rows with different columns`);
    for (const c of columns) {
      if (!(c in r)) throw new Error(`batch insert into ${set.table}: a row without column ${c}`);
      values.push(r[c] === undefined ? null : r[c]);
    }
  }
  return values;
}

/** `insert into t (c…) values ($n…), …` for a set, its PostgreSQL placeholders numbered from `first` (SQLite: `?`). */
function insertText(set: RowSet, first: number, dialect: Capabilities["dialect"]): string {
  const columns = Object.keys(set.rows[0]!);
  let n = first;
  const tuple = () => `(${columns.map(() => (dialect === "postgres" ? `$${n++}` : "?")).join(", ")})`;
  return `insert into ${quoteId(set.table)} (${columns.map(quoteId).join(", ")}) values ${set.rows.map(tuple).join(", ")}`;
}

/** A statement's text by its shape, built once (bounded: shapes vary with tag and rule counts). */
function cachedText(key: string, build: () => string): string {
  let text = texts.get(key);
  if (text === undefined) {
    if (texts.size >= 2000) texts.clear();
    texts.set(key, (text = build()));
  }
  return text;
}

/** How many values a set binds: its rows × its columns. */
const sizeOf = (set: RowSet): number => set.rows.length * Object.keys(set.rows[0] ?? {}).length;

/** The shape of a set: its table, columns and row count. */
const shapeOf = (set: RowSet): string => `${set.table}(${Object.keys(set.rows[0]!).join(",")})x${set.rows.length}`;

export class BatchRepo {
  constructor(
    private readonly db: Db,
    private readonly caps: Capabilities,
    private readonly runner: Runner,
  ) {}

  /** Inserts the sets in the order given (a table's parents before it; empty sets are skipped). */
  async insert(sets: readonly RowSet[], opts: BatchOptions = {}): Promise<BatchResult> {
    const given = sets.filter((s) => s.rows.length > 0).flatMap(chunks);
    return this.caps.dialect === "postgres" ? this.postgres(given, opts) : this.sqlite(given, opts);
  }

  /** Whether the sets go as one statement on PostgreSQL (at most MAX_PARAMETERS values). */
  fitsOneStatement(sets: readonly RowSet[]): boolean {
    return sets.reduce((n, set) => n + sizeOf(set), 0) <= MAX_PARAMETERS;
  }

  private async sqlite(sets: readonly RowSet[], opts: BatchOptions): Promise<BatchResult> {
    // Counted before the inserts: SQLite's write transactions are exclusive, so nothing moves it meanwhile.
    const counted = opts.quota ? await this.sqliteCount(opts.quota) : null;
    if (opts.quota && counted! >= opts.quota.limit) return { written: false, json: null, counted };
    for (const set of sets) {
      await this.db.executeQuery(CompiledQuery.raw(cachedText(`sqlite:${shapeOf(set)}`, () => insertText(set, 1, "sqlite")), valuesOf(set)));
    }
    let json: string | null = null;
    if (opts.json) {
      const { table, id, sql } = opts.json;
      const [row] = await this.runner.rows<{ j: string }>(CompiledQuery.raw(`select ${sql} as j from ${quoteId(table)} t where t.id = ?`, [id]));
      json = row?.j ?? null;
    }
    return { written: true, json, counted };
  }

  /** A quota's count on SQLite: the account's VPCs in the region less its default one (vpc_region_counts, 0017, counts all), or the VPC's subnets but the default ones. */
  private async sqliteCount(q: BatchQuota): Promise<number> {
    const [row] =
      q.name === "vpcsPerRegion"
        ? await this.runner.rows<{ n: number }>(
            CompiledQuery.raw(
              "select coalesce((select n from vpc_region_counts where account_id = ? and region = ?), 0) - " +
                "(select count(*) from vpcs where account_id = ? and region = ? and is_default = 1) as n",
              [q.accountId, q.region, q.accountId, q.region],
            ),
          )
        : await this.runner.rows<{ n: number }>(CompiledQuery.raw("select count(*) as n from subnets where vpc_id = ? and is_default = 0", [q.vpcId]));
    return Number(row!.n);
  }

  /**
   * One statement per MAX_PARAMETERS values: `with w0 as (insert …), w1 as (insert …) …`. The
   * row asked for in JSON is read from its insert's RETURNING (the statement's own snapshot does
   * not see rows its CTEs insert). The quota rides on the first statement, so that nothing is
   * written when it refuses: its counter is locked by an upsert that sets it to itself (ON
   * CONFLICT DO UPDATE waits for a concurrent holder and reads the row as it committed), the
   * triggers of migration 0025 add this batch's rows at the statement's end.
   */
  private async postgres(sets: readonly RowSet[], opts: BatchOptions): Promise<BatchResult> {
    const statements: RowSet[][] = [[]];
    let size = 0;
    for (const set of sets) {
      const n = sizeOf(set);
      if (size + n > MAX_PARAMETERS && statements.at(-1)!.length > 0) {
        statements.push([]);
        size = 0;
      }
      statements.at(-1)!.push(set);
      size += n;
    }
    const holds = (group: readonly RowSet[], json: NonNullable<BatchOptions["json"]>) => group.some((s) => s.table === json.table && s.rows.some((r) => (r as { id?: unknown }).id === json.id));
    if (opts.json && !statements.some((group) => holds(group, opts.json!))) throw new Error(`batch insert: the row ${opts.json.id} asked for in JSON is not in the batch`);
    const result: BatchResult = { written: true, json: null, counted: null };
    for (const [i, group] of statements.entries()) {
      const done = await this.postgresStatement(group, { json: opts.json && holds(group, opts.json) ? opts.json : undefined, quota: i === 0 ? opts.quota : undefined });
      if (!done.written) return done;
      if (i === 0) result.counted = done.counted;
      result.json ??= done.json;
    }
    return result;
  }

  private async postgresStatement(sets: readonly RowSet[], opts: BatchOptions): Promise<BatchResult> {
    // The set holding the row asked for in JSON: its insert answers RETURNING *.
    const jsonSet = opts.json ? sets.findIndex((s) => s.table === opts.json!.table && s.rows.some((r) => (r as { id?: unknown }).id === opts.json!.id)) : -1;
    const key = `pg:${sets.map(shapeOf).join(";")}|${jsonSet}|${opts.json?.table ?? ""}|${opts.quota ? "quota" : ""}`;
    const values = sets.flatMap(valuesOf);
    const firstOfQuota = values.length + (opts.json ? 2 : 1);
    if (opts.json) values.push(opts.json.id);
    if (opts.quota) values.push(opts.quota.name, quotaScope(opts.quota), opts.quota.limit);
    const text = cachedText(key, () => {
      let first = 1;
      const inserts = sets.map((set, i) => {
        const text = `${insertText(set, first, "postgres")}${i === jsonSet ? " returning *" : ""}`;
        first += sizeOf(set);
        return text;
      });
      const ctes = inserts.map((text, i) => `w${i} as (${text})`);
      const selects: string[] = [];
      if (opts.json) selects.push(`(select ${opts.json.sql} from w${jsonSet} t where t.id = $${first}) as j`);
      if (opts.quota) {
        const [name, scope, limit] = [firstOfQuota, firstOfQuota + 1, firstOfQuota + 2].map((n) => `$${n}`);
        ctes.push(`q as (insert into quota_counts (quota, scope, n) values (${name}, ${scope}, 0) on conflict (quota, scope) do update set n = quota_counts.n returning n)`);
        selects.push(`quota_check(${name}, (select n from q), ${limit}::integer) as n`);
      }
      // With nothing to answer, the last insert is the statement itself.
      if (selects.length > 0) return `with ${ctes.join(", ")} select ${selects.join(", ")}`;
      return `${ctes.length > 1 ? `with ${ctes.slice(0, -1).join(", ")} ` : ""}${inserts.at(-1)!}`;
    });
    let rows: { j?: string | null; n?: number | string | null }[];
    try {
      ({ rows } = await this.db.executeQuery<{ j?: string | null; n?: number | string | null }>(CompiledQuery.raw(text, values)));
    } catch (e) {
      // quota_check() (migration 0025): the quota had been reached; nothing was written.
      if (opts.quota && (e as { code?: unknown }).code === "VQ001") return { written: false, json: null, counted: Number((e as { detail?: unknown }).detail) };
      throw e;
    }
    const row = rows[0];
    return { written: true, json: row?.j ?? null, counted: opts.quota ? Number(row?.n ?? 0) : null };
  }
}
