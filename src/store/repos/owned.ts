/**
 * One generic repository for the tenant-owned tables (VPCs, subnets, route tables, VBRs, instances,
 * router interfaces): every read is scoped to the owning account, so another account's row is
 * simply not found. Rows are read through their view (views.ts): the database builds each
 * resource's JSON, which the native API sends as it is and everything else parses.
 */
import { sql } from "kysely";
import type { Json, ListOptions, Page, Tags } from "../../domain/resources.ts";
import type { Database, OwnedTable } from "../schema.ts";
import { wellFormed } from "../../domain/text.ts";
import { type Arg, type Capabilities, type Db, type Runner, type SortColumn, type WindowOrder, deleteTags, jsonValues, paginate, replaceTags, windowed } from "./common.ts";
import { type TagsOf, type ViewSpec, viewSql } from "./views.ts";
import { type ReadCache, dependency } from "../read-cache.ts";
import type { BatchOptions, BatchRepo, RowSet } from "./batch.ts";

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

/**
 * What a cloud dialect's Describe call may ask of an owned table (OwnedRepo.search, searchList):
 * every criterion given must hold; a criterion's values are alternatives.
 */
export interface OwnedSearch {
  /** Per column: the row's value is one of these (an empty list matches nothing). */
  columns?: Readonly<Record<string, readonly string[] | undefined>> | undefined;
  /** The name contains one of these. */
  nameContains?: readonly string[] | undefined;
  /** The description contains one of these. */
  descriptionContains?: readonly string[] | undefined;
  /** Instances only: a member of one of these security groups. */
  memberOf?: readonly string[] | undefined;
  /** Route tables only: holding a stored route to a target of one of these types (the implicit local route is not stored). */
  routeTargetTypes?: readonly string[] | undefined;
  /** Each: the owner put a tag on the row with one of `keys` (any key when absent) and one of `values` (any value when absent). */
  tags?: readonly { keys?: readonly string[] | undefined; values?: readonly string[] | undefined }[] | undefined;
}

/** A criterion's values as the database can hold them: NUL matches nothing stored; lone surrogates are U+FFFD, as the driver sends them. */
const storedValues = (values: readonly string[]) => values.filter((v) => !v.includes("\u0000")).map(wellFormed);

interface ViewRow {
  j: string;
}

/** A listed row's place in the order (PageSpec.cursorOf), read from its JSON. */
const jsonCursorOf = (json: string, column: SortColumn): [string, string] => {
  const { createdAt, name, id } = JSON.parse(json) as { createdAt: string; name: string; id: string };
  return [column === "name" ? name : createdAt, id];
};

