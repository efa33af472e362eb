/** The Alibaba Express Connect flow: router interfaces, every console variant, VBR-to-VPC. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config.ts";
import { TestClock } from "../support/clock.ts";
import { BACKENDS, type Harness, harness } from "../support/harness.ts";

type Acct = { id: string; token: string };

describe.each(BACKENDS)("router interfaces on %s", (backend) => {
  let h: Harness;
  let alice: Acct;
  let bob: Acct;
  let eve: Acct;
  const call = (a: Acct, m: "GET" | "POST" | "PUT" | "PATCH" | "DELETE", url: string, body?: unknown) => h.call(a.token, m, url, body);
  const vpc = async (a: Acct, cidr: string, region = "cn-hangzhou") => (await call(a, "POST", "/api/v1/vpcs", { name: cidr, region, cidr })).body;
  const ri = (a: Acct, body: unknown) => call(a, "POST", "/api/v1/router-interfaces", body);

  beforeAll(async () => {
    h = await harness(backend, { config: defaultConfig(), clock: new TestClock() });
    alice = await h.account();
    bob = await h.account();
    eve = await h.account();
  });
  afterAll(() => h?.close());

  it("Initiator and Acceptor: one call creates both ends and connects them (same account)", async () => {
    const a = await vpc(alice, "10.0.0.0/16");
    const b = await vpc(alice, "10.1.0.0/16");
    const init = await ri(alice, { role: "initiator", routerType: "vpc", routerId: a.id, spec: "Small.1", opposite: { routerType: "vpc", routerId: b.id }, withAcceptor: true, name: "pair" });
    expect(init.status).toBe(201);
    expect(init.body).toMatchObject({ role: "initiator", status: "Active", spec: "Small.1", bandwidthMbps: 10, opposite: { routerId: b.id, accountId: alice.id } });
    const acc = (await call(alice, "GET", `/api/v1/router-interfaces/${init.body.opposite.interfaceId}`)).body;
    expect(acc).toMatchObject({ role: "acceptor", status: "Active", spec: "Negative", bandwidthMbps: null, chargeType: "pay-as-you-go", opposite: { interfaceId: init.body.id } });
    const peering = (await call(alice, "GET", `/api/v1/peerings/${init.body.peeringId}`)).body;
    expect(peering).toMatchObject({ origin: "router-interface", state: "active", bandwidthMbps: 10, requester: { vpcId: a.id }, accepter: { vpcId: b.id } });

    // Routes toward the peer through the router interface.
    const route = await call(alice, "POST", `/api/v1/route-tables/${a.defaultRouteTableId}/routes`, { destinationCidr: "10.1.0.0/16", target: { type: "router-interface", id: init.body.id } });
    expect(route.body.state).toBe("active");
    const wrongWay = await call(alice, "POST", `/api/v1/route-tables/${b.defaultRouteTableId}/routes`, { destinationCidr: "10.0.0.0/16", target: { type: "router-interface", id: init.body.id } });
    expect(wrongWay.body.error.code).toBe("InvalidRouteTarget");
    const back = await call(alice, "POST", `/api/v1/route-tables/${b.defaultRouteTableId}/routes`, { destinationCidr: "10.0.0.0/16", target: { type: "router-interface", id: acc.id } });
    expect(back.body.state).toBe("active");

    // Deactivate: both ends Inactive, the peering inactive, the routes blackhole; then activate.
    expect((await call(alice, "DELETE", `/api/v1/router-interfaces/${init.body.id}`)).body.error.code).toBe("InvalidRouterInterfaceState");
    const off = await call(alice, "POST", `/api/v1/router-interfaces/${acc.id}/deactivate`);
    expect(off.body.status).toBe("Inactive");
    expect((await call(alice, "GET", `/api/v1/router-interfaces/${init.body.id}`)).body.status).toBe("Inactive");
    expect((await call(alice, "GET", `/api/v1/peerings/${peering.id}`)).body.state).toBe("inactive");
    expect((await call(alice, "GET", `/api/v1/route-tables/${a.defaultRouteTableId}/routes`)).body.items[1].state).toBe("blackhole");
    expect((await call(alice, "POST", `/api/v1/router-interfaces/${init.body.id}/deactivate`)).body.error.code).toBe("InvalidRouterInterfaceState");
    expect((await call(alice, "POST", `/api/v1/router-interfaces/${init.body.id}/activate`)).body.status).toBe("Active");
    expect((await call(alice, "GET", `/api/v1/route-tables/${a.defaultRouteTableId}/routes`)).body.items[1].state).toBe("active");

    // Delete: only when Idle or Inactive, and not while routes point at it.
    await call(alice, "POST", `/api/v1/router-interfaces/${init.body.id}/deactivate`);
    expect((await call(alice, "DELETE", `/api/v1/router-interfaces/${init.body.id}`)).body.error.code).toBe("DependencyViolation");
    await call(alice, "DELETE", `/api/v1/route-tables/${a.defaultRouteTableId}/routes/${route.body.id}`);
    expect((await call(alice, "DELETE", `/api/v1/router-interfaces/${init.body.id}`)).status).toBe(204);
    expect((await call(alice, "GET", `/api/v1/peerings/${peering.id}`)).body.state).toBe("deleted");
    expect((await call(alice, "GET", `/api/v1/router-interfaces/${acc.id}`)).body).toMatchObject({ status: "Idle", peeringId: null });
  });

  it("cross account, acceptor first: both ends name each other, then the initiator connects", async () => {
    const a = await vpc(alice, "10.10.0.0/16");
    const b = await vpc(bob, "172.16.0.0/16");
    const acc = (await ri(bob, { role: "acceptor", routerType: "vpc", routerId: b.id, opposite: { accountId: alice.id, routerType: "vpc", routerId: a.id } })).body;
    expect(acc).toMatchObject({ status: "Idle", spec: "Negative", chargeType: "pay-as-you-go" });
    const init = (await ri(alice, { role: "initiator", routerType: "vpc", routerId: a.id, bandwidthMbps: 20, opposite: { accountId: bob.id, routerType: "vpc", routerId: b.id, interfaceId: acc.id } })).body;
    expect(init.spec).toBe("Small.2");
    // The acceptor does not name the initiator yet.
    const early = await call(alice, "POST", `/api/v1/router-interfaces/${init.id}/connect`);
    expect(early.body.error.code).toBe("RouterInterfaceMismatch");
    expect((await call(bob, "PATCH", `/api/v1/router-interfaces/${acc.id}`, { opposite: { interfaceId: init.id } })).body.opposite.interfaceId).toBe(init.id);
    expect((await call(bob, "POST", `/api/v1/router-interfaces/${acc.id}/connect`)).body.error.code).toBe("InvalidRouterInterfaceState");
    const connected = await call(alice, "POST", `/api/v1/router-interfaces/${init.id}/connect`);
    expect(connected.body).toMatchObject({ status: "Active", peeringId: expect.stringMatching(/^pcx-/) });
    expect((await call(bob, "GET", `/api/v1/router-interfaces/${acc.id}`)).body.status).toBe("Active");
    // The connection is a peering both accounts see.
    for (const who of [alice, bob]) {
      expect((await call(who, "GET", `/api/v1/peerings/${connected.body.peeringId}`)).body).toMatchObject({ state: "active", origin: "router-interface", requester: { accountId: alice.id }, accepter: { accountId: bob.id } });
    }
    expect((await call(bob, "PATCH", `/api/v1/router-interfaces/${acc.id}`, { opposite: { interfaceId: "ri-000000000000" } })).body.error.code).toBe("InvalidRouterInterfaceState");
    expect((await call(eve, "GET", `/api/v1/router-interfaces/${acc.id}`)).status).toBe(404);
  });

  it("cross account, initiator first, cross-region subscription billed to the initiator only", async () => {
    const a = await vpc(alice, "10.20.0.0/16", "cn-hangzhou");
    const b = await vpc(bob, "172.17.0.0/16", "cn-shanghai");
    const init = (
      await ri(alice, { role: "initiator", routerType: "vpc", routerId: a.id, spec: "Mini.2", chargeType: "subscription", period: 12, autoRenew: true, opposite: { accountId: bob.id, region: "cn-shanghai", routerType: "vpc", routerId: b.id } })
    ).body;
    const acc = (await ri(bob, { role: "acceptor", routerType: "vpc", routerId: b.id, opposite: { accountId: alice.id, region: "cn-hangzhou", routerType: "vpc", routerId: a.id, interfaceId: init.id } })).body;
    await call(alice, "PATCH", `/api/v1/router-interfaces/${init.id}`, { opposite: { interfaceId: acc.id } });
    const connected = (await call(alice, "POST", `/api/v1/router-interfaces/${init.id}/connect`)).body;
    const p = (await call(bob, "GET", `/api/v1/peerings/${connected.peeringId}`)).body;
    expect(p).toMatchObject({ crossRegion: true, bandwidthMbps: 2, chargeType: "subscription", period: 12, autoRenew: true });
    const aliceLedger = (await call(alice, "GET", `/api/v1/billing/ledger?peeringId=${p.id}`)).body;
    expect(aliceLedger.items.map((e: { kind: string }) => e.kind)).toEqual(["purchase"]);
    expect(aliceLedger.total).toBe(120_000);
    expect((await call(bob, "GET", `/api/v1/billing/ledger?peeringId=${p.id}`)).body.total).toBe(0);
    // Spec change from the initiator changes the peering's bandwidth.
    expect((await call(alice, "PUT", `/api/v1/router-interfaces/${init.id}/spec`, { spec: "Small.1" })).body.bandwidthMbps).toBe(10);
    expect((await call(bob, "GET", `/api/v1/peerings/${p.id}`)).body.bandwidthMbps).toBe(10);
    expect((await call(bob, "PUT", `/api/v1/router-interfaces/${acc.id}/spec`, { spec: "Small.1" })).body.error.code).toBe("InvalidRouterInterfaceState");
  });

  it("applies the console's rules: acceptors are VPC-only, pay-as-you-go and without a bandwidth", async () => {
    const a = await vpc(alice, "10.30.0.0/16");
    const vbr = (await call(bob, "POST", "/api/v1/vbrs", { name: "idc", region: "cn-hangzhou", onPremisesCidrs: ["192.168.0.0/24"] })).body;
    const bad = [
      await ri(bob, { role: "acceptor", routerType: "vpc", routerId: a.id, opposite: { routerType: "vpc", routerId: a.id } }),
      await ri(alice, { role: "acceptor", routerType: "vpc", routerId: a.id, chargeType: "subscription", period: 1, opposite: { routerType: "vpc", routerId: a.id } }),
      await ri(alice, { role: "acceptor", routerType: "vpc", routerId: a.id, spec: "Small.1", opposite: { routerType: "vpc", routerId: a.id } }),
      await ri(bob, { role: "acceptor", routerType: "vbr", routerId: vbr.id, opposite: { routerType: "vpc", routerId: a.id } }),
      await ri(alice, { role: "initiator", routerType: "vpc", routerId: a.id, opposite: { routerType: "vpc", routerId: a.id } }),
      await ri(alice, { role: "initiator", routerType: "vpc", routerId: a.id, spec: "Huge.9", opposite: { routerType: "vpc", routerId: a.id } }),
      await ri(alice, { role: "initiator", routerType: "vpc", routerId: a.id, spec: "Small.1", withAcceptor: true, opposite: { accountId: bob.id, routerType: "vpc", routerId: a.id } }),
    ];
    expect(bad.map((r) => r.body.error?.code)).toEqual(["ResourceNotFound", "InvalidChargeType", "InvalidRequest", "InvalidRequest", "BandwidthRequired", "InvalidRequest", "InvalidRequest"]);
    // An acceptor that names someone else cannot be used, and looks like a missing one.
    const b = await vpc(bob, "172.18.0.0/16");
    const other = await vpc(eve, "10.99.0.0/16");
    const theirs = (await ri(bob, { role: "acceptor", routerType: "vpc", routerId: b.id, opposite: { accountId: eve.id, routerType: "vpc", routerId: other.id } })).body;
    const init = (await ri(alice, { role: "initiator", routerType: "vpc", routerId: a.id, spec: "Mini.2", opposite: { accountId: bob.id, routerType: "vpc", routerId: b.id, interfaceId: theirs.id } })).body;
    const stolen = await call(alice, "POST", `/api/v1/router-interfaces/${init.id}/connect`);
    const missing = (await call(alice, "PATCH", `/api/v1/router-interfaces/${init.id}`, { opposite: { interfaceId: "ri-000000000000" } }), await call(alice, "POST", `/api/v1/router-interfaces/${init.id}/connect`));
    expect(stolen.body.error.code).toBe("RouterInterfaceMismatch");
    expect(stolen.body.error.message.replace(theirs.id, "X")).toBe(missing.body.error.message.replace("ri-000000000000", "X"));
  });

  it("VBR-to-VPC: the on-premises network behind a VBR initiator peers with a VPC", async () => {
    const vbr = (await call(alice, "POST", "/api/v1/vbrs", { name: "idc", region: "cn-hangzhou", onPremisesCidrs: ["192.168.10.0/24", "192.168.20.0/24"] })).body;
    const b = await vpc(bob, "172.19.0.0/16");
    const init = (await ri(alice, { role: "initiator", routerType: "vbr", routerId: vbr.id, spec: "Middle.1", opposite: { accountId: bob.id, routerType: "vpc", routerId: b.id } })).body;
    const acc = (await ri(bob, { role: "acceptor", routerType: "vpc", routerId: b.id, opposite: { accountId: alice.id, routerType: "vbr", routerId: vbr.id, interfaceId: init.id } })).body;
    await call(alice, "PATCH", `/api/v1/router-interfaces/${init.id}`, { opposite: { interfaceId: acc.id } });
    const connected = (await call(alice, "POST", `/api/v1/router-interfaces/${init.id}/connect`)).body;
    const p = (await call(bob, "GET", `/api/v1/peerings/${connected.peeringId}`)).body;
    expect(p).toMatchObject({ state: "active", requester: { routerType: "vbr", vbrId: vbr.id, cidrs: ["192.168.10.0/24", "192.168.20.0/24"] }, accepter: { vpcId: b.id } });
    // The VPC routes toward the on-premises CIDRs through its acceptor.
    const route = await call(bob, "POST", `/api/v1/route-tables/${b.defaultRouteTableId}/routes`, { destinationCidr: "192.168.20.0/24", target: { type: "router-interface", id: acc.id } });
    expect(route.body.state).toBe("active");
    const outside = await call(bob, "POST", `/api/v1/route-tables/${b.defaultRouteTableId}/routes`, { destinationCidr: "192.168.30.0/24", target: { type: "router-interface", id: acc.id } });
    expect(outside.body.error.code).toBe("InvalidRouteTarget");
    // The VBR cannot be deleted while connected.
    expect((await call(alice, "DELETE", `/api/v1/vbrs/${vbr.id}`)).body.error.code).toBe("DependencyViolation");
  });

  it("a same-account VBR route target is active only over an active VBR-to-VPC connection", async () => {
    const vbr = (await call(alice, "POST", "/api/v1/vbrs", { name: "idc2", region: "cn-hangzhou", onPremisesCidrs: ["192.168.50.0/24"] })).body;
    const a = await vpc(alice, "10.40.0.0/16");
    const route = (await call(alice, "POST", `/api/v1/route-tables/${a.defaultRouteTableId}/routes`, { destinationCidr: "192.168.50.0/24", target: { type: "vbr", id: vbr.id } })).body;
    expect(route.state).toBe("blackhole");
    const init = (await ri(alice, { role: "initiator", routerType: "vbr", routerId: vbr.id, spec: "Small.1", withAcceptor: true, opposite: { routerType: "vpc", routerId: a.id } })).body;
    expect(init.status).toBe("Active");
    expect((await call(alice, "GET", `/api/v1/route-tables/${a.defaultRouteTableId}/routes`)).body.items[1].state).toBe("active");
  });

  it("refuses to connect overlapping networks, naming both CIDRs", async () => {
    const a = await vpc(alice, "10.50.0.0/16");
    const b = await vpc(alice, "10.50.0.0/24");
    const r = await ri(alice, { role: "initiator", routerType: "vpc", routerId: a.id, spec: "Mini.2", withAcceptor: true, opposite: { routerType: "vpc", routerId: b.id } });
    expect(r.status).toBe(409);
    expect(r.body.error).toMatchObject({ code: "CidrOverlap", details: { cidr: "10.50.0.0/16", conflictingCidr: "10.50.0.0/24" } });
    expect((await call(alice, "GET", `/api/v1/router-interfaces?routerId=${a.id}`)).body.items).toEqual([]); // nothing half-made
  });
});
