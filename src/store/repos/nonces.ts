/** Nonces of signed dialect requests, so that a replayed request is refused on every server. */
import type { Db } from "./common.ts";

export class NoncesRepo {
  constructor(private readonly db: Db) {}

  /** Records the nonce; false when it was already used (a replay). */
  async claim(dialect: string, nonce: string, now: string): Promise<boolean> {
    const res = await this.db
      .insertInto("request_nonces")
      .values({ dialect, nonce, created_at: now })
      .onConflict((oc) => oc.columns(["dialect", "nonce"]).doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** Forgets nonces older than the signature validity window. */
  async deleteOlderThan(createdAt: string): Promise<number> {
    const r = await this.db.deleteFrom("request_nonces").where("created_at", "<", createdAt).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