/** Sorted, so that a resource's JSON does not depend on the order its tags were given in. */
const tagsText = (tags: Tags) => JSON.stringify(Object.fromEntries(Object.entries(tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));

/** A page's size for the read cache: its texts, and a little for each item. */
const pageSize = (page: Page<string>) => page.items.reduce((n, item) => n + item.length + 16, page.nextCursor?.length ?? 0);

/** The tables whose rows SQLite keeps counted per account and region (count()), and where. */
const REGION_COUNTS: Partial<Record<OwnedTable, string>> = { vpcs: "vpc_region_counts", router_interfaces: "router_interface_region_counts" };

/** The view's SQL per dialect, table and tag visibility: built once per process, not per transaction. */
const viewSqlCache = new Map<string, string>();

export class OwnedRepo<T extends OwnedTable, D extends { id: string; tags: Tags }> {
  constructor(
    protected readonly db: Db,
    protected readonly caps: Capabilities,
    protected readonly table: T,
    protected readonly view: ViewSpec,
    protected readonly runner: Runner,
    private readonly batch: BatchRepo,
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

  /** A page's rows (aliased `t`) as their JSON views: PageSpec.project of the lists and searches. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private readonly projectJson = (page: any): any => this.db.selectFrom(page).select(sql.raw<string>(this.viewOf("owner")).as("j"));

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
  async lock(owner: Owner, id: string, strength: "update" | "noKeyUpdate" = "update"): Promise<D | null> {
    if (!this.caps.rowLocks) return this.get(owner, id);
    const { accountId, region } = ownerScope(owner);
    const locked = <Q extends { forUpdate(t: string): Q; forNoKeyUpdate(t: string): Q }>(q: Q): Q => (strength === "update" ? q.forUpdate("t") : q.forNoKeyUpdate("t"));
    const rows =
      region === undefined
        ? await this.runner.shaped<ViewRow>(`${this.table}:lock:${strength}`, [id, accountId], (arg) => locked(this.from().where("t.id", "=", arg(0)).where("t.account_id", "=", arg(1))))
        : await this.runner.shaped<ViewRow>(`${this.table}:lock:${strength}:region`, [id, accountId, region], (arg) =>
            locked(this.from().where("t.id", "=", arg(0)).where("t.account_id", "=", arg(1)).where("t.region", "=", arg(2))),
          );
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
        project: this.projectJson,
        cursorOf: jsonCursorOf,
      },
      opts,
      accountId,
    );
    return { items: rows, nextCursor };
  }

  /**
   * The SQL of a search (OwnedSearch) as a paginate/windowed spec: its key names the criteria
   * given, never their values (a list of values is one argument, a JSON array), so that one
   * shape serves every call. Null when a criterion can match nothing (an empty list of values).
   */
  private searchSpec(owner: Owner, s: OwnedSearch) {
    const { accountId, region } = ownerScope(owner);
    const args: unknown[] = [accountId];
    const keyParts: string[] = [];
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const conds: ((q: any, arg: Arg) => any)[] = [];
    const columns: [string, readonly string[]][] = Object.entries(s.columns ?? {}).flatMap(([c, v]) => (v === undefined ? [] : [[c, storedValues(v)]]));
    if (region !== undefined) columns.push(["region", [region]]);
    for (const [column, values] of columns) {
      if (values.length === 0) return null;
      // One value: an equality, which an index on (owner, column, created_at, id) serves in order.
      const i = args.push(values.length === 1 ? values[0] : JSON.stringify(values)) - 1;
      keyParts.push(`${column}${values.length === 1 ? "=" : " in"}`);
      conds.push((q, arg) => (values.length === 1 ? q.where(`t.${column}`, "=", arg(i)) : q.where(`t.${column}`, "in", sql`(select v.value from ${jsonValues(this.caps, arg(i))})`)));
    }
    for (const [column, given] of [
      ["name", s.nameContains],
      ["description", s.descriptionContains],
    ] as const) {
      if (given === undefined) continue;
      const needles = storedValues(given);
      if (needles.length === 0) return null;
      const i = args.push(JSON.stringify(needles)) - 1;
      keyParts.push(`${column}~`);
      const found = this.caps.dialect === "postgres" ? sql`strpos(${sql.ref(`t.${column}`)}, v.value)` : sql`instr(${sql.ref(`t.${column}`)}, v.value)`;
      conds.push((q, arg) => q.where(sql<boolean>`exists (select 1 from ${jsonValues(this.caps, arg(i))} where ${found} > 0)`));
    }
    if (s.routeTargetTypes !== undefined) {
      if (this.table !== "route_tables") throw new Error(`OwnedRepo.search: routeTargetTypes is a criterion of route tables, not of ${this.table}`);
      const types = storedValues(s.routeTargetTypes);
      if (types.length === 0) return null;
      const i = args.push(JSON.stringify(types)) - 1;
      keyParts.push("route-target");
      // The routes' (route table, destination) index, probed per row of the range.
      conds.push((q, arg) => q.where(sql<boolean>`exists (select 1 from routes r where r.route_table_id = t.id and r.target_type in (select v.value from ${jsonValues(this.caps, arg(i))}))`));
    }
    if (s.memberOf !== undefined) {
      if (this.table !== "instances") throw new Error(`OwnedRepo.search: memberOf is a criterion of instances, not of ${this.table}`);
      const groups = storedValues(s.memberOf);
      if (groups.length === 0) return null;
      const i = args.push(JSON.stringify(groups)) - 1;
      keyParts.push("member");
      // The memberships' primary key (instance, group), probed per row of the range.
      conds.push((q, arg) =>
        q.where(sql<boolean>`exists (select 1 from instance_security_groups m where m.instance_id = t.id and m.security_group_id in (select v.value from ${jsonValues(this.caps, arg(i))}))`),
      );
    }
    for (const tag of s.tags ?? []) {
      const keys = tag.keys && storedValues(tag.keys);
      const values = tag.values && storedValues(tag.values);
      if (keys?.length === 0 || values?.length === 0) return null;
      const k = keys === undefined ? null : args.push(JSON.stringify(keys)) - 1;
      const v = values === undefined ? null : args.push(JSON.stringify(values)) - 1;
      keyParts.push(`tag:${k === null ? "" : "k"}${v === null ? "" : "v"}`);
      // The tags index (account_id, key, value), probed per row of the range.
      conds.push((q, arg) => {
        const key = k === null ? sql`` : sql` and tg.key in (select v.value from ${jsonValues(this.caps, arg(k))})`;
        const value = v === null ? sql`` : sql` and tg.value in (select v.value from ${jsonValues(this.caps, arg(v))})`;
        return q.where(sql<boolean>`exists (select 1 from tags tg where tg.resource_id = t.id and tg.account_id = ${arg(0)}${key}${value})`);
      });
    }
    return {
      key: `${this.table}:search:${keyParts.join(",")}`,
      /** The criteria, as named in the key ("region=", "name~", "tag:kv"…). */
      criteria: keyParts as readonly string[],
      column: true as const,
      args,
      base: (arg: Arg) => {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        let q = (this.db.selectFrom(`${this.table} as t` as never).selectAll("t" as never) as any).where("t.account_id", "=", arg(0));
        for (const cond of conds) q = cond(q, arg);
        return q;
      },
      project: this.projectJson,
      cursorOf: jsonCursorOf,
    };
  }

  /**
   * The rows that meet a search, windowed by offset in creation order (or `order`), and how many there are
   * (Tencent's Offset/Limit, Alibaba's PageNumber/PageSize): see windowed() for the cost.
   */
  async search(owner: Owner, s: OwnedSearch, window: { offset: number; limit: number }, order?: WindowOrder): Promise<{ total: number; items: D[] }> {
    const spec = this.searchSpec(owner, s);
    if (spec === null) return { total: 0, items: [] };
    // No criterion but the region: count() (SQLite keeps the VPCs and router interfaces per account and region counted).
    const { accountId, region } = ownerScope(owner);
    const given = Object.entries(s.columns ?? {}).filter(([, v]) => v !== undefined);
    const regions = [...new Set([...(region === undefined ? [] : [region]), ...given.flatMap(([c, v]) => (c === "region" ? v! : []))])];
    const regionOnly = spec.criteria.every((c) => c === "region=") && regions.length <= 1;
    const count = regionOnly ? () => this.count({ accountId, region: regions[0] }, {}) : undefined;
    const { rows, total } = await windowed<Json<D>>(this.runner, spec, window.offset, window.limit, count, order);
    return { total, items: rows.map((j) => JSON.parse(j) as D) };
  }

  /** A keyset page of the rows that meet a search (AWS's NextToken holds the cursor): paginate() over the search. */
  async searchList(owner: Owner, s: OwnedSearch, opts: ListOptions): Promise<Page<D>> {
    const spec = this.searchSpec(owner, s);
    if (spec === null) return { items: [], nextCursor: null };
    const { rows, nextCursor } = await paginate<Json<D>>(this.runner, spec, opts, ownerScope(owner).accountId);
    return { items: rows.map((j) => JSON.parse(j) as D), nextCursor };
  }

  async list(owner: Owner, filters: Filters, opts: ListOptions): Promise<Page<D>> {
    const page = await this.listJson(owner, filters, opts);
    return { items: page.items.map((j) => JSON.parse(j) as D), nextCursor: page.nextCursor };
  }

  /** All rows matching the filters, unpaged: for bounded sets (the subnets of one VPC, say). */
  async all(owner: Owner, filters: Filters): Promise<D[]> {
    const { accountId, region } = ownerScope(owner);
    const given = Object.entries(scoped(filters, region)).filter(([, value]) => value !== undefined);
    // A shaped query per set of filtered columns: built once, then only bound.
    return this.parse(
      await this.runner.shaped<ViewRow>(`${this.table}:all:${given.map(([column]) => column).join(",")}`, [accountId, ...given.map(([, value]) => value)], (arg) =>
        given
          .reduce((q, [column], i) => q.where(`t.${column}`, "=", arg(i + 1)), this.from().where("t.account_id", "=", arg(0)))
          .orderBy("t.created_at")
          .orderBy("t.id"),
      ),
    );
  }

  /**
   * The owner's rows that meet the filters (equality on each given column), as a query to order;
   * `defaultsOnly`: is_default = 1 as a literal, so that the unique partial indexes of migration
   * 0024_default_vpcs serve it.
   */
  private filtered(owner: Owner, filters: Filters, defaultsOnly: boolean) {
    const { accountId, region } = ownerScope(owner);
    let q = this.from().where("t.account_id", "=", accountId);
    if (defaultsOnly) q = q.where(sql`t.is_default = 1`);
    for (const [column, value] of Object.entries(scoped(filters, region))) {
      if (value !== undefined) q = q.where(`t.${column}`, "=", value);
    }
    return q;
  }

  async count(owner: Owner, filters: Filters): Promise<number> {
    const { accountId, region } = ownerScope(owner);
    const where = scoped(filters, region);
    // SQLite keeps the VPCs (migration 0017) and router interfaces (0023) per account and region in tables of their own.
    const kept = REGION_COUNTS[this.table];
    if (kept !== undefined && this.caps.dialect === "sqlite" && where.region !== undefined && Object.values(where).filter((v) => v !== undefined).length === 1) {
      const [n] = await this.runner.shapedColumn<number>(kept, [accountId, where.region], (arg) =>
        this.db.selectFrom(kept as never).select("n" as never).where("account_id" as never, "=", arg(0) as never).where("region" as never, "=", arg(1) as never),
      );
      return n ?? 0;
    }
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

  /** A new row (a fresh id: no tags of it exist yet) and its tags; one statement on PostgreSQL. */
  async insert(row: Omit<Database[T], "tags">, tags: Tags): Promise<void> {
    await this.batch.insert(this.rowSets([{ row, tags }]));
  }

  /** New rows without tags (fresh ids), a few statements for many rows: the default VPCs an account is made with. */
  async insertMany(rows: readonly Omit<Database[T], "tags">[]): Promise<void> {
    await this.batch.insert(this.rowSets(rows.map((row) => ({ row, tags: {} }))));
  }

  /** New rows (fresh ids: no tags of them exist yet) and their tags, as a batch inserts them (repos/batch.ts): the rows, then the tags. */
  rowSets(items: readonly { row: Omit<Database[T], "tags">; tags: Tags }[]): RowSet[] {
    const rows = items.map(({ row, tags }) => ({ ...row, tags: tagsText(tags) }));
    const tagRows = items.flatMap(({ row, tags }) => Object.entries(tags).map(([key, value]) => ({ resource_id: row.id, account_id: row.account_id, key, value })));
    // Kysely cannot type rows of a table chosen by a type parameter (see from()).
    return [{ table: this.table, rows } as unknown as RowSet, { table: "tags", rows: tagRows }];
  }

  /** A batch's option that answers the JSON of row `id` of this table (one it inserts). */
  jsonOf(id: string): NonNullable<BatchOptions["json"]> {
    return { table: this.table, id, sql: this.viewOf("owner") };
  }

  /**
   * The owner's default row (is_default = 1: a default VPC per region, a default subnet per VPC
   * and zone) that meets the filters, if any: read through the tables' unique partial indexes
   * (migration 0024_default_vpcs), whose condition is written as a literal so that they serve it.
   */
  async defaultOne(owner: Owner, filters: Filters): Promise<D | null> {
    return this.parse(await this.runner.rows<ViewRow>(this.filtered(owner, filters, true).orderBy("t.id").compile()))[0] ?? null;
  }

  /** The owner's default rows (is_default = 1) that meet the filters. */
  async defaults(owner: Owner, filters: Filters): Promise<D[]> {
    return this.parse(await this.runner.rows<ViewRow>(this.filtered(owner, filters, true).orderBy("t.created_at").orderBy("t.id").compile()));
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
