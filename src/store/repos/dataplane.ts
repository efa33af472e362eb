/**
 * What the data plane reads (the desired state of the whole host, across accounts, resolved to
 * next hops) and writes (observed status per peering and instance). System access only.
 */
import { sql } from "kysely";
import type { SgAction, SgDirection, SgProtocol } from "../../domain/security-groups.ts";
import type { PeeringsTable, SecurityGroupRulesTable } from "../schema.ts";
import type { Capabilities, Db, Runner } from "./common.ts";

export interface DesiredRows {
  /** Counts and newest stamps of the rows read (see fingerprint()). */
  fingerprint: string;
  /** VPCs and what is in them, without the default VPCs nothing uses yet (unusedDefaultVpcIds). */
  vpcs: { id: string; cidr: string; region: string }[];
  subnets: { id: string; vpcId: string; cidr: string; routeTableId: string }[];
  routeTables: { id: string; vpcId: string }[];
  routes: { routeTableId: string; destinationCidr: string; targetType: string; targetId: string }[];
  /** `host`: the host (chassis) it is placed on, null when none (instances made before hosts). `securityGroupIds`: its groups, in order. */
  instances: { id: string; subnetId: string; privateIp: string; host: string | null; securityGroupIds?: string[] }[];
  /** Security groups (of every account) and where they are. */
  securityGroups: { id: string; accountId: string; vpcId: string; region: string }[];
  /** Their rules as stored (group peers unresolved), in creation order. */
  securityGroupRules: {
    id: string;
    securityGroupId: string;
    direction: SgDirection;
    protocol: SgProtocol;
    fromPort: number | null;
    toPort: number | null;
    icmpType: number | null;
    icmpCode: number | null;
    peerCidr: string | null;
    peerGroupId: string | null;
    peerAccountId: string | null;
    action: SgAction;
    priority: number;
  }[];
  /** `host`: where its on-premises host is placed, null when none (VBRs made before VBRs had hosts). */
  vbrs: { id: string; cidrs: string[]; region: string; host: string | null }[];
  /** Active peerings only (those that carry traffic). */
  peerings: {
    id: string;
    generation: number;
    a: { routerType: "vpc" | "vbr"; routerId: string; region: string; cidrs: string[] };
    b: { routerType: "vpc" | "vbr"; routerId: string; region: string; cidrs: string[] };
    bandwidthMbps: number | null;
  }[];
  /** Router interfaces that are Active, with their connection. */
  activeInterfaces: { id: string; peeringId: string }[];
}

export interface DataplaneStatus {
  resourceId: string;
  programmed: boolean;
  generation: number;
  error: string | null;
  /** A limitation worth knowing (e.g. latency not emulated on this kernel). */
  note: string | null;
  counters: { rxBytes: number; txBytes: number; rxPackets: number; txPackets: number } | null;
  updatedAt: string;
}

/** A resource's data-plane status that changed meaningfully: programmed now, its last error now, and before (null: not reported yet). */
export interface DataplaneChange {
  resourceId: string;
  programmed: boolean;
  lastError: string | null;
  before: { programmed: boolean; lastError: string | null } | null;
}

/**
 * The tables the data plane reads, with the rows it reads (the active peerings, the Active router
 * interfaces; `vpc`/`vpcVia`: not those of an unused default VPC, see inUse) and the column that
 * moves on every change of a row. The fingerprint is the count and
 * the newest value of that column per table: computed from the rows desired() read, and by
 * fingerprint() in SQL for the poll, the two in the same text.
 */
