/** Peering connections: visible to both parties, so every read is scoped to "requester or accepter". */
import type { ChargeType } from "../../domain/billing.ts";
import { LIVE_STATES, type PeeringLifecycle, type PeeringState } from "../../domain/peering.ts";
import { wellFormed } from "../../domain/text.ts";
import { type RawBuilder, sql } from "kysely";
import type { DataplaneView, Json, ListOptions, Page, Peering, PeeringSide, StateReason } from "../../domain/resources.ts";
import type { PeeringsTable } from "../schema.ts";
import { type Arg, type Capabilities, type Db, type Runner, type SortColumn, jsonValues, loadTags, paginate, replaceTags } from "./common.ts";

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
    options: {
      requester: { allowDnsResolutionFromRemoteVpc: Number(r.requester_allow_remote_dns) === 1 },
      accepter: { allowDnsResolutionFromRemoteVpc: Number(r.accepter_allow_remote_dns) === 1 },
    },
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

/** A peering as a party reads it in a list: with that party's tags and the data plane's report. */
export type PeeringView = Peering & { dataplane: DataplaneView | null };

/**
 * The SQL building a listed peering's JSON text, as the service's list shows it: fromRow's fields,
 * the state as of `now` (an unanswered request past its expiry reads as expired, like
 * effectiveState), the viewer's tags, and the data plane's report (withDataplane) from the joined
 * `dataplane_status as d`. peerings.test.ts checks it against the object path field by field.
 */
function viewText(caps: Capabilities): string {
  const [viewer, now] = [VIEWER, NOW];
  const pg = caps.dialect === "postgres";
  const obj = (fields: [string, string][]) => `${pg ? "json_build_object" : "json_object"}(${fields.map(([k, v]) => `'${k}', ${v}`).join(", ")})`;
  const json = (text: string) => (pg ? `(${text})::json` : `json(${text})`);
  const bool = (cond: string) => (pg ? `(${cond})` : `json(iif(${cond}, 'true', 'false'))`);
  const first = (text: string) => (pg ? `((${text})::json->>0)` : `json_extract(${text}, '$[0]')`);
  const side = (p: "requester" | "accepter") =>
    obj([
      ["accountId", `t.${p}_account_id`],
      ["routerType", `t.${p}_router_type`],
      ["vpcId", `case when t.${p}_router_type = 'vpc' then t.${p}_router_id end`],
      ["vbrId", `case when t.${p}_router_type = 'vbr' then t.${p}_router_id end`],
      ["region", `t.${p}_region`],
      ["cidr", `coalesce(${first(`t.${p}_cidrs`)}, '')`],
      ["cidrs", json(`t.${p}_cidrs`)],
    ]);
  const expired = `(t.state = 'pending-acceptance' and t.expires_at is not null and t.expires_at <= ${now})`;
  const reason = `case when ${expired} then ${obj([
    ["code", "'RequestExpired'"],
    ["message", `'the request was not accepted before ' || t.expires_at`],
  ])} when t.state_reason is null then null else ${json("t.state_reason")} end`;
  const tags = pg
    ? `coalesce((select json_object_agg(g.key, g.value) from tags g where g.resource_id = t.id and g.account_id = ${viewer}), '{}'::json)`
    : `(select json_group_object(g.key, g.value) from tags g where g.resource_id = t.id and g.account_id = ${viewer})`;
  const counters = `case when d.rx_bytes is null then null else ${obj([
    ["rxBytes", "d.rx_bytes"],
    ["txBytes", "d.tx_bytes"],
    ["rxPackets", "d.rx_packets"],
    ["txPackets", "d.tx_packets"],
  ])} end`;
  const dataplane = `case when d.resource_id is null then null else ${obj([
    ["programmed", bool("d.programmed = 1 and d.generation >= t.generation")],
    ["appliedGeneration", "d.generation"],
    ["lastError", "d.error"],
    ["note", "d.note"],
    ["counters", pg ? counters : `json(${counters})`],
    ["updatedAt", "d.updated_at"],
  ])} end`;
  const view = obj([
    ["id", "t.id"],
    ["origin", "t.origin"],
    ["name", "t.name"],
    ["description", "t.description"],
    ["state", `case when ${expired} then 'expired' else t.state end`],
    // SQLite keeps a value's JSON type through CASE only when json() says so again.
    ["stateReason", pg ? reason : `json(${reason})`],
    ["requester", side("requester")],
    ["accepter", side("accepter")],
    ["crossRegion", bool("t.requester_region <> t.accepter_region")],
    [
      "options",
      obj([
        ["requester", obj([["allowDnsResolutionFromRemoteVpc", bool("t.requester_allow_remote_dns = 1")]])],
        ["accepter", obj([["allowDnsResolutionFromRemoteVpc", bool("t.accepter_allow_remote_dns = 1")]])],
      ]),
    ],
    ["bandwidthMbps", "t.bandwidth_mbps"],
    ["chargeType", "t.charge_type"],
    ["period", "t.period_months"],
    ["autoRenew", bool("t.auto_renew = 1")],
    ["expiresAt", "t.expires_at"],
    ["termEndsAt", "t.term_ends_at"],
    ["billedUntil", "t.billed_until"],
    ["generation", "t.generation"],
    ["tags", tags],
    ["createdAt", "t.created_at"],
    ["updatedAt", "t.updated_at"],
    ["dataplane", pg ? dataplane : `json(${dataplane})`],
  ]);
  return pg ? `${view}::text` : view;
}

