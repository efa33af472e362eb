/** Shared query pieces: keyset pagination over (sort column, id), search, tag filters and tag loading. */
import { createHash } from "node:crypto";
import { type AliasedSelectQueryBuilder, type Compilable, type CompiledQuery, type Kysely, type RawBuilder, type SelectQueryBuilder, sql } from "kysely";
import { DomainError } from "../../domain/errors.ts";
import { storable } from "../../domain/text.ts";
import { LIST_SORTS, type ListOptions, type ListSort, type Tags } from "../../domain/resources.ts";
import type { Database } from "../schema.ts";

export type Db = Kysely<Database>;

/** Reads a connection answers synchronously, bypassing the driver (see Store: SQLite's read-only connection). */
export interface DirectReads {
  all<R>(sql: string, parameters: readonly unknown[]): R[];
  /** The first column of each row (no row objects made). */
  column<V>(sql: string, parameters: readonly unknown[]): V[];
}

/** Stands for the value `args[i]` of a shaped query while it is built (see Runner.shaped). */
export type Arg = (i: number) => string;

// NUL never reaches the store as a value (the API refuses it), so a marker cannot be mistaken for one.
const marker: Arg = (i) => `\u0000arg${i}\u0000`;
const MARKER = /^\u0000arg(\d+)\u0000$/;

interface Shape {
  query: CompiledQuery;
  /** Per parameter of the SQL: the index of the argument it binds, or a constant Kysely put there. */
  slots: (number | { value: unknown })[];
}

const shapes = new Map<string, Shape>();

/** The SQL of each PostgreSQL shape, named: pg-store.ts's pool sends these as prepared statements. */
const prepared = new Map<string, string>();

/** The statement name of a shaped query's SQL on PostgreSQL, or undefined for any other SQL. */
export const preparedName = (text: string): string | undefined => prepared.get(text);

/**
 * Runs queries of one repository set: straight on a connection that can answer synchronously
 * (no driver, connection mutex or promise chain in between), else through Kysely.
 */
export class Runner {
  constructor(
    private readonly db: Db,
    readonly dialect: Capabilities["dialect"],
    private readonly direct?: DirectReads,
  ) {}

  async rows<R>(q: CompiledQuery): Promise<R[]> {
    if (this.direct) return this.direct.all<R>(q.sql, q.parameters);
    return (await this.db.executeQuery<R>(q as CompiledQuery<R>)).rows;
  }

  /**
   * Runs a query whose SQL depends on its shape (the filters it has), never on its values:
   * `build` runs once per `key` with markers in place of the values, and later calls only bind
   * `args`. Building and compiling a Kysely query costs more than SQLite takes to answer it.
   */
  async shaped<R>(key: string, args: readonly unknown[], build: (arg: Arg) => Compilable): Promise<R[]> {
    const { query, parameters } = this.bind(key, args, build);
    if (this.direct) return this.direct.all<R>(query.sql, parameters);
    return (await this.db.executeQuery<R>({ ...query, parameters } as CompiledQuery<R>)).rows;
  }

  /** shaped() for a query of one column: its values. */
  async shapedColumn<V>(key: string, args: readonly unknown[], build: (arg: Arg) => Compilable): Promise<V[]> {
    const { query, parameters } = this.bind(key, args, build);
    if (this.direct) return this.direct.column<V>(query.sql, parameters);
    const { rows } = await this.db.executeQuery<Record<string, V>>({ ...query, parameters } as CompiledQuery<Record<string, V>>);
    return rows.map((r) => Object.values(r)[0]!);
  }

  private bind(key: string, args: readonly unknown[], build: (arg: Arg) => Compilable): { query: CompiledQuery; parameters: unknown[] } {
    const id = `${this.dialect}:${key}`;
    let shape = shapes.get(id);
    if (!shape) {
      const query = build(marker).compile();
      const slots = query.parameters.map((p) => {
        const m = typeof p === "string" ? MARKER.exec(p) : null;
        return m ? Number(m[1]) : { value: p };
      });
      shapes.set(id, (shape = { query, slots }));
      if (this.dialect === "postgres" && !prepared.has(query.sql)) prepared.set(query.sql, `vp${prepared.size}`);
    }
    return { query: shape.query, parameters: shape.slots.map((slot) => (typeof slot === "number" ? args[slot] : slot.value)) };
  }
}