const WATCHED = [
  { table: "vpcs", stamp: "updated_at", vpc: "vpcs.id" },
  { table: "subnets", stamp: "updated_at", vpc: "subnets.vpc_id" },
  { table: "route_tables", stamp: "updated_at", vpc: "route_tables.vpc_id" },
  { table: "routes", stamp: "created_at", order: ["created_at", "id"], vpcVia: ["routes.route_table_id", "route_tables"] },
  { table: "instances", stamp: "updated_at" },
  { table: "vbrs", stamp: "updated_at" },
  { table: "peerings", stamp: "updated_at", where: ["state", "active"] },
  { table: "router_interfaces", stamp: "updated_at", where: ["status", "Active"] },
  // A change of a group's rules bumps the group's updated_at (with its rules_version); a change of
  // an instance's groups its instance's.
  { table: "security_groups", stamp: "updated_at", vpc: "security_groups.vpc_id" },
  { table: "security_group_rules", stamp: "created_at", order: ["security_group_id", "seq"], vpcVia: ["security_group_rules.security_group_id", "security_groups"] },
] as const;

/**
 * The default VPCs nothing uses (#20): no instance in them, no active peering with them as an
 * end (a connected pair of router interfaces is such a peering; VBR connections too). The data
 * plane leaves them out with everything of theirs (subnets, route tables and routes, security
 * groups and rules), so a new account's default VPCs cost no namespace or logical router until an
 * instance or a peering uses one; that instance's or peering's row brings it back (both tables are
 * watched unfiltered, so the fingerprint moves with it).
 *
 * Filtered here in SQL rather than in resolveDesired: every pass and every poll would otherwise
 * read (and the drivers report statuses for) some seventeen VPCs per account with their subnets,
 * tables and groups only to drop them. Uncorrelated IN subqueries, each evaluated once per
 * statement, so it stays one query per table, linear in the rows. The analyzer reads its own rows,
 * unfiltered (repos/analysis.ts): an address in an unused default VPC is still "in one of your
 * VPCs" there, and no walk can enter such a VPC (that takes an instance in it or a peering to it).
 */
export function unusedDefaultVpcIds(db: Db) {
  return db
    .selectFrom("vpcs as dv")
    .select("dv.id")
    .where("dv.is_default", "=", 1)
    .where("dv.id", "not in", db.selectFrom("instances as di").select("di.vpc_id"))
    .where("dv.id", "not in", db.selectFrom("peerings as dp").select("dp.requester_router_id").where("dp.state", "=", "active"))
    .where("dv.id", "not in", db.selectFrom("peerings as dq").select("dq.accepter_router_id").where("dq.state", "=", "active"));
}

/** A query of one WATCHED table narrowed to the rows the data plane programs (see unusedDefaultVpcIds). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function inUse(db: Db, w: (typeof WATCHED)[number], q: any): any {
  if ("vpc" in w) return q.where(w.vpc, "not in", unusedDefaultVpcIds(db));
  if ("vpcVia" in w) {
    const [column, parent] = w.vpcVia;
    const ofUnused =
      parent === "route_tables"
        ? db.selectFrom("route_tables as dr").select("dr.id").where("dr.vpc_id", "in", unusedDefaultVpcIds(db))
        : db.selectFrom("security_groups as dr").select("dr.id").where("dr.vpc_id", "in", unusedDefaultVpcIds(db));
    return q.where(column, "not in", ofUnused);
  }
  return q;
}

const num = (v: number | null) => (v === null ? null : Number(v));

/** A stored rule as the desired rows carry it. */
export function desiredRule(r: Pick<SecurityGroupRulesTable, "id" | "security_group_id" | "direction" | "protocol" | "from_port" | "to_port" | "icmp_type" | "icmp_code" | "peer_cidr" | "peer_group_id" | "peer_account_id" | "action" | "priority">): DesiredRows["securityGroupRules"][number] {
  return {
    id: r.id,
    securityGroupId: r.security_group_id,
    direction: r.direction as SgDirection,
    protocol: r.protocol as SgProtocol,
    fromPort: num(r.from_port),
    toPort: num(r.to_port),
    icmpType: num(r.icmp_type),
    icmpCode: num(r.icmp_code),
    peerCidr: r.peer_cidr,
    peerGroupId: r.peer_group_id,
    peerAccountId: r.peer_account_id,
    action: r.action as SgAction,
    priority: Number(r.priority),
  };
}

