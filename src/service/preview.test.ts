/**
 * Dry runs on both stores: the call is made and rolled back, so every table has the same rows
 * after it (events, ledger, idempotency included), it fails exactly as the real call would, and
 * its effects (routes, quotas, reachability between the caller's instances) are what the real
 * call then does.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../config.ts";
import { DomainError } from "../domain/errors.ts";
import { BACKENDS, type Harness, harness } from "../../test/support/harness.ts";
import { TestClock } from "../../test/support/clock.ts";
import { rowCounts as counts } from "../../test/support/row-counts.ts";
import { MAX_ANALYSIS_PAIRS, rolledBack } from "./preview.ts";

/** The DomainError a call fails with. */
async function failure(p: Promise<unknown>): Promise<DomainError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error("expected the call to fail");
}

const rowCounts = (h: Harness) => counts(h.db);

describe.each(BACKENDS)("dry runs on %s", (backend) => {
  let h: Harness;
  const clock = new TestClock();
  const config = defaultConfig();
  config.limits.routesPerTable = 3;
  beforeAll(async () => {
    h = await harness(backend, { config, clock });
  });
  afterAll(() => h?.close());

  let n = 0;
  /**
   * One account with two VPCs (10.n.0.0/16 and 10.(64+n).0.0/16), each with a subnet using a
   * custom table and an instance, and a subscription peering between them waiting for acceptance
   * (as AWS makes one within an account) that named the first VPC's table.
   */
  async function setup() {
    const s = h.runtime.services;
    n++;
    const alice = { accountId: (await h.account()).id };
    const side = async (cidr: string, sub: string) => {
      const vpc = await s.vpcs.create(alice, { name: "v", region: "ap-guangzhou", cidr });
      const subnet = await s.subnets.create(alice, { vpcId: vpc.id, cidr: sub });
      const rtb = await s.routeTables.create(alice, { vpcId: vpc.id, name: "custom" });
      await s.subnets.setRouteTable(alice, subnet.id, rtb.id);
      const ins = await s.instances.create(alice, { subnetId: subnet.id });
      return { vpc, subnet, rtb, ins };
    };
    const a = await side(`10.${n}.0.0/16`, `10.${n}.1.0/24`);
    const c = await side(`10.${64 + n}.0.0/16`, `10.${64 + n}.1.0/24`);
    const p = await s.peerings.create(alice, { vpcId: a.vpc.id, peerVpcId: c.vpc.id, requireAcceptance: true, routeTableIds: [a.rtb.id], chargeType: "subscription", period: 1 });
    expect(p.state).toBe("pending-acceptance");
    return { alice, a, c, p };
  }

  it("a peering accept changes no row (events, ledger, routes) and lists the routes that would go active and the pairs that would become reachable", async () => {
    const s = h.runtime.services;
    const { alice, a, c, p } = await setup();
    const before = await rowCounts(h);
    const accept = () => s.peerings.accept(alice, p.id, { routeTableIds: [c.rtb.id] });
    const dry = await s.previews.run(alice, s.previews.peeringScope(alice, p.id, ["peeringsPerVpc", "routesPerTable"], [c.rtb.id]), accept);
    expect(await rowCounts(h)).toEqual(before);
    expect((await s.peerings.get(alice, p.id)).state).toBe("pending-acceptance");

    expect(dry.dryRun).toBe(true);
    expect(dry.result).toMatchObject({ id: p.id, state: "active" });
    expect(dry.effects.routes).toHaveLength(2);
    expect(dry.effects.routes).toEqual(
      expect.arrayContaining([
        { routeTableId: a.rtb.id, routeId: null, destinationCidr: c.vpc.cidr, before: "absent", after: "active", target: { type: "peering", id: p.id } },
        { routeTableId: c.rtb.id, routeId: null, destinationCidr: a.vpc.cidr, before: "absent", after: "active", target: { type: "peering", id: p.id } },
      ]),
    );
    expect(dry.effects.analyses).toEqual(
      expect.arrayContaining([
        { fromInstanceId: a.ins.id, toInstanceId: c.ins.id, toIp: c.ins.privateIp, before: false, after: true, reasons: [] },
        { fromInstanceId: c.ins.id, toInstanceId: a.ins.id, toIp: a.ins.privateIp, before: false, after: true, reasons: [] },
      ]),
    );
    expect(dry.effects.analyses).toHaveLength(2);
    expect(dry.effects.analysesChecked).toBe(2);
    expect(dry.effects.analysesTruncated).toBe(false);
    expect(dry.effects.quota).toEqual(
      expect.arrayContaining([
        { name: "peeringsPerVpc", resourceId: a.vpc.id, used: 1, limit: config.limits.peeringsPerVpc },
        { name: "peeringsPerVpc", resourceId: c.vpc.id, used: 1, limit: config.limits.peeringsPerVpc },
        { name: "routesPerTable", resourceId: a.rtb.id, used: 1, limit: 3 },
        { name: "routesPerTable", resourceId: c.rtb.id, used: 1, limit: 3 },
      ]),
    );

    // The real call does what the dry run said (and writes: the counts can tell).
    const real = await accept();
    expect(real.state).toBe("active");
    const after = await rowCounts(h);
    expect(after.events).toBeGreaterThan(before.events!);
    expect(after.ledger_entries ?? after.ledger).toBeGreaterThan(before.ledger_entries ?? before.ledger!);
    expect((await s.routeTables.routes(alice, a.rtb.id)).find((r) => r.destinationCidr === c.vpc.cidr)?.state).toBe("active");
    expect((await s.analyses.analyze(alice, { fromInstanceId: a.ins.id, toIp: c.ins.privateIp })).reachable).toBe(true);
  });

  it("a peering delete lists the routes that would go and the pairs that would become unreachable", async () => {
    const s = h.runtime.services;
    const { alice, a, c, p } = await setup();
    await s.peerings.accept(alice, p.id, { routeTableIds: [c.rtb.id] });
    const [route] = (await s.routeTables.routes(alice, a.rtb.id)).filter((r) => r.id !== "local");
    const before = await rowCounts(h);
    const dry = await s.previews.run(alice, s.previews.peeringScope(alice, p.id, ["peeringsPerVpc", "pendingPeeringsPerAccount"]), () => s.peerings.delete(alice, p.id));
    expect(await rowCounts(h)).toEqual(before);
    expect(dry.result).toMatchObject({ peering: { id: p.id, state: "deleted" } });
    expect(dry.effects.routes).toContainEqual({ routeTableId: a.rtb.id, routeId: route!.id, destinationCidr: c.vpc.cidr, before: "active", after: "absent", target: { type: "peering", id: p.id } });
    expect(dry.effects.routes).toHaveLength(2);
    expect(dry.effects.analyses).toContainEqual(expect.objectContaining({ fromInstanceId: a.ins.id, toInstanceId: c.ins.id, before: true, after: false }));
    expect(dry.effects.analyses.find((x) => x.fromInstanceId === a.ins.id)!.reasons.length).toBeGreaterThan(0);
    expect(dry.effects.quota).toContainEqual({ name: "peeringsPerVpc", resourceId: a.vpc.id, used: 0, limit: config.limits.peeringsPerVpc });
    expect(dry.effects.quota).toContainEqual({ name: "pendingPeeringsPerAccount", resourceId: alice.accountId, used: 0, limit: config.limits.pendingPeeringsPerAccount });
    expect((await s.peerings.get(alice, p.id)).state).toBe("active");
  });

  it("a route add lists the route and the table's quota; an association the pairs it changes", async () => {
    const s = h.runtime.services;
    const { alice, a, c, p } = await setup();
    await s.peerings.accept(alice, p.id);
    // Only the first VPC's table has its route: the second VPC's default table gets the way back.
    const add = () => s.routeTables.addRoute(alice, c.vpc.defaultRouteTableId, { destinationCidr: a.vpc.cidr, target: { type: "peering", id: p.id } });
    const before = await rowCounts(h);
    const dry = await s.previews.run(alice, s.previews.tableScope(alice, c.vpc.defaultRouteTableId, ["routesPerTable"]), add);
    expect(await rowCounts(h)).toEqual(before);
    expect(dry.result).toMatchObject({ destinationCidr: a.vpc.cidr, state: "active" });
    expect(dry.effects.routes).toEqual([{ routeTableId: c.vpc.defaultRouteTableId, routeId: null, destinationCidr: a.vpc.cidr, before: "absent", after: "active", target: { type: "peering", id: p.id } }]);
    expect(dry.effects.quota).toEqual([{ name: "routesPerTable", resourceId: c.vpc.defaultRouteTableId, used: 1, limit: 3 }]);
    // c's subnet uses its custom table (no route back): no verdict changes.
    expect(dry.effects.analyses).toEqual([]);
    await add();
    // Returning c's subnet to the default table (which now has the way back) makes both ways work.
    const reset = await s.previews.run(alice, s.previews.subnetScope(alice, c.subnet.id), () => s.subnets.resetRouteTable(alice, c.subnet.id));
    expect(reset.result).toMatchObject({ id: c.subnet.id, routeTableId: c.vpc.defaultRouteTableId });
    expect(reset.effects.routes).toEqual([]);
    expect(reset.effects.analyses).toEqual(
      expect.arrayContaining([expect.objectContaining({ fromInstanceId: a.ins.id, toInstanceId: c.ins.id, before: false, after: true }), expect.objectContaining({ fromInstanceId: c.ins.id, toInstanceId: a.ins.id, before: false, after: true })]),
    );
    expect((await s.subnets.get(alice, c.subnet.id)).routeTableId).toBe(c.rtb.id);
  });

  it("fails with the real call's error: CIDR overlap, quota, peering state, missing resources; and still writes nothing", async () => {
    const s = h.runtime.services;
    const { alice, a, c, p } = await setup();
    const before = await rowCounts(h);
    const same = async (call: () => Promise<unknown>, scope = s.previews.vpcScope([], [])) => {
      const dry = await failure(s.previews.run(alice, scope, call));
      expect(await rowCounts(h)).toEqual(before);
      const real = await failure(call());
      expect(await rowCounts(h)).toEqual(before);
      expect({ code: dry.code, message: dry.message }).toEqual({ code: real.code, message: real.message });
      return dry.code;
    };
    const overlapping = await s.vpcs.create(alice, { name: "o", region: "ap-guangzhou", cidr: `10.${n}.128.0/17` });
    Object.assign(before, await rowCounts(h));
    expect(await same(() => s.peerings.create(alice, { vpcId: a.vpc.id, peerVpcId: overlapping.id }))).toBe("CidrOverlap");
    expect(await same(() => s.routeTables.addRoute(alice, a.rtb.id, { destinationCidr: `10.${n}.5.0/24`, target: { type: "peering", id: p.id } }))).toBe("CidrOverlap");
    for (const i of [1, 2, 3]) await s.routeTables.addRoute(alice, c.vpc.defaultRouteTableId, { destinationCidr: `10.${n}.${10 + i}.0/24`, target: { type: "peering", id: p.id } });
    Object.assign(before, await rowCounts(h));
    expect(await same(() => s.routeTables.addRoute(alice, c.vpc.defaultRouteTableId, { destinationCidr: `10.${n}.19.0/24`, target: { type: "peering", id: p.id } }))).toBe("LimitExceeded");
    expect(await same(() => s.peerings.renew(alice, p.id))).toBeTruthy();
    expect(await same(() => s.peerings.delete(alice, "pcx-000000000000"))).toBe("ResourceNotFound");
    expect(await same(() => s.routeTables.delete(alice, a.vpc.defaultRouteTableId))).toBe("DefaultRouteTableImmutable");
    await s.peerings.accept(alice, p.id);
    Object.assign(before, await rowCounts(h));
    expect(await same(() => s.peerings.reject(alice, p.id))).toBe("InvalidPeeringState");
  });

  it("bounds the analyses: at most MAX_ANALYSIS_PAIRS ordered pairs, and says so", async () => {
    const s = h.runtime.services;
    const { alice, a, c, p } = await setup();
    // 8 + 8 instances: 16 * 15 = 240 ordered pairs touch the scope.
    for (let i = 0; i < 7; i++) {
      await s.instances.create(alice, { subnetId: a.subnet.id });
      await s.instances.create(alice, { subnetId: c.subnet.id });
    }
    const dry = await s.previews.run(alice, s.previews.peeringScope(alice, p.id, []), () => s.peerings.accept(alice, p.id, { routeTableIds: [c.rtb.id] }));
    expect(dry.effects.analysesChecked).toBe(MAX_ANALYSIS_PAIRS);
    expect(dry.effects.analysesTruncated).toBe(true);
    // Pairs across the two VPCs come first: all 2 * 8 * 8 = 128 of them become reachable.
    expect(dry.effects.analyses).toHaveLength(128);
    expect(dry.effects.analyses.every((x) => x.before === false && x.after === true)).toBe(true);
  });

  it("a dry run inside a transaction is refused rather than undoing or keeping the caller's work", async () => {
    const store = h.runtime.services.deps.store;
    await expect(store.transaction(() => rolledBack(store, async () => 1))).rejects.toThrow(/inside a transaction/);
    expect(await rolledBack(store, async () => 7)).toBe(7);
  });
});
