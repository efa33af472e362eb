/**
 * Dry runs through HTTP on both stores (dryRun in the body, ?dryRun=true on DELETE): 200 with the
 * would-be object and its effects, the real call's error otherwise, and no row of any table
 * changed (events, ledger, idempotency keys); then through the CLI's --dry-run against a server.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, type Harness, harness } from "../support/harness.ts";
import { rowCounts } from "../support/row-counts.ts";
import type { CliResult } from "../support/process.ts";
import { type Tenant, type TwoTenants, twoTenants } from "../support/tenants.ts";

describe.each(BACKENDS)("dry runs through HTTP on %s", (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness(backend);
  });
  afterAll(() => h?.close());

  /** A VPC with a subnet on a custom table and an instance. */
  async function side(token: string, cidr: string, sub: string) {
    const vpc = (await h.call(token, "POST", "/api/v1/vpcs", { name: "v", region: "ap-guangzhou", cidr })).body;
    const subnet = (await h.call(token, "POST", "/api/v1/subnets", { vpcId: vpc.id, cidr: sub })).body;
    const rtb = (await h.call(token, "POST", "/api/v1/route-tables", { vpcId: vpc.id, name: "custom" })).body;
    expect((await h.call(token, "PUT", `/api/v1/subnets/${subnet.id}/route-table`, { routeTableId: rtb.id })).status).toBe(200);
    const ins = (await h.call(token, "POST", "/api/v1/instances", { subnetId: subnet.id })).body;
    return { vpc, subnet, rtb, ins };
  }

  /** The same answer (status and error code) from the dry run and the real call, and no row changed by either. */
  async function sameError(token: string, method: "POST" | "PATCH" | "PUT" | "DELETE", url: string, body?: Record<string, unknown>) {
    const before = await rowCounts(h.db);
    const dry = method === "DELETE" ? await h.call(token, method, `${url}${url.includes("?") ? "&" : "?"}dryRun=true`) : await h.call(token, method, url, { ...body, dryRun: true });
    const real = await h.call(token, method, url, body);
    expect(dry.status).toBeGreaterThanOrEqual(400);
    expect(dry.status).toBeLessThan(500);
    expect({ status: dry.status, body: dry.body }).toEqual({ status: real.status, body: real.body });
    expect(await rowCounts(h.db)).toEqual(before);
    return dry.body.error.code as string;
  }

  it("peerings: create, accept, reject, update, renew and delete answer what they would do and write nothing", async () => {
    const alice = await h.account();
    const bob = await h.account();
    const a = await side(alice.token, "10.10.0.0/16", "10.10.1.0/24");
    const b = await side(bob.token, "172.20.0.0/16", "172.20.1.0/24");
    const create = { vpcId: a.vpc.id, peerVpcId: b.vpc.id, peerAccountId: bob.id, routeTableIds: [a.rtb.id], chargeType: "subscription", period: 1 };

    let before = await rowCounts(h.db);
    const dryCreate = await h.call(alice.token, "POST", "/api/v1/peerings", { ...create, dryRun: true }, { "idempotency-key": "k-dry-1" });
    expect(dryCreate.status).toBe(200);
    expect(dryCreate.body).toMatchObject({ dryRun: true, result: { state: "pending-acceptance", requester: { vpcId: a.vpc.id } } });
    expect(dryCreate.body.effects.routes).toEqual([]);
    expect(dryCreate.body.effects.quota).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: "peeringsPerVpc", resourceId: a.vpc.id, used: 1 }),
        expect.objectContaining({ name: "pendingPeeringsPerAccount", resourceId: alice.id, used: 1 }),
        expect.objectContaining({ name: "routesPerTable", resourceId: a.rtb.id, used: 0 }),
      ]),
    );
    // Bob's VPC is not Alice's: no quota of his is shown.
    expect(JSON.stringify(dryCreate.body.effects)).not.toContain(b.vpc.id);
    expect(await rowCounts(h.db)).toEqual(before);
    expect((await h.call(alice.token, "GET", "/api/v1/peerings")).body.items).toEqual([]);

    // The key of a dry run is not recorded: the real call with it is made, not replayed.
    const real = await h.call(alice.token, "POST", "/api/v1/peerings", create, { "idempotency-key": "k-dry-1" });
    expect(real.status).toBe(201);
    expect(real.headers["idempotent-replayed"]).toBeUndefined();
    const id = real.body.id as string;

    // Bob's accept: his table's route would go active; Alice's table is hers and not shown.
    before = await rowCounts(h.db);
    const dryAccept = await h.call(bob.token, "POST", `/api/v1/peerings/${id}/accept`, { routeTableIds: [b.rtb.id], dryRun: true });
    expect(dryAccept.status).toBe(200);
    expect(dryAccept.body.result).toMatchObject({ id, state: "active" });
    expect(dryAccept.body.effects.routes).toEqual([{ routeTableId: b.rtb.id, routeId: null, destinationCidr: a.vpc.cidr, before: "absent", after: "active", target: { type: "peering", id } }]);
    expect(JSON.stringify(dryAccept.body)).not.toContain(a.rtb.id);
    // Only pairs of the caller's own instances are analysed: none cross this peering.
    expect(dryAccept.body.effects.analyses).toEqual([]);
    const dryReject = await h.call(bob.token, "POST", `/api/v1/peerings/${id}/reject`, { dryRun: true });
    expect(dryReject.body).toMatchObject({ dryRun: true, result: { state: "rejected" } });
    expect(dryReject.body.effects.quota).toEqual([expect.objectContaining({ name: "peeringsPerVpc", resourceId: b.vpc.id, used: 0 })]);
    expect(await rowCounts(h.db)).toEqual(before);
    expect((await h.call(alice.token, "GET", `/api/v1/peerings/${id}`)).body.state).toBe("pending-acceptance");

    // Invalid calls answer the real call's error.
    expect(await sameError(bob.token, "POST", `/api/v1/peerings/${id}/accept`, { routeTableIds: [a.rtb.id] })).toBe("ResourceNotFound");
    expect(await sameError(alice.token, "POST", `/api/v1/peerings/${id}/accept`)).toBe("PeeringActionForbidden");
    expect(await sameError(alice.token, "POST", "/api/v1/peerings", { vpcId: a.vpc.id, peerVpcId: b.vpc.id, peerAccountId: bob.id })).toBe("PeeringExists");

    // Accepted for real: the delete would take Alice's route away.
    expect((await h.call(bob.token, "POST", `/api/v1/peerings/${id}/accept`, { routeTableIds: [b.rtb.id] })).status).toBe(200);
    const route = (await h.call(alice.token, "GET", `/api/v1/route-tables/${a.rtb.id}/routes`)).body.items.find((r: { id: string }) => r.id !== "local");
    before = await rowCounts(h.db);
    const dryDelete = await h.call(alice.token, "DELETE", `/api/v1/peerings/${id}?dryRun=true`);
    expect(dryDelete.status).toBe(200);
    expect(dryDelete.body.result).toMatchObject({ peering: { id, state: "deleted" }, removedRoutes: [{ id: route.id, routeTableId: a.rtb.id }] });
    expect(dryDelete.body.effects.routes).toEqual([{ routeTableId: a.rtb.id, routeId: route.id, destinationCidr: b.vpc.cidr, before: "active", after: "absent", target: { type: "peering", id } }]);
    // A bandwidth change would announce itself and bill the change: neither is kept.
    const dryPatch = await h.call(alice.token, "PATCH", `/api/v1/peerings/${id}`, { name: "renamed", autoRenew: true, bandwidthMbps: 20, dryRun: true });
    expect(dryPatch.body).toMatchObject({ dryRun: true, result: { name: "renamed", autoRenew: true, bandwidthMbps: 20 } });
    const dryOptions = await h.call(bob.token, "PATCH", `/api/v1/peerings/${id}`, { options: { accepter: { allowDnsResolutionFromRemoteVpc: true } }, dryRun: true });
    expect(dryOptions.status).toBe(200);
    expect(JSON.stringify(dryOptions.body.result)).toContain('"allowDnsResolutionFromRemoteVpc":true');
    const dryRenew = await h.call(alice.token, "POST", `/api/v1/peerings/${id}/renew`, { period: 2, dryRun: true });
    expect(dryRenew.body).toMatchObject({ dryRun: true, result: { id, period: 2 } });
    expect(await rowCounts(h.db)).toEqual(before);
    expect((await h.call(alice.token, "GET", `/api/v1/peerings/${id}`)).body).toMatchObject({ state: "active", name: "", bandwidthMbps: null });
    expect(JSON.stringify((await h.call(alice.token, "GET", `/api/v1/peerings/${id}`)).body)).not.toContain('"allowDnsResolutionFromRemoteVpc":true');
    // The real change writes (an event at least): the counts can tell.
    expect((await h.call(alice.token, "PATCH", `/api/v1/peerings/${id}`, { bandwidthMbps: 20 })).status).toBe(200);
    expect((await rowCounts(h.db)).events).toBeGreaterThan(before.events!);
    expect(await sameError(bob.token, "PATCH", `/api/v1/peerings/${id}`, { name: "x" })).toBe("PeeringActionForbidden");

    // Not a boolean: refused naming the field.
    const bad = await h.call(alice.token, "POST", `/api/v1/peerings/${id}/reject`, { dryRun: "yes" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain("dryRun");
  });

  it("routes, route tables and associations answer what they would do and write nothing", async () => {
    const alice = await h.account();
    const a = await side(alice.token, "10.30.0.0/16", "10.30.1.0/24");
    const c = await side(alice.token, "10.31.0.0/16", "10.31.1.0/24");
    // Same account: active at once; each VPC's custom table gets its route.
    const p = (await h.call(alice.token, "POST", "/api/v1/peerings", { vpcId: a.vpc.id, peerVpcId: c.vpc.id, routeTableIds: [a.rtb.id, c.rtb.id] })).body;
    expect(p.state).toBe("active");
    const before = await rowCounts(h.db);

    // Removing c's route would cut both ways (the replies have no way back).
    const cRoute = (await h.call(alice.token, "GET", `/api/v1/route-tables/${c.rtb.id}/routes`)).body.items.find((r: { id: string }) => r.id !== "local");
    const dryDel = await h.call(alice.token, "DELETE", `/api/v1/route-tables/${c.rtb.id}/routes/${cRoute.id}?dryRun=true`);
    expect(dryDel.status).toBe(200);
    expect(dryDel.body.result).toMatchObject({ id: cRoute.id, state: "active" });
    expect(dryDel.body.effects.routes).toEqual([expect.objectContaining({ routeTableId: c.rtb.id, routeId: cRoute.id, before: "active", after: "absent" })]);
    expect(dryDel.body.effects.quota).toEqual([{ name: "routesPerTable", resourceId: c.rtb.id, used: 0, limit: expect.any(Number) }]);
    expect(dryDel.body.effects.analyses).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ fromInstanceId: a.ins.id, toInstanceId: c.ins.id, before: true, after: false, reasons: ["RETURN_ROUTE_MISSING"] }),
        expect.objectContaining({ fromInstanceId: c.ins.id, toInstanceId: a.ins.id, before: true, after: false, reasons: ["NO_ROUTE"] }),
      ]),
    );

    // Associating c's subnet with its default table (no route) would do the same.
    const dryAssoc = await h.call(alice.token, "PUT", `/api/v1/subnets/${c.subnet.id}/route-table`, { routeTableId: c.vpc.defaultRouteTableId, dryRun: true });
    expect(dryAssoc.status).toBe(200);
    expect(dryAssoc.body.result).toMatchObject({ id: c.subnet.id, routeTableId: c.vpc.defaultRouteTableId, gatewayIp: expect.any(String) });
    expect(dryAssoc.body.effects.analyses).toHaveLength(2);
    const dryReset = await h.call(alice.token, "DELETE", `/api/v1/subnets/${c.subnet.id}/route-table?dryRun=true`);
    expect(dryReset.body).toMatchObject({ dryRun: true, result: { routeTableId: c.vpc.defaultRouteTableId } });

    // A route add: the route (with its would-be state) and the table's quota.
    const dryAdd = await h.call(alice.token, "POST", `/api/v1/route-tables/${a.vpc.defaultRouteTableId}/routes`, { destinationCidr: "10.31.0.0/16", target: { type: "peering", id: p.id }, dryRun: true });
    expect(dryAdd.status).toBe(200);
    expect(dryAdd.body.result).toMatchObject({ destinationCidr: "10.31.0.0/16", state: "active" });
    expect(dryAdd.body.effects.routes).toEqual([{ routeTableId: a.vpc.defaultRouteTableId, routeId: null, destinationCidr: "10.31.0.0/16", before: "absent", after: "active", target: { type: "peering", id: p.id } }]);

    // Route tables: create, rename, delete.
    const dryTable = await h.call(alice.token, "POST", "/api/v1/route-tables", { vpcId: a.vpc.id, name: "new", dryRun: true });
    expect(dryTable.status).toBe(200);
    expect(dryTable.body.result).toMatchObject({ vpcId: a.vpc.id, name: "new", isDefault: false });
    expect(dryTable.body.effects.quota).toEqual([expect.objectContaining({ name: "routeTablesPerVpc", resourceId: a.vpc.id, used: 2 })]);
    const dryRename = await h.call(alice.token, "PATCH", `/api/v1/route-tables/${a.rtb.id}`, { name: "renamed", dryRun: true });
    expect(dryRename.body).toMatchObject({ dryRun: true, result: { id: a.rtb.id, name: "renamed" } });
    expect(await rowCounts(h.db)).toEqual(before);
    expect((await h.call(alice.token, "GET", `/api/v1/route-tables/${a.rtb.id}`)).body.name).toBe("custom");

    // Errors: the real call's.
    expect(await sameError(alice.token, "DELETE", `/api/v1/route-tables/${a.rtb.id}`)).toBe("DependencyViolation");
    expect(await sameError(alice.token, "DELETE", `/api/v1/route-tables/${a.vpc.defaultRouteTableId}`)).toBe("DefaultRouteTableImmutable");
    expect(await sameError(alice.token, "DELETE", `/api/v1/route-tables/${a.rtb.id}/routes/local`)).toBe("LocalRouteImmutable");
    expect(await sameError(alice.token, "DELETE", `/api/v1/route-tables/${a.rtb.id}/routes/rt-000000000000`)).toBe("RouteNotFound");
    expect(await sameError(alice.token, "POST", `/api/v1/route-tables/${a.rtb.id}/routes`, { destinationCidr: "10.31.0.0/16", target: { type: "peering", id: p.id } })).toBe("DuplicateRoute");
    expect(await sameError(alice.token, "POST", `/api/v1/route-tables/${a.rtb.id}/routes`, { destinationCidr: "10.30.9.0/24", target: { type: "peering", id: p.id } })).toBe("CidrOverlap");
    expect(await sameError(alice.token, "PUT", `/api/v1/subnets/${a.subnet.id}/route-table`, { routeTableId: c.rtb.id })).toBe("RouteTableMismatch");

    // A table without subnets is deleted, with its routes.
    const spare = (await h.call(alice.token, "POST", "/api/v1/route-tables", { vpcId: a.vpc.id, name: "spare" })).body;
    await h.call(alice.token, "POST", `/api/v1/route-tables/${spare.id}/routes`, { destinationCidr: "10.31.0.0/16", target: { type: "peering", id: p.id } });
    const dryDrop = await h.call(alice.token, "DELETE", `/api/v1/route-tables/${spare.id}?dryRun=true`);
    expect(dryDrop.status).toBe(200);
    expect(dryDrop.body.result).toMatchObject({ id: spare.id, name: "spare" });
    expect(dryDrop.body.effects.routes).toEqual([expect.objectContaining({ routeTableId: spare.id, before: "active", after: "absent" })]);
    expect(dryDrop.body.effects.quota).toEqual([expect.objectContaining({ name: "routeTablesPerVpc", resourceId: a.vpc.id, used: 1 })]);
    expect((await h.call(alice.token, "GET", `/api/v1/route-tables/${spare.id}`)).status).toBe(200);
  });

  it("router interfaces: deactivate and activate (the Alibaba flow's peering) answer what they would do", async () => {
    const alice = await h.account();
    const a = await side(alice.token, "10.50.0.0/16", "10.50.1.0/24");
    const c = await side(alice.token, "10.51.0.0/16", "10.51.1.0/24");
    const ri = await h.call(alice.token, "POST", "/api/v1/router-interfaces", {
      role: "initiator",
      routerType: "vpc",
      routerId: a.vpc.id,
      spec: "Mini.2",
      opposite: { routerType: "vpc", routerId: c.vpc.id },
      withAcceptor: true,
    });
    expect(ri.status).toBe(201);
    const acceptor = (await h.call(alice.token, "GET", `/api/v1/router-interfaces?routerId=${c.vpc.id}`)).body.items[0];
    await h.call(alice.token, "POST", `/api/v1/route-tables/${a.rtb.id}/routes`, { destinationCidr: c.vpc.cidr, target: { type: "router-interface", id: ri.body.id } });
    await h.call(alice.token, "POST", `/api/v1/route-tables/${c.rtb.id}/routes`, { destinationCidr: a.vpc.cidr, target: { type: "router-interface", id: acceptor.id } });
    const before = await rowCounts(h.db);
    const off = await h.call(alice.token, "POST", `/api/v1/router-interfaces/${ri.body.id}/deactivate`, { dryRun: true });
    expect(off.status).toBe(200);
    expect(off.body.result).toMatchObject({ id: ri.body.id, status: "Inactive" });
    expect(off.body.effects.routes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ routeTableId: a.rtb.id, before: "active", after: "blackhole" }),
        expect.objectContaining({ routeTableId: c.rtb.id, before: "active", after: "blackhole" }),
      ]),
    );
    expect(off.body.effects.analyses).toEqual(expect.arrayContaining([expect.objectContaining({ fromInstanceId: a.ins.id, toInstanceId: c.ins.id, before: true, after: false })]));
    expect(await rowCounts(h.db)).toEqual(before);
    expect((await h.call(alice.token, "GET", `/api/v1/router-interfaces/${ri.body.id}`)).body.status).toBe("Active");
    // Already active: activate fails as the real call does; a body-less call still works.
    expect(await sameError(alice.token, "POST", `/api/v1/router-interfaces/${ri.body.id}/activate`)).toMatch(/State/);
    expect((await h.call(alice.token, "POST", `/api/v1/router-interfaces/${ri.body.id}/deactivate`)).body.status).toBe("Inactive");
  });

  // The OpenAPI document does not depend on the store: checked once.
  it.runIf(backend === "sqlite")("documents dryRun in OpenAPI", async () => {
    const doc = (await h.app.inject({ method: "GET", url: "/openapi.json" })).json();
    expect(doc.components.schemas.DryRunEffects.properties).toHaveProperty("analysesTruncated");
    expect(doc.paths["/api/v1/peerings"].post.responses).toHaveProperty("200");
    expect(doc.paths["/api/v1/peerings"].post.requestBody.content["application/json"].schema.properties).toHaveProperty("dryRun");
    expect(doc.paths["/api/v1/peerings/{id}"].delete.parameters.map((p: { name: string }) => p.name)).toContain("dryRun");
    expect(doc.paths["/api/v1/route-tables/{id}/routes/{routeId}"].delete.responses).toHaveProperty("200");
  });
});