/**
 * A running data plane says so every HEARTBEAT_MS (meta key `dataplane_heartbeat`, its wall-clock
 * time); readers count it as running while the last beat is younger than HEARTBEAT_FRESH_MS. A
 * data plane that stops clears it, so the API falls back to the settle time at once.
 */
export const HEARTBEAT_MS = 2000;
export const HEARTBEAT_FRESH_MS = 10_000;
const HEARTBEAT_KEY = "dataplane_heartbeat";

/** One table's part of the fingerprint: how many rows, and the newest stamp among them. */
const part = (count: number, newest: string | null) => `${count}:${newest ?? ""}`;

function partOf(rows: readonly { stamp: string }[]): string {
  let newest = "";
  for (const r of rows) if (r.stamp > newest) newest = r.stamp;
  return part(rows.length, newest);
}

export class DataplaneRepo {
  constructor(
    private readonly db: Db,
    private readonly caps: Capabilities,
    private readonly runner: Runner,
  ) {}

  async desired(): Promise<DesiredRows> {
    // One query per table, each compiled once; stamps ride along for the fingerprint.
    const read = <R>(i: number, columns: string[]) => {
      const w = WATCHED[i]!;
      return this.runner.shaped<R & { stamp: string }>(`dataplane:desired:${w.table}`, [], () => {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        let q: any = this.db.selectFrom(w.table).select([...columns, `${w.stamp} as stamp`] as never);
        if ("where" in w) q = q.where(w.where[0], "=", w.where[1]);
        q = inUse(this.db, w, q);
        // Routes in creation order: the plan lists a table's routes as they were added.
        // A group's rules in the order they were added.
        if ("order" in w) for (const c of w.order) q = q.orderBy(c);
        return q;
      });
    };
    const vpcs = await read<{ id: string; cidr: string; region: string }>(0, ["id", "cidr", "region"]);
    const subnets = await read<{ id: string; vpc_id: string; cidr: string; route_table_id: string }>(1, ["id", "vpc_id", "cidr", "route_table_id"]);
    const routeTables = await read<{ id: string; vpc_id: string }>(2, ["id", "vpc_id"]);
    const routes = await read<{ route_table_id: string; destination_cidr: string; target_type: string; target_id: string }>(3, ["route_table_id", "destination_cidr", "target_type", "target_id"]);
    const instances = await read<{ id: string; subnet_id: string; private_ip: string; host: string | null; security_group_ids: string }>(4, ["id", "subnet_id", "private_ip", "host", "security_group_ids"]);
    const vbrs = await read<{ id: string; on_premises_cidrs: string; region: string; host: string | null }>(5, ["id", "on_premises_cidrs", "region", "host"]);
    const peerings = await read<PeeringsTable>(6, ["id", "generation", "requester_router_type", "requester_router_id", "requester_region", "requester_cidrs", "accepter_router_type", "accepter_router_id", "accepter_region", "accepter_cidrs", "bandwidth_mbps"]);
    const interfaces = await read<{ id: string; peering_id: string | null }>(7, ["id", "peering_id"]);
    const groups = await read<{ id: string; account_id: string; vpc_id: string; region: string }>(8, ["id", "account_id", "vpc_id", "region"]);
    const rules = await read<SecurityGroupRulesTable>(9, ["id", "security_group_id", "direction", "protocol", "from_port", "to_port", "icmp_type", "icmp_code", "peer_cidr", "peer_group_id", "peer_account_id", "action", "priority"]);
    return {
      fingerprint: [vpcs, subnets, routeTables, routes, instances, vbrs, peerings, interfaces, groups, rules].map(partOf).join("|"),
      vpcs: vpcs.map((v) => ({ id: v.id, cidr: v.cidr, region: v.region })),
      subnets: subnets.map((s) => ({ id: s.id, vpcId: s.vpc_id, cidr: s.cidr, routeTableId: s.route_table_id })),
      routeTables: routeTables.map((t) => ({ id: t.id, vpcId: t.vpc_id })),
      routes: routes.map((r) => ({ routeTableId: r.route_table_id, destinationCidr: r.destination_cidr, targetType: r.target_type, targetId: r.target_id })),
      instances: instances.map((i) => ({ id: i.id, subnetId: i.subnet_id, privateIp: i.private_ip, host: i.host, securityGroupIds: JSON.parse(i.security_group_ids) as string[] })),
      securityGroups: groups.map((g) => ({ id: g.id, accountId: g.account_id, vpcId: g.vpc_id, region: g.region })),
      securityGroupRules: rules.map(desiredRule),
      vbrs: vbrs.map((v) => ({ id: v.id, cidrs: JSON.parse(v.on_premises_cidrs) as string[], region: v.region, host: v.host })),
      peerings: peerings.map((p) => ({
        id: p.id,
        generation: Number(p.generation),
        a: { routerType: p.requester_router_type as "vpc" | "vbr", routerId: p.requester_router_id, region: p.requester_region, cidrs: JSON.parse(p.requester_cidrs) as string[] },
        b: { routerType: p.accepter_router_type as "vpc" | "vbr", routerId: p.accepter_router_id, region: p.accepter_region, cidrs: JSON.parse(p.accepter_cidrs) as string[] },
        bandwidthMbps: p.bandwidth_mbps === null ? null : Number(p.bandwidth_mbps),
      })),
      activeInterfaces: interfaces.filter((i) => i.peering_id !== null).map((i) => ({ id: i.id, peeringId: i.peering_id! })),
    };
  }