/** What a repository needs to know about the database it runs on. */
export interface Capabilities {
  dialect: "sqlite" | "postgres";
  /** PostgreSQL needs row locks; SQLite's write transactions (BEGIN IMMEDIATE) are already exclusive. */
  rowLocks: boolean;
  /**
   * The database refuses a subnet overlapping another of its VPC (PostgreSQL, migration 0026), so
   * a create may write without first locking the VPC and reading its subnets.
   */
  overlapConstraint: boolean;
}

/** What a cursor holds: the last row's place in the order, and the query it belongs to. */
interface Cursor {
  /** The last row's sort value (creation time, name, …) and id. */
  value: string;
  id: string;
  sort: ListSort;
  /** fingerprint() of the filters of the query that issued it. */
  filters: string;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.value, c.id, c.sort, c.filters])).toString("base64url");
}

export function decodeCursor(cursor: string): Cursor {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    // Text a store cannot take (NUL, a lone surrogate) is no place in any list: a cursor altered.
    if (Array.isArray(v) && v.length === 4 && v.every((x) => typeof x === "string" && storable(x))) {
      const [value, id, sort, filters] = v as [string, string, string, string];
      if ((LIST_SORTS as readonly string[]).includes(sort)) return { value, id, sort: sort as ListSort, filters };
    }
  } catch {
    /* fall through */
  }
  throw new DomainError("InvalidCursor", "cursor: not a cursor returned by this API (pass nextCursor unchanged)", {
    field: "cursor",
  });
}

/** A short digest of a list's filters, so that a cursor is only taken back with the filters that issued it. */
const fingerprint = (filters: unknown) => createHash("sha256").update(JSON.stringify(filters)).digest("base64url").slice(0, 12);

/** A-Z lowered and nothing else, as SQLite's lower() does: `q` matches alike on both stores. */
export const asciiLower = (text: string) => text.replace(/[A-Z]+/g, (c) => c.toLowerCase());

/** The column a page is ordered by (then by id), for PageSpec.cursorOf. */
export type SortColumn = "created_at" | "period_start" | "name" | "resource_id";

/** A list query for paginate(): its base (one table aliased `t`, filtered), as a shaped query. */
export interface PageSpec<R> {
  /** Names the base's SQL: which filters it has, not their values. */
  key: string;
  /** The base's values, in the order its arg(i) use them. */
  args: unknown[];
  /**
   * The values that make the filter set, when not all of `args` do (a time the query is made at,
   * say): a cursor is refused with other filters than those of the query that issued it.
   */
  filterArgs?: unknown[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  base: (arg: Arg) => SelectQueryBuilder<any, any, R>;
  /**
   * More bases whose rows the list also holds (disjoint from the base's and from each other's),
   * for a list that is a union of index ranges ("requester or accepter is me"): each is read in
   * index order up to the page's size, so a page costs at most (1 + others) × its size in rows,
   * however many rows match. `db` builds the query over them. Their rows carry the sort column.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  others?: {
    db: Db;
    bases: ((arg: Arg) => SelectQueryBuilder<any, any, R>)[];
    /** The ranges may share rows (each range's rows then carry the same columns): a row is listed once. */
    overlapping?: boolean;
  };
  /**
   * What a page row is, computed over the page's rows only: given the ranged, ordered and limited
   * base (its table's columns, aliased `t`), the select that makes each row (a resource's JSON,
   * say). Without it, a plan that sorts after computing would build the value for every row of
   * the range, not just for the page's (PostgreSQL before it has statistics for a new table).
   * For single-range lists (not with `others`).
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  project?: (page: AliasedSelectQueryBuilder<any, "t">) => SelectQueryBuilder<any, any, R>;
  /** The column of the `createdAt` sorts (default created_at); the `name` sorts use `name`. */
  sortColumn?: "created_at" | "period_start" | "resource_id";
  /** The column that breaks ties, unique within a sort value (default id; a tag's `key` within its resource). */
  idColumn?: "id" | "key";
  /** The base selects one column, and the rows are its values. */
  column?: boolean;
  /** The value of the sort column and the id of a row: its place in the order, for the next page's cursor. */
  cursorOf: (row: R, column: SortColumn) => [string, string];
}

/**
 * One page of a list: tag filters (tags put by `accountId`), `q` (id or name contains it), the
 * cursor and limit + 1 applied to the spec's base, keyset-ordered by (sort column, id) in the
 * sort's direction, with the cursor of the page's last row. Each sort reads an index range
 * ((owner, created_at, id) or (owner, name, id), forwards or backwards): a page costs its size
 * in rows, however many the list holds.
 */
