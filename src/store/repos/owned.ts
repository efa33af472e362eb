/**
 * One generic repository for the tenant-owned tables (VPCs, subnets, route tables, VBRs, instances,
 * router interfaces): every read is scoped to the owning account, so another account's row is
 * simply not found. Rows are read through their view (views.ts): the database builds each
 * resource's JSON, which the native API sends as it is and everything else parses.
 */
import { sql } from "kysely";
import type { Json, ListOptions, Page, Tags } from "../../domain/resources.ts";
import type { Database, OwnedTable } from "../schema.ts";
import { type Capabilities, type Db, type Runner, deleteTags, paginate, replaceTags } from "./common.ts";
import { type TagsOf, type ViewSpec, viewSql } from "./views.ts";
import { type ReadCache, dependency } from "../read-cache.ts";

/** Column equality filters a list may apply (undefined values are ignored). */
export type Filters = Record<string, string | undefined>;

/**
 * Whose rows a read may see: an account id, or an account limited to one region (a cloud dialect's
 * request is made in a region; a resource of another region answers like a missing one).
 */
export type Owner = string | { readonly accountId: string; readonly region?: string | undefined };

/** The owner's account and, when the read is limited to one, its region. */
function ownerScope(owner: Owner): { accountId: string; region: string | undefined } {
  return typeof owner === "string" ? { accountId: owner, region: undefined } : { accountId: owner.accountId, region: owner.region };
}

/** The filters with the owner's region added (every owned table has a region column). */
const scoped = (filters: Filters, region: string | undefined): Filters => (region === undefined ? filters : { ...filters, region });

interface ViewRow {
  j: string;
}

