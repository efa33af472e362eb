/** Peering connections: visible to both parties, so every read is scoped to "requester or accepter". */
import type { ChargeType } from "../../domain/billing.ts";
import type { PeeringState } from "../../domain/peering.ts";
import type { ListOptions, Page, Peering, PeeringSide, StateReason } from "../../domain/resources.ts";
import type { PeeringsTable } from "../schema.ts";
import { type Arg, type Capabilities, type Db, type Runner, loadTags, paginate, replaceTags } from "./common.ts";

const side = (r: PeeringsTable, p: "requester" | "accepter"): PeeringSide => {
  const cidrs = JSON.parse(r[`${p}_cidrs`]) as string[];
  const type = r[`${p}_router_type`] as "vpc" | "vbr";
  return {
    accountId: r[`${p}_account_id`],
    routerType: type,
    vpcId: type === "vpc" ? r[`${p}_router_id`] : null,
    vbrId: type === "vbr" ? r[`${p}_router_id`] : null,
    region: r[`${p}_region`],
    cidr: cidrs[0] ?? "",
    cidrs,
  };
};

function fromRow(r: PeeringsTable, tags: Record<string, string>): Peering {
  return {
    id: r.id,
    origin: r.origin as Peering["origin"],
    name: r.name,
    description: r.description,
    state: r.state as PeeringState,
    stateReason: r.state_reason ? (JSON.parse(r.state_reason) as StateReason) : null,
    requester: side(r, "requester"),
    accepter: side(r, "accepter"),
    crossRegion: r.requester_region !== r.accepter_region,
    bandwidthMbps: r.bandwidth_mbps === null ? null : Number(r.bandwidth_mbps),
    chargeType: r.charge_type as ChargeType,
    period: r.period_months === null ? null : Number(r.period_months),
    autoRenew: Number(r.auto_renew) === 1,
    expiresAt: r.expires_at,
    termEndsAt: r.term_ends_at,
    billedUntil: r.billed_until,
    generation: Number(r.generation),
    tags,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** The columns a service may change after creation. */
export type PeeringChanges = Partial<
  Pick<PeeringsTable, "state" | "state_reason" | "live_pair" | "bandwidth_mbps" | "charge_type" | "period_months" | "auto_renew" | "expires_at" | "term_ends_at" | "billed_until" | "name" | "description" | "updated_at">
>;

export interface PeeringFilters {
  state?: string | undefined;
  vpcId?: string | undefined;
  /** "requester" or "accepter": the caller's role. */
  role?: "requester" | "accepter" | undefined;
}

export class PeeringsRepo {
  constructor(
    private readonly db: Db,
    private readonly caps: Capabilities,
    private readonly runner: Runner,
  ) {}

  private all() {
    return this.db.selectFrom("peerings as t").selectAll("t");
  }

  private visible(accountId: string) {
    return this.db
      .selectFrom("peerings as t")
      .selectAll("t")
      .where((eb) => eb.or([eb("t.requester_account_id", "=", accountId), eb("t.accepter_account_id", "=", accountId)]));
  }

  /** The peering if `accountId` is a party to it; null otherwise (missing and foreign look alike). */
  async get(accountId: string, id: string, lock = false): Promise<Peering | null> {
    let q = this.visible(accountId).where("t.id", "=", id);
    if (lock && this.caps.rowLocks) q = q.forUpdate();
    const row = await q.executeTakeFirst();
    if (!row) return null;
    return fromRow(row, (await loadTags(this.db, accountId, [id])).get(id) ?? {});
  }

  /** System access (sweeper), with a row lock on PostgreSQL. */
  async getAny(id: string, lock = false): Promise<Peering | null> {
    let q = this.db.selectFrom("peerings as t").selectAll("t").where("t.id", "=", id);
    if (lock && this.caps.rowLocks) q = q.forUpdate();
    const row = await q.executeTakeFirst();
    return row ? fromRow(row, {}) : null;
  }

  async list(accountId: string, f: PeeringFilters, opts: ListOptions): Promise<Page<Peering>> {
    // Arguments: 0 the account, then the state and the VPC when filtered by them.
    const args: unknown[] = [accountId];
    const state = f.state ? args.push(f.state) - 1 : null;
    const vpc = f.vpcId ? args.push(f.vpcId) - 1 : null;
    const filtered = (q: ReturnType<PeeringsRepo["all"]>, arg: Arg) => {
      if (state !== null) q = q.where("t.state", "=", arg(state));
      if (vpc !== null) q = q.where((eb) => eb.or([eb("t.requester_router_id", "=", arg(vpc)), eb("t.accepter_router_id", "=", arg(vpc))]));
      return q;
    };
    // "Requester or accepter is me" as two index ranges, (requester, created_at, id) and
    // (accepter, created_at, id): a page reads at most twice its size in rows, however many
    // peerings the account is party to (an OR would read and sort all of them).
    const asRequester = (arg: Arg) => filtered(this.all().where("t.requester_account_id", "=", arg(0)), arg);
    const asAccepter = (arg: Arg) => filtered(this.all().where("t.accepter_account_id", "=", arg(0)), arg);
    const key = `peerings:list:${state !== null ? "state" : ""},${vpc !== null ? "vpc" : ""},${f.role ?? ""}`;
    const cursorOf = (r: PeeringsTable): [string, string] => [r.created_at, r.id];
    const spec =
      f.role === "requester"
        ? { key, args, base: asRequester, cursorOf }
        : f.role === "accepter"
          ? { key, args, base: asAccepter, cursorOf }
          : // A peering within one account is in both ranges: the second leaves it to the first.
            { key, args, base: asRequester, others: { db: this.db, bases: [(arg: Arg) => asAccepter(arg).where("t.requester_account_id", "!=", arg(0))] }, cursorOf };
    const { rows, nextCursor } = await paginate<PeeringsTable>(this.runner, spec, opts, accountId);
    const tags = await loadTags(this.db, accountId, rows.map((r) => r.id));
    return { items: rows.map((r) => fromRow(r, tags.get(r.id) ?? {})), nextCursor };
  }

  /** Live peerings with a router (VPC or VBR) on either side. */
  async liveOfRouter(routerId: string): Promise<Peering[]> {
    const rows = await this.db
      .selectFrom("peerings as t")
      .selectAll("t")
      .where((eb) => eb.or([eb("t.requester_router_id", "=", routerId), eb("t.accepter_router_id", "=", routerId)]))
      .where("t.live_pair", "is not", null)
      .execute();
    return rows.map((r) => fromRow(r, {}));
  }

  async countPendingRequestedBy(accountId: string): Promise<number> {
    const row = await this.db
      .selectFrom("peerings")
      .select((eb) => eb.fn.countAll<number | string>().as("n"))
      .where("requester_account_id", "=", accountId)
      .where("state", "=", "pending-acceptance")
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Ids of peerings whose timers are due at `now`: pending past expiry, terms ended, usage to bill. */
  async due(now: string, limit: number): Promise<string[]> {
    // Usage is due once an hour boundary lies between billed_until and now.
    const hourStart = new Date(Math.floor(Date.parse(now) / 3_600_000) * 3_600_000).toISOString();
    const rows = await this.db
      .selectFrom("peerings")
      .select("id")
      .where((eb) =>
        eb.or([
          eb.and([eb("state", "=", "pending-acceptance"), eb("expires_at", "<=", now)]),
          eb.and([eb("state", "in", ["active", "inactive"]), eb("term_ends_at", "<=", now)]),
          eb.and([eb("state", "in", ["active", "inactive"]), eb("charge_type", "=", "pay-as-you-go"), eb("billed_until", "<", hourStart)]),
        ]),
      )
      .orderBy("id")
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }

  async insert(row: PeeringsTable, tagsBy: { accountId: string; tags: Record<string, string> }): Promise<void> {
    await this.db.insertInto("peerings").values(row).execute();
    await replaceTags(this.db, tagsBy.accountId, row.id, tagsBy.tags);
  }

  /** Applies changes and bumps the generation (the data plane reports which generation it applied). */
  async update(id: string, changes: PeeringChanges): Promise<void> {
    await this.db
      .updateTable("peerings")
      .set((eb) => ({ ...changes, generation: eb("generation", "+", 1) }))
      .where("id", "=", id)
      .execute();
  }

  async setTags(accountId: string, id: string, tags: Record<string, string>): Promise<void> {
    await replaceTags(this.db, accountId, id, tags);
  }

  async purge(id: string): Promise<void> {
    await this.db.deleteFrom("tags").where("resource_id", "=", id).execute();
    await this.db.deleteFrom("peerings").where("id", "=", id).execute();
  }
}
