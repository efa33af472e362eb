/** The Tencent six-step flow and the peering life cycle through the native API, on both stores. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config.ts";
import { TestClock } from "../support/clock.ts";
import { BACKENDS, type Harness, harness } from "../support/harness.ts";

type Acct = { id: string; token: string };

describe.each(BACKENDS)("peering connections on %s", (backend) => {
  let h: Harness;
  const clock = new TestClock();
  const config = defaultConfig();
  config.limits.peeringsPerVpc = 3;
  let alice: Acct;
  let bob: Acct;
  let eve: Acct;
  const call = (a: Acct, m: "GET" | "POST" | "PUT" | "PATCH" | "DELETE", url: string, body?: unknown) => h.call(a.token, m, url, body);
  const vpc = async (a: Acct, cidr: string, region = "ap-guangzhou") => (await call(a, "POST", "/api/v1/vpcs", { name: `v-${cidr}`, region, cidr })).body;

  beforeAll(async () => {
    h = await harness(backend, { config, clock });
    alice = await h.account();
    bob = await h.account();
    eve = await h.account();
  });
  afterAll(() => h?.close());

  it("runs the six Tencent steps across two accounts", async () => {
    const a = await vpc(alice, "10.0.0.0/16");
    const b = await vpc(bob, "172.16.0.0/16");
    const aSub = (await call(alice, "POST", "/api/v1/subnets", { vpcId: a.id, cidr: "10.0.1.0/24" })).body;
    const bSub = (await call(bob, "POST", "/api/v1/subnets", { vpcId: b.id, cidr: "172.16.1.0/24" })).body;

    // (1) The initiator requests the peering.
    const created = await call(alice, "POST", "/api/v1/peerings", { vpcId: a.id, peerVpcId: b.id, peerAccountId: bob.id, name: "a-to-b" });
    expect(created.status).toBe(201);
    const p = created.body;
    expect(p).toMatchObject({
      state: "pending-acceptance",
      requester: { accountId: alice.id, vpcId: a.id, region: "ap-guangzhou", cidr: "10.0.0.0/16" },
      accepter: { accountId: bob.id, vpcId: b.id, region: "ap-guangzhou", cidr: "172.16.0.0/16" },
      bandwidthMbps: null,
      crossRegion: false,
      expiresAt: new Date(clock.now().getTime() + 7 * 86_400_000).toISOString(),
    });
    expect(p.id).toMatch(/^pcx-/);
    // The accepter learns of it without being told out of band.
    const inbox = (await call(bob, "GET", "/api/v1/events?type=peering.request-received")).body.items;
    expect(inbox).toHaveLength(1);
    expect(inbox[0].data.message).toContain(`account ${alice.id} asks to peer VPC ${a.id}`);
    expect(inbox[0].data.message).toContain(`your VPC ${b.id}`);
    expect((await call(bob, "GET", "/api/v1/peerings?role=accepter&state=pending-acceptance")).body.items.map((x: { id: string }) => x.id)).toEqual([p.id]);

    // A route to the pending peering is allowed but a blackhole.
    const aTable = (await call(alice, "POST", "/api/v1/route-tables", { vpcId: a.id, name: "to-bob" })).body;
    const aRoute = await call(alice, "POST", `/api/v1/route-tables/${aTable.id}/routes`, { destinationCidr: "172.16.1.0/24", target: { type: "peering", id: p.id } });
    expect(aRoute.status).toBe(201);
    expect(aRoute.body.state).toBe("blackhole");

    // (2) The receiver accepts.
    const accepted = await call(bob, "POST", `/api/v1/peerings/${p.id}/accept`);
    expect(accepted.status).toBe(200);
    expect(accepted.body.state).toBe("active");
    expect(accepted.body.expiresAt).toBeNull();

    // (3)(4) The initiator's route is now active; its subnet uses the table.
    expect((await call(alice, "GET", `/api/v1/route-tables/${aTable.id}/routes`)).body.items[1].state).toBe("active");
    expect((await call(alice, "PUT", `/api/v1/subnets/${aSub.id}/route-table`, { routeTableId: aTable.id })).body.routeTableId).toBe(aTable.id);
    // (5)(6) The receiver adds its route and associates its subnet.
    const bTable = (await call(bob, "POST", "/api/v1/route-tables", { vpcId: b.id, name: "to-alice" })).body;
    const bRoute = await call(bob, "POST", `/api/v1/route-tables/${bTable.id}/routes`, { destinationCidr: "10.0.0.0/16", target: { type: "peering", id: p.id } });
    expect(bRoute.body.state).toBe("active");
    expect((await call(bob, "PUT", `/api/v1/subnets/${bSub.id}/route-table`, { routeTableId: bTable.id })).status).toBe(200);

    // Routes only toward the other side, only from a side's own tables.
    const wrongDest = await call(bob, "POST", `/api/v1/route-tables/${bTable.id}/routes`, { destinationCidr: "192.168.0.0/24", target: { type: "peering", id: p.id } });
    expect(wrongDest.body.error).toMatchObject({ code: "InvalidRouteTarget", details: { allowed: ["10.0.0.0/16"] } });
    const other = await vpc(bob, "192.168.0.0/16");
    const notSide = await call(bob, "POST", `/api/v1/route-tables/${other.defaultRouteTableId}/routes`, { destinationCidr: "10.0.0.0/16", target: { type: "peering", id: p.id } });
    expect(notSide.body.error.code).toBe("InvalidRouteTarget");
    const strangerRoute = await call(eve, "POST", `/api/v1/route-tables/${(await vpc(eve, "10.9.0.0/16")).defaultRouteTableId}/routes`, { destinationCidr: "10.0.0.0/16", target: { type: "peering", id: p.id } });
    expect(strangerRoute.status).toBe(404);

    // Neither VPC can be deleted while the peering lives.
    const blocked = await call(bob, "DELETE", `/api/v1/vpcs/${other.id}`);
    expect(blocked.status).toBe(204);
    const aBlocked = await call(alice, "DELETE", `/api/v1/vpcs/${a.id}`);
    expect(aBlocked.body.error.details.dependents).toEqual(expect.arrayContaining([{ resource: "peering", id: p.id }]));

    // Either side deletes: routes pointing at it go, each side learns which of its own.
    const deleted = await call(bob, "DELETE", `/api/v1/peerings/${p.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.peering.state).toBe("deleted");
    expect(deleted.body.peering.stateReason).toMatchObject({ code: "Deleted", by: bob.id });
    expect(deleted.body.removedRoutes).toEqual([{ id: bRoute.body.id, routeTableId: bTable.id, destinationCidr: "10.0.0.0/16" }]);
    const aliceEvent = (await call(alice, "GET", "/api/v1/events?type=peering.deleted")).body.items[0];
    expect(aliceEvent.data.removedRoutes).toEqual([{ id: aRoute.body.id, routeTableId: aTable.id, destinationCidr: "172.16.1.0/24" }]);
    expect((await call(alice, "GET", `/api/v1/route-tables/${aTable.id}/routes`)).body.items).toHaveLength(1);
    // The record stays visible to both with its reason, and can be cleaned up.
    expect((await call(alice, "GET", `/api/v1/peerings/${p.id}`)).body.state).toBe("deleted");
    expect((await call(alice, "DELETE", `/api/v1/peerings/${p.id}`)).body.error).toMatchObject({ code: "InvalidPeeringState", details: { state: "deleted" } });
    expect((await call(alice, "DELETE", `/api/v1/peerings/${p.id}?purge=true`)).body).toEqual({ purged: p.id });
    expect((await call(bob, "GET", `/api/v1/peerings/${p.id}`)).status).toBe(404);
  });

  it("activates a same-account peering at once", async () => {
    const a = await vpc(alice, "10.1.0.0/16");
    const b = await vpc(alice, "10.2.0.0/16");
    const r = await call(alice, "POST", "/api/v1/peerings", { vpcId: a.id, peerVpcId: b.id });
    expect(r.body.state).toBe("active");
    const events = (await call(alice, "GET", `/api/v1/events?resourceId=${r.body.id}`)).body.items.map((e: { type: string }) => e.type);
    expect(events).toEqual(["peering.active"]);
  });

  it("refuses overlap (naming both CIDRs), self-peering, duplicates and foreign or missing VPCs", async () => {
    const a = await vpc(alice, "10.3.0.0/16");
    const overlapping = await vpc(bob, "10.3.128.0/17");
    const o = await call(alice, "POST", "/api/v1/peerings", { vpcId: a.id, peerVpcId: overlapping.id, peerAccountId: bob.id });
    expect(o.status).toBe(409);
    expect(o.body.error).toMatchObject({ code: "CidrOverlap", details: { cidr: "10.3.0.0/16", conflictingCidr: "10.3.128.0/17" } });
    expect(o.body.error.message).toContain("10.3.0.0/16");
    expect(o.body.error.message).toContain("10.3.128.0/17");
    expect((await call(alice, "POST", "/api/v1/peerings", { vpcId: a.id, peerVpcId: a.id })).body.error.code).toBe("PeeringSelf");
    const b = await vpc(bob, "172.20.0.0/16");
    const first = await call(alice, "POST", "/api/v1/peerings", { vpcId: a.id, peerVpcId: b.id, peerAccountId: bob.id });
    const dup = await call(bob, "POST", "/api/v1/peerings", { vpcId: b.id, peerVpcId: a.id, peerAccountId: alice.id });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({ code: "PeeringExists", details: { existingPeeringId: first.body.id } });
    // A VPC of the wrong account, region or none at all: all "does not exist".
    const wrongAccount = await call(alice, "POST", "/api/v1/peerings", { vpcId: a.id, peerVpcId: b.id, peerAccountId: eve.id });
    const wrongRegion = await call(alice, "POST", "/api/v1/peerings", { vpcId: a.id, peerVpcId: b.id, peerAccountId: bob.id, peerRegion: "ap-shanghai", bandwidthMbps: 10 });
    const missing = await call(alice, "POST", "/api/v1/peerings", { vpcId: a.id, peerVpcId: "vpc-000000000000", peerAccountId: bob.id });
    for (const r of [wrongAccount, wrongRegion, missing]) expect(r.body.error).toMatchObject({ code: "ResourceNotFound", details: { field: "peerVpcId" } });
    const notMine = await call(eve, "POST", "/api/v1/peerings", { vpcId: a.id, peerVpcId: b.id, peerAccountId: bob.id });
    expect(notMine.body.error).toMatchObject({ code: "ResourceNotFound", details: { field: "vpcId" } });
    expect((await call(alice, "POST", "/api/v1/peerings", { vpcId: a.id, peerVpcId: b.id, bandwidthMbps: 0 })).status).toBe(400);
  });

  it("lets only the right party act, and strangers see nothing", async () => {
    const a = await vpc(alice, "10.4.0.0/16");
    const b = await vpc(bob, "172.21.0.0/16");
    const p = (await call(alice, "POST", "/api/v1/peerings", { vpcId: a.id, peerVpcId: b.id, peerAccountId: bob.id })).body;
    const selfAccept = await call(alice, "POST", `/api/v1/peerings/${p.id}/accept`);
    expect(selfAccept.status).toBe(403);
    expect(selfAccept.body.error.code).toBe("PeeringActionForbidden");
    expect((await call(bob, "DELETE", `/api/v1/peerings/${p.id}`)).body.error.code).toBe("PeeringActionForbidden");
    const missing = await call(eve, "POST", "/api/v1/peerings/pcx-zzzzzzzzzzzz/accept");
    for (const [m, suffix] of [["POST", "/accept"], ["POST", "/reject"], ["DELETE", ""], ["GET", ""], ["PATCH", ""]] as const) {
      const r = await call(eve, m, `/api/v1/peerings/${p.id}${suffix}`, m === "PATCH" ? { name: "x" } : undefined);
      expect(r.status).toBe(404);
      expect(JSON.stringify(r.body).split(p.id).join("X")).toBe(JSON.stringify(m === "POST" && suffix === "/accept" ? missing.body : (await call(eve, m, `/api/v1/peerings/pcx-zzzzzzzzzzzz${suffix}`, m === "PATCH" ? { name: "x" } : undefined)).body).split("pcx-zzzzzzzzzzzz").join("X"));
    }
    expect((await call(eve, "GET", "/api/v1/peerings")).body.items).toEqual([]);
    const rejected = await call(bob, "POST", `/api/v1/peerings/${p.id}/reject`);
    expect(rejected.body).toMatchObject({ state: "rejected", stateReason: { code: "Rejected", by: bob.id } });
    expect((await call(bob, "POST", `/api/v1/peerings/${p.id}/accept`)).body.error).toMatchObject({ code: "InvalidPeeringState", details: { state: "rejected" } });
    expect((await call(alice, "GET", "/api/v1/events?type=peering.rejected")).body.items.some((e: { resourceId: string }) => e.resourceId === p.id)).toBe(true);
    // After a rejection the pair is free again; the requester may cancel the new request.
    const again = (await call(alice, "POST", "/api/v1/peerings", { vpcId: a.id, peerVpcId: b.id, peerAccountId: bob.id })).body;
    const cancelled = await call(alice, "DELETE", `/api/v1/peerings/${again.id}`);
    expect(cancelled.body.peering).toMatchObject({ state: "deleted", stateReason: { code: "Cancelled" } });
  });

  it("expires an unanswered request after 7 days, even before the timers run", async () => {
    const a = await vpc(alice, "10.5.0.0/16");
    const b = await vpc(bob, "172.22.0.0/16");
    const p = (await call(alice, "POST", "/api/v1/peerings", { vpcId: a.id, peerVpcId: b.id, peerAccountId: bob.id })).body;
    clock.advanceDays(6);
    expect((await call(bob, "GET", `/api/v1/peerings/${p.id}`)).body.state).toBe("pending-acceptance");
    clock.advanceDays(1);
    const seen = (await call(bob, "GET", `/api/v1/peerings/${p.id}`)).body;
    expect(seen).toMatchObject({ state: "expired", stateReason: { code: "RequestExpired" } });
    expect((await call(bob, "POST", `/api/v1/peerings/${p.id}/accept`)).body.error.code).toBe("InvalidPeeringState");
    await h.runtime.services.peerings.sweep();
    expect((await call(alice, "GET", `/api/v1/peerings/${p.id}`)).body.state).toBe("expired");
    expect((await call(alice, "GET", "/api/v1/events?type=peering.expired")).body.items.some((e: { resourceId: string }) => e.resourceId === p.id)).toBe(true);
    // The pair is free again.
    expect((await call(alice, "POST", "/api/v1/peerings", { vpcId: a.id, peerVpcId: b.id, peerAccountId: bob.id })).status).toBe(201);
  });

  it("a VPC's quota counts its established peerings and its own requests; a received request counts once accepted", async () => {
    const hub = await vpc(bob, "172.30.0.0/16");
    const spokes = [];
    for (let i = 0; i < 5; i++) spokes.push(await vpc(alice, `10.${60 + i}.0.0/16`));
    // Four requests to Bob's hub (quota 3): received requests take no slot, so nobody can fill another's VPC.
    const requests = [];
    for (const s of spokes.slice(0, 4)) requests.push((await call(alice, "POST", "/api/v1/peerings", { vpcId: s.id, peerVpcId: hub.id, peerAccountId: bob.id })).body);
    for (const r of requests) expect(r.state).toBe("pending-acceptance");
    // A same-account peering from the hub is active at once: one slot.
    const own = await vpc(bob, "172.31.0.0/16");
    expect((await call(bob, "POST", "/api/v1/peerings", { vpcId: hub.id, peerVpcId: own.id })).body.state).toBe("active");
    expect((await call(bob, "POST", `/api/v1/peerings/${requests[0].id}/accept`)).body.state).toBe("active");
    expect((await call(bob, "POST", `/api/v1/peerings/${requests[1].id}/accept`)).body.state).toBe("active");
    // Full: the third acceptance is refused and the request stays pending.
    const full = await call(bob, "POST", `/api/v1/peerings/${requests[2].id}/accept`);
    expect(full.body.error).toMatchObject({ code: "LimitExceeded", details: { quota: "peeringsPerVpc", limit: 3 } });
    expect((await call(bob, "GET", `/api/v1/peerings/${requests[2].id}`)).body.state).toBe("pending-acceptance");
    // The hub's own new requests are refused while it is full.
    const fromHub = await call(bob, "POST", "/api/v1/peerings", { vpcId: hub.id, peerVpcId: spokes[4].id, peerAccountId: alice.id });
    expect(fromHub.body.error).toMatchObject({ code: "LimitExceeded", details: { quota: "peeringsPerVpc" } });
    // A requester's own outgoing requests count for it: spoke 0 is in one peering; three more requests from it would make 4.
    const targets = [];
    for (let i = 0; i < 3; i++) targets.push(await vpc(bob, `192.168.${30 + i}.0/24`));
    expect((await call(alice, "POST", "/api/v1/peerings", { vpcId: spokes[0].id, peerVpcId: targets[0].id, peerAccountId: bob.id })).status).toBe(201);
    expect((await call(alice, "POST", "/api/v1/peerings", { vpcId: spokes[0].id, peerVpcId: targets[1].id, peerAccountId: bob.id })).status).toBe(201);
    const over = await call(alice, "POST", "/api/v1/peerings", { vpcId: spokes[0].id, peerVpcId: targets[2].id, peerAccountId: bob.id });
    expect(over.body.error).toMatchObject({ code: "LimitExceeded", details: { quota: "peeringsPerVpc" } });
  });

  it("a received request waits while the accepter's VPC is full, and is accepted once a slot frees up", async () => {
    const hub = await vpc(bob, "172.29.0.0/16");
    const spoke = await vpc(alice, "10.70.0.0/16");
    const p0 = (await call(alice, "POST", "/api/v1/peerings", { vpcId: spoke.id, peerVpcId: hub.id, peerAccountId: bob.id })).body;
    // Three same-account peerings fill the hub while the request waits.
    const mine = [];
    for (let i = 0; i < 3; i++) {
      const own = await vpc(bob, `192.168.${10 + i}.0/24`);
      const made = (await call(bob, "POST", "/api/v1/peerings", { vpcId: hub.id, peerVpcId: own.id })).body;
      expect(made.state).toBe("active");
      mine.push(made);
    }
    expect((await call(bob, "POST", `/api/v1/peerings/${p0.id}/accept`)).body.error.code).toBe("LimitExceeded");
    expect((await call(bob, "DELETE", `/api/v1/peerings/${mine[0].id}`)).status).toBeLessThan(300);
    expect((await call(bob, "POST", `/api/v1/peerings/${p0.id}/accept`)).body.state).toBe("active");
  });

  it("requires a bandwidth across regions", async () => {
    const a = await vpc(alice, "10.80.0.0/16", "ap-guangzhou");
    const b = await vpc(bob, "172.25.0.0/16", "ap-shanghai");
    const none = await call(alice, "POST", "/api/v1/peerings", { vpcId: a.id, peerVpcId: b.id, peerAccountId: bob.id, peerRegion: "ap-shanghai" });
    expect(none.body.error).toMatchObject({ code: "BandwidthRequired", details: { field: "bandwidthMbps" } });
    const ok = await call(alice, "POST", "/api/v1/peerings", { vpcId: a.id, peerVpcId: b.id, peerAccountId: bob.id, peerRegion: "ap-shanghai", bandwidthMbps: 50 });
    expect(ok.body).toMatchObject({ crossRegion: true, bandwidthMbps: 50, accepter: { region: "ap-shanghai" } });
    expect((await call(bob, "POST", `/api/v1/peerings/${ok.body.id}/accept`)).body.state).toBe("active");
    expect((await call(alice, "PATCH", `/api/v1/peerings/${ok.body.id}`, { bandwidthMbps: null })).body.error.code).toBe("BandwidthRequired");
    expect((await call(bob, "PATCH", `/api/v1/peerings/${ok.body.id}`, { bandwidthMbps: 10 })).body.error.code).toBe("PeeringActionForbidden");
    expect((await call(bob, "PATCH", `/api/v1/peerings/${ok.body.id}`, { tags: { owner: "bob" } })).body.tags).toEqual({ owner: "bob" });
    expect((await call(alice, "GET", `/api/v1/peerings/${ok.body.id}`)).body.tags).toEqual({});
  });

  it("streams a request to the accepter over server-sent events", async () => {
    const address = await h.app.listen({ port: 0, host: "127.0.0.1" });
    const abort = new AbortController();
    const res = await fetch(`${address}/api/v1/events/stream`, { headers: { authorization: `Bearer ${bob.token}` }, signal: abort.signal });
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const reader = res.body!.getReader();
    const a = await vpc(alice, "10.90.0.0/16");
    const b = await vpc(bob, "172.26.0.0/16");
    const p = (await call(alice, "POST", "/api/v1/peerings", { vpcId: a.id, peerVpcId: b.id, peerAccountId: bob.id })).body;
    let text = "";
    const deadline = Date.now() + 10_000;
    while (!text.includes(p.id) && Date.now() < deadline) text += new TextDecoder().decode((await reader.read()).value);
    abort.abort();
    expect(text).toMatch(/event: peering\.request-received/);
    expect(text).toContain(`asks to peer VPC ${a.id}`);
  });
});
