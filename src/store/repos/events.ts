/** The outbox: events written in the same transaction as the change they describe. */
import type { Event } from "../../domain/resources.ts";
import type { EventsTable } from "../schema.ts";
import type { Db } from "./common.ts";
import type { BatchRepo, RowSet } from "./batch.ts";

const fromRow = (r: EventsTable & { seq: number | string }): Event => ({
  id: r.id,
  seq: Number(r.seq),
  accountId: r.account_id,
  type: r.type,
  resourceId: r.resource_id,
  data: JSON.parse(r.data) as Record<string, unknown>,
  createdAt: r.created_at,
});

/** What a page of events is filtered by. */
interface EventFilter {
  type?: string | undefined;
  resourceId?: string | undefined;
}

export class EventsRepo {
  constructor(
    private readonly db: Db,
    private readonly batch: BatchRepo,
  ) {}

  async insert(e: Omit<Event, "seq">): Promise<void> {
    await this.insertMany([e]);
  }

  /** Several events, their positions in the order given. */
  async insertMany(events: readonly Omit<Event, "seq">[]): Promise<void> {
    await this.batch.insert([this.rowSet(events)]);
  }

  /** New events as a batch inserts them (repos/batch.ts), their positions in the order given. */
  rowSet(events: readonly Omit<Event, "seq">[]): RowSet {
    return { table: "events", rows: events.map((e) => ({ id: e.id, account_id: e.accountId, type: e.type, resource_id: e.resourceId, data: JSON.stringify(e.data), created_at: e.createdAt })) };
  }

  /** Events of an account after position `afterSeq`, oldest first. */
  async after(accountId: string, afterSeq: number, limit: number, filter: EventFilter = {}): Promise<Event[]> {
    return this.page(accountId, ">", afterSeq, limit, filter);
  }

  /** Events of an account before position `beforeSeq` (all when undefined), newest first. */
  async before(accountId: string, beforeSeq: number | undefined, limit: number, filter: EventFilter = {}): Promise<Event[]> {
    return this.page(accountId, "<", beforeSeq, limit, filter);
  }

  /** Events of an account past position `seq` (">": oldest first; "<": newest first; undefined: from the end). */
  private async page(accountId: string, past: ">" | "<", seq: number | undefined, limit: number, filter: EventFilter): Promise<Event[]> {
    let q = this.db.selectFrom("events").selectAll().where("account_id", "=", accountId);
    if (seq !== undefined) q = q.where("seq", past, seq);
    if (filter.type) q = q.where("type", "=", filter.type);
    if (filter.resourceId) q = q.where("resource_id", "=", filter.resourceId);
    const rows = await q.orderBy("seq", past === ">" ? "asc" : "desc").limit(limit).execute();
    return rows.map((r) => fromRow(r as EventsTable & { seq: number }));
  }

  /** The highest position of an account's events (0 if none). */
  async lastSeq(accountId: string): Promise<number> {
    const row = await this.db
      .selectFrom("events")
      .select((eb) => eb.fn.max("seq").as("m"))
      .where("account_id", "=", accountId)
      .executeTakeFirst();
    return Number(row?.m ?? 0);
  }
}
