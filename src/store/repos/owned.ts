/**
 * One generic repository for the tenant-owned tables (VPCs, subnets, route tables, VBRs, instances):
 * every read is scoped to the owning account, so another account's row is simply not found.
 */
import type { ListOptions, Page, Tags } from "../../domain/resources.ts";
import type { Database, OwnedTable } from "../schema.ts";
import { type Capabilities, type Db, deleteTags, loadTags, paginate, replaceTags, runCompiled } from "./common.ts";

/** Column equality filters a list may apply (undefined values are ignored). */
export type Filters = Record<string, string | undefined>;

export class OwnedRepo<T extends OwnedTable, D extends { id: string; tags: Tags }> {
  constructor(
    protected readonly db: Db,
    protected readonly caps: Capabilities,
    protected readonly table: T,
    protected readonly toDomain: (row: Database[T], tags: Tags) => D,
  ) {}

  // Kysely cannot type a query over a table chosen by a type parameter; the casts stay in this class.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  protected from(): any {
    return this.db.selectFrom(`${this.table} as t` as never).selectAll("t" as never);
  }

  async get(accountId: string, id: string): Promise<D | null> {
    const [row] = await runCompiled<Database[T]>(
      this.db,
      `${this.caps.dialect}:${this.table}:get`,
      () => this.from().where("t.id", "=", "?").where("t.account_id", "=", "?").compile(),
      [id, accountId],
    );
    if (!row) return null;
    return this.toDomain(row, (await loadTags(this.db, accountId, [id], this.caps.dialect)).get(id) ?? {});
  }

  /** Reads and row-locks (PostgreSQL) so that checks made under this lock hold until commit. */
  async lock(accountId: string, id: string): Promise<D | null> {
    if (!this.caps.rowLocks) return this.get(accountId, id);
    const row = (await this.from()
      .where("t.id", "=", id)
      .where("t.account_id", "=", accountId)
      .forUpdate()
      .executeTakeFirst()) as Database[T] | undefined;
    if (!row) return null;
    return this.toDomain(row, (await loadTags(this.db, accountId, [id])).get(id) ?? {});
  }

  /**
   * Reads a row of any account, row-locked on PostgreSQL. Only for use cases that span two
   * accounts (a peering request names the other party's VPC); never for a tenant's own reads.
   */
  async lockAny(id: string): Promise<D | null> {
    let q = this.from().where("t.id", "=", id);
    if (this.caps.rowLocks) q = q.forUpdate();
    const row = (await q.executeTakeFirst()) as Database[T] | undefined;
    return row ? this.toDomain(row, {}) : null;
  }

  /** Rows of any account with `column = value` (cross-account use cases only, like lockAny). */
  async whereAny(column: string, value: string): Promise<D[]> {
    const rows = (await this.from().where(`t.${column}`, "=", value).orderBy("t.id").execute()) as Database[T][];
    return rows.map((row) => this.toDomain(row, {}));
  }

  async list(accountId: string, filters: Filters, opts: ListOptions): Promise<Page<D>> {
    let q = this.from().where("t.account_id", "=", accountId);
    for (const [column, value] of Object.entries(filters)) {
      if (value !== undefined) q = q.where(`t.${column}`, "=", value);
    }
    const { rows, nextCursor } = await paginate<Database[T]>(q, opts, accountId);
    const tags = await loadTags(
      this.db,
      accountId,
      rows.map((r) => r.id),
    );
    return { items: rows.map((r) => this.toDomain(r, tags.get(r.id) ?? {})), nextCursor };
  }

  /** All rows matching the filters, unpaged: for bounded sets (the subnets of one VPC, say). */
  async all(accountId: string, filters: Filters): Promise<D[]> {
    let q = this.from().where("t.account_id", "=", accountId);
    for (const [column, value] of Object.entries(filters)) {
      if (value !== undefined) q = q.where(`t.${column}`, "=", value);
    }
    const rows = (await q.orderBy("t.created_at").orderBy("t.id").execute()) as Database[T][];
    const tags = await loadTags(
      this.db,
      accountId,
      rows.map((r) => r.id),
    );
    return rows.map((r) => this.toDomain(r, tags.get(r.id) ?? {}));
  }

  async count(accountId: string, filters: Filters): Promise<number> {
    let q = this.db
      .selectFrom(`${this.table} as t` as never)
      .select((eb) => eb.fn.countAll<number | string>().as("n"))
      .where("t.account_id" as never, "=", accountId as never);
    for (const [column, value] of Object.entries(filters)) {
      if (value !== undefined) q = q.where(`t.${column}` as never, "=", value as never);
    }
    const row = await q.executeTakeFirstOrThrow();
    return Number((row as { n: number | string }).n);
  }

  async insert(row: Database[T], tags: Tags): Promise<void> {
    await this.db
      .insertInto(this.table)
      .values(row as never)
      .execute();
    await replaceTags(this.db, row.account_id, row.id, tags);
  }

  async update(
    accountId: string,
    id: string,
    changes: Partial<Database[T]>,
    tags: Tags | undefined,
  ): Promise<void> {
    await (this.db as Db)
      .updateTable(this.table as "vpcs")
      .set(changes as never)
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
