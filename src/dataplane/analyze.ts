/**
 * "Why can't A reach B?" answered from the desired state the data plane applies (plan.ts's
 * DesiredState, as resolveDesired makes it for every driver), with the packet's walk modelled on
 * the compiled routers: a subnet's packets use its route table (the VPC CIDR local, the user
 * routes resolved to a peering link, an appliance instance or a blackhole, unreachable default),
 * by longest prefix match; what arrives over a peering is delivered only into that router's own
 * networks (no transit); an instance reaches its own subnet directly. Forward and return paths,
 * each hop named, and the reasons it fails. Pure: the service reads the store, this decides.
 *
 * Security groups (domain/security-groups.ts's evaluate, as both drivers compile them): the
 * request's first packet passes the source's egress rules, an appliance's ingress and egress rules
 * (the drivers filter forwarded packets at the port both ways), the destination's ingress rules.
 * Stateful: replies pass where the request passed; an appliance that only the replies cross has
 * no connection for them (see `replyAtAppliance`).
 *
 * Account isolation: the viewer sees its own resources and the peerings it is a party to; the
 * walk through another account's VPC is summarised (the peer's CIDR, never its ids).
 */
import { formatIp } from "../domain/cidr.ts";
import { type ResolvedSgRule, type SgAction, type SgDirection, type SgPacket, evaluate, evaluationOrder } from "../domain/security-groups.ts";
import { type AnalysisIndex, type Entry, type SubnetIx, type Table, inRange, indexModel, ipOf, range } from "./analysis-index.ts";
import { Lpm } from "./lpm.ts";
import type { DesiredState } from "./plan.ts";

export { type AnalysisIndex, indexModel };

