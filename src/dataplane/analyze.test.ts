import { describe, expect, it } from "vitest";
import { type AnalysisModel, type PeeringFact, analyze, indexModel } from "./analyze.ts";
import type { ResolvedSgRule } from "../domain/security-groups.ts";
import type { DesiredState } from "./plan.ts";

const ALICE = "100000000001";
const BOB = "100000000002";
const id = (prefix: string, tag: string) => `${prefix}-${tag.padEnd(12, "0")}`;

/** A small world built like the store's: every route with its stored target, owners, peerings in any state. */
class World {
  desired: DesiredState = { vpcs: [], subnets: [], routeTables: [], instances: [], vbrs: [], peerings: [] };
  routes = new Map<string, { id: string; targetType: string; targetId: string }[]>();
  owners = new Map<string, string>();
  peerings: PeeringFact[] = [];
  status = new Map<string, { programmed: boolean; generation: number }>();
  running = false;
  private n = 0;

  vpc(owner: string, tag: string, cidr: string) {
    const v = id("vpc", tag);
    const t = id("rtb", tag);
    this.desired.vpcs.push({ id: v, cidr });
    this.desired.routeTables.push({ id: t, vpcId: v, routes: [] });
    this.owners.set(v, owner).set(t, owner);
    return { vpc: v, rtb: t };
  }
  table(vpc: string, tag: string) {
    const t = id("rtb", tag);
    this.desired.routeTables.push({ id: t, vpcId: vpc, routes: [] });
    this.owners.set(t, this.owners.get(vpc)!);
    return t;
  }
  subnet(vpc: string, tag: string, cidr: string, rtb: string) {
    const s = id("subnet", tag);
    this.desired.subnets.push({ id: s, vpcId: vpc, cidr, routeTableId: rtb });
    this.owners.set(s, this.owners.get(vpc)!);
    return s;
  }
  instance(subnet: string, tag: string, ip: string) {
    const i = id("ins", tag);
    this.desired.instances.push({ id: i, subnetId: subnet, privateIp: ip });
    this.owners.set(i, this.owners.get(subnet)!);
    return i;
  }
  vbr(owner: string, tag: string, cidrs: string[]) {
    const v = id("vbr", tag);
    this.desired.vbrs.push({ id: v, onPremisesCidrs: cidrs });
    this.owners.set(v, owner);
    return v;
  }
  peering(tag: string, a: { owner: string; router: string; cidr: string }, b: { owner: string; router: string; cidr: string }, state = "active") {
    const p = id("pcx", tag);
    const side = (s: typeof a) => ({ accountId: s.owner, routerType: (s.router.startsWith("vbr-") ? "vbr" : "vpc") as "vpc" | "vbr", routerId: s.router, cidrs: [s.cidr] });
    this.peerings.push({ id: p, state, generation: 1, a: side(a), b: side(b) });
    if (state === "active") {
      const { accountId: _a, ...da } = side(a);
      const { accountId: _b, ...db } = side(b);
      this.desired.peerings.push({ id: p, a: da, b: db, bandwidthMbps: null, delayMs: null });
    }
    return p;
  }
  /** A route as resolveDesired leaves it: to the peering when active, the instance when it exists, else nothing. */
  route(rtb: string, cidr: string, targetType: "peering" | "instance", targetId: string) {
    const t = this.desired.routeTables.find((x) => x.id === rtb)!;
    const activePeering = targetType === "peering" && this.desired.peerings.some((p) => p.id === targetId);
    const liveInstance = targetType === "instance" && this.desired.instances.some((i) => i.id === targetId);
    t.routes.push({ destinationCidr: cidr, peeringId: activePeering ? targetId : null, ...(targetType === "instance" ? { instanceId: liveInstance ? targetId : null } : {}) });
    const rid = id("rt", `${tag(this.n++)}`);
    this.routes.set(rtb, [...(this.routes.get(rtb) ?? []), { id: rid, targetType, targetId }]);
    this.owners.set(rid, this.owners.get(rtb)!);
    return rid;
  }
  /** A security group of `vpc` with rules (defaults: ingress, all protocols, accept, priority 1, from 0.0.0.0/0). */
  group(vpc: string, tag: string, rules: Partial<ResolvedSgRule>[]) {
    const g = id("sg", tag);
    const resolved = rules.map((r, i): ResolvedSgRule => ({ id: id("sgr", `${tag}${i}`), securityGroupId: g, direction: "ingress", protocol: "all", fromPort: null, toPort: null, icmpType: null, icmpCode: null, action: "accept", priority: 1, cidrs: ["0.0.0.0/0"], peerGroupId: null, stale: false, ...r }));
    (this.desired.securityGroups ??= []).push({ id: g, vpcId: vpc, rules: resolved });
    this.owners.set(g, this.owners.get(vpc)!);
    return g;
  }
  join(instance: string, groups: string[]) {
    this.desired.instances.find((i) => i.id === instance)!.securityGroupIds = groups;
  }
  model(): AnalysisModel {
    return { desired: this.desired, routes: this.routes, owners: this.owners, peerings: this.peerings, interfacePeering: new Map(), dataplane: { running: this.running, status: this.status } };
  }
  explain(viewer: string, from: string, toIp: string, protocol?: "tcp" | "udp" | "icmp", port?: number) {
    return analyze(indexModel(this.model()), { viewer, from: from.startsWith("vbr-") ? { vbrId: from } : { instanceId: from }, toIp, protocol, port });
  }
}
const tag = (n: number) => `r${n}`;