export async function paginate<R>(runner: Runner, spec: PageSpec<R>, opts: ListOptions, accountId: string): Promise<{ rows: R[]; nextCursor: string | null }> {
  const sort: ListSort = opts.sort ?? "createdAt";
  const descending = sort.startsWith("-");
  const column: SortColumn = sort === "name" || sort === "-name" ? "name" : (spec.sortColumn ?? "created_at");
  // Names order by code point on both stores: PostgreSQL's by the database's collation otherwise.
  // Tag rows too: their kinds are ranges of id prefixes (tag-rows.ts), which only a byte order keeps whole.
  const binary = (column === "name" || column === "resource_id") && runner.dialect === "postgres";
  const needleText = opts.q === undefined ? null : asciiLower(opts.q);
  const filters = fingerprint([spec.key, spec.filterArgs ?? spec.args, opts.tags ?? [], needleText]);
  const cursor = opts.cursor ? decodeCursor(opts.cursor) : null;
  if (cursor && (cursor.sort !== sort || cursor.filters !== filters)) {
    const what = cursor.sort !== sort ? `sort=${cursor.sort}, not sort=${sort}` : "other filters";
    throw new DomainError("InvalidCursor", `cursor: issued for ${what}; send it with the sort and filters of the request that returned it`, { field: "cursor" });
  }
  const args = [...spec.args];
  const at = (value: unknown) => args.push(value) - 1;
  const owner = at(accountId);
  const tags = (opts.tags ?? []).map((t) => ({ key: at(t.key), value: t.value === undefined ? null : at(t.value) }));
  const needle = needleText === null ? null : at(needleText);
  const after = cursor ? ([at(cursor.value), at(cursor.id)] as const) : null;
  const limit = at(opts.limit + 1);
  const key = `${spec.key}|tags:${tags.map((t) => (t.value === null ? "k" : "kv")).join(",")}|${needle === null ? "" : "q"}|${sort}|${after ? "after" : "first"}`;
  const ref = (alias: string, col: string): RawBuilder<unknown> => (binary ? sql`${sql.ref(`${alias}.${col}`)} collate "C"` : sql`${sql.ref(`${alias}.${col}`)}`);
  const dir = descending ? "desc" : "asc";
  const tie = spec.idColumn ?? "id";
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const ordered = <Q extends SelectQueryBuilder<any, any, any>>(q: Q, alias: string): Q => q.orderBy(ref(alias, column), dir).orderBy(ref(alias, tie), dir) as Q;
  const pg = runner.dialect === "postgres";
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const ranged = (base: (arg: Arg) => SelectQueryBuilder<any, any, R>, arg: Arg) => {
    let q = base(arg);
    for (const tag of tags) {
      q = q.where(({ exists, selectFrom }) =>
        exists(
          selectFrom("tags as tg")
            .select("tg.key")
            .whereRef("tg.resource_id", "=", "t.id")
            .where("tg.account_id", "=", arg(owner))
            .where("tg.key", "=", arg(tag.key))
            .$if(tag.value !== null, (s) => s.where("tg.value", "=", arg(tag.value!))),
        ),
      );
    }
    if (needle !== null) {
      // Ids are lower case; a name is lowered in A-Z only, as the needle was (asciiLower).
      const n = arg(needle);
      q = q.where(
        pg
          ? sql<boolean>`(strpos(t.id, ${n}) > 0 or strpos(translate(t.name, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), ${n}) > 0)`
          : sql<boolean>`(instr(t.id, ${n}) > 0 or instr(lower(t.name), ${n}) > 0)`,
      );
    }
    // A row-value comparison is an index range scan; the equivalent OR walks every earlier row.
    if (after) q = q.where(sql<boolean>`(${ref("t", column)}, ${ref("t", tie)}) ${sql.raw(descending ? "<" : ">")} (${arg(after[0])}, ${arg(after[1])})`);
    return ordered(q, "t").limit(arg(limit) as unknown as number);
  };
  const rows = await (spec.column ? runner.shapedColumn<R> : runner.shaped<R>).call(runner, key, args, (arg) => {
    if (!spec.others && spec.project) return ordered(spec.project(ranged(spec.base, arg).as("t")), "t");
    if (!spec.others) return ranged(spec.base, arg);
    // Each range in a subquery of its own (a compound's members cannot be ordered and limited).
    const { db, bases } = spec.others;
    const sub = (base: typeof spec.base, i: number) => db.selectFrom(ranged(base, arg).as(`r${i}`) as never).selectAll();
    const union = bases.reduce((u, base, i) => (spec.others!.overlapping ? u.union(sub(base, i + 1)) : u.unionAll(sub(base, i + 1))), sub(spec.base, 0));
    return ordered(db.selectFrom(union.as("u") as never).selectAll(), "u").limit(arg(limit) as unknown as number);
  });
  const more = rows.length > opts.limit;
  const items = more ? rows.slice(0, opts.limit) : rows;
  const last = items[items.length - 1];
  if (!more || last === undefined) return { rows: items, nextCursor: null };
  const [value, id] = spec.cursorOf(last, column);
  return { rows: items, nextCursor: encodeCursor({ value, id, sort, filters }) };
}