// Where the viewer's account id and the time go in viewText (bound as parameters, never inlined).
const VIEWER = "\u0001viewer\u0001";
const NOW = "\u0001now\u0001";
const viewTexts = new Map<string, string[]>();

/** viewText as a Kysely expression, with `viewer` and `now` bound. */
function viewSql(caps: Capabilities, viewer: unknown, now: unknown): RawBuilder<string> {
  let parts = viewTexts.get(caps.dialect);
  if (!parts) viewTexts.set(caps.dialect, (parts = viewText(caps).split(/(\u0001(?:viewer|now)\u0001)/)));
  return sql.join(
    parts.map((p) => (p === VIEWER ? sql.val(viewer) : p === NOW ? sql.val(now) : sql.raw(p))),
    sql.raw(""),
  ) as RawBuilder<string>;
}

/** The columns a service may change after creation. */
export type PeeringChanges = Partial<
  Pick<PeeringsTable, "state" | "state_reason" | "live_pair" | "bandwidth_mbps" | "charge_type" | "period_months" | "auto_renew" | "expires_at" | "term_ends_at" | "billed_until" | "name" | "description" | "requester_allow_remote_dns" | "accepter_allow_remote_dns" | "updated_at">
>;

/** What a Describe call may ask of the peerings an account is party to (see PeeringsRepo.search). */
export interface PeeringSearch {
  ids?: readonly string[] | undefined;
  /** Either side in this region. */
  region?: string | undefined;
  /** The requester's router (VPC or VBR), or the accepter's VPC, is one of these. */
  routerIds?: readonly string[] | undefined;
  /** States as of now (an unanswered request past its expiry is expired). */
  states?: readonly PeeringState[] | undefined;
  /** The name contains one of these. */
  nameContains?: readonly string[] | undefined;
  orderBy: "created" | "name";
  descending: boolean;
  offset: number;
  limit: number;
}

/** What searchPage may ask (the cloud dialects' keyset-paged Describe calls); every criterion given must hold. */
export interface PeeringKeysetSearch {
  /** own: the account's side is in this region (AWS); either: either side is (Alibaba). */
  region?: { id: string; side: "own" | "either" } | undefined;
  ids?: readonly string[] | undefined;
  /** Both sides are VPCs. */
  vpcToVpc?: boolean | undefined;
  /** Made as a peering (not as a router interface connection). */
  origin?: "peering" | undefined;
  /** The name is this. */
  name?: string | undefined;
  /** Either side's VPC is one of these. */
  vpcIds?: readonly string[] | undefined;
  /** Only live ones (stored state), and finished ones whose row changed at or after this time: a superset of a retention. */
  finishedSince?: string | undefined;
}

export interface PeeringFilters {
  /** The state as of now (an unanswered request past its expiry is expired). */
  state?: string | undefined;
  vpcId?: string | undefined;
  /** "requester" or "accepter": the caller's role. */
  role?: "requester" | "accepter" | undefined;
  /** Either side in this region. */
  region?: string | undefined;
  /** live: pending (not past its expiry), active, inactive or suspended; ended: the rest. */
  lifecycle?: PeeringLifecycle | undefined;
}

