/**
 * compile(desired) → HostPlan: what the kernel should hold, per namespace. Pure.
 *
 * Shape (see docs/dataplane.md): one router namespace per VPC (and per VBR), one namespace per
 * instance (and per VBR's on-premises host). A subnet is a bridge in its router holding the
 * gateway; an instance is a veth whose router end is a port of that bridge. A peering is a veth
 * between two routers, with proxy ARP instead of link addresses. Policy routing: packets from a
 * subnet's bridge use that subnet's route table; everything else (what arrives over a peering)
 * uses the "inbound" table, which only delivers into the router's own networks — no transit.
 */
import { gatewayIp } from "../domain/addressing.ts";
import { parseCidr } from "../domain/cidr.ts";
import { type ResolvedSgRule, acceptsEverything } from "../domain/security-groups.ts";
import { type FirewallPlan, compileFirewall } from "./firewall.ts";
import { type NsKind, links, nsName, suffixOf } from "./naming.ts";

// ---- desired state: what the store says, already resolved --------------------------------------

export interface DesiredState {
  vpcs: { id: string; cidr: string }[];
  subnets: { id: string; vpcId: string; cidr: string; routeTableId: string }[];
  /** Routes resolved to a next hop: the peering whose link carries them, an instance, or neither (blackhole). */
  routeTables: { id: string; vpcId: string; routes: DesiredRoute[] }[];
  /**
   * `host`: the chassis it is placed on (OVN pins its port there; the Linux driver ignores it).
   * `securityGroupIds`: its groups (the store always gives 1–5); absent (hand-made states, tests of
   * other features): the instance is not filtered.
   */
  instances: { id: string; subnetId: string; privateIp: string; host?: string | null; securityGroupIds?: string[] }[];
  /**
   * Security groups with their rules resolved (domain/security-groups.ts: group peers as member
   * addresses, stale rules empty). Absent: none.
   */
  securityGroups?: { id: string; vpcId: string; rules: ResolvedSgRule[] }[];
  /** `host`: the chassis its on-premises host is placed on (OVN pins its port there; the Linux driver ignores it). */
  vbrs: { id: string; onPremisesCidrs: string[]; host?: string | null }[];
  /** Peerings that carry traffic now (active); the others have no link. */
  peerings: { id: string; a: Endpoint; b: Endpoint; bandwidthMbps: number | null; delayMs: number | null }[];
}

export interface DesiredRoute {
  destinationCidr: string;
  /** The active peering whose link carries the route. */
  peeringId: string | null;
  /** The instance the route goes through (an appliance), when it exists; it must be in the table's VPC. */
  instanceId?: string | null;
}

export interface Endpoint {
  routerType: "vpc" | "vbr";
  routerId: string;
  /** The networks behind this end (VPC CIDR, or a VBR's on-premises CIDRs). */
  cidrs: string[];
}

// ---- the plan ------------------------------------------------------------------------------------

export type RouteType = "unicast" | "blackhole" | "unreachable" | "throw";

export interface RoutePlan {
  table: number;
  dst: string;
  type: RouteType;
  dev?: string;
  via?: string;
}

export interface RulePlan {
  pref: number;
  iif?: string;
  table: number;
}

export interface LinkPlan {
  name: string;
  kind: "bridge" | "veth";
  /** For a veth: the other end (created together with this one, from this namespace). */
  peer?: { ns: string; name: string };
  /** Bridge this link is a port of. */
  master?: string;
  addrs: string[];
}

export interface QdiscPlan {
  dev: string;
  rateMbit: number;
  burstBytes: number;
  delayMs: number | null;
}

export interface NsPlan {
  name: string;
  kind: NsKind;
  /** Links created from this namespace, and ends that another namespace creates (kind veth, no peer). */
  links: LinkPlan[];
  routes: RoutePlan[];
  rules: RulePlan[];
  qdiscs: QdiscPlan[];
  sysctls: Record<string, string>;
  /** An instance's security groups as an nftables table (firewall.ts); absent: the instance is not filtered. */
  firewall?: FirewallPlan;
}

