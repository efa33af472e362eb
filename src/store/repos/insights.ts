/**
 * The AWS face's Reachability Analyzer records: paths and analyses, each kept as the JSON of its
 * EC2 shape. Like owned.ts, every read is scoped to the owning account and the request's region:
 * another account's (or region's) record is simply not found.
 */
import { type SelectQueryBuilder, sql } from "kysely";
import type { ListOptions, Page } from "../../domain/resources.ts";
import { type Arg, type Db, type Runner, jsonValues, paginate } from "./common.ts";

/** Whose records a read may see: one account in one region. */
export interface InsightsOwner {
  readonly accountId: string;
  readonly region: string;
}

export interface InsightsRecord<T> {
  id: string;
  createdAt: string;
  body: T;
}

type Kind = "network_insights_paths" | "network_insights_analyses";

/**
 * What a page of paths or analyses is restricted to, besides its owner (all in SQL): `ids`, only
 * these (none given: every one); for analyses, `pathId` (of that path) and `from`/`to` (created
 * at or after / at or before these ISO times).
 */
export interface InsightsSearch {
  ids?: readonly string[] | undefined;
  pathId?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

/** A query over either table, aliased `t` (their columns are alike; analyses add path_id). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Query = SelectQueryBuilder<any, any, any>;

interface Row {
  id: string;
  created_at: string;
  body: string;
}

export class InsightsRepo {
  constructor(
    private readonly db: Db,
    private readonly runner: Runner,
  ) {}

  async insertPath<T>(owner: InsightsOwner, id: string, createdAt: string, body: T): Promise<void> {
    await this.db.insertInto("network_insights_paths").values({ id, account_id: owner.accountId, region: owner.region, body: JSON.stringify(body), created_at: createdAt }).execute();
  }

  async insertAnalysis<T>(owner: InsightsOwner, id: string, pathId: string, createdAt: string, body: T): Promise<void> {
    await this.db
      .insertInto("network_insights_analyses")
      .values({ id, account_id: owner.accountId, region: owner.region, path_id: pathId, body: JSON.stringify(body), created_at: createdAt })
      .execute();
  }

  private async read<T>(kind: Kind, owner: InsightsOwner, where: { id?: string }): Promise<InsightsRecord<T>[]> {
    let q = this.db.selectFrom(kind).select(["id", "created_at", "body"]).where("account_id", "=", owner.accountId).where("region", "=", owner.region);
    if (where.id !== undefined) q = q.where("id", "=", where.id);
    const rows = await q.orderBy("created_at").orderBy("id").execute();
    return rows.map((r) => ({ id: r.id, createdAt: r.created_at, body: JSON.parse(r.body) as T }));
  }

  async getPath<T>(owner: InsightsOwner, id: string): Promise<InsightsRecord<T> | null> {
    return (await this.read<T>("network_insights_paths", owner, { id }))[0] ?? null;
  }

  /**
   * A keyset page of the owner's paths (of `s.ids` when given), oldest first: an index range of
   * (account_id, region, created_at, id) read from the cursor for the page's size (migration 0027).
   */
  async pagePaths<T>(owner: InsightsOwner, s: Pick<InsightsSearch, "ids">, opts: ListOptions): Promise<Page<InsightsRecord<T>>> {
    return this.page<T>("network_insights_paths", owner, s, opts);
  }

  async getAnalysis<T>(owner: InsightsOwner, id: string): Promise<InsightsRecord<T> | null> {
    return (await this.read<T>("network_insights_analyses", owner, { id }))[0] ?? null;
  }

  /**
   * A keyset page of the owner's analyses (of one path, of `s.ids`, started in [from, to], when
   * given), oldest first: an index range of (account_id, region[, path_id], created_at, id).
   */
  async pageAnalyses<T>(owner: InsightsOwner, s: InsightsSearch, opts: ListOptions): Promise<Page<InsightsRecord<T>>> {
    return this.page<T>("network_insights_analyses", owner, s, opts);
  }

