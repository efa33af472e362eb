/** Webhook subscriptions and their delivery cursors; a lease lets one server deliver at a time. */
import type { Db } from "./common.ts";
import type { WebhooksTable } from "../schema.ts";

export interface WebhookRecord {
  id: string;
  accountId: string;
  url: string;
  eventTypes: string[];
  secretCiphertext: string;
  cursorSeq: number;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  delivered: number;
  createdAt: string;
}

const fromRow = (r: WebhooksTable): WebhookRecord => ({
  id: r.id,
  accountId: r.account_id,
  url: r.url,
  eventTypes: JSON.parse(r.event_types) as string[],
  secretCiphertext: r.secret_ciphertext,
  cursorSeq: Number(r.cursor_seq),
  attempts: Number(r.attempts),
  nextAttemptAt: r.next_attempt_at,
  lastError: r.last_error,
  delivered: Number(r.delivered),
  createdAt: r.created_at,
});

export class WebhooksRepo {
  constructor(private readonly db: Db) {}

  async insert(w: WebhookRecord): Promise<void> {
    await this.db
      .insertInto("webhooks")
      .values({
        id: w.id,
        account_id: w.accountId,
        url: w.url,
        event_types: JSON.stringify(w.eventTypes),
        secret_ciphertext: w.secretCiphertext,
        cursor_seq: w.cursorSeq,
        attempts: 0,
        next_attempt_at: w.nextAttemptAt,
        lease_until: null,
        last_error: null,
        delivered: 0,
        created_at: w.createdAt,
      })
      .execute();
  }

  async list(accountId: string): Promise<WebhookRecord[]> {
    const rows = await this.db.selectFrom("webhooks").selectAll().where("account_id", "=", accountId).orderBy("created_at").orderBy("id").execute();
    return rows.map(fromRow);
  }

  async count(accountId: string): Promise<number> {
    const row = await this.db.selectFrom("webhooks").select((eb) => eb.fn.countAll<number | string>().as("n")).where("account_id", "=", accountId).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async get(accountId: string, id: string): Promise<WebhookRecord | null> {
    const row = await this.db.selectFrom("webhooks").selectAll().where("account_id", "=", accountId).where("id", "=", id).executeTakeFirst();
    return row ? fromRow(row) : null;
  }

  async delete(accountId: string, id: string): Promise<boolean> {
    const r = await this.db.deleteFrom("webhooks").where("account_id", "=", accountId).where("id", "=", id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Ids of webhooks due for a delivery attempt and not leased by another server. */
  async due(now: string, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom("webhooks")
      .select("id")
      .where("next_attempt_at", "<=", now)
      .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<", now)]))
      .orderBy("next_attempt_at")
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }

  /** Takes the lease if it is free (an atomic conditional update); returns the webhook or null. */
  async lease(id: string, now: string, until: string): Promise<WebhookRecord | null> {
    const res = await this.db
      .updateTable("webhooks")
      .set({ lease_until: until })
      .where("id", "=", id)
      .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<", now)]))
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) return null;
    const row = await this.db.selectFrom("webhooks").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? fromRow(row) : null;
  }

  async release(id: string, changes: { cursorSeq: number; attempts: number; nextAttemptAt: string; lastError: string | null; delivered: number }): Promise<void> {
    await this.db
      .updateTable("webhooks")
      .set({
        cursor_seq: changes.cursorSeq,
        attempts: changes.attempts,
        next_attempt_at: changes.nextAttemptAt,
        last_error: changes.lastError,
        delivered: changes.delivered,
        lease_until: null,
      })
      .where("id", "=", id)
      .execute();
  }
}