/** The SQL of "an unanswered request past its expiry" as of `now`. */
const pastExpiry = (now: string) => sql<boolean>`(t.state = 'pending-acceptance' and t.expires_at is not null and t.expires_at <= ${now})`;

/** The peering's state as of `now` (effectiveState) is `state`. */
function effectiveStateIs(state: string, now: string): RawBuilder<boolean> {
  return sql<boolean>`(case when ${pastExpiry(now)} then 'expired' else t.state end) = ${state}`;
}

/** The peering is live (or ended) as of `now`. */
function lifecycleIs(lifecycle: PeeringLifecycle, now: string): RawBuilder<boolean> {
  const live = sql.join(LIVE_STATES.map((st) => sql.lit(st)));
  return lifecycle === "live" ? sql<boolean>`(t.state in (${live}) and not ${pastExpiry(now)})` : sql<boolean>`(t.state not in (${live}) or ${pastExpiry(now)})`;
}

export class PeeringsRepo {
  constructor(
    private readonly db: Db,
    private readonly caps: Capabilities,
    private readonly runner: Runner,
  ) {}

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

  /** A page of the peerings `accountId` is party to, as JSON texts of PeeringView as of `now`. */
  async listJson(accountId: string, f: PeeringFilters, opts: ListOptions, now: string): Promise<Page<Json<PeeringView>>> {
    // Arguments: 0 the account, then the values of the filters given; `now` last (not a filter).
    const args: unknown[] = [accountId];
    const state = f.state ? args.push(f.state) - 1 : null;
    const vpc = f.vpcId ? args.push(f.vpcId) - 1 : null;
    const region = f.region ? args.push(f.region) - 1 : null;
    const lifecycle = f.lifecycle ?? null;
    const filterArgs = [...args, lifecycle];
    // States as of now, as the items show them: an unanswered request past its expiry is expired.
    const at = state !== null || lifecycle !== null ? args.push(now) - 1 : null;
    // The page is chosen on narrow rows (an index range each); only its rows are then built.
    const all = () => this.db.selectFrom("peerings as t").select(["t.created_at", "t.name", "t.id"]);
    const filtered = (q: ReturnType<typeof all>, arg: Arg) => {
      if (state !== null) q = q.where(effectiveStateIs(arg(state), arg(at!)));
      if (lifecycle !== null) q = q.where(lifecycleIs(lifecycle, arg(at!)));
      if (vpc !== null) q = q.where((eb) => eb.or([eb("t.requester_router_id", "=", arg(vpc)), eb("t.accepter_router_id", "=", arg(vpc))]));
      if (region !== null) q = q.where((eb) => eb.or([eb("t.requester_region", "=", arg(region)), eb("t.accepter_region", "=", arg(region))]));
      return q;
    };
    // "Requester or accepter is me" as two index ranges, (requester, sort column, id) and
    // (accepter, sort column, id): a page reads at most twice its size in rows, however many
    // peerings the account is party to (an OR would read and sort all of them).
    const asRequester = (arg: Arg) => filtered(all().where("t.requester_account_id", "=", arg(0)), arg);
    const asAccepter = (arg: Arg) => filtered(all().where("t.accepter_account_id", "=", arg(0)), arg);
    const key = `peerings:page:${state !== null ? "state" : ""},${vpc !== null ? "vpc" : ""},${region !== null ? "region" : ""},${lifecycle ?? ""},${f.role ?? ""}`;
    type Row = { created_at: string; name: string; id: string };
    const cursorOf = (r: Row, column: SortColumn): [string, string] => [column === "name" ? r.name : r.created_at, r.id];
    const common = { key, args, filterArgs, cursorOf };
    const spec =
      f.role === "requester"
        ? { ...common, base: asRequester }
        : f.role === "accepter"
          ? { ...common, base: asAccepter }
          : // A peering within one account is in both ranges: the second leaves it to the first.
            { ...common, base: asRequester, others: { db: this.db, bases: [(arg: Arg) => asAccepter(arg).where("t.requester_account_id", "!=", arg(0))] } };
    const { rows, nextCursor } = await paginate<Row>(this.runner, spec, opts, accountId);
    return { items: await this.build(accountId, rows.map((r) => r.id), now), nextCursor };
  }

