/**
 * From store rows to the data plane's desired state: every route resolved to the peering whose
 * link carries it or to the instance it goes through (or to nothing: a blackhole), with the
 * capabilities of this host applied. Pure.
 */
import type { DesiredRows } from "../store/repos/dataplane.ts";
import type { DesiredRoute, DesiredState } from "./plan.ts";

export interface HostCapabilities {
  /** sch_netem is available: cross-region peerings get their configured latency. */
  netem: boolean;
}

/** One-way latency per region pair (ms); the default applies to any pair not listed. */
export interface LatencyTable {
  defaultMs: number;
  pairs: Record<string, number>;
}

export function latencyOf(table: LatencyTable, a: string, b: string): number {
  return table.pairs[`${a}|${b}`] ?? table.pairs[`${b}|${a}`] ?? table.defaultMs;
}

export function resolveDesired(rows: DesiredRows, caps: HostCapabilities, latency: LatencyTable): DesiredState {
  const active = new Map(rows.peerings.map((p) => [p.id, p]));
  const interfacePeering = new Map(rows.activeInterfaces.map((i) => [i.id, i.peeringId]));
  const vpcOfTable = new Map(rows.routeTables.map((t) => [t.id, t.vpcId]));
  const resolve = (r: DesiredRows["routes"][number]): string | null => {
    if (r.targetType === "peering") return active.has(r.targetId) ? r.targetId : null;
    if (r.targetType === "router-interface") {
      const pid = interfacePeering.get(r.targetId);
      return pid && active.has(pid) ? pid : null;
    }
    if (r.targetType === "vbr") {
      const vpcId = vpcOfTable.get(r.routeTableId);
      const p = rows.peerings.find((x) => (x.a.routerId === r.targetId && x.b.routerId === vpcId) || (x.b.routerId === r.targetId && x.a.routerId === vpcId));
      return p ? p.id : null;
    }
    return null;
  };
  // An instance next hop is live while the instance exists in the table's VPC (plan.ts checks the VPC).
  const instances = new Set(rows.instances.map((i) => i.id));
  const nextHop = (r: DesiredRows["routes"][number]): DesiredRoute => {
    if (r.targetType === "instance") return { destinationCidr: r.destinationCidr, peeringId: null, instanceId: instances.has(r.targetId) ? r.targetId : null };
    return { destinationCidr: r.destinationCidr, peeringId: resolve(r) };
  };
  const routesOf = new Map<string, DesiredRoute[]>();
  for (const r of rows.routes) routesOf.set(r.routeTableId, [...(routesOf.get(r.routeTableId) ?? []), nextHop(r)]);
  return {
    vpcs: rows.vpcs.map((v) => ({ id: v.id, cidr: v.cidr })),
    subnets: rows.subnets,
    routeTables: rows.routeTables.map((t) => ({ id: t.id, vpcId: t.vpcId, routes: routesOf.get(t.id) ?? [] })),
    instances: rows.instances,
    vbrs: rows.vbrs.map((v) => ({ id: v.id, onPremisesCidrs: v.cidrs, host: v.host })),
    peerings: rows.peerings.map((p) => ({
      id: p.id,
      a: { routerType: p.a.routerType, routerId: p.a.routerId, cidrs: p.a.cidrs },
      b: { routerType: p.b.routerType, routerId: p.b.routerId, cidrs: p.b.cidrs },
      bandwidthMbps: p.bandwidthMbps,
      delayMs: caps.netem && p.a.region !== p.b.region ? latencyOf(latency, p.a.region, p.b.region) : null,
    })),
  };
}
