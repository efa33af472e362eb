/**
 * From store rows to the data plane's desired state: every route resolved to the peering whose
 * link carries it or to the instance it goes through (or to nothing: a blackhole), with the
 * capabilities of this host applied. Pure.
 */
import type { DesiredRows } from "../store/repos/dataplane.ts";
import type { ResolvedSgRule } from "../domain/security-groups.ts";
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
    securityGroups: resolveGroups(rows),
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

/**
 * Security groups with their rules resolved: a CIDR peer as itself; a group peer as its members'
 * /32s (sorted), when that group is in the rule's VPC or in a VPC an active peering in one region
 * joins to it; otherwise the rule is stale and matches nothing (no CIDRs).
 */
export function resolveGroups(rows: DesiredRows): NonNullable<DesiredState["securityGroups"]> {
  const groups = rows.securityGroups ?? [];
  if (groups.length === 0) return [];
  const byId = new Map(groups.map((g) => [g.id, g]));
  const members = new Map<string, string[]>();
  for (const i of rows.instances) {
    for (const g of i.securityGroupIds ?? []) {
      let list = members.get(g);
      if (!list) members.set(g, (list = []));
      list.push(`${i.privateIp}/32`);
    }
  }
  for (const list of members.values()) list.sort((x, y) => ipOrder(x) - ipOrder(y) || (x < y ? -1 : x > y ? 1 : 0));
  // VPC pairs joined by an active peering in one region.
  const joined = new Set<string>();
  for (const p of rows.peerings) {
    if (p.a.routerType !== "vpc" || p.b.routerType !== "vpc" || p.a.region !== p.b.region) continue;
    joined.add(`${p.a.routerId}|${p.b.routerId}`);
    joined.add(`${p.b.routerId}|${p.a.routerId}`);
  }
  const rulesOf = new Map<string, ResolvedSgRule[]>();
  for (const r of rows.securityGroupRules ?? []) {
    const group = byId.get(r.securityGroupId);
    if (!group) continue;
    let cidrs: string[];
    let stale = false;
    if (r.peerGroupId === null) cidrs = [r.peerCidr!];
    else {
      const peer = byId.get(r.peerGroupId);
      stale = !peer || peer.accountId !== r.peerAccountId || (peer.vpcId !== group.vpcId && !joined.has(`${group.vpcId}|${peer.vpcId}`));
      cidrs = stale ? [] : [...(members.get(r.peerGroupId) ?? [])];
    }
    let list = rulesOf.get(group.id);
    if (!list) rulesOf.set(group.id, (list = []));
    list.push({
      id: r.id,
      securityGroupId: group.id,
      direction: r.direction,
      protocol: r.protocol,
      fromPort: r.fromPort,
      toPort: r.toPort,
      icmpType: r.icmpType,
      icmpCode: r.icmpCode,
      action: r.action,
      priority: r.priority,
      cidrs,
      peerGroupId: r.peerGroupId,
      stale,
    });
  }
  return groups.map((g) => ({ id: g.id, vpcId: g.vpcId, rules: rulesOf.get(g.id) ?? [] }));
}

/** An "a.b.c.d/32" as a number, for sorting members by address. */
function ipOrder(cidr: string): number {
  const [a = 0, b = 0, c = 0, d = 0] = cidr.split("/")[0]!.split(".").map(Number);
  return ((a * 256 + b) * 256 + c) * 256 + d;
}
