/**
 * compile(desired) → NbPlan: the OVN northbound rows that realise the desired state. Pure.
 *
 * VPC → Logical_Router. Subnet → Logical_Switch joined to its VPC router by a router port holding
 * the gateway (first host address), whose `options:route_table` is the subnet's route table.
 * Instance → Logical_Switch_Port ("MAC IP" addresses and port security; a route's next-hop
 * instance keeps only its MAC in port security, so it may forward; `requested-chassis` = its host). Route → static route in its
 * table: towards the peer's link address while the peering is active, `discard` otherwise.
 * Peering → a transit Logical_Switch with one router port on each router (QoS lives on switches),
 * QoS on both of its ports when capped, and on each router a policy that drops whatever arrives
 * over the link for anything but the router's own networks: no transit, whatever routes exist.
 * Peering ports use no route table, so what arrives over them sees only connected networks.
 * VBR → Logical_Router with a host switch for its on-premises host (whose port's `requested-chassis`
 * is the VBR's host); its router port's route table
 * holds the peer VPCs' CIDRs over the active connections.
 * Security group → Port_Group `<prefix>_pg_<sg>` of its member instances' ports, holding one ACL
 * per rule (sg-acl.ts: priority order, `allow-related`/`drop`), a default drop and a pass for
 * established connections per direction; a group that
 * rules name as their peer → Address_Set `<prefix>_as_<sg>` of its members' addresses. An
 * instance without security groups is in no port group: unfiltered.
 */
import { gatewayIp } from "../../domain/addressing.ts";
import { formatIp, parseCidr } from "../../domain/cidr.ts";
import { acceptsEverything } from "../../domain/security-groups.ts";
import { type DesiredState, nextHops } from "../plan.ts";
import { allocateLinks, linkAddress } from "./nb-links.ts";
import { EXT, type NbNameCode, type ObjectKind, externalIds, instanceMac, nbName, routerPortMac, rowKey, sgSetName } from "./nb-names.ts";
import type { NbPlan, NbRow, NbTable, Plain } from "./nb-plan.ts";
import { SG_DEFAULT_DROP_PRIORITY, SG_ESTABLISHED_PRIORITY, aclAction, aclMatch, aclPriority, aclSide, defaultDropMatch, establishedMatch } from "./sg-acl.ts";

export interface CompileOptions {
  /** The deployment prefix: names start with it and every row's `vpcpeer-owner` is it. */
  prefix: string;
  /** Link slots peerings hold now (from the observed rows), kept where they do not clash. */
  linkSlots?: ReadonlyMap<string, number>;
}

/** Priority of the no-transit drop policies. */
export const NO_TRANSIT_PRIORITY = 1000;
export const QOS_PRIORITY = 100;
/**
 * QoS burst, in seconds of the rate. The meter is a policer: with 0.1 s TCP reached 80% of the
 * rate; from 0.2 s on, steady-state goodput was 95–97% at 100 Mbit/s whatever the burst, and a
 * larger burst only lets more through at the start (1 s: +16% over a 4 s transfer). Measured
 * across two lab hosts, see docs/dataplane.md.
 */
export const QOS_BURST_SECONDS = 0.5;

const hostAt = (cidr: string, offset: number) => {
  const c = parseCidr(cidr, "cidr");
  return { ip: formatIp(c.base + offset), cidr: `${formatIp(c.base + offset)}/${c.prefix}` };
};

/** `ip4.dst != 10.0.0.0/16`, or `ip4.dst != {a, b}`; with no networks at all, any IPv4. */
function notOwn(cidrs: readonly string[]): string {
  const sorted = [...new Set(cidrs)].sort();
  if (sorted.length === 0) return "ip4";
  return sorted.length === 1 ? `ip4.dst != ${sorted[0]}` : `ip4.dst != {${sorted.join(", ")}}`;
}

