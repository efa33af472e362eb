import { describe, expect, it } from "vitest";
import { type AnalysisModel, type PeeringFact, analyze, indexModel } from "./analyze.ts";
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
  model(): AnalysisModel {
    return { desired: this.desired, routes: this.routes, owners: this.owners, peerings: this.peerings, interfacePeering: new Map(), dataplane: { running: this.running, status: this.status } };
  }
  explain(viewer: string, from: string, toIp: string) {
    return analyze(indexModel(this.model()), { viewer, from: from.startsWith("vbr-") ? { vbrId: from } : { instanceId: from }, toIp });
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