export const REASON_CODES = [
  "NO_ROUTE",
  "ROUTE_BLACKHOLE",
  "PEERING_NOT_ACTIVE",
  "PEERING_SUSPENDED",
  "NO_TRANSIT",
  "RETURN_ROUTE_MISSING",
  "SUBNET_NOT_ASSOCIATED",
  "DESTINATION_NOT_IN_ANY_VPC",
  "ADDRESS_NOT_ASSIGNED",
  "ROUTING_LOOP",
  "SECURITY_GROUP_EGRESS_DENIED",
  "SECURITY_GROUP_INGRESS_DENIED",
  "DATAPLANE_NOT_CONVERGED",
  "MODEL_DATAPLANE_MISMATCH",
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

export interface Reason {
  code: ReasonCode;
  /** `error`: why it is unreachable; `warning`: the verdict holds for the desired state, the network may differ. */
  severity: "error" | "warning";
  message: string;
  /** The resource the reason is about, when the viewer may see it (else null). */
  resource: string | null;
  /** SECURITY_GROUP_*_DENIED the viewer may see: the instance's groups whose rules were evaluated. */
  securityGroupIds?: string[] | undefined;
}

export const HOP_TYPES = ["instance", "vbr-host", "subnet", "vpc-router", "route-table", "peering", "vbr", "security-group", "peer-network"] as const;
export type HopType = (typeof HOP_TYPES)[number];

export interface Hop {
  type: HopType;
  /** Null for what the viewer may not see (another account's side of a peering). */
  resourceId: string | null;
  /** For a route table: the route that matched (its id, destination and next hop). */
  route?: { routeId: string | null; destinationCidr: string; target: string } | undefined;
  /** For a security group: the rule that let the packet through (resourceId is its group). */
  rule?: { ruleId: string; direction: SgDirection; action: SgAction; priority: number; instanceId: string } | undefined;
  detail: string;
}

export interface Analysis {
  reachable: boolean;
  /** The source and destination addresses the walk used. */
  source: { ip: string; resourceId: string };
  destination: { ip: string; resourceId: string | null };
  forward: Hop[];
  return: Hop[];
  reasons: Reason[];
}

/** A peering in any state (the desired state holds only the active ones). */
export interface PeeringFact {
  id: string;
  state: string;
  generation: number;
  a: { accountId: string; routerType: "vpc" | "vbr"; routerId: string; cidrs: string[] };
  b: { accountId: string; routerType: "vpc" | "vbr"; routerId: string; cidrs: string[] };
}

/** The stored route behind each desired route, in the same order per table. */
export interface StoredRouteFact {
  id: string;
  targetType: string;
  targetId: string;
}

export interface AnalysisModel {
  desired: DesiredState;
  routes: ReadonlyMap<string, readonly StoredRouteFact[]>;
  /** Account of every VPC, VBR, subnet, route table and instance. */
  owners: ReadonlyMap<string, string>;
  peerings: readonly PeeringFact[];
  /** Router interface → the connection (peering) it is part of. */
  interfacePeering: ReadonlyMap<string, string>;
  /** The data plane's reports; analyze() may also be given them per query (the service reads only the path's). */
  dataplane?: DataplaneReports | undefined;
}

export interface DataplaneReports {
  /** A data plane runs against the store (its heartbeat is fresh). */
  running: boolean;
  /** Its last report per VPC router, instance and peering (VBR routers count as reported). */
  status: ReadonlyMap<string, { programmed: boolean; generation: number }>;
}

export interface AnalysisQuery {
  viewer: string;
  from: { instanceId: string } | { vbrId: string };
  toIp: string;
  /** What the security groups judge: default tcp; tcp/udp port default 80 (ICMP: an echo request, as the probe sends). */
  protocol?: "tcp" | "udp" | "icmp" | undefined;
  port?: number | undefined;
}

// ---- the walk ---------------------------------------------------------------------------------

/** Where a packet is: at an endpoint, or at a router having come from one of its subnets, from its host, or over a peering. */
type At =
  | { kind: "instance"; instanceId: string }
  | { kind: "vbr-host"; vbrId: string }
  | { kind: "vpc-subnet"; vpcId: string; subnetId: string }
  | { kind: "vpc-inbound"; vpcId: string; peeringId: string }
  | { kind: "vbr-inbound"; vbrId: string; peeringId: string };

type Endpoint = { kind: "instance"; id: string } | { kind: "vbr-host"; id: string };

/** One hop before redaction: `owner` decides who may see it. */
interface RawHop extends Hop {
  owner: string | null;
}

interface RawReason {
  code: ReasonCode;
  message: string;
  resource: string | null;
  /** The account that owns `resource` (null: a peering, visible to its parties). */
  owner: string | null;
  /** What to say instead, to a viewer that may not see it. */
  hidden: string;
  securityGroupIds?: string[] | undefined;
}

interface Walk {
  hops: RawHop[];
  delivered: Endpoint | null;
  failure: RawReason | null;
  /** Every router, peering and instance the packet crossed (convergence check). */
  crossed: string[];
  /** Non-active peerings whose blackhole routes stopped the packet (the network may still carry them). */
  stoppedBy: string[];
}

const MAX_HOPS = 32;
/** Any resource id in a text (see domain/ids.ts). */
const ID_TOKEN = /\b(?:vpc|subnet|rtb|rt|vbr|ins|pcx|ri|sg|sgr)-[a-z0-9]{12}\b/g;

/**
 * The ports a client's connection leaves from (Linux's default ip_local_port_range, the probe's
 * and the instances'): a reply's destination port, where an appliance judges replies as new packets.
 */
export const EPHEMERAL_PORTS = { from: 32768, to: 60999 } as const;

/** The flow a walk carries, as the security groups see it. */
interface Flow {
  protocol: "tcp" | "udp" | "icmp";
  /** tcp/udp: the request's destination port. */
  port: number | null;
  /** `request`: the first packet, judged by every group it meets. `reply`: the answers, which pass
   * (stateful) wherever the request passed; `requestCrossed` is every instance the request crossed. */
  leg: { kind: "request" } | { kind: "reply"; requestCrossed: ReadonlySet<string> };
}

/** "tcp/22", "udp/53", "icmp echo request". */
function flowText(f: Flow): string {
  if (f.protocol === "icmp") return f.leg.kind === "reply" ? "icmp echo reply" : "icmp echo request";
  return `${f.protocol}/${f.port}`;
}

/** A rule in words: "priority 1: accept tcp 22 from 10.0.0.0/8". */
export function sgRuleText(r: ResolvedSgRule): string {
  const proto =
    r.protocol === "all"
      ? "all traffic"
      : r.protocol === "icmp"
        ? `icmp${r.icmpType !== null ? ` type ${r.icmpType}${r.icmpCode !== null ? ` code ${r.icmpCode}` : ""}` : ""}`
        : `${r.protocol} ${r.fromPort === r.toPort ? r.fromPort : `${r.fromPort ?? 1}-${r.toPort ?? 65535}`}`;
  const peer = r.peerGroupId !== null ? `the members of ${r.peerGroupId}` : r.cidrs.join(", ");
  return `priority ${r.priority}: ${r.action} ${proto} ${r.direction === "ingress" ? "from" : "to"} ${peer}${r.stale ? " (stale: matches nothing)" : ""}`;
}

class Walker {
  constructor(
    private readonly ix: AnalysisIndex,
    private readonly dst: number,
    private readonly dstText: string,
    /** The packets' source address (the ingress rules' peer). */
    private readonly src: number,
    private readonly flow: Flow,
  ) {}

  private owner(id: string): string | null {
    return this.ix.model.owners.get(id) ?? null;
  }

  walk(start: Endpoint): Walk {
    const w: Walk = { hops: [], delivered: null, failure: null, crossed: [], stoppedBy: [] };
    let at: At = start.kind === "instance" ? { kind: "instance", instanceId: start.id } : { kind: "vbr-host", vbrId: start.id };
    const seen = new Set<string>();
    let lastPeering: string | null = null;
    for (let n = 0; n < MAX_HOPS; n++) {
      const key = JSON.stringify(at);
      if (seen.has(key)) {
        w.failure = this.reason("ROUTING_LOOP", null, null, `packets to ${this.dstText} loop between route tables and appliance instances (they are dropped when their TTL runs out)`, lastPeering);
        return w;
      }
      seen.add(key);
      const next = this.step(at, w, n === 0, lastPeering);
      if (next === null) return w;
      if (next.kind === "vpc-inbound" || next.kind === "vbr-inbound") lastPeering = next.peeringId;
      at = next;
    }
    w.failure = this.reason("ROUTING_LOOP", null, null, `packets to ${this.dstText} cross more than ${MAX_HOPS} hops`, lastPeering);
    return w;
  }

  private reason(code: ReasonCode, resource: string | null, owner: string | null, message: string, viaPeering: string | null, hidden?: string): RawReason {
    return { code, resource, owner, message, hidden: hidden ?? `${message}${viaPeering ? ` (in the peer's network of ${viaPeering}; not visible to you)` : ""}` };
  }

  /** The rules of an instance's groups, its groups in its order (as the drivers compile them); null: no groups, unfiltered. */
  private groupsOf(insId: string): { ids: string[]; rules: ResolvedSgRule[] } | null {
    const ids = this.ix.instances.get(insId)?.securityGroupIds ?? null;
    if (ids === null) return null;
    return { ids, rules: ids.flatMap((g) => this.ix.groups.get(g)?.rules ?? []) };
  }

  /** The packet the groups judge: ingress from the packets' source, egress to their destination. */
  private packet(direction: SgDirection, port: number | null): SgPacket {
    const peerIp = formatIp(direction === "ingress" ? this.src : this.dst);
    if (this.flow.protocol === "icmp") return { direction, protocol: "icmp", peerIp, icmpType: this.flow.leg.kind === "reply" ? 0 : 8, icmpCode: 0 };
    return { direction, protocol: this.flow.protocol, peerIp, port: port ?? undefined };
  }

  /**
   * Whether the security groups of `insId` let the walk's packets through its port in `direction`:
   * yes with a hop naming the rule that accepts them; no with the walk's failure naming the rule that
   * drops them, or the groups none of whose rules accepts them.
   */
  private passes(insId: string, direction: SgDirection, w: Walk, role: "source" | "appliance" | "destination"): boolean {
    const g = this.groupsOf(insId);
    if (g === null) return true;
    const leg = this.flow.leg;
    // Stateful: the replies belong to a connection wherever the request passed.
    if (leg.kind === "reply" && leg.requestCrossed.has(insId)) return true;
    let verdicts: { action: SgAction; rule: ResolvedSgRule | null; packet: SgPacket }[];
    if (leg.kind === "reply" && this.flow.protocol !== "icmp") {
      // An appliance that only the replies cross has no connection for them: each is judged as a
      // new packet, to the client's port, which is any of the ephemeral ports.
      const edges = new Set<number>([EPHEMERAL_PORTS.from]);
      for (const r of g.rules) for (const p of [r.fromPort, r.toPort === null ? null : r.toPort + 1]) if (p !== null && p > EPHEMERAL_PORTS.from && p <= EPHEMERAL_PORTS.to) edges.add(p);
      verdicts = [...edges].map((port) => {
        const packet = this.packet(direction, port);
        return { ...evaluate(g.rules, packet), packet };
      });
    } else {
      const packet = this.packet(direction, this.flow.port);
      verdicts = [{ ...evaluate(g.rules, packet), packet }];
    }
    const denied = verdicts.find((v) => v.action === "drop");
    if (!denied) {
      const { rule, packet } = verdicts[0]!;
      const r = rule!;
      const prep = direction === "ingress" ? "from" : "to";
      const what = leg.kind === "reply" && this.flow.protocol !== "icmp" ? `replies (${this.flow.protocol} to ports ${EPHEMERAL_PORTS.from}-${EPHEMERAL_PORTS.to})` : flowText(this.flow);
      w.hops.push({
        type: "security-group",
        resourceId: r.securityGroupId,
        owner: this.owner(insId),
        rule: { ruleId: r.id, direction, action: r.action, priority: r.priority, instanceId: insId },
        detail: `${direction} of ${insId}: rule ${r.id} (${sgRuleText(r)}) allows ${what} ${prep} ${packet.peerIp}`,
      });
      return true;
    }
    w.failure = this.sgDenied(insId, direction, g, denied, role);
    return false;
  }

  private sgDenied(insId: string, direction: SgDirection, g: { ids: string[]; rules: ResolvedSgRule[] }, v: { rule: ResolvedSgRule | null; packet: SgPacket }, role: "source" | "appliance" | "destination"): RawReason {
    const code = direction === "ingress" ? "SECURITY_GROUP_INGRESS_DENIED" : "SECURITY_GROUP_EGRESS_DENIED";
    const prep = direction === "ingress" ? "from" : "to";
    const reply = this.flow.leg.kind === "reply";
    const what = reply && this.flow.protocol !== "icmp" ? `${this.flow.protocol} replies to port ${v.packet.port} (the client's port, any of ${EPHEMERAL_PORTS.from}-${EPHEMERAL_PORTS.to})` : flowText(this.flow);
    const where = role === "appliance" ? `at appliance ${insId}${reply ? ", which the replies cross but the request did not (it has no connection for them, so judges them as new packets)" : ""}: ` : "";
    let message: string;
    let resource: string;
    if (v.rule) {
      message = `${where}${direction} rule ${v.rule.id} of ${v.rule.securityGroupId} (${sgRuleText(v.rule)}) drops ${what} ${prep} ${v.packet.peerIp}`;
      resource = v.rule.securityGroupId;
    } else {
      message = `${where}no ${direction} rule of ${g.ids.length > 0 ? g.ids.join(", ") : "any group"} (the security groups of ${insId}) allows ${what} ${prep} ${v.packet.peerIp}`;
      // Rules that would match but for a group peer gone stale: what is missing is the peering.
      const wouldMatch = evaluationOrder(g.rules).filter((r) => r.direction === direction && r.stale && r.action === "accept" && evaluate([{ ...r, stale: false, cidrs: ["0.0.0.0/0"] }], v.packet).action === "accept");
      for (const r of wouldMatch) message += `; rule ${r.id} of ${r.securityGroupId} would, but names ${r.peerGroupId} across no active peering in one region: stale, it matches nothing`;
      resource = insId;
    }
    const hidden =
      role === "destination"
        ? `the packets reach ${this.dstText}, but the security groups there (another account's) do not admit ${what} ${prep} ${v.packet.peerIp}: the peer's security group rules are not visible to you`
        : `an appliance in the peer's network drops ${what} ${prep} ${v.packet.peerIp} by its security groups: the peer's security group rules are not visible to you`;
    return { code, resource, owner: this.owner(insId), message, hidden, securityGroupIds: g.ids };
  }

  /** Delivers into a VPC's own networks: an instance at the address, by its subnet. */
  private deliverLocal(vpcId: string, w: Walk, viaPeering: string | null): null {
    const vpcOwner = this.owner(vpcId);
    const subnet = (this.ix.subnetsOfVpc.get(vpcId) ?? []).find((s) => inRange(s, this.dst));
    if (!subnet) {
      w.failure = this.reason("ADDRESS_NOT_ASSIGNED", vpcId, vpcOwner, `${this.dstText} is in the CIDR of ${vpcId} but in none of its subnets`, viaPeering, `${this.dstText} is in the peer's CIDR but nothing there holds it (the peer's network is not visible to you)`);
      return null;
    }
    return this.deliverInSubnet(subnet, w, viaPeering);
  }

  private deliverInSubnet(subnet: SubnetIx, w: Walk, viaPeering: string | null): null {
    const owner = this.owner(subnet.id);
    w.hops.push({ type: "subnet", resourceId: subnet.id, owner, detail: `${subnet.cidr}` });
    const ins = this.ix.instanceAt.get(subnet.id)?.get(this.dst);
    if (ins) {
      if (!this.passes(ins, "ingress", w, "destination")) return null;
      w.hops.push({ type: "instance", resourceId: ins, owner: this.owner(ins), detail: `${this.dstText}: delivered` });
      w.crossed.push(ins);
      w.delivered = { kind: "instance", id: ins };
      return null;
    }
    const gw = subnet.base + 1 === this.dst;
    w.failure = this.reason(
      "ADDRESS_NOT_ASSIGNED",
      subnet.id,
      owner,
      gw ? `${this.dstText} is the gateway of ${subnet.id} (the VPC router): it forwards packets, nothing listens there` : `no instance of ${subnet.id} has the address ${this.dstText}`,
      viaPeering,
      `no instance in the peer's network answers at ${this.dstText} (the peer's network is not visible to you)`,
    );
    return null;
  }

  /** Why a route is a blackhole, from the stored route's target. */
  private blackholeReason(table: Table, e: Extract<Entry, { kind: "blackhole" }>, w: Walk): RawReason {
    const owner = this.owner(table.id);
    const r = e.route;
    const what = `route ${e.cidr} in ${table.id}`;
    let peeringId: string | null = null;
    if (r?.targetType === "peering") peeringId = r.targetId;
    else if (r?.targetType === "router-interface") peeringId = this.ix.model.interfacePeering.get(r.targetId) ?? null;
    else if (r?.targetType === "vbr") {
      const matches = this.ix.model.peerings.filter((p) => (p.a.routerId === r.targetId && p.b.routerId === table.vpcId) || (p.b.routerId === r.targetId && p.a.routerId === table.vpcId));
      peeringId = matches.find((p) => p.state !== "deleted")?.id ?? matches[0]?.id ?? null;
    }
    const p = peeringId ? this.ix.peeringFacts.get(peeringId) : undefined;
    if (p) {
      w.stoppedBy.push(p.id);
      if (p.state === "suspended") return this.reason("PEERING_SUSPENDED", p.id, null, `${what} goes over peering ${p.id}, which is suspended (its subscription ended; renew it): the route is a blackhole`, null);
      return this.reason("PEERING_NOT_ACTIVE", p.id, null, `${what} goes over peering ${p.id}, which is ${p.state}: the route is a blackhole until it is active`, null);
    }
    const target = r ? `${r.targetType} ${r.targetId}` : "its target";
    const why = r?.targetType === "instance" ? `instance ${r.targetId} no longer exists in ${table.vpcId}` : `${target} no longer exists or is not connected`;
    return this.reason("ROUTE_BLACKHOLE", r?.id ?? table.id, owner, `${what} is a blackhole: ${why}`, null);
  }

  /** No route matched in a subnet's table: is another table of the VPC the one with the route? */
  private noRoute(table: Table, subnetId: string): RawReason {
    const owner = this.owner(table.id);
    const other = (this.ix.tablesOfVpc.get(table.vpcId) ?? []).find((t) => t.id !== table.id && t.lpm.lookup(this.dst) > 0);
    if (other) {
      const e = other.entries[other.lpm.lookup(this.dst)]!;
      return this.reason("SUBNET_NOT_ASSOCIATED", subnetId, this.owner(subnetId), `${subnetId} uses route table ${table.id}, which has no route to ${this.dstText}; route table ${other.id} has one (${e.cidr}) but ${subnetId} is not associated with it`, null);
    }
    return this.reason("NO_ROUTE", table.id, owner, `route table ${table.id} (used by ${subnetId}) has no route to ${this.dstText}`, null);
  }

  private step(at: At, w: Walk, first: boolean, lastPeering: string | null): At | null {
    const ix = this.ix;
    switch (at.kind) {
      case "instance": {
        const ins = ix.instances.get(at.instanceId)!;
        const subnet = ix.subnets.get(ins.subnetId)!;
        // An appliance's port filters what arrives (ingress) and what it sends on (egress).
        if (!first && !this.passes(ins.id, "ingress", w, "appliance")) return null;
        w.hops.push({ type: "instance", resourceId: ins.id, owner: this.owner(ins.id), detail: first ? `${ins.privateIp}: source` : `${ins.privateIp}: next hop (appliance), forwards back to its gateway` });
        w.crossed.push(ins.id);
        if (ins.ip === this.dst) {
          w.delivered = { kind: "instance", id: ins.id };
          return null;
        }
        if (!this.passes(ins.id, "egress", w, first ? "source" : "appliance")) return null;
        // Its own subnet is on-link: delivered without the router.
        if (inRange(subnet, this.dst)) return this.deliverInSubnet(subnet, w, lastPeering);
        w.hops.push({ type: "subnet", resourceId: subnet.id, owner: this.owner(subnet.id), detail: `${subnet.cidr}, to its gateway ${formatIp(subnet.base + 1)}` });
        return { kind: "vpc-subnet", vpcId: subnet.vpcId, subnetId: subnet.id };
      }
      case "vbr-host": {
        const vbr = ix.vbrs.get(at.vbrId)!;
        const owner = this.owner(vbr.id);
        w.hops.push({ type: "vbr-host", resourceId: vbr.id, owner, detail: `on-premises host ${formatIp(vbr.hostIps[0]!)}` });
        if (vbr.hostIps.includes(this.dst)) {
          w.delivered = { kind: "vbr-host", id: vbr.id };
          return null;
        }
        w.hops.push({ type: "vbr", resourceId: vbr.id, owner, detail: "the VBR's router" });
        w.crossed.push(vbr.id);
        const t = ix.vbrTables.get(vbr.id)!;
        const i = t.lpm.lookup(this.dst);
        if (i < 0) {
          const own = vbr.cidrs.find((c) => inRange(range(c), this.dst));
          if (own) {
            w.failure = this.reason("ADDRESS_NOT_ASSIGNED", vbr.id, owner, `${this.dstText} is in the on-premises network ${own} of ${vbr.id}, where only its host ${formatIp(range(own).base + 2)} answers`, null);
            return null;
          }
          const down = ix.model.peerings.find((p) => p.state !== "active" && (p.a.routerId === vbr.id || p.b.routerId === vbr.id) && (p.a.routerId === vbr.id ? p.b : p.a).cidrs.some((c) => inRange(range(c), this.dst)));
          if (down) {
            w.stoppedBy.push(down.id);
            const code = down.state === "suspended" ? "PEERING_SUSPENDED" : "PEERING_NOT_ACTIVE";
            w.failure = this.reason(code, down.id, null, `${vbr.id} reaches ${this.dstText} over connection ${down.id}, which is ${down.state}`, null);
            return null;
          }
          w.failure = this.reason("NO_ROUTE", vbr.id, owner, `${vbr.id} has no active connection to a VPC holding ${this.dstText}`, null);
          return null;
        }
        const peeringId = t.peerings[i]!;
        w.hops.push({ type: "peering", resourceId: peeringId, owner: null, detail: `to ${t.cidrs[i]}` });
        w.crossed.push(peeringId);
        const p = ix.active.get(peeringId)!;
        const far = p.a.routerId === vbr.id ? p.b : p.a;
        return { kind: "vpc-inbound", vpcId: far.routerId, peeringId };
      }
      case "vpc-subnet": {
        const vpc = ix.vpcs.get(at.vpcId)!;
        const subnet = ix.subnets.get(at.subnetId)!;
        w.hops.push({ type: "vpc-router", resourceId: vpc.id, owner: this.owner(vpc.id), detail: `from ${subnet.id}` });
        w.crossed.push(vpc.id);
        const table = ix.tables.get(subnet.routeTableId);
        // A subnet whose table is not of its VPC has no rule: its packets use the inbound table.
        if (!table || table.vpcId !== vpc.id) {
          if (inRange(vpc, this.dst)) return this.deliverLocal(vpc.id, w, lastPeering);
          w.failure = this.reason("SUBNET_NOT_ASSOCIATED", subnet.id, this.owner(subnet.id), `${subnet.id} is associated with no route table of ${vpc.id}`, null);
          return null;
        }
        const i = table.lpm.lookup(this.dst);
        if (i < 0) {
          w.hops.push({ type: "route-table", resourceId: table.id, owner: this.owner(table.id), detail: `no route to ${this.dstText}` });
          w.failure = this.noRoute(table, subnet.id);
          return null;
        }
        const e = table.entries[i]!;
        const route = (target: string, stored: StoredRouteFact | null) => ({ routeId: stored?.id ?? null, destinationCidr: e.cidr, target });
        const tableOwner = this.owner(table.id);
        switch (e.kind) {
          case "local":
            w.hops.push({ type: "route-table", resourceId: table.id, owner: tableOwner, route: route("local", null), detail: `${e.cidr} → local` });
            return this.deliverLocal(vpc.id, w, lastPeering);
          case "blackhole":
            w.hops.push({ type: "route-table", resourceId: table.id, owner: tableOwner, route: route(e.route ? `${e.route.targetType} ${e.route.targetId}` : "blackhole", e.route), detail: `${e.cidr} → blackhole` });
            w.failure = this.blackholeReason(table, e, w);
            return null;
          case "instance":
            w.hops.push({ type: "route-table", resourceId: table.id, owner: tableOwner, route: route(`instance ${e.instanceId}`, e.route), detail: `${e.cidr} → instance ${e.instanceId}` });
            return { kind: "instance", instanceId: e.instanceId };
          case "peering": {
            w.hops.push({ type: "route-table", resourceId: table.id, owner: tableOwner, route: route(e.route ? `${e.route.targetType} ${e.route.targetId}` : `peering ${e.peeringId}`, e.route), detail: `${e.cidr} → peering ${e.peeringId}` });
            const p = ix.active.get(e.peeringId)!;
            const far = p.a.routerId === vpc.id ? p.b : p.a;
            w.hops.push({ type: "peering", resourceId: p.id, owner: null, detail: `to ${far.cidrs.join(", ")}` });
            w.crossed.push(p.id);
            return far.routerType === "vpc" ? { kind: "vpc-inbound", vpcId: far.routerId, peeringId: p.id } : { kind: "vbr-inbound", vbrId: far.routerId, peeringId: p.id };
          }
        }
        return null;
      }
      case "vpc-inbound": {
        const vpc = ix.vpcs.get(at.vpcId);
        if (!vpc) {
          w.failure = this.reason("NO_ROUTE", at.peeringId, null, `the far end of ${at.peeringId} has no router`, null);
          return null;
        }
        w.hops.push({ type: "vpc-router", resourceId: vpc.id, owner: this.owner(vpc.id), detail: `from ${at.peeringId}: delivers only into ${vpc.cidr}` });
        w.crossed.push(vpc.id);
        if (!inRange(vpc, this.dst)) {
          w.failure = this.reason("NO_TRANSIT", at.peeringId, null, `${this.dstText} is outside ${vpc.cidr}, the CIDR at the far end of ${at.peeringId}: a peering carries packets only into the peer's own network (no transit)`, null);
          return null;
        }
        return this.deliverLocal(vpc.id, w, at.peeringId);
      }
      case "vbr-inbound": {
        const vbr = ix.vbrs.get(at.vbrId);
        if (!vbr) {
          w.failure = this.reason("NO_ROUTE", at.peeringId, null, `the far end of ${at.peeringId} has no router`, null);
          return null;
        }
        w.hops.push({ type: "vbr", resourceId: vbr.id, owner: this.owner(vbr.id), detail: `from ${at.peeringId}: delivers only into ${vbr.cidrs.join(", ")}` });
        w.crossed.push(vbr.id);
        const own = vbr.cidrs.find((c) => inRange(range(c), this.dst));
        if (!own) {
          w.failure = this.reason("NO_TRANSIT", at.peeringId, null, `${this.dstText} is outside the on-premises networks (${vbr.cidrs.join(", ")}) at the far end of ${at.peeringId}: no transit`, null);
          return null;
        }
        if (!vbr.hostIps.includes(this.dst)) {
          w.failure = this.reason("ADDRESS_NOT_ASSIGNED", vbr.id, this.owner(vbr.id), `${this.dstText} is in the on-premises network ${own}, where only the host ${formatIp(range(own).base + 2)} answers`, at.peeringId);
          return null;
        }
        w.hops.push({ type: "vbr-host", resourceId: vbr.id, owner: this.owner(vbr.id), detail: `on-premises host ${this.dstText}: delivered` });
        w.delivered = { kind: "vbr-host", id: vbr.id };
        return null;
      }
    }
  }
}

/** The networks the viewer knows of: its VPCs and on-premises networks, and the far side of its peerings. */
function knownNetworks(ix: AnalysisIndex, viewer: string): Lpm {
  let lpm = ix.known.get(viewer);
  if (!lpm) {
    const out = [...(ix.ownedNetworks.get(viewer) ?? [])];
    for (const p of ix.peeringsOf.get(viewer) ?? []) out.push(...p.a.cidrs, ...p.b.cidrs);
    lpm = new Lpm(out);
    ix.known.set(viewer, lpm);
  }
  return lpm;
}

/** Both walks: the way there, and (when it gets there) the way back. */
function walks(ix: AnalysisIndex, q: AnalysisQuery) {
  const dst = ipOf(q.toIp);
  const start: Endpoint = "instanceId" in q.from ? { kind: "instance", id: q.from.instanceId } : { kind: "vbr-host", id: q.from.vbrId };
  const srcIp = start.kind === "instance" ? ix.instances.get(start.id)!.ip : ix.vbrs.get(start.id)!.hostIps[0]!;
  const protocol = q.protocol ?? "tcp";
  const port = protocol === "icmp" ? null : (q.port ?? 80);
  const fwd = new Walker(ix, dst, q.toIp, srcIp, { protocol, port, leg: { kind: "request" } }).walk(start);
  const requestCrossed = new Set(fwd.crossed);
  const back = !fwd.failure && fwd.delivered ? new Walker(ix, srcIp, formatIp(srcIp), dst, { protocol, port, leg: { kind: "reply", requestCrossed } }).walk(fwd.delivered) : null;
  return { dst, start, srcIp, fwd, back };
}

/** The routers, instances and peerings an analysis crosses or is stopped by: whose data plane reports matter. */
export function pathResources(ix: AnalysisIndex, q: AnalysisQuery): string[] {
  const { fwd, back } = walks(ix, q);
  return [...new Set([...fwd.crossed, ...fwd.stoppedBy, ...(back?.crossed ?? []), ...(back?.stoppedBy ?? [])])];
}

const NO_DATAPLANE: DataplaneReports = { running: false, status: new Map() };

/** Analyses one query over an index. The source must exist in the model (the service checks ownership). */
export function analyze(ix: AnalysisIndex, q: AnalysisQuery, dp: DataplaneReports = ix.model.dataplane ?? NO_DATAPLANE): Analysis {
  const { dst, start, srcIp, fwd, back } = walks(ix, q);
  const srcText = formatIp(srcIp);
  const reasons: RawReason[] = [];

  if (fwd.failure) {
    let failure = fwd.failure;
    if (failure.code === "NO_ROUTE" && knownNetworks(ix, q.viewer).lookup(dst) < 0) {
      failure = { ...failure, code: "DESTINATION_NOT_IN_ANY_VPC", message: `${q.toIp} is in none of your VPCs or on-premises networks, nor behind any of your peerings; ${failure.message}` };
      failure.hidden = failure.message;
    }
    reasons.push(failure);
  } else if (back && fwd.delivered) {
    const home = back.delivered && back.delivered.kind === start.kind && back.delivered.id === start.id;
    if (!home && back.failure && (back.failure.code === "SECURITY_GROUP_INGRESS_DENIED" || back.failure.code === "SECURITY_GROUP_EGRESS_DENIED")) {
      // The replies are routed back but an appliance's groups stop them.
      const f = back.failure;
      reasons.push({ ...f, message: `the way there works but replies from ${q.toIp} to ${srcText} do not come back: ${f.message}`, hidden: `the way there works but replies from ${q.toIp} to ${srcText} do not come back: ${f.hidden}` });
    } else if (!home) {
      const why = back.failure ? back.failure.message : `replies to ${srcText} are delivered to another network`;
      const crossed = [...fwd.hops].reverse().find((x) => x.type === "peering")?.resourceId;
      const owner = back.failure?.owner ?? null;
      reasons.push({
        code: "RETURN_ROUTE_MISSING",
        resource: back.failure?.resource ?? null,
        owner,
        message: `the way there works but replies from ${q.toIp} to ${srcText} do not come back: ${why}`,
        hidden: `the way there works but replies from ${q.toIp} to ${srcText} do not come back${crossed ? ` over ${crossed}` : ""}: the peer's return path is not visible to you (its owner can run this analysis from ${q.toIp})`,
      });
    }
  }

  // The verdict is the desired state's; a data plane that has not applied it yet may differ.
  const warnings: RawReason[] = [];
  if (dp.running) {
    const crossed = [...new Set([...fwd.crossed, ...(back?.crossed ?? [])])];
    const behind = crossed.filter((id) => {
      const s = dp.status.get(id);
      const p = ix.active.get(id);
      const gen = p ? (ix.peeringFacts.get(id)?.generation ?? 0) : 0;
      return !s || !s.programmed || s.generation < gen;
    });
    const stillCarried = [...new Set([...fwd.stoppedBy, ...(back?.stoppedBy ?? [])])].filter((id) => dp.status.has(id));
    for (const id of [...behind, ...stillCarried]) {
      const owner = id.startsWith("pcx-") ? null : (ix.model.owners.get(id) ?? null);
      const carried = stillCarried.includes(id);
      warnings.push({
        code: "DATAPLANE_NOT_CONVERGED",
        resource: id,
        owner,
        message: carried ? `the data plane still carries ${id} (the change is on its way): packets may pass for a moment` : `the data plane has not applied ${id} at its latest change yet: packets may not follow this analysis until it has`,
        hidden: "the data plane has not applied the peer's side yet: packets may not follow this analysis until it has",
      });
    }
  }

  const reachable = reasons.length === 0 && fwd.delivered !== null;
  const seeable = (owner: string | null, resource: string | null) => {
    if (resource === null) return true;
    if (resource.startsWith("pcx-")) {
      const p = ix.peeringFacts.get(resource);
      return !p || p.a.accountId === q.viewer || p.b.accountId === q.viewer;
    }
    return owner === q.viewer;
  };
  // Whatever the text says, an id the viewer may not see never leaves: it becomes "…". (A rule's owner is its group's.)
  const ownerOf = (id: string) => ix.model.owners.get(id) ?? (id.startsWith("sgr-") ? ix.model.owners.get(ix.ruleGroup.get(id) ?? "") : undefined);
  const scrub = (text: string) => text.replace(ID_TOKEN, (id) => (seeable(ownerOf(id) ?? null, id) && (id.startsWith("pcx-") ? ix.peeringFacts.has(id) : ownerOf(id) !== undefined) ? id : "…"));
  const redactReason = (r: RawReason, severity: Reason["severity"]): Reason => {
    if (!seeable(r.owner, r.resource)) return { code: r.code, severity, message: scrub(r.hidden), resource: null };
    const out: Reason = { code: r.code, severity, message: scrub(r.message), resource: r.resource };
    if (r.securityGroupIds) out.securityGroupIds = r.securityGroupIds;
    return out;
  };
  const out: Reason[] = [...reasons.map((r) => redactReason(r, "error"))];
  for (const r of warnings) {
    const red = redactReason(r, "warning");
    if (!out.some((o) => o.code === red.code && o.message === red.message)) out.push(red);
  }
  const dstOwner = fwd.delivered ? (ix.model.owners.get(fwd.delivered.id) ?? null) : null;
  return {
    reachable,
    source: { ip: srcText, resourceId: start.id },
    destination: { ip: q.toIp, resourceId: fwd.delivered && dstOwner === q.viewer ? fwd.delivered.id : null },
    forward: redactHops(fwd.hops, seeable, scrub, "forward"),
    return: back ? redactHops(back.hops, seeable, scrub, "return") : [],
    reasons: out,
  };
}

/** Hops the viewer may not see become one `peer-network` hop per stretch, without ids. */
function redactHops(hops: RawHop[], seeable: (owner: string | null, resource: string | null) => boolean, scrub: (text: string) => string, dir: "forward" | "return"): Hop[] {
  const out: Hop[] = [];
  for (const h of hops) {
    const { owner, ...hop } = h;
    if (h.type === "peering" ? seeable(null, h.resourceId) : seeable(owner, h.resourceId)) {
      const route = hop.route && { ...hop.route, target: scrub(hop.route.target) };
      if (route !== undefined) out.push({ ...hop, route, detail: scrub(hop.detail) });
      else if (hop.rule !== undefined) out.push({ type: hop.type, resourceId: hop.resourceId, rule: hop.rule, detail: scrub(hop.detail) });
      else out.push({ type: hop.type, resourceId: hop.resourceId, detail: scrub(hop.detail) });
      continue;
    }
    if (out[out.length - 1]?.type === "peer-network") continue;
    out.push({
      type: "peer-network",
      resourceId: null,
      detail: dir === "return" ? "the peer's return path is not visible to you" : "the peer's network (another account's): not visible to you",
    });
  }
  return out;
}