  /** Which of `ids` the owner has among its paths (one query by primary key, whatever the owner has). */
  async knownPaths(owner: InsightsOwner, ids: readonly string[]): Promise<Set<string>> {
    return this.known("network_insights_paths", owner, ids);
  }

  /** Which of `ids` the owner has among its analyses (of `pathId`, when given). */
  async knownAnalyses(owner: InsightsOwner, ids: readonly string[], pathId?: string): Promise<Set<string>> {
    return this.known("network_insights_analyses", owner, ids, pathId);
  }

  private async known(kind: Kind, owner: InsightsOwner, ids: readonly string[], pathId?: string): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const byPath = pathId !== undefined;
    const args = [owner.accountId, owner.region, JSON.stringify([...new Set(ids)]), ...(byPath ? [pathId] : [])];
    const found = await this.runner.shapedColumn<string>(`insights:${kind}:known:${byPath ? "path" : ""}`, args, (arg) => {
      let q = (this.db.selectFrom(`${kind} as t` as never).select("t.id" as never) as Query)
        .where("t.id", "in", sql`(select v.value from ${jsonValues(this.runner, arg(2))})`)
        .where("t.account_id", "=", arg(0))
        .where("t.region", "=", arg(1));
      if (byPath) q = q.where("t.path_id", "=", arg(3));
      return q;
    });
    return new Set(found);
  }

  private async page<T>(kind: Kind, owner: InsightsOwner, s: InsightsSearch, opts: ListOptions): Promise<Page<InsightsRecord<T>>> {
    const args: unknown[] = [owner.accountId, owner.region];
    const keyParts: string[] = [];
    const conds: ((q: Query, arg: Arg) => Query)[] = [];
    // Each criterion given is one argument (a list of ids: a JSON array), so that one shape serves every call.
    const add = (name: string, value: unknown, cond: (q: Query, v: string) => Query) => {
      const i = args.push(value) - 1;
      keyParts.push(name);
      conds.push((q, arg) => cond(q, arg(i)));
    };
    if (s.pathId !== undefined) add("path", s.pathId, (q, v) => q.where("t.path_id", "=", v));
    if (s.ids !== undefined && s.ids.length > 0) add("ids", JSON.stringify([...new Set(s.ids)]), (q, v) => q.where("t.id", "in", sql`(select v.value from ${jsonValues(this.runner, v)})`));
    if (s.from !== undefined) add("from", s.from, (q, v) => q.where("t.created_at", ">=", v));
    if (s.to !== undefined) add("to", s.to, (q, v) => q.where("t.created_at", "<=", v));
    const { rows, nextCursor } = await paginate<Row>(
      this.runner,
      {
        key: `insights:${kind}:page:${keyParts.join(",")}`,
        args,
        base: (arg) => {
          let q = (this.db.selectFrom(`${kind} as t` as never).select(["t.id", "t.created_at", "t.body"] as never) as Query).where("t.account_id", "=", arg(0)).where("t.region", "=", arg(1));
          for (const cond of conds) q = cond(q, arg);
          return q;
        },
        cursorOf: (r) => [r.created_at, r.id],
      },
      { limit: opts.limit, cursor: opts.cursor },
      owner.accountId,
    );
    return { items: rows.map((r) => ({ id: r.id, createdAt: r.created_at, body: JSON.parse(r.body) as T })), nextCursor };
  }

  /** Deletes the owner's path and its analyses; false when the owner has no such path. */
  async deletePath(owner: InsightsOwner, id: string): Promise<boolean> {
    const r = await this.db.deleteFrom("network_insights_paths").where("id", "=", id).where("account_id", "=", owner.accountId).where("region", "=", owner.region).executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) return false;
    await this.db.deleteFrom("network_insights_analyses").where("path_id", "=", id).where("account_id", "=", owner.accountId).execute();
    return true;
  }

  async deleteAnalysis(owner: InsightsOwner, id: string): Promise<boolean> {
    const r = await this.db.deleteFrom("network_insights_analyses").where("id", "=", id).where("account_id", "=", owner.accountId).where("region", "=", owner.region).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