/** Alice's 10.0.0.0/16 and Bob's 172.16.0.0/16, peered and routed both ways; Bob's also peers with Bob's 192.168.0.0/16. */
function seed() {
  const w = new World();
  const a = w.vpc(ALICE, "a", "10.0.0.0/16");
  const b = w.vpc(BOB, "b", "172.16.0.0/16");
  const c = w.vpc(BOB, "c", "192.168.0.0/16");
  const sa = w.subnet(a.vpc, "a1", "10.0.1.0/24", a.rtb);
  const sb = w.subnet(b.vpc, "b1", "172.16.1.0/24", b.rtb);
  const sc = w.subnet(c.vpc, "c1", "192.168.1.0/24", c.rtb);
  const ia = w.instance(sa, "a1", "10.0.1.5");
  const ib = w.instance(sb, "b1", "172.16.1.5");
  const ic = w.instance(sc, "c1", "192.168.1.5");
  const pab = w.peering("ab", { owner: ALICE, router: a.vpc, cidr: "10.0.0.0/16" }, { owner: BOB, router: b.vpc, cidr: "172.16.0.0/16" });
  const pbc = w.peering("bc", { owner: BOB, router: b.vpc, cidr: "172.16.0.0/16" }, { owner: BOB, router: c.vpc, cidr: "192.168.0.0/16" });
  const ra = w.route(a.rtb, "172.16.0.0/16", "peering", pab);
  const rb = w.route(b.rtb, "10.0.0.0/16", "peering", pab);
  w.route(b.rtb, "192.168.0.0/16", "peering", pbc);
  w.route(c.rtb, "172.16.0.0/16", "peering", pbc);
  return { w, a, b, c, sa, sb, sc, ia, ib, ic, pab, pbc, ra, rb };
}

/** Every resource id in a JSON text. */
const idsIn = (o: unknown) => JSON.stringify(o).match(/\b(?:vpc|subnet|rtb|rt|vbr|ins|pcx|ri)-[a-z0-9]{12}\b/g) ?? [];