  /**
   * The peerings `accountId` is party to that meet every given criterion, counted, sorted and
   * windowed by offset (the cloud dialects' Describe calls): the page is chosen on narrow rows,
   * then only its rows are built (as in listJson). Criteria on lists match any of their values.
   */
  async search(accountId: string, q: PeeringSearch, now: string): Promise<{ total: number; items: Json<PeeringView>[] }> {
    const pg = this.caps.dialect === "postgres";
    // Values as the database can hold them: lone surrogates become U+FFFD, as the driver sends any
    // text, and a value with NUL matches nothing stored (PostgreSQL's JSON could not even carry it).
    const lists = [q.ids, q.routerIds, q.states, q.nameContains].map((l) => l?.filter((v) => !v.includes("\u0000")).map(wellFormed));
    if (lists.some((l) => l !== undefined && l.length === 0)) return { total: 0, items: [] };
    const [ids, routerIds, states, nameContains] = lists;
    const each = (values: readonly string[]) => sql`(select v.value from ${jsonValues(this.caps, JSON.stringify(values))})`;
    const where = [sql`(t.requester_account_id = ${accountId} or t.accepter_account_id = ${accountId})`];
    if (q.region !== undefined) where.push(sql`(t.requester_region = ${q.region} or t.accepter_region = ${q.region})`);
    if (ids !== undefined) where.push(sql`t.id in ${each(ids)}`);
    if (routerIds !== undefined) where.push(sql`(t.requester_router_id in ${each(routerIds)} or (t.accepter_router_type = 'vpc' and t.accepter_router_id in ${each(routerIds)}))`);
    if (states !== undefined) {
      // The state as of now, like listJson's: an unanswered request past its expiry is expired.
      where.push(sql`(case when t.state = 'pending-acceptance' and t.expires_at is not null and t.expires_at <= ${now} then 'expired' else t.state end) in ${each(states)}`);
    }
    if (nameContains !== undefined) {
      const found = pg ? sql`strpos(t.name, v.value)` : sql`instr(t.name, v.value)`;
      where.push(sql`exists (select 1 from ${jsonValues(this.caps, JSON.stringify(nameContains))} where ${found} > 0)`);
    }
    const cond = sql.join(where, sql` and `);
    const dir = q.descending ? sql`desc` : sql`asc`;
    const binary = pg ? sql` collate "C"` : sql``;
    // Seconds, as the dialects show creation times; ties by id, in the same direction.
    const key = q.orderBy === "name" ? sql`t.name${binary}` : sql`substr(t.created_at, 1, 19)`;
    const [count] = await this.runner.rows<{ n: number | string }>(sql<{ n: number | string }>`select count(*) as n from peerings t where ${cond}`.compile(this.db));
    const page = await this.runner.rows<{ id: string }>(sql<{ id: string }>`select t.id from peerings t where ${cond} order by ${key} ${dir}, t.id${binary} ${dir} limit ${q.limit} offset ${q.offset}`.compile(this.db));
    return { total: Number(count!.n), items: await this.build(accountId, page.map((r) => r.id), now) };
  }

  /**
   * A keyset page (creation order) of the peerings `accountId` is party to that meet `q`, as
   * listJson's JSON texts: the two index ranges of listJson ("requester is me", "accepter is me
   * and requester is not", each in the region when the account's side must be there), with the
   * criteria on the range's rows and the tag filters of `opts`. A page reads at most twice its
   * size in rows when the criteria keep most rows; the AWS face's retention is a criterion of
   * its own (finishedSince) so that long-finished peerings are not read page after page.
   */
  async searchPage(accountId: string, q: PeeringKeysetSearch, opts: ListOptions, now: string): Promise<Page<Json<PeeringView>>> {
    const built = this.keysetSpec(accountId, q);
    if (built === null) return { items: [], nextCursor: null };
    const { rows, nextCursor } = await paginate<{ created_at: string; name: string; id: string }>(this.runner, built.spec, opts, accountId);
    return { items: await this.build(accountId, rows.map((r) => r.id), now), nextCursor };
  }

