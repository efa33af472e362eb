/** Billing ledger. (peering, kind, period start) is unique: a period is never charged twice. */
import type { LedgerEntry } from "../../domain/resources.ts";
import type { LedgerTable } from "../schema.ts";
import { type Db, type Runner, paginate } from "./common.ts";
import type { ListOptions, Page } from "../../domain/resources.ts";

const fromRow = (r: LedgerTable): LedgerEntry => ({
  id: r.id,
  accountId: r.account_id,
  peeringId: r.peering_id,
  kind: r.kind as LedgerEntry["kind"],
  periodStart: r.period_start,
  periodEnd: r.period_end,
  amount: Number(r.amount),
  currency: r.currency,
  description: r.description,
  createdAt: r.created_at,
});

export class LedgerRepo {
  constructor(
    private readonly db: Db,
    private readonly runner: Runner,
  ) {}

  /** Inserts unless that period was already charged; returns whether it was inserted. */
  async charge(e: LedgerEntry): Promise<boolean> {
    const res = await this.db
      .insertInto("ledger")
      .values({
        id: e.id,
        account_id: e.accountId,
        peering_id: e.peeringId,
        kind: e.kind,
        period_start: e.periodStart,
        period_end: e.periodEnd,
        amount: e.amount,
        currency: e.currency,
        description: e.description,
        created_at: e.createdAt,
      })
      .onConflict((oc) => oc.columns(["peering_id", "kind", "period_start"]).doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async list(accountId: string, f: { peeringId?: string | undefined }, opts: ListOptions): Promise<Page<LedgerEntry>> {
    const byPeering = f.peeringId !== undefined;
    const { rows, nextCursor } = await paginate<LedgerTable>(
      this.runner,
      {
        key: `ledger:list:${byPeering ? "peering" : ""}`,
        args: byPeering ? [accountId, f.peeringId] : [accountId],
        base: (arg) => {
          const q = this.db.selectFrom("ledger as t").selectAll("t").where("t.account_id", "=", arg(0));
          return byPeering ? q.where("t.peering_id", "=", arg(1)) : q;
        },
        sortColumn: "period_start",
        cursorOf: (r) => [r.period_start, r.id],
      },
      { limit: opts.limit, cursor: opts.cursor },
      accountId,
    );
    return { items: rows.map(fromRow), nextCursor };
  }

  async total(accountId: string, peeringId?: string): Promise<number> {
    let q = this.db.selectFrom("ledger").select((eb) => eb.fn.sum<number | string>("amount").as("s")).where("account_id", "=", accountId);
    if (peeringId) q = q.where("peering_id", "=", peeringId);
    const row = await q.executeTakeFirst();
    return Number(row?.s ?? 0);
  }
}