describe("analyze", () => {
  it("walks both ways across a peering, naming each hop and the matching route", () => {
    const { w, a, sa, ia, pab, ra } = seed();
    const r = w.explain(ALICE, ia, "172.16.1.5");
    expect(r.reachable).toBe(true);
    expect(r.reasons).toEqual([]);
    expect(r.forward.map((h) => h.type)).toEqual(["instance", "subnet", "vpc-router", "route-table", "peering", "peer-network"]);
    expect(r.forward[0]).toMatchObject({ resourceId: ia });
    expect(r.forward[1]).toMatchObject({ resourceId: sa });
    expect(r.forward[3]).toMatchObject({ resourceId: a.rtb, route: { routeId: ra, destinationCidr: "172.16.0.0/16", target: `peering ${pab}` } });
    expect(r.forward[4]).toMatchObject({ resourceId: pab });
    // Back: the peer's part is one hidden hop, then Alice's router and instance.
    expect(r.return.map((h) => h.type)).toEqual(["peer-network", "peering", "vpc-router", "subnet", "instance"]);
    expect(r.return[0]).toMatchObject({ resourceId: null, detail: "the peer's return path is not visible to you" });
    expect(r.destination).toEqual({ ip: "172.16.1.5", resourceId: null });
  });

  it("shows the same-account peer fully", () => {
    const { w, b, ib, pbc } = seed();
    const r = w.explain(BOB, ib, "192.168.1.5");
    expect(r.reachable).toBe(true);
    expect(r.forward.some((h) => h.type === "peer-network")).toBe(false);
    expect(r.return.map((h) => h.resourceId)).toContain(pbc);
    expect(r.forward.map((h) => h.resourceId)).toContain(b.rtb);
    expect(r.destination.resourceId).toBe("ins-c10000000000");
  });

  it("an instance reaches its own subnet without a route table", () => {
    const { w, sa, ia } = seed();
    const other = w.instance(sa, "a2", "10.0.1.9");
    const r = w.explain(ALICE, ia, "10.0.1.9");
    expect(r.reachable).toBe(true);
    expect(r.forward.map((h) => h.type)).toEqual(["instance", "subnet", "instance"]);
    expect(r.forward[2]!.resourceId).toBe(other);
  });

  it("NO_TRANSIT: a peering carries packets only into the peer VPC", () => {
    const { w, a, ia, pab } = seed();
    w.route(a.rtb, "192.168.0.0/16", "peering", pab);
    const r = w.explain(ALICE, ia, "192.168.1.5");
    expect(r.reachable).toBe(false);
    expect(r.reasons).toEqual([expect.objectContaining({ code: "NO_TRANSIT", resource: pab })]);
  });

  it("RETURN_ROUTE_MISSING: the peer did not route back; the reason hides the peer's table", () => {
    const { w, b, ia, rb } = seed();
    w.desired.routeTables.find((t) => t.id === b.rtb)!.routes.splice(0, 1);
    w.routes.get(b.rtb)!.splice(0, 1);
    const r = w.explain(ALICE, ia, "172.16.1.5");
    expect(r.reachable).toBe(false);
    expect(r.reasons).toHaveLength(1);
    expect(r.reasons[0]).toMatchObject({ code: "RETURN_ROUTE_MISSING", resource: null });
    expect(r.reasons[0]!.message).toContain("the peer's return path is not visible to you");
    const seen = idsIn(r);
    expect(seen).not.toContain(b.rtb);
    expect(seen).not.toContain(rb);
    // Bob, who owns that table, is told which one.
    const mine = w.explain(BOB, "ins-b10000000000", "10.0.1.5");
    expect(mine.reasons[0]).toMatchObject({ code: "NO_ROUTE", resource: b.rtb });
  });

  it("PEERING_NOT_ACTIVE and PEERING_SUSPENDED: the route is a blackhole while the peering is not active", () => {
    for (const state of ["pending-acceptance", "inactive", "suspended"]) {
      const w = new World();
      const a = w.vpc(ALICE, "a", "10.0.0.0/16");
      const b = w.vpc(BOB, "b", "172.16.0.0/16");
      const ia = w.instance(w.subnet(a.vpc, "a1", "10.0.1.0/24", a.rtb), "a1", "10.0.1.5");
      w.instance(w.subnet(b.vpc, "b1", "172.16.1.0/24", b.rtb), "b1", "172.16.1.5");
      const p = w.peering("ab", { owner: ALICE, router: a.vpc, cidr: "10.0.0.0/16" }, { owner: BOB, router: b.vpc, cidr: "172.16.0.0/16" }, state);
      w.route(a.rtb, "172.16.0.0/16", "peering", p);
      const r = w.explain(ALICE, ia, "172.16.1.5");
      expect(r.reachable).toBe(false);
      expect(r.reasons).toEqual([expect.objectContaining({ code: state === "suspended" ? "PEERING_SUSPENDED" : "PEERING_NOT_ACTIVE", resource: p, severity: "error" })]);
      expect(r.forward.at(-1)).toMatchObject({ type: "route-table", route: { destinationCidr: "172.16.0.0/16" } });
    }
  });

  it("ROUTE_BLACKHOLE: a route through an instance that is gone", () => {
    const { w, a, ia } = seed();
    const rid = w.route(a.rtb, "100.64.0.0/16", "instance", "ins-gone00000000");
    const r = w.explain(ALICE, ia, "100.64.1.1");
    expect(r.reasons).toEqual([expect.objectContaining({ code: "ROUTE_BLACKHOLE", resource: rid })]);
  });

  it("NO_ROUTE, SUBNET_NOT_ASSOCIATED and DESTINATION_NOT_IN_ANY_VPC", () => {
    const { w, a, ia, pab } = seed();
    // Bob's third VPC is peered with Alice but her table has no route there.
    const d = w.vpc(BOB, "d", "172.20.0.0/16");
    w.instance(w.subnet(d.vpc, "d1", "172.20.1.0/24", d.rtb), "d1", "172.20.1.5");
    w.peering("ad", { owner: ALICE, router: a.vpc, cidr: "10.0.0.0/16" }, { owner: BOB, router: d.vpc, cidr: "172.20.0.0/16" });
    expect(w.explain(ALICE, ia, "172.20.1.5").reasons).toEqual([expect.objectContaining({ code: "NO_ROUTE", resource: a.rtb })]);
    // Another of Alice's tables has the route, but her subnet uses the main one.
    const other = w.table(a.vpc, "a2");
    w.route(other, "172.20.0.0/16", "peering", "pcx-ad0000000000");
    expect(w.explain(ALICE, ia, "172.20.1.5").reasons).toEqual([expect.objectContaining({ code: "SUBNET_NOT_ASSOCIATED", resource: "subnet-a10000000000" })]);
    // Nowhere she knows.
    expect(w.explain(ALICE, ia, "8.8.8.8").reasons).toEqual([expect.objectContaining({ code: "DESTINATION_NOT_IN_ANY_VPC" })]);
    expect(pab).toBeTruthy();
  });

  it("an appliance instance as next hop: the packet crosses it, then its subnet's table", () => {
    const w = new World();
    const a = w.vpc(ALICE, "a", "10.0.0.0/16");
    const b = w.vpc(ALICE, "b", "172.16.0.0/16");
    const fw = w.table(a.vpc, "fw");
    const app = w.subnet(a.vpc, "app", "10.0.1.0/24", a.rtb);
    const dmz = w.subnet(a.vpc, "dmz", "10.0.2.0/24", fw);
    const src = w.instance(app, "src", "10.0.1.5");
    const appliance = w.instance(dmz, "fw", "10.0.2.10");
    w.instance(w.subnet(b.vpc, "b1", "172.16.1.0/24", b.rtb), "b1", "172.16.1.5");
    const p = w.peering("ab", { owner: ALICE, router: a.vpc, cidr: "10.0.0.0/16" }, { owner: ALICE, router: b.vpc, cidr: "172.16.0.0/16" });
    w.route(a.rtb, "172.16.0.0/16", "instance", appliance);
    w.route(fw, "172.16.0.0/16", "peering", p);
    w.route(b.rtb, "10.0.0.0/16", "peering", p);
    const r = w.explain(ALICE, src, "172.16.1.5");
    expect(r.reachable).toBe(true);
    expect(r.forward.map((h) => `${h.type}:${h.resourceId}`)).toEqual([
      `instance:${src}`,
      `subnet:${app}`,
      `vpc-router:${a.vpc}`,
      `route-table:${a.rtb}`,
      `instance:${appliance}`,
      `subnet:${dmz}`,
      `vpc-router:${a.vpc}`,
      `route-table:${fw}`,
      `peering:${p}`,
      `vpc-router:${b.vpc}`,
      "subnet:subnet-b10000000000",
      "instance:ins-b10000000000",
    ]);
    // The appliance's own table sending back to it loops.
    w.desired.routeTables.find((t) => t.id === fw)!.routes[0] = { destinationCidr: "172.16.0.0/16", peeringId: null, instanceId: appliance };
    expect(w.explain(ALICE, src, "172.16.1.5").reasons[0]!.code).toBe("ROUTING_LOOP");
  });

  it("ADDRESS_NOT_ASSIGNED: nothing at the address, said without the peer's ids", () => {
    const { w, ia, b } = seed();
    const r = w.explain(ALICE, ia, "172.16.1.99");
    expect(r.reasons).toEqual([expect.objectContaining({ code: "ADDRESS_NOT_ASSIGNED", resource: null })]);
    expect(idsIn(r).filter((x) => w.owners.get(x) === BOB)).toEqual([]);
    expect(JSON.stringify(r)).not.toContain(b.vpc);
  });

  it("from a VBR's on-premises host over its connection, and back", () => {
    const w = new World();
    const a = w.vpc(ALICE, "a", "10.0.0.0/16");
    const ia = w.instance(w.subnet(a.vpc, "a1", "10.0.1.0/24", a.rtb), "a1", "10.0.1.5");
    const v = w.vbr(ALICE, "v", ["192.168.10.0/24"]);
    const p = w.peering("va", { owner: ALICE, router: v, cidr: "192.168.10.0/24" }, { owner: ALICE, router: a.vpc, cidr: "10.0.0.0/16" });
    expect(w.explain(ALICE, v, "10.0.1.5").reasons).toEqual([expect.objectContaining({ code: "RETURN_ROUTE_MISSING" })]);
    w.route(a.rtb, "192.168.10.0/24", "peering", p);
    const r = w.explain(ALICE, v, "10.0.1.5");
    expect(r.reachable).toBe(true);
    expect(r.forward.map((h) => h.type)).toEqual(["vbr-host", "vbr", "peering", "vpc-router", "subnet", "instance"]);
    expect(r.return.at(-1)).toMatchObject({ type: "vbr-host", resourceId: v });
    expect(w.explain(ALICE, ia, "192.168.10.2").reachable).toBe(true);
    expect(w.explain(ALICE, ia, "192.168.10.7").reasons[0]!.code).toBe("ADDRESS_NOT_ASSIGNED");
  });

  it("DATAPLANE_NOT_CONVERGED: a warning when the data plane is behind what the walk crosses", () => {
    const { w, ia, pab, a, b } = seed();
    w.running = true;
    for (const x of [a.vpc, b.vpc, ia, "ins-b10000000000"]) w.status.set(x, { programmed: true, generation: 0 });
    expect(w.explain(ALICE, ia, "172.16.1.5").reasons).toEqual([expect.objectContaining({ code: "DATAPLANE_NOT_CONVERGED", resource: pab, severity: "warning" })]);
    w.status.set(pab, { programmed: true, generation: 1 });
    expect(w.explain(ALICE, ia, "172.16.1.5").reasons).toEqual([]);
    // The peer's router behind: said without its id.
    w.status.delete(b.vpc);
    const r = w.explain(ALICE, ia, "172.16.1.5");
    expect(r.reachable).toBe(true);
    expect(r.reasons).toEqual([expect.objectContaining({ code: "DATAPLANE_NOT_CONVERGED", resource: null })]);
    expect(JSON.stringify(r)).not.toContain(b.vpc);
  });
});