export interface HostPlan {
  namespaces: Map<string, NsPlan>;
}

/** Table of packets that did not come from one of the router's own subnets (or host link). */
export const INBOUND_TABLE = 250;
/** Rule priorities we own; the kernel's own rules (0, 32766, 32767) are left alone. */
export const SUBNET_RULE_BASE = 1000;
export const INBOUND_RULE_PREF = 30000;
const TABLE_BASE = 1000;
const TABLE_SPAN = 50000;

const ROUTER_SYSCTLS = {
  "net.ipv4.ip_forward": "1",
  "net.ipv4.conf.all.proxy_arp": "1",
  "net.ipv4.conf.all.rp_filter": "0",
  "net.ipv4.conf.default.rp_filter": "0",
  // A route over a peering whose far end is not up yet is skipped, not used: packets meet the
  // table's `unreachable default` instead of starting an ARP resolution that would stall the
  // first connection for a second. The route takes effect the moment the far end comes up.
  "net.ipv4.conf.all.ignore_routes_with_linkdown": "1",
};

/** Every sysctl a plan may set, in a fixed order (observe reads them back). */
export const MANAGED_SYSCTLS: readonly string[] = Object.keys(ROUTER_SYSCTLS);

/**
 * Stable kernel table ids for a VPC's route tables: a hash of the id, probing in id order on
 * collision, so adding a table leaves the others' numbers alone.
 */
export function tableIds(routeTableIds: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  const used = new Set<number>();
  for (const id of [...routeTableIds].sort()) {
    let h = 0;
    for (const c of suffixOf(id)) h = (h * 31 + c.charCodeAt(0)) >>> 0;
    let t = TABLE_BASE + (h % TABLE_SPAN);
    while (used.has(t)) t = TABLE_BASE + ((t - TABLE_BASE + 1) % TABLE_SPAN);
    used.add(t);
    out.set(id, t);
  }
  return out;
}

/**
 * Stable rule priorities for a VPC's subnets (1000–29999): a hash of the id, probing in id order,
 * so adding a subnet never renumbers the others' rules (which would briefly misroute them).
 */
export function rulePrefs(subnetIds: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  const used = new Set<number>();
  const span = INBOUND_RULE_PREF - SUBNET_RULE_BASE;
  for (const id of [...subnetIds].sort()) {
    let h = 0;
    for (const c of suffixOf(id)) h = (h * 31 + c.charCodeAt(0)) >>> 0;
    let pref = SUBNET_RULE_BASE + (h % span);
    while (used.has(pref)) pref = SUBNET_RULE_BASE + ((pref - SUBNET_RULE_BASE + 1) % span);
    used.add(pref);
    out.set(id, pref);
  }
  return out;
}

/** Burst that lets TCP reach the configured rate: 2 ms of traffic at the rate, at least 32 KiB. */
export function burstFor(rateMbit: number): number {
  return Math.max(32 * 1024, Math.ceil((rateMbit * 1_000_000 * 0.002) / 8));
}

function emptyNs(name: string, kind: NsKind, sysctls: Record<string, string> = {}): NsPlan {
  return { name, kind, links: [], routes: [], rules: [], qdiscs: [], sysctls };
}

const hostAddr = (cidr: string, offset: number) => {
  const c = parseCidr(cidr, "cidr");
  const v = c.base + offset;
  return `${[v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join(".")}/${c.prefix}`;
};

/**
 * The instance a route goes through (an appliance), when it exists and is in the route table's
 * VPC; and the set of such instances, which forward. Both compilers (this one and ovn/compile.ts) use it.
 */
export function nextHops(desired: DesiredState) {
  const subnetById = new Map(desired.subnets.map((s) => [s.id, s]));
  const instanceById = new Map(desired.instances.map((i) => [i.id, i]));
  const hopOf = (instanceId: string | null | undefined, vpcId: string) => {
    const ins = instanceId ? instanceById.get(instanceId) : undefined;
    return ins && subnetById.get(ins.subnetId)?.vpcId === vpcId ? ins : undefined;
  };
  const forwarding = new Set(desired.routeTables.flatMap((t) => t.routes.flatMap((r) => hopOf(r.instanceId, t.vpcId)?.id ?? [])));
  return { hopOf, forwarding };
}

