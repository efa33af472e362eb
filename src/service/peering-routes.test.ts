/**
 * Routes declared with a peering (routeTableIds on the request and on the accept), on both stores:
 * added to exactly the named tables when the peering becomes active, managed by it and removed
 * with it; each side names only its own tables; shadowing routes and full tables are refused with
 * the route or quota named; concurrent accepts and deletes leave the routes consistent.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../config.ts";
import { DomainError } from "../domain/errors.ts";
import type { Route } from "../domain/resources.ts";
import { BACKENDS, type Harness, harness } from "../../test/support/harness.ts";
import { TestClock } from "../../test/support/clock.ts";

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

describe.each(BACKENDS)("routes declared with a peering on %s", (backend) => {
  let h: Harness;
  const clock = new TestClock();
  const config = defaultConfig();
  config.limits.routesPerTable = 4;
  beforeAll(async () => {
    h = await harness(backend, { config, clock });
  });
  afterAll(() => h?.close());

  let n = 0;
  /** Two accounts, each with a VPC (10.n.0.0/16 and 10.(128+n).0.0/16) and a custom route table. */
  async function pair() {
    const s = h.runtime.services;
    n++;
    const alice = { accountId: (await h.account()).id };
    const bob = { accountId: (await h.account()).id };
    const vpcA = await s.vpcs.create(alice, { name: "a", region: "ap-guangzhou", cidr: `10.${n}.0.0/16` });
    const vpcB = await s.vpcs.create(bob, { name: "b", region: "ap-guangzhou", cidr: `10.${128 + n}.0.0/16` });
    const rtbA = await s.routeTables.create(alice, { vpcId: vpcA.id, name: "to-bob" });
    const rtbB = await s.routeTables.create(bob, { vpcId: vpcB.id, name: "to-alice" });
    return { alice, bob, vpcA, vpcB, rtbA, rtbB };
  }
  const user = (routes: Route[]) => routes.filter((r) => r.id !== "local");
  /** An instance in a fresh subnet of `vpcId`, as a next hop for routes of the test's own. */
  async function nextHop(actor: { accountId: string }, vpcId: string, cidr: string) {
    const s = h.runtime.services;
    const subnet = await s.subnets.create(actor, { vpcId, cidr });
    return s.instances.create(actor, { subnetId: subnet.id });
  }

  it("adds each side's routes to exactly the tables it named when the peering becomes active, managed by it", async () => {
    const s = h.runtime.services;
    const { alice, bob, vpcA, vpcB, rtbA, rtbB } = await pair();
    const other = await s.routeTables.create(alice, { vpcId: vpcA.id, name: "untouched" });
    const p = await s.peerings.create(alice, { vpcId: vpcA.id, peerVpcId: vpcB.id, peerAccountId: bob.accountId, routeTableIds: [rtbA.id] });
    expect(p.state).toBe("pending-acceptance");
    // Nothing before the peering is active.
    expect(user(await s.routeTables.routes(alice, rtbA.id))).toEqual([]);
    const accepted = await s.peerings.accept(bob, p.id, { routeTableIds: [rtbB.id] });
    expect(accepted.state).toBe("active");
    expect(user(await s.routeTables.routes(alice, rtbA.id))).toEqual([
      expect.objectContaining({ destinationCidr: vpcB.cidr, target: { type: "peering", id: p.id }, state: "active", managedBy: p.id, origin: "user" }),
    ]);
    expect(user(await s.routeTables.routes(bob, rtbB.id))).toEqual([
      expect.objectContaining({ destinationCidr: vpcA.cidr, target: { type: "peering", id: p.id }, state: "active", managedBy: p.id }),
    ]);
    // Exactly those tables: not the other custom table, not the default ones.
    expect(user(await s.routeTables.routes(alice, other.id))).toEqual([]);
    expect(user(await s.routeTables.routes(alice, vpcA.defaultRouteTableId))).toEqual([]);
    expect(user(await s.routeTables.routes(bob, vpcB.defaultRouteTableId))).toEqual([]);
    // The local route is not managed; each party is told what went into its tables.
    expect((await s.routeTables.routes(alice, rtbA.id))[0]).toMatchObject({ id: "local", managedBy: null });
    const told = (await s.events.list(alice, { type: "peering.routes-added" }, { limit: 10 })).items;
    expect(told).toHaveLength(1);
    expect(told[0]!.data).toMatchObject({ peeringId: p.id, routes: [{ routeTableId: rtbA.id, destinationCidr: vpcB.cidr }] });
    expect(told[0]!.data).not.toHaveProperty("notAdded");
    const toldBob = (await s.events.list(bob, { type: "peering.routes-added" }, { limit: 10 })).items;
    expect(toldBob.map((e) => e.data)).toEqual([expect.objectContaining({ routes: [expect.objectContaining({ routeTableId: rtbB.id })] })]);
    // Bob learns nothing of Alice's tables.
    expect(JSON.stringify(toldBob)).not.toContain(rtbA.id);
  });

  it("adds both sides' routes at once for a same-account peering active on creation", async () => {
    const s = h.runtime.services;
    const { alice, vpcA, rtbA } = await pair();
    n++;
    const vpcC = await s.vpcs.create(alice, { name: "c", region: "ap-guangzhou", cidr: `10.${128 + n}.0.0/16` });
    const p = await s.peerings.create(alice, { vpcId: vpcA.id, peerVpcId: vpcC.id, routeTableIds: [rtbA.id, vpcC.defaultRouteTableId] });
    expect(p.state).toBe("active");
    expect(user(await s.routeTables.routes(alice, rtbA.id))).toEqual([expect.objectContaining({ destinationCidr: vpcC.cidr, managedBy: p.id, state: "active" })]);
    expect(user(await s.routeTables.routes(alice, vpcC.defaultRouteTableId))).toEqual([expect.objectContaining({ destinationCidr: vpcA.cidr, managedBy: p.id, state: "active" })]);
    // A same-account request that waits for acceptance names the peer VPC's tables at the accept.
    n++;
    const vpcD = await s.vpcs.create(alice, { name: "d", region: "ap-guangzhou", cidr: `10.${128 + n}.0.0/16` });
    const wait = await failure(s.peerings.create(alice, { vpcId: vpcA.id, peerVpcId: vpcD.id, requireAcceptance: true, routeTableIds: [vpcD.defaultRouteTableId] }));
    expect(wait).toMatchObject({ code: "RouteTableMismatch", details: { field: "routeTableIds[0]" } });
    expect(wait.message).toMatch(/^routeTableIds\[0\]: .*when you accept/);
    const pending = await s.peerings.create(alice, { vpcId: vpcA.id, peerVpcId: vpcD.id, requireAcceptance: true });
    await s.peerings.accept(alice, pending.id, { routeTableIds: [vpcD.defaultRouteTableId] });
    expect(user(await s.routeTables.routes(alice, vpcD.defaultRouteTableId))).toEqual([expect.objectContaining({ destinationCidr: vpcA.cidr, managedBy: pending.id })]);
  });

  it("refuses a table of another account as not found, and one of another VPC as not the peering's, naming the field; nothing is created", async () => {
    const s = h.runtime.services;
    const { alice, bob, vpcA, vpcB, rtbA, rtbB } = await pair();
    const mallory = { accountId: (await h.account()).id };
    const vpcM = await s.vpcs.create(mallory, { name: "m", region: "ap-guangzhou", cidr: "192.168.0.0/16" });
    const foreign = await failure(s.peerings.create(alice, { vpcId: vpcA.id, peerVpcId: vpcB.id, peerAccountId: bob.accountId, routeTableIds: [rtbA.id, rtbB.id] }));
    expect(foreign).toMatchObject({ code: "ResourceNotFound", details: { field: "routeTableIds[1]", id: rtbB.id } });
    expect(foreign.message).toBe(`routeTableIds[1]: route table ${rtbB.id} does not exist`);
    const ownElsewhere = await s.vpcs.create(alice, { name: "elsewhere", region: "ap-guangzhou", cidr: "10.200.0.0/16" });
    const mismatch = await failure(s.peerings.create(alice, { vpcId: vpcA.id, peerVpcId: vpcB.id, peerAccountId: bob.accountId, routeTableIds: [ownElsewhere.defaultRouteTableId] }));
    expect(mismatch).toMatchObject({ code: "RouteTableMismatch", kind: "Invalid", details: { field: "routeTableIds[0]" } });
    expect(mismatch.message).toContain(`belongs to ${ownElsewhere.id}`);
    const twice = await failure(s.peerings.create(alice, { vpcId: vpcA.id, peerVpcId: vpcB.id, peerAccountId: bob.accountId, routeTableIds: [rtbA.id, rtbA.id] }));
    expect(twice).toMatchObject({ code: "InvalidRequest", details: { field: "routeTableIds[1]" } });
    // Overlapping VPCs are refused for what they are, whatever the tables.
    const overlapping = await s.vpcs.create(bob, { name: "o", region: "ap-guangzhou", cidr: vpcA.cidr });
    expect(await failure(s.peerings.create(alice, { vpcId: vpcA.id, peerVpcId: overlapping.id, peerAccountId: bob.accountId, routeTableIds: [rtbA.id] }))).toMatchObject({ code: "CidrOverlap" });
    expect((await s.peerings.list(alice, {}, { limit: 10 })).items).toEqual([]);

    const p = await s.peerings.create(alice, { vpcId: vpcA.id, peerVpcId: vpcB.id, peerAccountId: bob.accountId, routeTableIds: [rtbA.id] });
    // The accepter names only its own tables: the requester's is not found for it, a third party's neither.
    for (const id of [rtbA.id, vpcM.defaultRouteTableId]) {
      expect(await failure(s.peerings.accept(bob, p.id, { routeTableIds: [rtbB.id, id] }))).toMatchObject({ code: "ResourceNotFound", details: { field: "routeTableIds[1]", id } });
    }
    // A refused accept changes nothing: still pending, no routes anywhere.
    expect((await s.peerings.get(bob, p.id)).state).toBe("pending-acceptance");
    expect(user(await s.routeTables.routes(bob, rtbB.id))).toEqual([]);
    // The requester cannot accept, with or without tables.
    expect(await failure(s.peerings.accept(alice, p.id, { routeTableIds: [rtbA.id] }))).toMatchObject({ code: "PeeringActionForbidden" });
    await s.peerings.accept(bob, p.id, { routeTableIds: [rtbB.id] });
    expect(user(await s.routeTables.routes(alice, rtbA.id))).toHaveLength(1);
  });

  it("refuses a table whose route to an equal or more specific destination would shadow the peering's, naming that route", async () => {
    const s = h.runtime.services;
    const { alice, bob, vpcA, vpcB, rtbA, rtbB } = await pair();
    const hopA = await nextHop(alice, vpcA.id, `10.${n}.9.0/24`);
    const hopB = await nextHop(bob, vpcB.id, `10.${128 + n}.9.0/24`);
    // A more specific route (a /24 of Bob's /16) in Alice's table.
    const inner = await s.routeTables.addRoute(alice, rtbA.id, { destinationCidr: `10.${128 + n}.1.0/24`, target: { type: "instance", id: hopA.id } });
    const e = await failure(s.peerings.create(alice, { vpcId: vpcA.id, peerVpcId: vpcB.id, peerAccountId: bob.accountId, routeTableIds: [rtbA.id] }));
    expect(e).toMatchObject({
      code: "RouteConflict",
      kind: "Conflict",
      details: { field: "routeTableIds[0]", routeTableId: rtbA.id, destinationCidr: vpcB.cidr, conflictingRouteId: inner.id, conflictingCidr: inner.destinationCidr },
    });
    expect(e.message).toContain(inner.id);
    expect(e.message).toContain(inner.destinationCidr);
    // A less specific route does not conflict: the peering's route is the longer match.
    await s.routeTables.deleteRoute(alice, rtbA.id, inner.id);
    await s.routeTables.addRoute(alice, rtbA.id, { destinationCidr: "10.128.0.0/9", target: { type: "instance", id: hopA.id } });
    const p = await s.peerings.create(alice, { vpcId: vpcA.id, peerVpcId: vpcB.id, peerAccountId: bob.accountId, routeTableIds: [rtbA.id] });
    // The same destination in the accepter's table refuses the accept, naming Bob's route; nothing changes.
    const same = await s.routeTables.addRoute(bob, rtbB.id, { destinationCidr: vpcA.cidr, target: { type: "instance", id: hopB.id } });
    const refused = await failure(s.peerings.accept(bob, p.id, { routeTableIds: [rtbB.id] }));
    expect(refused).toMatchObject({ code: "RouteConflict", details: { conflictingRouteId: same.id, conflictingCidr: vpcA.cidr, field: "routeTableIds[0]" } });
    expect((await s.peerings.get(bob, p.id)).state).toBe("pending-acceptance");
    expect(user(await s.routeTables.routes(alice, rtbA.id)).filter((r) => r.managedBy)).toEqual([]);
    // A route Alice added to her table since her request: the accept still succeeds, her route is
    // not added and she is told why; Bob's goes in.
    const since = await s.routeTables.addRoute(alice, rtbA.id, { destinationCidr: `10.${128 + n}.5.0/24`, target: { type: "instance", id: hopA.id } });
    await s.routeTables.deleteRoute(bob, rtbB.id, same.id);
    await s.peerings.accept(bob, p.id, { routeTableIds: [rtbB.id] });
    expect(user(await s.routeTables.routes(alice, rtbA.id)).filter((r) => r.managedBy)).toEqual([]);
    expect(user(await s.routeTables.routes(bob, rtbB.id))).toEqual([expect.objectContaining({ managedBy: p.id, destinationCidr: vpcA.cidr })]);
    const told = (await s.events.list(alice, { type: "peering.routes-added" }, { limit: 10 })).items;
    expect(told.map((x) => x.data)).toEqual([expect.objectContaining({ routes: [], notAdded: [expect.objectContaining({ routeTableId: rtbA.id, conflictingRouteId: since.id })] })]);
  });

  it("counts the routes against routesPerTable", async () => {
    const s = h.runtime.services;
    const { alice, bob, vpcA, vpcB, rtbA } = await pair();
    const hop = await nextHop(alice, vpcA.id, `10.${n}.9.0/24`);
    for (let i = 0; i < config.limits.routesPerTable; i++) await s.routeTables.addRoute(alice, rtbA.id, { destinationCidr: `192.168.${i}.0/24`, target: { type: "instance", id: hop.id } });
    const e = await failure(s.peerings.create(alice, { vpcId: vpcA.id, peerVpcId: vpcB.id, peerAccountId: bob.accountId, routeTableIds: [rtbA.id] }));
    expect(e).toMatchObject({ code: "LimitExceeded", details: { field: "routeTableIds[0]", quota: "routesPerTable", limit: config.limits.routesPerTable } });
  });

  it("removes the managed routes with the peering, and never a user's route elsewhere; a managed route can be removed by hand", async () => {
    const s = h.runtime.services;
    const { alice, bob, vpcA, vpcB, rtbA, rtbB } = await pair();
    const p = await s.peerings.create(alice, { vpcId: vpcA.id, peerVpcId: vpcB.id, peerAccountId: bob.accountId, routeTableIds: [rtbA.id, vpcA.defaultRouteTableId] });
    await s.peerings.accept(bob, p.id, { routeTableIds: [rtbB.id] });
    // Alice removes one managed route herself: allowed, and not put back.
    const [inDefault] = user(await s.routeTables.routes(alice, vpcA.defaultRouteTableId));
    expect(inDefault).toMatchObject({ managedBy: p.id });
    await s.routeTables.deleteRoute(alice, vpcA.defaultRouteTableId, inDefault!.id);
    // Inactive keeps the routes (blackhole); active again, they are active.
    await s.peerings.setActive(alice, p.id, false);
    expect(user(await s.routeTables.routes(alice, rtbA.id))).toEqual([expect.objectContaining({ managedBy: p.id, state: "blackhole" })]);
    await s.peerings.setActive(alice, p.id, true);
    expect(user(await s.routeTables.routes(alice, rtbA.id))).toEqual([expect.objectContaining({ managedBy: p.id, state: "active" })]);
    const res = await s.peerings.delete(bob, p.id);
    expect("removedRoutes" in res && res.removedRoutes).toEqual([expect.objectContaining({ routeTableId: rtbB.id, destinationCidr: vpcA.cidr })]);
    expect(user(await s.routeTables.routes(alice, rtbA.id))).toEqual([]);
    expect(user(await s.routeTables.routes(bob, rtbB.id))).toEqual([]);
    expect(user(await s.routeTables.routes(alice, vpcA.defaultRouteTableId))).toEqual([]);
  });

  it("with keepRoutes (the AWS face) removes the managed routes and leaves the user's as blackhole", async () => {
    const s = h.runtime.services;
    const { alice, bob, vpcA, vpcB, rtbA, rtbB } = await pair();
    const p = await s.peerings.create(alice, { vpcId: vpcA.id, peerVpcId: vpcB.id, peerAccountId: bob.accountId, routeTableIds: [rtbA.id] });
    await s.peerings.accept(bob, p.id);
    const own = await s.routeTables.addRoute(bob, rtbB.id, { destinationCidr: vpcA.cidr, target: { type: "peering", id: p.id } });
    expect(own.managedBy).toBeNull();
    await s.peerings.delete(alice, p.id, false, { keepRoutes: true });
    expect(user(await s.routeTables.routes(alice, rtbA.id))).toEqual([]);
    expect(user(await s.routeTables.routes(bob, rtbB.id))).toEqual([expect.objectContaining({ id: own.id, managedBy: null, state: "blackhole" })]);
  });

  it("adds nothing when the request is rejected, cancelled or expires", async () => {
    const s = h.runtime.services;
    for (const end of ["reject", "cancel", "expire"] as const) {
      const { alice, bob, vpcA, vpcB, rtbA } = await pair();
      const p = await s.peerings.create(alice, { vpcId: vpcA.id, peerVpcId: vpcB.id, peerAccountId: bob.accountId, routeTableIds: [rtbA.id] });
      if (end === "reject") await s.peerings.reject(bob, p.id);
      if (end === "cancel") await s.peerings.delete(alice, p.id);
      if (end === "expire") {
        clock.advanceDays(8);
        await s.peerings.sweep();
      }
      expect((await s.peerings.get(alice, p.id)).state).toBe(end === "reject" ? "rejected" : end === "cancel" ? "deleted" : "expired");
      expect(await h.runtime.store.repos.routes.declared(p.id)).toEqual([]);
      expect(user(await s.routeTables.routes(alice, rtbA.id))).toEqual([]);
    }
  });

  it("leaves consistent routes when two accepts, or an accept and a delete, race", async () => {
    const s = h.runtime.services;
    for (let round = 0; round < 3; round++) {
      const { alice, bob, vpcA, vpcB, rtbA, rtbB } = await pair();
      const p = await s.peerings.create(alice, { vpcId: vpcA.id, peerVpcId: vpcB.id, peerAccountId: bob.accountId, routeTableIds: [rtbA.id] });
      const results = await Promise.allSettled([s.peerings.accept(bob, p.id, { routeTableIds: [rtbB.id] }), s.peerings.accept(bob, p.id, { routeTableIds: [rtbB.id] })]);
      expect(results.filter((x) => x.status === "fulfilled")).toHaveLength(1);
      const loser = results.find((x) => x.status === "rejected") as PromiseRejectedResult;
      expect(loser.reason).toMatchObject({ code: "InvalidPeeringState" });
      // One route per table, whoever won.
      expect(user(await s.routeTables.routes(alice, rtbA.id))).toEqual([expect.objectContaining({ managedBy: p.id })]);
      expect(user(await s.routeTables.routes(bob, rtbB.id))).toEqual([expect.objectContaining({ managedBy: p.id })]);
    }
    for (let round = 0; round < 4; round++) {
      const { alice, bob, vpcA, vpcB, rtbA, rtbB } = await pair();
      const p = await s.peerings.create(alice, { vpcId: vpcA.id, peerVpcId: vpcB.id, peerAccountId: bob.accountId, routeTableIds: [rtbA.id] });
      const [accepted, deleted] = await Promise.allSettled([s.peerings.accept(bob, p.id, { routeTableIds: [rtbB.id] }), s.peerings.delete(alice, p.id)]);
      // Either order ends deleted without routes: the delete cancels the request (the accept then
      // finds it deleted), or deletes the peering the accept made active, routes and all.
      expect(deleted.status).toBe("fulfilled");
      if (accepted.status === "rejected") expect(accepted.reason).toMatchObject({ code: "InvalidPeeringState" });
      expect((await s.peerings.get(alice, p.id)).state).toBe("deleted");
      expect(user(await s.routeTables.routes(alice, rtbA.id))).toEqual([]);
      expect(user(await s.routeTables.routes(bob, rtbB.id))).toEqual([]);
      expect(await h.runtime.store.repos.routes.declared(p.id)).toEqual([]);
    }
  });

  it("an accept and a user's shadowing route racing for one table: exactly one of them gets in", async () => {
    const s = h.runtime.services;
    for (let round = 0; round < 3; round++) {
      const { alice, bob, vpcA, vpcB, rtbB } = await pair();
      const hop = await nextHop(bob, vpcB.id, `10.${128 + n}.9.0/24`);
      const p = await s.peerings.create(alice, { vpcId: vpcA.id, peerVpcId: vpcB.id, peerAccountId: bob.accountId });
      const [accepted, added] = await Promise.allSettled([
        s.peerings.accept(bob, p.id, { routeTableIds: [rtbB.id] }),
        s.routeTables.addRoute(bob, rtbB.id, { destinationCidr: vpcA.cidr, target: { type: "instance", id: hop.id } }),
      ]);
      expect([accepted.status, added.status].filter((x) => x === "fulfilled")).toHaveLength(1);
      const routes = user(await s.routeTables.routes(bob, rtbB.id));
      expect(routes).toHaveLength(1);
      expect(routes[0]!.managedBy).toBe(accepted.status === "fulfilled" ? p.id : null);
    }
  });
});
