/**
 * The AWS face's Reachability Analyzer records: paths and analyses, each kept as the JSON of its
 * EC2 shape. Like owned.ts, every read is scoped to the owning account and the request's region:
 * another account's (or region's) record is simply not found.
 */
import type { Db } from "./common.ts";

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

export class InsightsRepo {
  constructor(private readonly db: Db) {}

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

  /** The owner's paths, oldest first. */
  async listPaths<T>(owner: InsightsOwner): Promise<InsightsRecord<T>[]> {
    return this.read<T>("network_insights_paths", owner, {});
  }

  async getAnalysis<T>(owner: InsightsOwner, id: string): Promise<InsightsRecord<T> | null> {
    return (await this.read<T>("network_insights_analyses", owner, { id }))[0] ?? null;
  }

  /** The owner's analyses (of one path, when given), oldest first. */
  async listAnalyses<T>(owner: InsightsOwner, pathId?: string): Promise<InsightsRecord<T>[]> {
    if (pathId === undefined) return this.read<T>("network_insights_analyses", owner, {});
    const rows = await this.db
      .selectFrom("network_insights_analyses")
      .select(["id", "created_at", "body"])
      .where("account_id", "=", owner.accountId)
      .where("region", "=", owner.region)
      .where("path_id", "=", pathId)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    return rows.map((r) => ({ id: r.id, createdAt: r.created_at, body: JSON.parse(r.body) as T }));
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