export function compile(desired: DesiredState, prefix: string): HostPlan {
  const namespaces = new Map<string, NsPlan>();
  const routerOf = new Map<string, NsPlan>();

  for (const vpc of desired.vpcs) {
    const ns = emptyNs(nsName(prefix, "router", vpc.id), "router", ROUTER_SYSCTLS);
    namespaces.set(ns.name, ns);
    routerOf.set(vpc.id, ns);
    ns.routes.push({ table: INBOUND_TABLE, dst: vpc.cidr, type: "throw" }, { table: INBOUND_TABLE, dst: "default", type: "unreachable" });
    ns.rules.push({ pref: INBOUND_RULE_PREF, table: INBOUND_TABLE });
  }

  for (const vbr of desired.vbrs) {
    const ns = emptyNs(nsName(prefix, "vbr", vbr.id), "vbr", ROUTER_SYSCTLS);
    const host = emptyNs(nsName(prefix, "host", vbr.id), "host");
    namespaces.set(ns.name, ns);
    namespaces.set(host.name, host);
    routerOf.set(vbr.id, ns);
    const hostLink = links.host(vbr.id);
    // The VBR router holds .1 of each on-premises network, the host .2; the host's default route points at the VBR.
    ns.links.push({ name: hostLink, kind: "veth", peer: { ns: host.name, name: "eth0" }, addrs: vbr.onPremisesCidrs.map((c) => hostAddr(c, 1)) });
    host.links.push({ name: "eth0", kind: "veth", addrs: vbr.onPremisesCidrs.map((c) => hostAddr(c, 2)) });
    host.routes.push({ table: 254, dst: "default", type: "unicast", via: hostAddr(vbr.onPremisesCidrs[0]!, 1).split("/")[0]!, dev: "eth0" });
    const fromHost = TABLE_BASE - 1;
    ns.rules.push({ pref: SUBNET_RULE_BASE, iif: hostLink, table: fromHost }, { pref: INBOUND_RULE_PREF, table: INBOUND_TABLE });
    ns.routes.push({ table: fromHost, dst: "default", type: "unreachable" });
    for (const c of vbr.onPremisesCidrs) ns.routes.push({ table: INBOUND_TABLE, dst: c, type: "throw" });
    ns.routes.push({ table: INBOUND_TABLE, dst: "default", type: "unreachable" });
  }

  // Instances that are a route's next hop (appliances) forward; every other instance does not.
  const { hopOf, forwarding } = nextHops(desired);

  const tablesByVpc = new Map<string, Map<string, number>>();
  for (const vpc of desired.vpcs) {
    const ids = desired.routeTables.filter((t) => t.vpcId === vpc.id).map((t) => t.id);
    tablesByVpc.set(vpc.id, tableIds(ids));
  }

  for (const rt of desired.routeTables) {
    const ns = routerOf.get(rt.vpcId);
    const vpc = desired.vpcs.find((v) => v.id === rt.vpcId);
    if (!ns || !vpc) continue;
    const table = tablesByVpc.get(rt.vpcId)!.get(rt.id)!;
    // The implicit local route: the VPC's own CIDR falls through to the connected subnet routes.
    ns.routes.push({ table, dst: vpc.cidr, type: "throw" });
    for (const r of rt.routes) {
      const peering = r.peeringId ? desired.peerings.find((p) => p.id === r.peeringId) : undefined;
      const hop = hopOf(r.instanceId, rt.vpcId);
      if (peering) ns.routes.push({ table, dst: r.destinationCidr, type: "unicast", dev: links.peering(peering.id) });
      // Through an instance: to its address on its subnet's bridge; the instance forwards (below).
      else if (hop) ns.routes.push({ table, dst: r.destinationCidr, type: "unicast", via: hop.privateIp, dev: links.subnet(hop.subnetId) });
      else ns.routes.push({ table, dst: r.destinationCidr, type: "blackhole" });
    }
    ns.routes.push({ table, dst: "default", type: "unreachable" });
  }

  const subnetsByVpc = new Map<string, DesiredState["subnets"]>();
  for (const s of desired.subnets) subnetsByVpc.set(s.vpcId, [...(subnetsByVpc.get(s.vpcId) ?? []), s]);
  for (const [vpcId, subnets] of subnetsByVpc) {
    const ns = routerOf.get(vpcId);
    const tables = tablesByVpc.get(vpcId);
    if (!ns || !tables) continue;
    const prefs = rulePrefs(subnets.map((s) => s.id));
    for (const s of subnets) {
      const bridge = links.subnet(s.id);
      ns.links.push({ name: bridge, kind: "bridge", addrs: [`${gatewayIp(parseCidr(s.cidr, "cidr"))}/${s.cidr.split("/")[1]}`] });
      const table = tables.get(s.routeTableId);
      if (table !== undefined) ns.rules.push({ pref: prefs.get(s.id)!, iif: bridge, table });
    }
  }

  const subnetById = new Map(desired.subnets.map((s) => [s.id, s]));
  const groupById = new Map((desired.securityGroups ?? []).map((g) => [g.id, g]));
  for (const ins of desired.instances) {
    const subnet = subnetById.get(ins.subnetId);
    const router = subnet && routerOf.get(subnet.vpcId);
    if (!subnet || !router) continue;
    // Set either way: a new namespace inherits the host's ip_forward, and an appliance that stops being one stops forwarding.
    const ns = emptyNs(nsName(prefix, "instance", ins.id), "instance", { "net.ipv4.ip_forward": forwarding.has(ins.id) ? "1" : "0" });
    namespaces.set(ns.name, ns);
    const prefixLen = subnet.cidr.split("/")[1];
    router.links.push({ name: links.instance(ins.id), kind: "veth", peer: { ns: ns.name, name: "eth0" }, master: links.subnet(subnet.id), addrs: [] });
    ns.links.push({ name: "eth0", kind: "veth", addrs: [`${ins.privateIp}/${prefixLen}`] });
    ns.routes.push({ table: 254, dst: "default", type: "unicast", via: gatewayIp(parseCidr(subnet.cidr, "cidr")), dev: "eth0" });
    // Its security groups, in its order (a group the state does not hold contributes no rule).
    if (ins.securityGroupIds) {
      const rules = ins.securityGroupIds.flatMap((id) => groupById.get(id)?.rules ?? []);
      if (!acceptsEverything(rules)) ns.firewall = compileFirewall(rules);
    }
  }

  for (const p of desired.peerings) {
    const a = routerOf.get(p.a.routerId);
    const b = routerOf.get(p.b.routerId);
    if (!a || !b) continue;
    const link = links.peering(p.id);
    a.links.push({ name: link, kind: "veth", peer: { ns: b.name, name: link }, addrs: [] });
    b.links.push({ name: link, kind: "veth", addrs: [] });
    if (p.bandwidthMbps !== null) {
      const q = { dev: link, rateMbit: p.bandwidthMbps, burstBytes: burstFor(p.bandwidthMbps), delayMs: p.delayMs };
      a.qdiscs.push(q);
      b.qdiscs.push({ ...q });
    } else if (p.delayMs !== null) {
      // Latency without a cap is rare (cross-region peerings need a bandwidth) but stays expressible.
      a.qdiscs.push({ dev: link, rateMbit: 0, burstBytes: 0, delayMs: p.delayMs });
      b.qdiscs.push({ dev: link, rateMbit: 0, burstBytes: 0, delayMs: p.delayMs });
    }
    // A VBR router reaches the VPC over the connection without user routes (its side is implicit).
    for (const [end, other] of [[a, p.b], [b, p.a]] as const) {
      if (end.kind === "vbr") for (const c of other.cidrs) end.routes.push({ table: TABLE_BASE - 1, dst: c, type: "unicast", dev: link });
    }
  }

  return { namespaces };
}