  /**
   * The fingerprint of what desired() would read now, from aggregates: the reconciler polls it to
   * notice other processes' writes (any create, update or delete of a watched row changes it).
   */
  async fingerprint(): Promise<string> {
    const parts: string[] = [];
    for (const w of WATCHED) {
      const [row] = await this.runner.shaped<{ n: number | string; m: string | null }>(`dataplane:fingerprint:${w.table}`, [], () => {
        // Byte order, as desired() compares stamps (PostgreSQL's default collation might not be).
        const newest = sql<string | null>`max(${sql.ref(w.stamp)}${sql.raw(this.caps.dialect === "postgres" ? ' collate "C"' : "")})`;
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        let q: any = this.db.selectFrom(w.table).select((eb) => [eb.fn.countAll<number | string>().as("n"), newest.as("m")]);
        if ("where" in w) q = q.where(w.where[0], "=", w.where[1]);
        // The rows desired() reads, not the whole table: a change to an unused default VPC moves nothing.
        q = inUse(this.db, w, q);
        return q;
      });
      parts.push(part(Number(row?.n ?? 0), row?.m ?? null));
    }
    return parts.join("|");
  }

  /** Records that a data plane runs, as of `at` (or, with null, that it stopped). */
  async beat(at: string | null): Promise<void> {
    await this.db
      .insertInto("meta")
      .values({ key: HEARTBEAT_KEY, value: at ?? "" })
      .onConflict((oc) => oc.column("key").doUpdateSet({ value: at ?? "" }))
      .execute();
  }

  /** The last beat's time, or null if no data plane runs (or ever ran). */
  async lastBeat(): Promise<string | null> {
    const row = await this.db.selectFrom("meta").select("value").where("key", "=", HEARTBEAT_KEY).executeTakeFirst();
    return row?.value ? row.value : null;
  }

  async writeStatus(rows: DataplaneStatus[]): Promise<void> {
    for (const s of rows) {
      const values = {
        resource_id: s.resourceId,
        programmed: s.programmed ? 1 : 0,
        generation: s.generation,
        error: s.error,
        note: s.note,
        rx_bytes: s.counters?.rxBytes ?? null,
        tx_bytes: s.counters?.txBytes ?? null,
        rx_packets: s.counters?.rxPackets ?? null,
        tx_packets: s.counters?.txPackets ?? null,
        updated_at: s.updatedAt,
      };
      await this.db
        .insertInto("dataplane_status")
        .values(values)
        .onConflict((oc) => oc.column("resource_id").doUpdateSet(values))
        .execute();
    }
  }

