/** Stored results of POSTs made with an Idempotency-Key, written in the same transaction as the change. */
import type { Db } from "./common.ts";

export interface StoredResponse {
  fingerprint: string;
  statusCode: number;
  body: unknown;
}

export class IdempotencyRepo {
  constructor(private readonly db: Db) {}

  async find(accountId: string, key: string): Promise<StoredResponse | null> {
    const row = await this.db
      .selectFrom("idempotency_keys")
      .select(["fingerprint", "status_code", "response"])
      .where("account_id", "=", accountId)
      .where("key", "=", key)
      .executeTakeFirst();
    return row ? { fingerprint: row.fingerprint, statusCode: row.status_code, body: JSON.parse(row.response) } : null;
  }

  /**
   * Claims the key at the start of the transaction. A concurrent transaction holding the same key
   * makes this wait (PostgreSQL) or run after it (SQLite) and then fail with a unique violation,
   * which the caller turns into a replay of the first result.
   */
  async claim(accountId: string, key: string, fingerprint: string, createdAt: string): Promise<void> {
    await this.db
      .insertInto("idempotency_keys")
      .values({ account_id: accountId, key, fingerprint, status_code: 0, response: "null", created_at: createdAt })
      .execute();
  }

  /** Records the result of the claimed request, in the same transaction as the change itself. */
  async complete(accountId: string, key: string, statusCode: number, body: unknown): Promise<void> {
    await this.db
      .updateTable("idempotency_keys")
      .set({ status_code: statusCode, response: JSON.stringify(body) })
      .where("account_id", "=", accountId)
      .where("key", "=", key)
      .execute();
  }

  async deleteOlderThan(createdAt: string): Promise<number> {
    const r = await this.db.deleteFrom("idempotency_keys").where("created_at", "<", createdAt).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