/** Sorted, so that a resource's JSON does not depend on the order its tags were given in. */
const tagsText = (tags: Tags) => JSON.stringify(Object.fromEntries(Object.entries(tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));

/** A page's size for the read cache: its texts, and a little for each item. */
const pageSize = (page: Page<string>) => page.items.reduce((n, item) => n + item.length + 16, page.nextCursor?.length ?? 0);

/** The view's SQL per dialect, table and tag visibility: built once per process, not per transaction. */
const viewSqlCache = new Map<string, string>();

export class OwnedRepo<T extends OwnedTable, D extends { id: string; tags: Tags }> {
  constructor(
    protected readonly db: Db,
    protected readonly caps: Capabilities,
    protected readonly table: T,
    protected readonly view: ViewSpec,
    protected readonly runner: Runner,
    private readonly cache?: ReadCache,
  ) {}

  private viewOf(tags: TagsOf): string {
    const key = `${this.caps.dialect}:${this.table}:${tags}`;
    let text = viewSqlCache.get(key);
    if (text === undefined) viewSqlCache.set(key, (text = viewSql(this.view, this.caps, tags)));
    return text;
  }

  // Kysely cannot type a query over a table chosen by a type parameter; the casts stay in this class.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  protected from(tags: TagsOf = "owner"): any {
    return this.db.selectFrom(`${this.table} as t` as never).select(sql.raw<string>(this.viewOf(tags)).as("j"));
  }

  private parse(rows: ViewRow[]): D[] {
    return rows.map((r) => JSON.parse(r.j) as D);
  }

  /** The resource as its JSON text, or null when the account has no such resource. */
  async getJson(owner: Owner, id: string): Promise<Json<D> | null> {
    const { accountId, region } = ownerScope(owner);
    const read = async () => {
      const [json] =
        region === undefined
          ? await this.runner.shapedColumn<Json<D>>(`${this.table}:get`, [id, accountId], (arg) => this.from().where("t.id", "=", arg(0)).where("t.account_id", "=", arg(1)))
          : await this.runner.shapedColumn<Json<D>>(`${this.table}:get:region`, [id, accountId, region], (arg) =>
              this.from().where("t.id", "=", arg(0)).where("t.account_id", "=", arg(1)).where("t.region", "=", arg(2)),
            );
      return json ?? null;
    };
    if (!this.cache) return read();
    // A row's JSON depends on that row alone (views.ts), so on writes to this table by its owner.
    return this.cache.get(`${this.table}\u0000get\u0000${accountId}\u0000${region ?? ""}\u0000${id}`, [dependency(this.table, accountId)], read, (json) => json.length);
  }

  async get(owner: Owner, id: string): Promise<D | null> {
    const json = await this.getJson(owner, id);
    return json === null ? null : (JSON.parse(json) as D);
  }

  /** Reads and row-locks (PostgreSQL) so that checks made under this lock hold until commit. */
  async lock(owner: Owner, id: string): Promise<D | null> {
    if (!this.caps.rowLocks) return this.get(owner, id);
    const { accountId, region } = ownerScope(owner);
    let q = this.from().where("t.id", "=", id).where("t.account_id", "=", accountId);
    if (region !== undefined) q = q.where("t.region", "=", region);
    const rows = (await q.forUpdate("t").execute()) as ViewRow[];
    return this.parse(rows)[0] ?? null;
  }

  /**
   * Reads a row of any account, row-locked on PostgreSQL, without its tags. Only for use cases
   * that span two accounts (a peering request names the other party's VPC); never for a tenant's own reads.
   */
  async lockAny(id: string): Promise<D | null> {
    let q = this.from("none").where("t.id", "=", id);
    if (this.caps.rowLocks) q = q.forUpdate("t");
    return this.parse((await q.execute()) as ViewRow[])[0] ?? null;
  }

  /** Rows of any account with `column = value`, without tags (cross-account use cases only, like lockAny). */
  async whereAny(column: string, value: string): Promise<D[]> {
    return this.parse((await this.from("none").where(`t.${column}`, "=", value).orderBy("t.id").execute()) as ViewRow[]);
  }

  /** A page of the account's resources as JSON texts, in the order opts.sort asks (default: creation). */
  async listJson(owner: Owner, filters: Filters, opts: ListOptions): Promise<Page<Json<D>>> {
    const { accountId, region } = ownerScope(owner);
    filters = scoped(filters, region);
    if (!this.cache) return this.readPage(accountId, filters, opts);
    const deps = [dependency(this.table, accountId)];
    // Tag filters also read the tags table.
    if (opts.tags !== undefined && opts.tags.length > 0) deps.push(dependency("tags", accountId));
    const key = `${this.table}\u0000list\u0000${accountId}\u0000${JSON.stringify([filters, opts.cursor ?? null, opts.limit, opts.tags ?? [], opts.q ?? null, opts.sort ?? null])}`;
    // Shared by every request that finds it cached: frozen, so that no caller can change it for the others.
    const load = async () => {
      const page = await this.readPage(accountId, filters, opts);
      Object.freeze(page.items);
      return Object.freeze(page);
    };
    return (await this.cache.get(key, deps, load, pageSize))!;
  }

  private async readPage(accountId: string, filters: Filters, opts: ListOptions): Promise<Page<Json<D>>> {
    const columns = Object.keys(filters).filter((c) => filters[c] !== undefined);
    const { rows, nextCursor } = await paginate<Json<D>>(
      this.runner,
      {
        key: `${this.table}:list:${columns.join(",")}`,
        column: true,
        args: [accountId, ...columns.map((c) => filters[c])],
        // The page is chosen on the table's rows; the JSON is built for the page's rows only.
        base: (arg) => {
          // eslint-disable-next-line @typescript-eslint/no-explicit-any
          let q = this.db.selectFrom(`${this.table} as t` as never).selectAll("t" as never) as any;
          q = q.where("t.account_id", "=", arg(0));
          columns.forEach((c, i) => (q = q.where(`t.${c}`, "=", arg(i + 1))));
          return q;
        },
        project: (page) => this.db.selectFrom(page).select(sql.raw<string>(this.viewOf("owner")).as("j")) as never,
        cursorOf: (json, column) => {
          const { createdAt, name, id } = JSON.parse(json) as { createdAt: string; name: string; id: string };
          return [column === "name" ? name : createdAt, id];
        },
      },
      opts,
      accountId,
    );
    return { items: rows, nextCursor };
  }

  async list(owner: Owner, filters: Filters, opts: ListOptions): Promise<Page<D>> {
    const page = await this.listJson(owner, filters, opts);
    return { items: page.items.map((j) => JSON.parse(j) as D), nextCursor: page.nextCursor };
  }

  /** All rows matching the filters, unpaged: for bounded sets (the subnets of one VPC, say). */
  async all(owner: Owner, filters: Filters): Promise<D[]> {
    const { accountId, region } = ownerScope(owner);
    let q = this.from().where("t.account_id", "=", accountId);
    for (const [column, value] of Object.entries(scoped(filters, region))) {
      if (value !== undefined) q = q.where(`t.${column}`, "=", value);
    }
    return this.parse(await this.runner.rows<ViewRow>(q.orderBy("t.created_at").orderBy("t.id").compile()));
  }

  async count(owner: Owner, filters: Filters): Promise<number> {
    const { accountId, region } = ownerScope(owner);
    let q = this.db
      .selectFrom(`${this.table} as t` as never)
      .select((eb) => eb.fn.countAll<number | string>().as("n"))
      .where("t.account_id" as never, "=", accountId as never);
    for (const [column, value] of Object.entries(scoped(filters, region))) {
      if (value !== undefined) q = q.where(`t.${column}` as never, "=", value as never);
    }
    const row = await q.executeTakeFirstOrThrow();
    return Number((row as { n: number | string }).n);
  }

  async insert(row: Omit<Database[T], "tags">, tags: Tags): Promise<void> {
    await this.db
      .insertInto(this.table)
      .values({ ...row, tags: tagsText(tags) } as never)
      .execute();
    await replaceTags(this.db, row.account_id, row.id, tags);
  }

  async update(
    accountId: string,
    id: string,
    changes: Partial<Omit<Database[T], "tags">>,
    tags: Tags | undefined,
  ): Promise<void> {
    await (this.db as Db)
      .updateTable(this.table as "vpcs")
      .set((tags ? { ...changes, tags: tagsText(tags) } : changes) as never)
      .where("id" as never, "=", id as never)
      .where("account_id" as never, "=", accountId as never)
      .execute();
    if (tags) await replaceTags(this.db, accountId, id, tags);
  }

  async delete(accountId: string, id: string): Promise<boolean> {
    const result = await (this.db as Db)
      .deleteFrom(this.table as "vpcs")
      .where("id" as never, "=", id as never)
      .where("account_id" as never, "=", accountId as never)
      .executeTakeFirst();
    await deleteTags(this.db, accountId, id);
    return Number(result.numDeletedRows) > 0;
  }
}