  /**
   * The accounts that own each of these resources (VPCs, instances: the owner; peerings: both
   * parties), for announcing their status changes. Resources gone meanwhile are left out.
   */
  async owners(ids: readonly string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      for (const table of ["vpcs", "instances", "vbrs"] as const) {
        const rows = await this.db.selectFrom(table).select(["id", "account_id"]).where("id", "in", chunk).execute();
        for (const r of rows) out.set(r.id, [r.account_id]);
      }
      const peerings = await this.db.selectFrom("peerings").select(["id", "requester_account_id", "accepter_account_id"]).where("id", "in", chunk).execute();
      for (const p of peerings) out.set(p.id, [...new Set([p.requester_account_id, p.accepter_account_id])]);
    }
    return out;
  }

  /**
   * Takes, until the transaction ends, the lock that every server's status report takes before it
   * compares with the stored statuses: reports of several servers (one deployment, one store) then
   * follow one another, and each sees what the one before wrote. SQLite's write transactions
   * already do.
   */
  async lockStatusReports(): Promise<void> {
    if (this.caps.dialect === "postgres") await sql`select pg_advisory_xact_lock(hashtext('vpcpeer:dataplane_status'))`.execute(this.db);
  }

  /**
   * Removes the statuses of resources neither in `keep` (what this server reported) nor alive in
   * the store (a VPC, instance or VBR that exists, an active peering). Another server of the
   * deployment may report a resource this one's view does not hold yet: its status stays, or its
   * next report would find none and announce the same change again.
   */
  async deleteStatusExcept(keep: readonly string[]): Promise<void> {
    let q = this.db.deleteFrom("dataplane_status");
    if (keep.length > 0) q = q.where("resource_id", "not in", keep);
    q = q.where((eb) =>
      eb.not(
        eb.or([
          // A default VPC nothing uses any more has no router to report on: its status goes (used
          // again, it is pending until its router is rebuilt, as any new VPC).
          eb.exists(eb.selectFrom("vpcs").select("vpcs.id").whereRef("vpcs.id", "=", "dataplane_status.resource_id").where("vpcs.id", "not in", unusedDefaultVpcIds(this.db))),
          eb.exists(eb.selectFrom("instances").select("instances.id").whereRef("instances.id", "=", "dataplane_status.resource_id")),
          eb.exists(eb.selectFrom("vbrs").select("vbrs.id").whereRef("vbrs.id", "=", "dataplane_status.resource_id")),
          eb.exists(eb.selectFrom("peerings").select("peerings.id").whereRef("peerings.id", "=", "dataplane_status.resource_id").where("peerings.state", "=", "active")),
        ]),
      ),
    );
    await q.execute();
  }

  /** Which of these VPCs are default VPCs nothing uses (unusedDefaultVpcIds): the data plane builds nothing for them. */
  async unusedDefaultVpcs(ids: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await unusedDefaultVpcIds(this.db).where("dv.id", "in", ids.slice(i, i + 500)).execute();
      for (const r of rows) out.add(r.id);
    }
    return out;
  }

  /** Removes every status (tests that return a store to "no data plane ever reported"). */
  async clearStatus(): Promise<void> {
    await this.db.deleteFrom("dataplane_status").execute();
  }

  async status(ids: readonly string[]): Promise<Map<string, DataplaneStatus>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.selectFrom("dataplane_status").selectAll().where("resource_id", "in", ids).execute();
    return new Map(
      rows.map((r) => [
        r.resource_id,
        {
          resourceId: r.resource_id,
          programmed: Number(r.programmed) === 1,
          generation: Number(r.generation),
          error: r.error,
          note: r.note,
          counters: r.rx_bytes === null ? null : { rxBytes: Number(r.rx_bytes), txBytes: Number(r.tx_bytes), rxPackets: Number(r.rx_packets), txPackets: Number(r.tx_packets) },
          updatedAt: r.updated_at,
        },
      ]),
    );
  }
}
