/**
 * Real packets after one call per side: a request naming the requester's table and an accept
 * naming the accepter's carry traffic both ways with no route or association call; before the
 * accept nothing passes, and after the delete (which takes the managed routes) nothing passes
 * again. Linux data plane under the test's own namespace prefix; skipped unless root.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isRoot } from "../support/netns.ts";
import { type Acct, type DataplaneServer, dataplaneServer } from "../support/dataplane-server.ts";

describe.skipIf(!isRoot)("routes declared with a peering carry real packets", () => {
  let d: DataplaneServer;
  let alice: Acct;
  let bob: Acct;
  beforeAll(async () => {
    d = await dataplaneServer();
    alice = await d.account("alice");
    bob = await d.account("bob");
  });
  afterAll(() => d?.close());

  it("one call per side, then packets both ways; none before the accept or after the delete", async () => {
    const { call, applied, reach } = d;
    const vpcA = (await call(alice, "POST", "/api/v1/vpcs", { name: "a", region: "cn-hangzhou", cidr: "10.61.0.0/16" })).body;
    const vpcB = (await call(bob, "POST", "/api/v1/vpcs", { name: "b", region: "cn-hangzhou", cidr: "10.62.0.0/16" })).body;
    const subA = (await call(alice, "POST", "/api/v1/subnets", { vpcId: vpcA.id, cidr: "10.61.1.0/24" })).body;
    const subB = (await call(bob, "POST", "/api/v1/subnets", { vpcId: vpcB.id, cidr: "10.62.1.0/24" })).body;
    const insA = (await call(alice, "POST", "/api/v1/instances", { subnetId: subA.id })).body;
    const insB = (await call(bob, "POST", "/api/v1/instances", { subnetId: subB.id })).body;
    const p = await applied(async () => (await call(alice, "POST", "/api/v1/peerings", { vpcId: vpcA.id, peerVpcId: vpcB.id, peerAccountId: bob.accountId, routeTableIds: [vpcA.defaultRouteTableId] })).body);
    expect(p.state).toBe("pending-acceptance");
    expect(await reach(alice, insA.id, insB.privateIp)).toBe(false);

    const accepted = await applied(async () => (await call(bob, "POST", `/api/v1/peerings/${p.id}/accept`, { routeTableIds: [vpcB.defaultRouteTableId] })).body);
    expect(accepted.state).toBe("active");
    expect(await reach(alice, insA.id, insB.privateIp)).toBe(true);
    expect(await reach(bob, insB.id, insA.privateIp)).toBe(true);

    const del = await applied(async () => (await call(bob, "DELETE", `/api/v1/peerings/${p.id}`)).body);
    expect(del.removedRoutes).toHaveLength(1);
    expect(await reach(alice, insA.id, insB.privateIp)).toBe(false);
    expect((await call(alice, "GET", `/api/v1/route-tables/${vpcA.defaultRouteTableId}/routes`)).body.items).toHaveLength(1);
  });
});