  /** How many peerings searchPage would list (with the tag filters `tags`, put by `accountId`): an index range count per side. */
  async searchCount(accountId: string, q: PeeringKeysetSearch, tags: ListOptions["tags"]): Promise<number> {
    const built = this.keysetSpec(accountId, q);
    if (built === null) return 0;
    // Either side in a region, by origin or not, and nothing else (Alibaba's ListVpcPeerConnections
    // without filters): SQLite keeps that count (peering_region_counts, migration 0023), which
    // would otherwise test every peering of the account's two ranges for its regions.
    const unfiltered = q.ids === undefined && q.vpcIds === undefined && q.name === undefined && q.finishedSince === undefined && !q.vpcToVpc && (tags ?? []).length === 0;
    if (this.caps.dialect === "sqlite" && unfiltered && q.region?.side === "either") {
      // A table of SQLite's only: not in the schema's types.
      const kept = () => this.db.selectFrom("peering_region_counts" as never).select(sql<number | null>`sum(n)`.as("n"));
      const [n] =
        q.origin === undefined
          ? await this.runner.shapedColumn<number | null>("peering_region_counts", [accountId, q.region.id], (arg) =>
              kept().where("account_id" as never, "=", arg(0) as never).where("region" as never, "=", arg(1) as never),
            )
          : await this.runner.shapedColumn<number | null>("peering_region_counts:origin", [accountId, q.region.id, q.origin], (arg) =>
              kept().where("account_id" as never, "=", arg(0) as never).where("region" as never, "=", arg(1) as never).where("origin" as never, "=", arg(2) as never),
            );
      return Number(n ?? 0);
    }
    const args = [...built.spec.args];
    const tagArgs = (tags ?? []).map((t) => ({ key: args.push(t.key) - 1, value: t.value === undefined ? null : args.push(t.value) - 1 }));
    const key = `${built.spec.key}|count|${tagArgs.map((t) => (t.value === null ? "k" : "kv")).join(",")}`;
    const counted = (base: typeof built.requester, arg: Arg) => {
      let qb = base(arg);
      for (const t of tagArgs) {
        qb = qb.where(({ exists, selectFrom }) =>
          exists(
            selectFrom("tags as tg")
              .select("tg.key")
              .whereRef("tg.resource_id", "=", "t.id")
              .where("tg.account_id", "=", arg(0) as string)
              .where("tg.key", "=", arg(t.key) as string)
              .$if(t.value !== null, (s) => s.where("tg.value", "=", arg(t.value!) as string)),
          ),
        );
      }
      return qb.clearSelect().select(sql<number>`count(*)`.as("n"));
    };
    const [n] = await this.runner.shapedColumn<number | string>(key, args, (arg) =>
      this.db.selectNoFrom([sql<number>`(${counted(built.requester, arg)}) + (${counted(built.accepter, arg)})`.as("n")]),
    );
    return Number(n ?? 0);
  }

