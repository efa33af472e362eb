/**
 * What the data plane reads (the desired state of the whole host, across accounts, resolved to
 * next hops) and writes (observed status per peering and instance). System access only.
 */
import type { Db } from "./common.ts";

export interface DesiredRows {
  vpcs: { id: string; cidr: string; region: string }[];
  subnets: { id: string; vpcId: string; cidr: string; routeTableId: string }[];
  routeTables: { id: string; vpcId: string }[];
  routes: { routeTableId: string; destinationCidr: string; targetType: string; targetId: string }[];
  instances: { id: string; subnetId: string; privateIp: string }[];
  vbrs: { id: string; cidrs: string[]; region: string }[];
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

export class DataplaneRepo {
  constructor(private readonly db: Db) {}

  async desired(): Promise<DesiredRows> {
    const [vpcs, subnets, routeTables, routes, instances, vbrs, peerings, interfaces] = await Promise.all([
      this.db.selectFrom("vpcs").select(["id", "cidr", "region"]).execute(),
      this.db.selectFrom("subnets").select(["id", "vpc_id", "cidr", "route_table_id"]).execute(),
      this.db.selectFrom("route_tables").select(["id", "vpc_id"]).execute(),
      this.db.selectFrom("routes").select(["route_table_id", "destination_cidr", "target_type", "target_id"]).orderBy("created_at").orderBy("id").execute(),
      this.db.selectFrom("instances").select(["id", "subnet_id", "private_ip"]).execute(),
      this.db.selectFrom("vbrs").select(["id", "on_premises_cidrs", "region"]).execute(),
      this.db.selectFrom("peerings").selectAll().where("state", "=", "active").execute(),
      this.db.selectFrom("router_interfaces").select(["id", "peering_id"]).where("status", "=", "Active").execute(),
    ]);
    return {
      vpcs: vpcs.map((v) => ({ id: v.id, cidr: v.cidr, region: v.region })),
      subnets: subnets.map((s) => ({ id: s.id, vpcId: s.vpc_id, cidr: s.cidr, routeTableId: s.route_table_id })),
      routeTables: routeTables.map((t) => ({ id: t.id, vpcId: t.vpc_id })),
      routes: routes.map((r) => ({ routeTableId: r.route_table_id, destinationCidr: r.destination_cidr, targetType: r.target_type, targetId: r.target_id })),
      instances: instances.map((i) => ({ id: i.id, subnetId: i.subnet_id, privateIp: i.private_ip })),
      vbrs: vbrs.map((v) => ({ id: v.id, cidrs: JSON.parse(v.on_premises_cidrs) as string[], region: v.region })),
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
   * A cheap fingerprint of everything the data plane depends on: counts and newest timestamps.
   * Any create, update or delete changes it; the reconciler polls it to notice other processes' writes.
   */
  async fingerprint(): Promise<string> {
    const parts = await Promise.all(
      (
        [
          ["vpcs", "updated_at"],
          ["subnets", "updated_at"],
          ["routes", "created_at"],
          ["route_tables", "updated_at"],
          ["instances", "updated_at"],
          ["vbrs", "updated_at"],
          ["peerings", "updated_at"],
          ["router_interfaces", "updated_at"],
        ] as const
      ).map(([table, column]) =>
        this.db
          .selectFrom(table)
          .select((eb) => [eb.fn.countAll<number | string>().as("n"), eb.fn.max(column).as("m")])
          .executeTakeFirst(),
      ),
    );
    return parts.map((p) => `${p?.n}:${p?.m ?? ""}`).join("|");
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

  async deleteStatusExcept(keep: readonly string[]): Promise<void> {
    let q = this.db.deleteFrom("dataplane_status");
    if (keep.length > 0) q = q.where("resource_id", "not in", keep);
    await q.execute();
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
