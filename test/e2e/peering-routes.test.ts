/**
 * Routes declared with a peering, end to end: `routeTableIds` on POST /peerings and on
 * POST /peerings/{id}/accept through HTTP on both stores (answers, codes, fields, OpenAPI), and
 * `peering create/accept --route-table` through the CLI against a real server — the seed's steps
 * 3–6 as one call per side.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, type Harness, harness } from "../support/harness.ts";
import type { CliResult } from "../support/process.ts";
import { type Tenant, type TwoTenants, twoTenants } from "../support/tenants.ts";

describe.each(BACKENDS)("routeTableIds through the native API on %s", (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness(backend);
  });
  afterAll(() => h?.close());

  it("one call per side: the routes appear at the accept, managed by the peering, and go with it", async () => {
    const alice = await h.account();
    const bob = await h.account();
    const vpcA = (await h.call(alice.token, "POST", "/api/v1/vpcs", { name: "a", region: "ap-guangzhou", cidr: "10.0.0.0/16" })).body;
    const vpcB = (await h.call(bob.token, "POST", "/api/v1/vpcs", { name: "b", region: "ap-guangzhou", cidr: "172.16.0.0/16" })).body;
    const rtbA = vpcA.defaultRouteTableId;
    const rtbB = vpcB.defaultRouteTableId;
    const routes = async (token: string, rtb: string) => (await h.call(token, "GET", `/api/v1/route-tables/${rtb}/routes`)).body.items.filter((r: { id: string }) => r.id !== "local");

    // Bad input: named by the schema or by the service, never a 5xx.
    const shape = await h.call(alice.token, "POST", "/api/v1/peerings", { vpcId: vpcA.id, peerVpcId: vpcB.id, peerAccountId: bob.id, routeTableIds: ["nope"] });
    expect(shape.status).toBe(400);
    expect(shape.body.error.message).toContain("routeTableIds.0");
    const foreign = await h.call(alice.token, "POST", "/api/v1/peerings", { vpcId: vpcA.id, peerVpcId: vpcB.id, peerAccountId: bob.id, routeTableIds: [rtbB] });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error).toMatchObject({ code: "ResourceNotFound", message: `routeTableIds[0]: route table ${rtbB} does not exist` });

    const created = await h.call(alice.token, "POST", "/api/v1/peerings", { vpcId: vpcA.id, peerVpcId: vpcB.id, peerAccountId: bob.id, routeTableIds: [rtbA] });
    expect(created.status).toBe(201);
    const pcx = created.body.id;
    expect(await routes(alice.token, rtbA)).toEqual([]);

    // A conflicting route in Bob's table refuses his accept with the route named; the peering stays pending.
    const hop = (await h.call(bob.token, "POST", "/api/v1/subnets", { vpcId: vpcB.id, cidr: "172.16.9.0/24" })).body;
    const ins = (await h.call(bob.token, "POST", "/api/v1/instances", { subnetId: hop.id })).body;
    const blocking = (await h.call(bob.token, "POST", `/api/v1/route-tables/${rtbB}/routes`, { destinationCidr: "10.0.3.0/24", target: { type: "instance", id: ins.id } })).body;
    const conflict = await h.call(bob.token, "POST", `/api/v1/peerings/${pcx}/accept`, { routeTableIds: [rtbB] });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error).toMatchObject({ code: "RouteConflict", details: { field: "routeTableIds[0]", conflictingRouteId: blocking.id, conflictingCidr: "10.0.3.0/24" } });
    expect(conflict.body.error.message).toContain(blocking.id);
    expect((await h.call(bob.token, "GET", `/api/v1/peerings/${pcx}`)).body.state).toBe("pending-acceptance");
    expect((await h.call(bob.token, "POST", `/api/v1/peerings/${pcx}/accept`, { routeTableIds: [rtbB], extra: 1 })).status).toBe(400);
    await h.call(bob.token, "DELETE", `/api/v1/route-tables/${rtbB}/routes/${blocking.id}`);

    const accepted = await h.call(bob.token, "POST", `/api/v1/peerings/${pcx}/accept`, { routeTableIds: [rtbB] });
    expect(accepted.status).toBe(200);
    expect(accepted.body.state).toBe("active");
    expect(await routes(alice.token, rtbA)).toEqual([expect.objectContaining({ destinationCidr: "172.16.0.0/16", target: { type: "peering", id: pcx }, state: "active", managedBy: pcx })]);
    expect(await routes(bob.token, rtbB)).toEqual([expect.objectContaining({ destinationCidr: "10.0.0.0/16", state: "active", managedBy: pcx })]);
    // The local route shows managedBy null.
    expect((await h.call(bob.token, "GET", `/api/v1/route-tables/${rtbB}/routes`)).body.items[0]).toMatchObject({ id: "local", managedBy: null });

    const del = await h.call(alice.token, "DELETE", `/api/v1/peerings/${pcx}`);
    expect(del.status).toBe(200);
    expect(del.body.removedRoutes).toEqual([expect.objectContaining({ routeTableId: rtbA, destinationCidr: "172.16.0.0/16" })]);
    expect(await routes(alice.token, rtbA)).toEqual([]);
    expect(await routes(bob.token, rtbB)).toEqual([]);
  });

  it("an accept without a body still works, and the OpenAPI document describes routeTableIds on both calls", async () => {
    const alice = await h.account();
    const bob = await h.account();
    const vpcA = (await h.call(alice.token, "POST", "/api/v1/vpcs", { name: "a", region: "ap-guangzhou", cidr: "10.0.0.0/16" })).body;
    const vpcB = (await h.call(bob.token, "POST", "/api/v1/vpcs", { name: "b", region: "ap-guangzhou", cidr: "172.16.0.0/16" })).body;
    const pcx = (await h.call(alice.token, "POST", "/api/v1/peerings", { vpcId: vpcA.id, peerVpcId: vpcB.id, peerAccountId: bob.id, routeTableIds: [vpcA.defaultRouteTableId] })).body.id;
    const plain = await h.app.inject({ method: "POST", url: `/api/v1/peerings/${pcx}/accept`, headers: { authorization: `Bearer ${bob.token}` } });
    expect(plain.statusCode).toBe(200);
    // The requester's table got its route; Bob named none.
    expect((await h.call(alice.token, "GET", `/api/v1/route-tables/${vpcA.defaultRouteTableId}/routes`)).body.items).toHaveLength(2);
    expect((await h.call(bob.token, "GET", `/api/v1/route-tables/${vpcB.defaultRouteTableId}/routes`)).body.items).toHaveLength(1);

    const doc = (await h.app.inject({ method: "GET", url: "/openapi.json" })).json();
    const body = (path: string) => doc.paths[path].post.requestBody.content["application/json"].schema;
    expect(body("/api/v1/peerings").properties.routeTableIds).toMatchObject({ type: "array", maxItems: 50 });
    expect(body("/api/v1/peerings/{id}/accept").properties.routeTableIds).toMatchObject({ type: "array" });
    expect(JSON.stringify(doc.components.schemas.Route.properties.managedBy)).toContain("null");
  });
});

describe("vpcpeer peering create/accept --route-table", () => {
  let w: TwoTenants;
  let alice: Tenant;
  let bob: Tenant;
  const as = (who: Tenant, args: string[]) => w.cli(who, args);
  const json = (r: CliResult) => w.json(r);

  beforeAll(async () => {
    w = await twoTenants("vpcpeer-clirt");
    ({ alice, bob } = w);
  });
  afterAll(() => w?.close());

  it("replaces the route and association steps with one flag per side", async () => {
    const a = json(await as(alice, ["vpc", "create", "--name", "a", "--region", "ap-guangzhou", "--cidr", "10.0.0.0/16", "-o", "json"]));
    const b = json(await as(bob, ["vpc", "create", "--name", "b", "--region", "ap-guangzhou", "--cidr", "172.16.0.0/16", "-o", "json"]));
    const extra = json(await as(alice, ["route-table", "create", "--vpc", a.id, "--name", "second", "-o", "json"]));
    const p = json(await as(alice, ["peering", "create", "--vpc", a.id, "--peer-vpc", b.id, "--peer-account", bob.accountId, "--route-table", a.defaultRouteTableId, "--route-table", extra.id, "--no-wait", "-o", "json"]));
    expect(p.state).toBe("pending-acceptance");
    // Naming Alice's table on Bob's accept is refused, with the field and the code.
    const wrong = await as(bob, ["peering", "accept", p.id, "--route-table", extra.id]);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain(`ResourceNotFound: routeTableIds[0]: route table ${extra.id} does not exist`);
    const ok = await as(bob, ["peering", "accept", p.id, "--route-table", b.defaultRouteTableId]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(new RegExp(`${p.id}\\s+active`));
    for (const rtb of [a.defaultRouteTableId, extra.id]) {
      const listed = await as(alice, ["route", "list", rtb]);
      expect(listed.stdout).toMatch(/MANAGED BY/);
      expect(listed.stdout).toMatch(new RegExp(`172\\.16\\.0\\.0/16\\s+peering\\s+${p.id}\\s+active\\s+user\\s+${p.id}`));
    }
    expect(json(await as(bob, ["route", "list", b.defaultRouteTableId, "-o", "json"])).items).toEqual([
      expect.objectContaining({ id: "local", managedBy: null }),
      expect.objectContaining({ destinationCidr: "10.0.0.0/16", managedBy: p.id, state: "active" }),
    ]);
    const del = await as(bob, ["peering", "delete", p.id]);
    expect(del.stdout).toContain(`removed route`);
    expect(json(await as(alice, ["route", "list", extra.id, "-o", "json"])).items).toHaveLength(1);
  });
});