describe("analyze: security groups", () => {
  const ALL_OUT: Partial<ResolvedSgRule> = { direction: "egress" };
  /** The seed with Alice's source and Bob's destination in groups of their own. */
  function grouped(bobIngress: Partial<ResolvedSgRule>[], aliceEgress: Partial<ResolvedSgRule>[] = [ALL_OUT]) {
    const s = seed();
    const ga = s.w.group(s.a.vpc, "ga", aliceEgress);
    const gb = s.w.group(s.b.vpc, "gb", [...bobIngress, ALL_OUT]);
    s.w.join(s.ia, [ga]);
    s.w.join(s.ib, [gb]);
    return { ...s, ga, gb };
  }

  it("egress at the source and ingress at the destination, each hop naming the group and rule", () => {
    const { w, ia, ib, ga, gb } = grouped([{ protocol: "tcp", fromPort: 22, toPort: 22, cidrs: ["10.0.0.0/16"] }]);
    const ok = w.explain(BOB, ib, "10.0.1.5"); // Bob → Alice: Alice's group has no ingress rule
    expect(ok.reachable).toBe(false);
    expect(ok.reasons[0]!.code).toBe("SECURITY_GROUP_INGRESS_DENIED");
    // Bob sees that Alice's groups stop it, not their ids.
    expect(ok.reasons[0]).toMatchObject({ resource: null, message: expect.stringContaining("the peer's security group rules are not visible to you") });
    expect(JSON.stringify(ok)).not.toContain(ga);
    expect(ok.reasons[0]!.securityGroupIds).toBeUndefined();

    // Alice → Bob tcp/22: allowed; Alice sees her rule on the way out.
    const r = w.explain(ALICE, ia, "172.16.1.5", "tcp", 22);
    expect(r.reachable).toBe(true);
    expect(r.forward[1]).toMatchObject({ type: "security-group", resourceId: ga, rule: { ruleId: id("sgr", "ga0"), direction: "egress", action: "accept", instanceId: ia } });
    expect(r.forward[1]!.detail).toContain("allows tcp/22 to 172.16.1.5");
    // Bob's ingress hop is inside the hidden stretch.
    expect(JSON.stringify(r)).not.toContain(gb);
    // Stateful: the replies cross no group.
    expect(r.return.some((h) => h.type === "security-group")).toBe(false);

    // Another port, another protocol: denied at Bob's side, named only for Bob.
    const denied = w.explain(ALICE, ia, "172.16.1.5", "tcp", 23);
    expect(denied.reachable).toBe(false);
    expect(denied.reasons).toEqual([{ code: "SECURITY_GROUP_INGRESS_DENIED", severity: "error", resource: null, message: "the packets reach 172.16.1.5, but the security groups there (another account's) do not admit tcp/23 from 10.0.1.5: the peer's security group rules are not visible to you" }]);
    expect(denied.return).toEqual([]);
    expect(w.explain(ALICE, ia, "172.16.1.5", "udp", 22).reasons[0]!.code).toBe("SECURITY_GROUP_INGRESS_DENIED");
  });

  it("the owner of both sides sees which groups and what is missing", () => {
    const w = new World();
    const a = w.vpc(ALICE, "a", "10.0.0.0/16");
    const s = w.subnet(a.vpc, "a1", "10.0.1.0/24", a.rtb);
    const x = w.instance(s, "x", "10.0.1.5");
    const y = w.instance(s, "y", "10.0.1.6");
    const g1 = w.group(a.vpc, "g1", [{ protocol: "tcp", fromPort: 80, toPort: 80 }, { direction: "egress" }]);
    const g2 = w.group(a.vpc, "g2", [{ protocol: "icmp", icmpType: 8 }]);
    w.join(x, [g1]);
    w.join(y, [g1, g2]);
    const r = w.explain(ALICE, x, "10.0.1.6", "tcp", 22);
    expect(r.reasons).toEqual([{ code: "SECURITY_GROUP_INGRESS_DENIED", severity: "error", resource: y, securityGroupIds: [g1, g2], message: `no ingress rule of ${g1}, ${g2} (the security groups of ${y}) allows tcp/22 from 10.0.1.5` }]);
    // ICMP by type: the probe's echo request is type 8.
    const ping = w.explain(ALICE, x, "10.0.1.6", "icmp");
    expect(ping.reachable).toBe(true);
    expect(ping.forward.map((h) => `${h.type}:${h.resourceId}`)).toEqual([`instance:${x}`, `security-group:${g1}`, "subnet:subnet-a10000000000", `security-group:${g2}`, `instance:${y}`]);
    // Egress: nothing allowed out of y.
    w.join(y, [g2]);
    const out = w.explain(ALICE, y, "10.0.1.5", "tcp", 80);
    expect(out.reasons).toEqual([{ code: "SECURITY_GROUP_EGRESS_DENIED", severity: "error", resource: y, securityGroupIds: [g2], message: `no egress rule of ${g2} (the security groups of ${y}) allows tcp/80 to 10.0.1.5` }]);
    expect(out.forward.map((h) => h.type)).toEqual(["instance"]);
    // An instance the state gives no groups is not filtered.
    w.desired.instances.find((i) => i.id === y)!.securityGroupIds = undefined;
    expect(w.explain(ALICE, y, "10.0.1.5", "tcp", 80).reachable).toBe(true);
  });

  it("priority: the first matching rule decides, a drop before an accept of the same priority", () => {
    const w = new World();
    const a = w.vpc(ALICE, "a", "10.0.0.0/16");
    const s = w.subnet(a.vpc, "a1", "10.0.1.0/24", a.rtb);
    const x = w.instance(s, "x", "10.0.1.5");
    const y = w.instance(s, "y", "10.0.1.6");
    const open = w.group(a.vpc, "open", [{}, { direction: "egress" }]);
    w.join(x, [open]);
    // Same priority: the drop (in another group, listed later) wins.
    const acc = w.group(a.vpc, "acc", [{ protocol: "tcp", fromPort: 1, toPort: 65535, priority: 5 }]);
    const drop = w.group(a.vpc, "drp", [{ protocol: "tcp", fromPort: 20, toPort: 30, action: "drop", priority: 5, cidrs: ["10.0.1.0/24"] }]);
    w.join(y, [acc, drop]);
    const r = w.explain(ALICE, x, "10.0.1.6", "tcp", 22);
    expect(r.reasons).toEqual([{ code: "SECURITY_GROUP_INGRESS_DENIED", severity: "error", resource: drop, securityGroupIds: [acc, drop], message: `ingress rule ${id("sgr", "drp0")} of ${drop} (priority 5: drop tcp 20-30 from 10.0.1.0/24) drops tcp/22 from 10.0.1.5` }]);
    expect(w.explain(ALICE, x, "10.0.1.6", "tcp", 31).reachable).toBe(true);
    // A lower number first: the accept at priority 4 decides before the drop.
    w.desired.securityGroups!.find((g) => g.id === acc)!.rules[0]!.priority = 4;
    const ok = w.explain(ALICE, x, "10.0.1.6", "tcp", 22);
    expect(ok.reachable).toBe(true);
    expect(ok.forward.find((h) => h.type === "security-group" && h.resourceId === acc)).toMatchObject({ rule: { ruleId: id("sgr", "acc0"), priority: 4, direction: "ingress" } });
    // Another source is not in the drop's CIDR.
    expect(w.explain(ALICE, x, "10.0.1.6", "tcp", 22).reasons).toEqual([]);
  });

  it("group peers: the members' addresses; a stale rule matches nothing and says why", () => {
    const { w, ia, ib, gb, b } = grouped([]);
    // Bob admits the members of Alice's group across the peering (resolved to their /32s).
    const ga = id("sg", "ga");
    w.desired.securityGroups!.find((g) => g.id === gb)!.rules.unshift({ id: id("sgr", "peer"), securityGroupId: gb, direction: "ingress", protocol: "tcp", fromPort: 5432, toPort: 5432, icmpType: null, icmpCode: null, action: "accept", priority: 1, cidrs: ["10.0.1.5/32"], peerGroupId: ga, stale: false });
    expect(w.explain(ALICE, ia, "172.16.1.5", "tcp", 5432).reachable).toBe(true);
    // Another of Alice's instances, not in the group: denied.
    const other = w.instance("subnet-a10000000000", "a2", "10.0.1.9");
    w.join(other, [ga]);
    expect(w.explain(ALICE, other, "172.16.1.5", "tcp", 5432).reachable).toBe(false);
    // Stale (the peering went): nothing matches, and Bob is told which rule it was.
    const rule = w.desired.securityGroups!.find((g) => g.id === gb)!.rules[0]!;
    Object.assign(rule, { stale: true, cidrs: [] });
    expect(w.explain(ALICE, ia, "172.16.1.5", "tcp", 5432).reasons[0]!.code).toBe("SECURITY_GROUP_INGRESS_DENIED");
    const c = w.subnet(b.vpc, "b2", "172.16.2.0/24", b.rtb);
    const local = w.instance(c, "b2", "172.16.2.5");
    w.join(local, [w.group(b.vpc, "gl", [{ direction: "egress" }])]);
    const r = w.explain(BOB, local, "172.16.1.5", "tcp", 5432);
    expect(r.reasons[0]!.message).toBe(`no ingress rule of ${gb} (the security groups of ${ib}) allows tcp/5432 from 172.16.2.5; rule ${id("sgr", "peer")} of ${gb} would, but names … across no active peering in one region: stale, it matches nothing`);
  });

  it("an appliance's groups judge forwarded packets both ways; replies it did not see the request of are new packets to it", () => {
    const w = new World();
    const a = w.vpc(ALICE, "a", "10.0.0.0/16");
    const b = w.vpc(ALICE, "b", "172.16.0.0/16");
    const fw = w.table(a.vpc, "fw");
    const app = w.subnet(a.vpc, "app", "10.0.1.0/24", a.rtb);
    const dmz = w.subnet(a.vpc, "dmz", "10.0.2.0/24", fw);
    const src = w.instance(app, "src", "10.0.1.5");
    const appliance = w.instance(dmz, "fw", "10.0.2.10");
    const dst = w.instance(w.subnet(b.vpc, "b1", "172.16.1.0/24", b.rtb), "b1", "172.16.1.5");
    const p = w.peering("ab", { owner: ALICE, router: a.vpc, cidr: "10.0.0.0/16" }, { owner: ALICE, router: b.vpc, cidr: "172.16.0.0/16" });
    w.route(a.rtb, "172.16.0.0/16", "instance", appliance);
    w.route(fw, "172.16.0.0/16", "peering", p);
    w.route(b.rtb, "10.0.0.0/16", "peering", p);
    const open = w.group(a.vpc, "open", [{}, { direction: "egress" }]);
    w.join(src, [open]);
    w.join(dst, [w.group(b.vpc, "bo", [{}, { direction: "egress" }])]);
    // The appliance admits tcp/443 from 10.0.1.0/24 in, but sends only to 192.168.0.0/16.
    const ga = w.group(a.vpc, "app", [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrs: ["10.0.1.0/24"] }, { direction: "egress", cidrs: ["192.168.0.0/16"] }]);
    w.join(appliance, [ga]);
    const r = w.explain(ALICE, src, "172.16.1.5", "tcp", 443);
    expect(r.reasons).toEqual([{ code: "SECURITY_GROUP_EGRESS_DENIED", severity: "error", resource: appliance, securityGroupIds: [ga], message: `at appliance ${appliance}: no egress rule of ${ga} (the security groups of ${appliance}) allows tcp/443 to 172.16.1.5` }]);
    expect(r.forward.slice(-2).map((h) => `${h.type}:${h.resourceId}`)).toEqual([`security-group:${ga}`, `instance:${appliance}`]);
    w.desired.securityGroups!.find((g) => g.id === ga)!.rules[1]!.cidrs = ["172.16.0.0/16"];
    const ok = w.explain(ALICE, src, "172.16.1.5", "tcp", 443);
    expect(ok.reachable).toBe(true);
    expect(ok.forward.filter((h) => h.type === "security-group").map((h) => `${h.resourceId}:${h.rule!.direction}`)).toEqual([`${open}:egress`, `${ga}:ingress`, `${ga}:egress`, `${id("sg", "bo")}:ingress`]);
    // The other way, only the replies cross the appliance: it judges them as new packets, to any
    // of the client's ports. Its ingress admits only tcp/443, so the replies stop there.
    const back = w.explain(ALICE, dst, "10.0.1.5", "tcp", 443);
    expect(back.reachable).toBe(false);
    expect(back.reasons[0]!.code).toBe("SECURITY_GROUP_INGRESS_DENIED");
    expect(back.reasons[0]!.message).toBe(
      `the way there works but replies from 10.0.1.5 to 172.16.1.5 do not come back: at appliance ${appliance}, which the replies cross but the request did not (it has no connection for them, so judges them as new packets): no ingress rule of ${ga} (the security groups of ${appliance}) allows tcp replies to port 32768 (the client's port, any of 32768-60999) from 10.0.1.5`,
    );
    // Admitting only part of the client's ports is not enough; all of them is.
    const rules = w.desired.securityGroups!.find((g) => g.id === ga)!.rules;
    rules.push({ ...rules[0]!, id: id("sgr", "eph"), protocol: "tcp", fromPort: 40000, toPort: 65535, cidrs: ["0.0.0.0/0"] });
    expect(w.explain(ALICE, dst, "10.0.1.5", "tcp", 443).reasons[0]!.message).toContain("allows tcp replies to port 32768");
    rules[rules.length - 1]!.fromPort = 32768;
    const both = w.explain(ALICE, dst, "10.0.1.5", "tcp", 443);
    expect(both.reachable).toBe(true);
    expect(both.return.find((h) => h.type === "security-group" && h.rule!.direction === "ingress")).toMatchObject({ resourceId: ga, rule: { ruleId: id("sgr", "eph") } });
    // ICMP: the echo reply (type 0) is what the appliance judges.
    expect(w.explain(ALICE, dst, "10.0.1.5", "icmp").reasons[0]!.message).toContain("icmp echo reply from 10.0.1.5");
  });
});
