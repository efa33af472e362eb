/**
 * What the analyzer reads (service/analyses.ts): the rows the data plane reads (DesiredRows, in
 * the same order), plus who owns what, every peering whatever its state, the stored route behind
 * each route, every router interface's connection, and the data plane's reports. System access:
 * the analyzer decides what the caller may see.
 */
import { sql } from "kysely";
import { type DesiredRows, desiredRule } from "./dataplane.ts";
import type { Capabilities, Db } from "./common.ts";

export interface AnalysisRows {
  desired: DesiredRows;
  /** Resource id → account, for VPCs, subnets, route tables, routes, instances, VBRs, router interfaces, security groups. */
  owners: Map<string, string>;
  /** Per route table, the stored routes in desired.routes' order. */
  routes: Map<string, { id: string; targetType: string; targetId: string }[]>;
  peerings: {
    id: string;
    state: string;
    generation: number;
    a: { accountId: string; routerType: "vpc" | "vbr"; routerId: string; cidrs: string[] };
    b: { accountId: string; routerType: "vpc" | "vbr"; routerId: string; cidrs: string[] };
  }[];
  interfacePeering: Map<string, string>;
}

/** The tables rows() reads, with the column that moves on every insert or update (routes are never updated). */
const STAMPED = [
  ["vpcs", "updated_at"],
  ["subnets", "updated_at"],
  ["route_tables", "updated_at"],
  ["routes", "created_at"],
  ["instances", "updated_at"],
  ["vbrs", "updated_at"],
  ["peerings", "updated_at"],
  ["router_interfaces", "updated_at"],
  ["security_groups", "updated_at"],
  ["security_group_rules", "created_at"],
] as const;

export class AnalysisRepo {
  constructor(
    private readonly db: Db,
    private readonly caps: Capabilities,
  ) {}

  /**
   * Row count and newest stamp of every table rows() reads: it changes with any insert, update or
   * delete those tables see (an index built from rows() stays valid while it does not).
   */
  async fingerprint(): Promise<string> {
    const collate = sql.raw(this.caps.dialect === "postgres" ? ' collate "C"' : "");
    const parts: string[] = [];
    for (const [table, stamp] of STAMPED) {
      const row = await this.db
        .selectFrom(table)
        .select((eb) => [eb.fn.countAll<number | string>().as("n"), sql<string | null>`max(${sql.ref(stamp)}${collate})`.as("m")])
        .executeTakeFirst();
      parts.push(`${Number(row?.n ?? 0)}:${row?.m ?? ""}`);
    }
    return parts.join("|");
  }

  async rows(): Promise<AnalysisRows> {
    const db = this.db;
    const owners = new Map<string, string>();
    const own = (rows: { id: string; account_id: string }[]) => {
      for (const r of rows) owners.set(r.id, r.account_id);
    };
    const vpcs = await db.selectFrom("vpcs").select(["id", "account_id", "cidr", "region"]).execute();
    const subnets = await db.selectFrom("subnets").select(["id", "account_id", "vpc_id", "cidr", "route_table_id"]).execute();
    const tables = await db.selectFrom("route_tables").select(["id", "account_id", "vpc_id"]).execute();
    // Routes in creation order, as the data plane reads them (a table's routes as they were added).
    const routes = await db.selectFrom("routes").select(["id", "account_id", "route_table_id", "destination_cidr", "target_type", "target_id"]).orderBy("created_at").orderBy("id").execute();
    const instances = await db.selectFrom("instances").select(["id", "account_id", "subnet_id", "private_ip", "host", "security_group_ids"]).execute();
    const vbrs = await db.selectFrom("vbrs").select(["id", "account_id", "on_premises_cidrs", "region", "host"]).execute();
    const peerings = await db
      .selectFrom("peerings")
      .select(["id", "state", "generation", "requester_account_id", "requester_router_type", "requester_router_id", "requester_region", "requester_cidrs", "accepter_account_id", "accepter_router_type", "accepter_router_id", "accepter_region", "accepter_cidrs", "bandwidth_mbps"])
      .execute();
    const interfaces = await db.selectFrom("router_interfaces").select(["id", "account_id", "peering_id", "status"]).execute();
    const groups = await db.selectFrom("security_groups").select(["id", "account_id", "vpc_id", "region"]).execute();
    const groupRules = await db.selectFrom("security_group_rules").selectAll().orderBy("security_group_id").orderBy("seq").execute();
    for (const rows of [vpcs, subnets, tables, routes, instances, vbrs, interfaces, groups]) own(rows);

    const byTable = new Map<string, { id: string; targetType: string; targetId: string }[]>();
    for (const r of routes) byTable.set(r.route_table_id, [...(byTable.get(r.route_table_id) ?? []), { id: r.id, targetType: r.target_type, targetId: r.target_id }]);
    const side = (p: (typeof peerings)[number], s: "requester" | "accepter") => ({
      accountId: p[`${s}_account_id`],
      routerType: p[`${s}_router_type`] as "vpc" | "vbr",
      routerId: p[`${s}_router_id`],
      region: p[`${s}_region`],
      cidrs: JSON.parse(p[`${s}_cidrs`]) as string[],
    });
    const active = peerings.filter((p) => p.state === "active");
    return {
      desired: {
        fingerprint: "",
        vpcs: vpcs.map((v) => ({ id: v.id, cidr: v.cidr, region: v.region })),
        subnets: subnets.map((s) => ({ id: s.id, vpcId: s.vpc_id, cidr: s.cidr, routeTableId: s.route_table_id })),
        routeTables: tables.map((t) => ({ id: t.id, vpcId: t.vpc_id })),
        routes: routes.map((r) => ({ routeTableId: r.route_table_id, destinationCidr: r.destination_cidr, targetType: r.target_type, targetId: r.target_id })),
        instances: instances.map((i) => ({ id: i.id, subnetId: i.subnet_id, privateIp: i.private_ip, host: i.host, securityGroupIds: JSON.parse(i.security_group_ids ?? "[]") as string[] })),
        securityGroups: groups.map((g) => ({ id: g.id, accountId: g.account_id, vpcId: g.vpc_id, region: g.region })),
        securityGroupRules: groupRules.map(desiredRule),
        vbrs: vbrs.map((v) => ({ id: v.id, cidrs: JSON.parse(v.on_premises_cidrs) as string[], region: v.region, host: v.host })),
        peerings: active.map((p) => {
          const { accountId: _a, ...a } = side(p, "requester");
          const { accountId: _b, ...b } = side(p, "accepter");
          return { id: p.id, generation: Number(p.generation), a, b, bandwidthMbps: p.bandwidth_mbps === null ? null : Number(p.bandwidth_mbps) };
        }),
        activeInterfaces: interfaces.filter((i) => i.status === "Active" && i.peering_id !== null).map((i) => ({ id: i.id, peeringId: i.peering_id! })),
      },
      owners,
      routes: byTable,
      peerings: peerings.map((p) => {
        const { region: _ra, ...a } = side(p, "requester");
        const { region: _rb, ...b } = side(p, "accepter");
        return { id: p.id, state: p.state, generation: Number(p.generation), a, b };
      }),
      interfacePeering: new Map(interfaces.filter((i) => i.peering_id !== null).map((i) => [i.id, i.peering_id!])),
    };
  }
}