/**
 * The order of a window: by creation (default) or last update, then creation and id, all
 * ascending or all descending (Tencent's OrderField / OrderDirection).
 */
export interface WindowOrder {
  column: "created_at" | "updated_at";
  desc: boolean;
}

const CREATION: WindowOrder = { column: "created_at", desc: false };

/**
 * One window of a list by offset (the cloud dialects' Offset and PageNumber/PageSize), in
 * (created_at, id) order unless `order` says otherwise, and the number of rows the list holds:
 * the spec's base (no tag filters, no `q`: a Describe call's criteria are in its base),
 * LIMIT/OFFSET over the index range, then the spec's project over the window's rows only. A
 * window costs its offset plus its size in index entries (the rows skipped are not built); the
 * count walks the matching index range without reading rows, unless `count` answers it another
 * way. Shaped like paginate's queries: built once per spec key and order.
 */
export async function windowed<R>(
  runner: Runner,
  spec: PageSpec<R>,
  offset: number,
  limit: number,
  count?: () => Promise<number>,
  order: WindowOrder = CREATION,
): Promise<{ rows: R[]; total: number }> {
  const args = [...spec.args];
  const off = args.push(offset) - 1;
  const lim = args.push(limit) - 1;
  const direction = order.desc ? "desc" : "asc";
  const columns = order.column === "created_at" ? ["t.created_at", "t.id"] : [`t.${order.column}`, "t.created_at", "t.id"];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const ordered = <Q extends SelectQueryBuilder<any, any, any>>(q: Q): Q => columns.reduce((o, c) => o.orderBy(sql.ref(c), direction), q as SelectQueryBuilder<any, any, any>) as Q;
  const rows =
    limit === 0
      ? []
      : await (spec.column ? runner.shapedColumn<R> : runner.shaped<R>).call(runner, `${spec.key}|window:${order.column}:${direction}`, args, (arg) => {
          const window = ordered(spec.base(arg))
            .limit(arg(lim) as unknown as number)
            .offset(arg(off) as unknown as number);
          return spec.project ? ordered(spec.project(window.as("t"))) : window;
        });
  if (count) return { rows, total: await count() };
  const [n] = await runner.shapedColumn<number | string>(`${spec.key}|count`, spec.args, (arg) =>
    spec.base(arg).clearSelect().select(sql<number>`count(*)`.as("n")),
  );
  return { rows, total: Number(n ?? 0) };
}

/** The values of a JSON array of texts bound as `array`, as a table `v` with one column `value`. */
export function jsonValues(caps: Pick<Capabilities, "dialect">, array: unknown): RawBuilder<unknown> {
  return caps.dialect === "postgres" ? sql`json_array_elements_text(${array}::json) as v(value)` : sql`json_each(${array}) as v`;
}

/** The tags `accountId` put on each of the resources. */
export async function loadTags(db: Db, accountId: string, ids: readonly string[]): Promise<Map<string, Tags>> {
  const map = new Map<string, Tags>();
  if (ids.length === 0) return map;
  const rows = await db.selectFrom("tags").select(["resource_id", "key", "value"]).where("account_id", "=", accountId).where("resource_id", "in", ids).execute();
  for (const r of rows) {
    let tags = map.get(r.resource_id);
    if (!tags) map.set(r.resource_id, (tags = {}));
    tags[r.key] = r.value;
  }
  return map;
}

export async function replaceTags(db: Db, accountId: string, resourceId: string, tags: Tags): Promise<void> {
  await db.deleteFrom("tags").where("resource_id", "=", resourceId).where("account_id", "=", accountId).execute();
  const entries = Object.entries(tags);
  if (entries.length === 0) return;
  await db
    .insertInto("tags")
    .values(entries.map(([key, value]) => ({ resource_id: resourceId, account_id: accountId, key, value })))
    .execute();
}

export async function deleteTags(db: Db, accountId: string, resourceId: string): Promise<void> {
  await db.deleteFrom("tags").where("resource_id", "=", resourceId).where("account_id", "=", accountId).execute();
}