describe("dry runs through the CLI", () => {
  let w: TwoTenants;
  let alice: Tenant;
  let bob: Tenant;
  const as = (who: Tenant, args: string[]) => w.cli(who, args);
  const ok = (r: CliResult) => {
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    return r.stdout;
  };
  const json = (r: CliResult) => JSON.parse(ok(r));

  beforeAll(async () => {
    w = await twoTenants("vpcpeer-dry");
    ({ alice, bob } = w);
  });
  afterAll(() => w?.close());

  it("--dry-run prints the would-be object and its effects, and changes nothing", async () => {
    // Independent CLI runs go side by side (each is a process start).
    const [a, b] = (await Promise.all([as(alice, ["vpc", "create", "--name", "a", "--region", "ap-guangzhou", "--cidr", "10.40.0.0/16", "-o", "json"]), as(bob, ["vpc", "create", "--name", "b", "--region", "ap-guangzhou", "--cidr", "172.24.0.0/16", "-o", "json"])])).map(json);
    const subnet = json(await as(alice, ["subnet", "create", "--vpc", a.id, "--cidr", "10.40.1.0/24", "-o", "json"]));

    const dry = ok(await as(alice, ["peering", "create", "--vpc", a.id, "--peer-vpc", b.id, "--peer-account", bob.accountId, "--route-table", a.defaultRouteTableId, "--dry-run"]));
    expect(dry).toContain("dry run: nothing was changed");
    expect(dry).toMatch(/pcx-\S+\s+pending-acceptance/);
    expect(dry).toMatch(/pendingPeeringsPerAccount\s+\d+\s+1\//);
    expect(json(await as(alice, ["peering", "list", "-o", "json"])).items).toEqual([]);

    const p = json(await as(alice, ["peering", "create", "--vpc", a.id, "--peer-vpc", b.id, "--peer-account", bob.accountId, "--route-table", a.defaultRouteTableId, "--no-wait", "-o", "json"]));
    const accept = json(await as(bob, ["peering", "accept", p.id, "--route-table", b.defaultRouteTableId, "--dry-run", "-o", "json"]));
    expect(accept).toMatchObject({ dryRun: true, result: { id: p.id, state: "active" }, effects: { routes: [{ routeTableId: b.defaultRouteTableId, before: "absent", after: "active" }] } });
    const reject = ok(await as(bob, ["peering", "reject", p.id, "--dry-run"]));
    expect(reject).toMatch(new RegExp(`${p.id}\\s+rejected`));
    expect(json(await as(bob, ["peering", "get", p.id, "-o", "json"])).state).toBe("pending-acceptance");
    // A refused dry run fails as the real call does.
    const forbidden = await as(alice, ["peering", "accept", p.id, "--dry-run"]);
    expect(forbidden.code).not.toBe(0);
    expect(forbidden.stderr).toMatch(/PeeringActionForbidden/);

    await as(bob, ["peering", "accept", p.id, "--no-wait"]);
    const del = ok(await as(alice, ["peering", "delete", p.id, "--dry-run"]));
    expect(del).toMatch(new RegExp(`${p.id}\\s+deleted`));
    expect(del).toMatch(new RegExp(`${a.defaultRouteTableId}\\s+rt-\\S+\\s+172\\.24\\.0\\.0/16\\s+active\\s+absent\\s+peering ${p.id}`));
    expect(ok(await as(alice, ["peering", "update", p.id, "--name", "n", "--dry-run"]))).toContain("dry run");

    const table = ok(await as(alice, ["route-table", "create", "--vpc", a.id, "--name", "t", "--dry-run"]));
    expect(table).toMatch(/routeTablesPerVpc\s+vpc-\S+\s+1\//);
    expect(json(await as(alice, ["route-table", "list", "--vpc", a.id, "-o", "json"])).items).toHaveLength(1);
    const add = json(await as(alice, ["route", "add", a.defaultRouteTableId, "--destination", "172.24.1.0/24", "--peering", p.id, "--dry-run", "-o", "json"]));
    expect(add).toMatchObject({ dryRun: true, result: { destinationCidr: "172.24.1.0/24", state: "active" } });
    const routes = json(await as(alice, ["route", "list", a.defaultRouteTableId, "-o", "json"])).items;
    expect(routes).toHaveLength(2);
    const routeDel = ok(await as(alice, ["route", "delete", a.defaultRouteTableId, routes[1].id, "--dry-run"]));
    expect(routeDel).toMatch(/active\s+absent/);
    const refused = await as(alice, ["route-table", "delete", a.defaultRouteTableId, "--dry-run"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/DefaultRouteTableImmutable/);
    const own = json(await as(alice, ["route-table", "create", "--vpc", a.id, "--name", "own", "-o", "json"]));
    expect(ok(await as(alice, ["subnet", "associate", subnet.id, "--route-table", own.id, "--dry-run"]))).toMatch(new RegExp(`${subnet.id}.*${own.id}`));
    expect(json(await as(alice, ["subnet", "get", subnet.id, "-o", "json"])).routeTableId).toBe(a.defaultRouteTableId);
    await as(alice, ["subnet", "associate", subnet.id, "--route-table", own.id]);
    expect(ok(await as(alice, ["subnet", "disassociate", subnet.id, "--dry-run"]))).toMatch(new RegExp(`${subnet.id}.*${a.defaultRouteTableId}`));
    expect(json(await as(alice, ["subnet", "disassociate", subnet.id, "-o", "json"])).routeTableId).toBe(a.defaultRouteTableId);
    expect(json(await as(alice, ["route-table", "delete", own.id, "--dry-run", "-o", "json"]))).toMatchObject({ dryRun: true, result: { id: own.id } });
    expect(json(await as(alice, ["route-table", "list", "--vpc", a.id, "-o", "json"])).items).toHaveLength(2);

    const [x, y] = (await Promise.all([as(alice, ["vpc", "create", "--name", "x", "--region", "cn-hangzhou", "--cidr", "10.41.0.0/16", "-o", "json"]), as(alice, ["vpc", "create", "--name", "y", "--region", "cn-hangzhou", "--cidr", "10.42.0.0/16", "-o", "json"])])).map(json);
    const ri = json(await as(alice, ["router-interface", "create", "--role", "initiator", "--router", x.id, "--spec", "Mini.2", "--opposite-router", y.id, "--with-acceptor", "-o", "json"]));
    expect(json(await as(alice, ["router-interface", "deactivate", ri.id, "--dry-run", "-o", "json"]))).toMatchObject({ dryRun: true, result: { id: ri.id, status: "Inactive" } });
    expect(ok(await as(alice, ["router-interface", "deactivate", ri.id, "--dry-run"]))).toMatch(new RegExp(`dry run[^]*${ri.id}.*Inactive`));
    expect(json(await as(alice, ["router-interface", "get", ri.id, "-o", "json"])).status).toBe("Active");
  });
});