export function compile(desired: DesiredState, opts: CompileOptions): NbPlan {
  const { prefix } = opts;
  const rows = new Map<string, NbRow>();
  const name = (code: NbNameCode, id: string) => nbName(prefix, code, id);

  const add = (table: NbTable, kind: ObjectKind, id: string, part: string | undefined, columns: Record<string, Plain>, children?: Record<string, string[]>, ext?: Record<string, string>): string => {
    const key = rowKey(table, kind, id, part);
    if (rows.has(key)) return key;
    rows.set(key, { table, key, columns: { ...columns, external_ids: externalIds(prefix, kind, id, part, ext) }, ...(children ? { children } : {}) });
    return key;
  };
  const child = (parentKey: string, column: string, childKey: string) => {
    const p = rows.get(parentKey)!;
    const list = (p.children ??= {})[column] ?? (p.children[column] = []);
    if (!list.includes(childKey)) list.push(childKey);
  };
  /** A router-type switch port bound to a router port. */
  const routerTypeLsp = (kind: ObjectKind, id: string, part: string | undefined, lspName: string, lrpName: string) =>
    add("Logical_Switch_Port", kind, id, part, { name: lspName, type: "router", addresses: ["router"], port_security: [], options: { "router-port": lrpName } });

  // Routers: VPCs and VBRs.
  const routerKey = new Map<string, string>();
  for (const v of desired.vpcs) {
    routerKey.set(v.id, add("Logical_Router", "vpc", v.id, undefined, { name: name("r", v.id) }, { ports: [], static_routes: [], policies: [] }));
  }
  const vbrHostPort = new Map<string, string>();
  for (const v of desired.vbrs) {
    const lr = add("Logical_Router", "vbr", v.id, undefined, { name: name("b", v.id) }, { ports: [], static_routes: [], policies: [] });
    routerKey.set(v.id, lr);
    if (v.onPremisesCidrs.length === 0) continue;
    const ls = add("Logical_Switch", "vbr", v.id, undefined, { name: name("h", v.id) }, { ports: [], qos_rules: [] });
    const gw = v.onPremisesCidrs.map((c) => hostAt(c, 1));
    const host = v.onPremisesCidrs.map((c) => hostAt(c, 2));
    const lrpName = name("bh", v.id);
    vbrHostPort.set(v.id, lrpName);
    child(lr, "ports", add("Logical_Router_Port", "vbr", v.id, undefined, { name: lrpName, mac: routerPortMac(gw[0]!.ip), networks: gw.map((g) => g.cidr), options: { route_table: v.id } }));
    child(ls, "ports", routerTypeLsp("vbr", v.id, "router", name("hb", v.id), lrpName));
    const mac = instanceMac(host[0]!.ip);
    const addresses = [[mac, ...host.map((h) => h.ip)].join(" ")];
    // Pinned to its host like an instance's port: the agent there plugs it.
    const options: Record<string, string> = v.host ? { "requested-chassis": v.host } : {};
    child(ls, "ports", add("Logical_Switch_Port", "vbr", v.id, "host", { name: name("o", v.id), type: "", addresses, port_security: addresses, options }));
  }

  // Subnets: a switch and the router port holding the gateway, using the subnet's route table.
  const tableVpc = new Map(desired.routeTables.map((t) => [t.id, t.vpcId]));
  const subnetSwitch = new Map<string, string>();
  for (const s of desired.subnets) {
    const lr = routerKey.get(s.vpcId);
    if (!lr || !desired.vpcs.some((v) => v.id === s.vpcId)) continue;
    const ls = add("Logical_Switch", "subnet", s.id, undefined, { name: name("s", s.id) }, { ports: [], qos_rules: [] });
    subnetSwitch.set(s.id, ls);
    const gw = gatewayIp(parseCidr(s.cidr, "cidr"));
    const lrpName = name("rs", s.id);
    const options: Record<string, string> = tableVpc.get(s.routeTableId) === s.vpcId ? { route_table: s.routeTableId } : {};
    child(lr, "ports", add("Logical_Router_Port", "subnet", s.id, undefined, { name: lrpName, mac: routerPortMac(gw), networks: [`${gw}/${s.cidr.split("/")[1]}`], options }));
    child(ls, "ports", routerTypeLsp("subnet", s.id, undefined, name("sr", s.id), lrpName));
  }

  // Instances; those that are a route's next hop in their own VPC may forward (MAC-only port security).
  const { hopOf, forwarding } = nextHops(desired);
  const instancePort = new Map<string, string>();
  for (const ins of desired.instances) {
    const ls = subnetSwitch.get(ins.subnetId);
    if (!ls) continue;
    const mac = instanceMac(ins.privateIp);
    const addresses = [`${mac} ${ins.privateIp}`];
    // Pinned to its host: ovn-controller binds it only there, whoever else claims the iface-id.
    const options: Record<string, string> = ins.host ? { "requested-chassis": ins.host } : {};
    const lsp = add("Logical_Switch_Port", "instance", ins.id, undefined, { name: name("i", ins.id), type: "", addresses, port_security: forwarding.has(ins.id) ? [mac] : addresses, options });
    child(ls, "ports", lsp);
    instancePort.set(ins.id, lsp);
  }

  // Security groups: a port group per group holding its members' ports, its rules as ACLs and a
  // default drop per direction; an address set per group some live rule names as its peer.
  const groups = new Map((desired.securityGroups ?? []).map((g) => [g.id, g]));
  const members = new Map<string, string[]>();
  for (const ins of desired.instances) {
    const lsp = instancePort.get(ins.id);
    // An instance its groups let everything through (an open default group) is in no port group:
    // the same verdicts without ACLs, so without conntrack on its switch.
    if (acceptsEverything((ins.securityGroupIds ?? []).flatMap((g) => groups.get(g)?.rules ?? []))) continue;
    for (const g of new Set(ins.securityGroupIds ?? [])) {
      members.set(g, [...(members.get(g) ?? []), ...(lsp ? [lsp] : [])]);
    }
  }
  const peerAddresses = new Map<string, Set<string>>();
  for (const g of groups.values()) {
    for (const r of g.rules) {
      if (r.stale || r.peerGroupId === null) continue;
      const set = peerAddresses.get(r.peerGroupId) ?? new Set<string>();
      for (const c of r.cidrs) set.add(c);
      peerAddresses.set(r.peerGroupId, set);
    }
  }
  for (const [g, addresses] of [...peerAddresses].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    add("Address_Set", "security-group", g, undefined, { name: sgSetName(prefix, "as", g), addresses: [...addresses].sort() });
  }
  for (const g of [...new Set([...groups.keys(), ...members.keys()])].sort()) {
    const pgName = sgSetName(prefix, "pg", g);
    const pg = add("Port_Group", "security-group", g, undefined, { name: pgName }, { ports: [...(members.get(g) ?? [])], acls: [] });
    for (const direction of ["ingress", "egress"] as const) {
      const side = aclSide(direction, pgName).direction;
      child(pg, "acls", add("ACL", "security-group", g, `default-${direction}`, { name: [`${g}-default-${direction}`], priority: SG_DEFAULT_DROP_PRIORITY, direction: side, match: defaultDropMatch(direction, pgName), action: "drop" }));
      child(pg, "acls", add("ACL", "security-group", g, `established-${direction}`, { name: [`${g}-established-${direction}`], priority: SG_ESTABLISHED_PRIORITY, direction: side, match: establishedMatch(direction, pgName), action: "allow-related" }));
    }
    for (const r of groups.get(g)?.rules ?? []) {
      const match = aclMatch(r, pgName, r.peerGroupId !== null && peerAddresses.has(r.peerGroupId) ? sgSetName(prefix, "as", r.peerGroupId) : null);
      if (match === null) continue; // stale: matches nothing
      const columns = { name: [r.id], priority: aclPriority(r.priority, r.action), direction: aclSide(r.direction, pgName).direction, match, action: aclAction(r.action) };
      child(pg, "acls", add("ACL", "security-group-rule", r.id, undefined, columns, undefined, { [EXT.securityGroup]: g }));
    }
  }

  // Peerings: a transit switch between the two routers, no-transit policies, QoS when capped.
  const peerings = desired.peerings.filter((p) => routerKey.has(p.a.routerId) && routerKey.has(p.b.routerId) && p.a.routerId !== p.b.routerId);
  const slots = allocateLinks(peerings.map((p) => ({ id: p.id, a: p.a.routerId, b: p.b.routerId })), opts.linkSlots);
  /** Per peering and router: our port name and the far side's address. */
  const linkOf = new Map<string, Map<string, { port: string; farIp: string }>>();
  for (const p of peerings) {
    const slot = slots.get(p.id)!;
    const ls = add("Logical_Switch", "peering", p.id, undefined, { name: name("p", p.id) }, { ports: [], qos_rules: [] });
    const ends = new Map<string, { port: string; farIp: string }>();
    linkOf.set(p.id, ends);
    for (const side of ["a", "b"] as const) {
      const end = p[side];
      const addr = linkAddress(slot, side);
      const lrpName = name(side === "a" ? "pa" : "pb", p.id);
      const lspName = name(side === "a" ? "ta" : "tb", p.id);
      const lr = routerKey.get(end.routerId)!;
      child(lr, "ports", add("Logical_Router_Port", "peering", p.id, side, { name: lrpName, mac: routerPortMac(addr.ip), networks: [addr.cidr], options: {} }));
      child(ls, "ports", routerTypeLsp("peering", p.id, side, lspName, lrpName));
      child(lr, "policies", add("Logical_Router_Policy", "peering", p.id, side, { priority: NO_TRANSIT_PRIORITY, match: `inport == "${lrpName}" && ${notOwn(end.cidrs)}`, action: "drop" }));
      if (p.bandwidthMbps !== null && p.bandwidthMbps > 0) {
        const kbps = Math.round(p.bandwidthMbps * 1000);
        child(ls, "qos_rules", add("QoS", "peering", p.id, side, { priority: QOS_PRIORITY, direction: "from-lport", match: `inport == "${lspName}"`, bandwidth: { rate: kbps, burst: Math.max(1, Math.round(kbps * QOS_BURST_SECONDS)) } }));
      }
      ends.set(end.routerId, { port: lrpName, farIp: linkAddress(slot, side === "a" ? "b" : "a").ip });
    }
  }

  const route = (routerId: string, table: string, dst: string, columns: { nexthop: string; output_port: string[] }) => {
    const key = rowKey("Logical_Router_Static_Route", "route", table, dst);
    if (rows.has(key)) return; // one route per destination and table: the first wins
    child(routerKey.get(routerId)!, "static_routes", add("Logical_Router_Static_Route", "route", table, dst, { ip_prefix: dst, route_table: table, ...columns }));
  };

  // User routes, in the route table their subnets' router ports use.
  for (const t of desired.routeTables) {
    if (!desired.vpcs.some((v) => v.id === t.vpcId)) continue;
    for (const r of t.routes) {
      const link = r.peeringId ? linkOf.get(r.peeringId)?.get(t.vpcId) : undefined;
      const hop = hopOf(r.instanceId, t.vpcId);
      if (link) route(t.vpcId, t.id, r.destinationCidr, { nexthop: link.farIp, output_port: [link.port] });
      else if (hop) route(t.vpcId, t.id, r.destinationCidr, { nexthop: hop.privateIp, output_port: [name("rs", hop.subnetId)] });
      else route(t.vpcId, t.id, r.destinationCidr, { nexthop: "discard", output_port: [] });
    }
  }

  // A VBR reaches the VPCs over its active connections without user routes.
  for (const p of peerings) {
    for (const [end, other] of [[p.a, p.b], [p.b, p.a]] as const) {
      if (end.routerType !== "vbr" || !vbrHostPort.has(end.routerId)) continue;
      const link = linkOf.get(p.id)!.get(end.routerId)!;
      for (const c of other.cidrs) route(end.routerId, end.routerId, c, { nexthop: link.farIp, output_port: [link.port] });
    }
  }

  return { owner: prefix, rows };
}