  /** searchPage's two ranges as a paginate spec (with `others`), or null when a criterion can match nothing. */
  private keysetSpec(accountId: string, q: PeeringKeysetSearch) {
    const values = (l: readonly string[] | undefined) => l?.filter((v) => !v.includes("\u0000")).map(wellFormed);
    const [ids, vpcIds] = [values(q.ids), values(q.vpcIds)];
    if (ids?.length === 0 || vpcIds?.length === 0 || q.name?.includes("\u0000")) return null;
    const args: unknown[] = [accountId];
    const at = (v: unknown) => args.push(v) - 1;
    const region = q.region === undefined ? null : at(q.region.id);
    const idList = ids === undefined ? null : at(JSON.stringify(ids));
    const vpcList = vpcIds === undefined ? null : at(JSON.stringify(vpcIds));
    const name = q.name === undefined ? null : at(wellFormed(q.name));
    const since = q.finishedSince === undefined ? null : at(q.finishedSince);
    const own = q.region?.side === "own";
    const all = () => this.db.selectFrom("peerings as t").select(["t.created_at", "t.name", "t.id"]);
    const each = (i: number, arg: Arg) => sql`(select v.value from ${jsonValues(this.caps, arg(i))})`;
    const filtered = (qb: ReturnType<typeof all>, arg: Arg) => {
      if (region !== null && !own) qb = qb.where((eb) => eb.or([eb("t.requester_region", "=", arg(region) as string), eb("t.accepter_region", "=", arg(region) as string)]));
      if (q.vpcToVpc) qb = qb.where("t.requester_router_type", "=", "vpc").where("t.accepter_router_type", "=", "vpc");
      if (q.origin !== undefined) qb = qb.where("t.origin", "=", q.origin);
      if (idList !== null) qb = qb.where(sql<boolean>`t.id in ${each(idList, arg)}`);
      if (vpcList !== null) {
        qb = qb.where(
          sql<boolean>`((t.requester_router_type = 'vpc' and t.requester_router_id in ${each(vpcList, arg)}) or (t.accepter_router_type = 'vpc' and t.accepter_router_id in ${each(vpcList, arg)}))`,
        );
      }
      if (name !== null) qb = qb.where("t.name", "=", arg(name) as string);
      if (since !== null) qb = qb.where(sql<boolean>`(t.state in (${sql.join(LIVE_STATES.map((st) => sql.lit(st)))}) or t.updated_at >= ${arg(since)})`);
      return qb;
    };
    // With ids given, the rows are found by primary key: `column || ''` keeps the planner off the
    // side's (account, region, created_at, id) range, which it would otherwise walk to the end in
    // order, testing each row's id (a cost that grew with the account's peerings: AWS DescribeTags
    // asks which of a page's peerings it sees).
    const side = (column: `t.${string}`) => (idList === null ? sql.ref(column) : sql`(${sql.ref(column)} || '')`);
    const mine = (p: "requester" | "accepter", arg: Arg) => {
      let qb = all().where(side(`t.${p}_account_id`), "=", arg(0) as string);
      if (own && region !== null) qb = qb.where(side(`t.${p}_region`), "=", arg(region) as string);
      return qb;
    };
    const requester = (arg: Arg) => filtered(mine("requester", arg), arg);
    // For the count, a peering in the first range is left to it. A page reads the two ranges
    // whole and drops the repeats (overlapping): an exclusion would make the second range walk
    // every peering the account made with itself before finding one it keeps.
    const both = (arg: Arg) => filtered(mine("accepter", arg), arg);
    const accepter = (arg: Arg) =>
      filtered(mine("accepter", arg), arg).where((eb) =>
        own && region !== null
          ? eb.not(eb.and([eb("t.requester_account_id", "=", arg(0) as string), eb("t.requester_region", "=", arg(region) as string)]))
          : eb("t.requester_account_id", "!=", arg(0) as string),
      );
    const key = `peerings:search:${own ? "own" : region !== null ? "either" : ""},${q.vpcToVpc ? "vpc" : ""},${q.origin ?? ""},${[idList, vpcList, name, since].map((x) => (x === null ? "0" : "1")).join("")}`;
    type Row = { created_at: string; name: string; id: string };
    const spec = {
      key,
      args,
      // The time finishedSince names moves from call to call; a cursor stays valid across it.
      filterArgs: since === null ? args : args.filter((_, i) => i !== since),
      base: requester,
      others: { db: this.db, bases: [both], overlapping: true },
      cursorOf: (r: Row, column: SortColumn): [string, string] => [column === "name" ? r.name : r.created_at, r.id],
    };
    return { spec, all, requester, accepter };
  }

  /** The JSON of the given peerings as `accountId` sees them, in the order of `ids` (missing ones left out). */
  private async build(accountId: string, ids: string[], now: string): Promise<Json<PeeringView>[]> {
    if (ids.length === 0) return [];
    const built = await this.runner.shaped<{ id: string; j: string }>("peerings:view", [accountId, now, JSON.stringify(ids)], (arg) =>
      this.db
        .selectFrom("peerings as t")
        .leftJoin("dataplane_status as d", "d.resource_id", "t.id")
        .select(["t.id", viewSql(this.caps, arg(0), arg(1)).as("j")])
        .where("t.id", "in", sql<string>`(select v.value from ${jsonValues(this.caps, arg(2))})`),
    );
    const byId = new Map(built.map((r) => [r.id, r.j as Json<PeeringView>]));
    // Two reads, not one snapshot: a peering purged in between is left out, not sent as a hole.
    return ids.flatMap((id) => byId.get(id) ?? []);
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

  /**
   * Applies changes. The generation moves only with what the data plane applies (the state, the
   * bandwidth): it reports which generation it applied, and an API shows `updating` until then, so
   * billing's bookkeeping, names and the like must not make a programmed peering look unapplied.
   */
  async update(id: string, changes: PeeringChanges): Promise<void> {
    const applied = changes.state !== undefined || changes.bandwidth_mbps !== undefined;
    await this.db
      .updateTable("peerings")
      .set((eb) => (applied ? { ...changes, generation: eb("generation", "+", 1) } : changes))
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
