/** The native API through the front door (app.inject), on both stores: resources and their rules. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config.ts";
import { BACKENDS, type Harness, harness } from "../support/harness.ts";

describe.each(BACKENDS)("native API resources on %s", (backend) => {
  let h: Harness;
  let t: string;
  const config = defaultConfig();
  config.limits.routesPerTable = 3;
  config.limits.vpcsPerRegion = 6;

  beforeAll(async () => {
    h = await harness(backend, { config });
    t = (await h.account()).token;
  });
  afterAll(() => h?.close());

  const post = (url: string, body: unknown) => h.call(t, "POST", url, body);
  const get = (url: string) => h.call(t, "GET", url);

  it("creates a VPC with a default route table holding the implicit local route", async () => {
    const r = await post("/api/v1/vpcs", { name: "prod", region: "cn-hangzhou", cidr: "10.0.0.0/16", tags: { env: "prod" } });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ name: "prod", region: "cn-hangzhou", cidr: "10.0.0.0/16", state: "available", tags: { env: "prod" } });
    expect(r.body.id).toMatch(/^vpc-[a-z0-9]{12}$/);
    expect(r.body.accountId).toMatch(/^[1-9][0-9]{11,15}$/);
    const rtb = await get(`/api/v1/route-tables/${r.body.defaultRouteTableId}`);
    expect(rtb.status).toBe(200);
    expect(rtb.body.isDefault).toBe(true);
    expect(rtb.body.routes).toEqual([
      expect.objectContaining({ id: "local", destinationCidr: "10.0.0.0/16", target: { type: "local", id: r.body.id }, state: "active", origin: "system" }),
    ]);
    expect((await get(`/api/v1/vpcs/${r.body.id}`)).body).toEqual(r.body);
  });

  it("validates VPC CIDRs and regions with codes that name the field and reason", async () => {
    const cases: [unknown, number, string, RegExp][] = [
      [{ name: "x", region: "cn-hangzhou", cidr: "10.0.0.1/16" }, 400, "InvalidCidr", /10\.0\.0\.0\/16/],
      [{ name: "x", region: "cn-hangzhou", cidr: "10.0.0.0/29" }, 400, "CidrNotAllowed", /\/8 and \/28/],
      [{ name: "x", region: "cn-hangzhou", cidr: "10.0.0.0/7" }, 400, "CidrNotAllowed", /prefix/],
      [{ name: "x", region: "cn-hangzhou", cidr: "8.8.0.0/16" }, 400, "CidrNotAllowed", /10\.0\.0\.0\/8/],
      [{ name: "x", region: "cn-hangzhou", cidr: "banana" }, 400, "InvalidCidr", /cidr/],
      [{ name: "x", region: "mars-1", cidr: "10.0.0.0/16" }, 400, "InvalidRegion", /mars-1/],
      [{ name: "x", region: "cn-hangzhou", cidr: 10 }, 400, "InvalidRequest", /body\.cidr/],
      [{ name: "x".repeat(129), region: "cn-hangzhou", cidr: "10.0.0.0/16" }, 400, "InvalidRequest", /body\.name must be from 1 to 128 characters long/],
      [{ region: "cn-hangzhou", cidr: "10.0.0.0/16" }, 400, "InvalidRequest", /body\.name is required/],
      [{ name: "x", region: "cn-hangzhou", cidr: "10.0.0.0/16", color: "red" }, 400, "InvalidRequest", /body\.color is not a known field/],
      [{ name: "x", region: "cn-hangzhou", cidr: "10.0.0.0/16", tags: { "vpcpeer:x": "1" } }, 400, "InvalidRequest", /reserved/],
      ["[1,2", 400, "MalformedJson", /JSON/],
      ["null", 400, "InvalidRequest", /body/],
      ["[]", 400, "InvalidRequest", /body/],
    ];
    for (const [body, status, code, message] of cases) {
      const r = await post("/api/v1/vpcs", body);
      expect({ body, status: r.status, code: r.body.error.code }).toEqual({ body, status, code });
      expect(r.body.error.message).toMatch(message);
      expect(r.body.error.details).toBeTypeOf("object");
    }
  });

  // Transport refusals happen before any SQL: checked once.
  it.runIf(backend === "sqlite")("refuses bodies of the wrong media type or size, and unknown endpoints, in the envelope", async () => {
    const text = await h.app.inject({ method: "POST", url: "/api/v1/vpcs", headers: { authorization: `Bearer ${t}`, "content-type": "text/plain" }, payload: "hi" });
    expect(text.statusCode).toBe(415);
    expect(text.json().error.code).toBe("UnsupportedMediaType");
    const big = await post("/api/v1/vpcs", { name: "x", region: "cn-hangzhou", cidr: "10.0.0.0/16", description: "y".repeat(2 * 1024 * 1024) });
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe("PayloadTooLarge");
    const empty = await h.app.inject({ method: "POST", url: "/api/v1/vpcs", headers: { authorization: `Bearer ${t}`, "content-type": "application/json" } });
    expect(empty.statusCode).toBe(400);
    const nowhere = await get("/api/v1/nothing-here");
    expect(nowhere.status).toBe(404);
    expect(nowhere.body.error.code).toBe("EndpointNotFound");
    const badId = await get("/api/v1/vpcs/not-an-id");
    expect(badId.status).toBe(400);
    expect(badId.body.error.message).toMatch(/params\.id/);
    const missing = await get("/api/v1/vpcs/vpc-000000000000");
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: "ResourceNotFound", details: { resource: "vpc", id: "vpc-000000000000" } });
  });

  it("enforces subnet rules: inside the VPC, no overlap, valid zone, naming both CIDRs", async () => {
    const vpc = (await post("/api/v1/vpcs", { name: "sn", region: "ap-guangzhou", cidr: "172.16.0.0/16" })).body;
    const a = await post("/api/v1/subnets", { vpcId: vpc.id, cidr: "172.16.1.0/24", zone: "ap-guangzhou-3", name: "a" });
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({ vpcId: vpc.id, cidr: "172.16.1.0/24", zone: "ap-guangzhou-3", routeTableId: vpc.defaultRouteTableId, gatewayIp: "172.16.1.1" });
    const outside = await post("/api/v1/subnets", { vpcId: vpc.id, cidr: "172.17.1.0/24" });
    expect(outside.status).toBe(400);
    expect(outside.body.error.code).toBe("CidrNotWithinVpc");
    expect(outside.body.error.message).toContain("172.17.1.0/24");
    expect(outside.body.error.message).toContain("172.16.0.0/16");
    const overlap = await post("/api/v1/subnets", { vpcId: vpc.id, cidr: "172.16.1.128/25" });
    expect(overlap.status).toBe(409);
    expect(overlap.body.error).toMatchObject({ code: "CidrOverlap", details: { cidr: "172.16.1.128/25", conflictingCidr: "172.16.1.0/24", conflictingSubnetId: a.body.id } });
    const zone = await post("/api/v1/subnets", { vpcId: vpc.id, cidr: "172.16.2.0/24", zone: "cn-hangzhou-a" });
    expect(zone.status).toBe(400);
    expect(zone.body.error.code).toBe("InvalidZone");
    const defaultZone = await post("/api/v1/subnets", { vpcId: vpc.id, cidr: "172.16.2.0/24" });
    expect(defaultZone.body.zone).toBe("ap-guangzhou-3");
    const tooSmall = await post("/api/v1/subnets", { vpcId: vpc.id, cidr: "172.16.3.0/30" });
    expect(tooSmall.body.error.code).toBe("CidrNotAllowed");
    const noVpc = await post("/api/v1/subnets", { vpcId: "vpc-000000000000", cidr: "172.16.3.0/24" });
    expect(noVpc.status).toBe(404);
    expect(noVpc.body.error.details.field).toBe("vpcId");
  });

  it("associates subnets with a route table of their own VPC only, and guards table deletion", async () => {
    const vpc = (await post("/api/v1/vpcs", { name: "rt", region: "cn-hangzhou", cidr: "192.168.0.0/16" })).body;
    const other = (await post("/api/v1/vpcs", { name: "rt2", region: "cn-hangzhou", cidr: "192.168.0.0/16" })).body;
    const subnet = (await post("/api/v1/subnets", { vpcId: vpc.id, cidr: "192.168.1.0/24" })).body;
    const table = await post("/api/v1/route-tables", { vpcId: vpc.id, name: "to-peer" });
    expect(table.status).toBe(201);
    expect(table.body.isDefault).toBe(false);
    const foreign = (await post("/api/v1/route-tables", { vpcId: other.id, name: "x" })).body;
    const mismatch = await h.call(t, "PUT", `/api/v1/subnets/${subnet.id}/route-table`, { routeTableId: foreign.id });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.error.code).toBe("RouteTableMismatch");
    const ok = await h.call(t, "PUT", `/api/v1/subnets/${subnet.id}/route-table`, { routeTableId: table.body.id });
    expect(ok.status).toBe(200);
    expect(ok.body.routeTableId).toBe(table.body.id);
    expect((await get(`/api/v1/route-tables/${table.body.id}`)).body.subnetIds).toEqual([subnet.id]);
    expect((await get(`/api/v1/subnets?routeTableId=${table.body.id}`)).body.items.map((s: { id: string }) => s.id)).toEqual([subnet.id]);
    const busy = await h.call(t, "DELETE", `/api/v1/route-tables/${table.body.id}`);
    expect(busy.status).toBe(409);
    expect(busy.body.error).toMatchObject({ code: "DependencyViolation", details: { dependents: [{ resource: "subnet", id: subnet.id }] } });
    const def = await h.call(t, "DELETE", `/api/v1/route-tables/${vpc.defaultRouteTableId}`);
    expect(def.body.error.code).toBe("DefaultRouteTableImmutable");
    await h.call(t, "PUT", `/api/v1/subnets/${subnet.id}/route-table`, { routeTableId: vpc.defaultRouteTableId });
    expect((await h.call(t, "DELETE", `/api/v1/route-tables/${table.body.id}`)).status).toBe(204);
    expect((await get(`/api/v1/route-tables/${table.body.id}`)).status).toBe(404);
  });

  it("validates routes: targets, duplicates, local route, VPC overlap and the per-table limit", async () => {
    const vpc = (await post("/api/v1/vpcs", { name: "routes", region: "cn-shanghai", cidr: "10.20.0.0/16" })).body;
    const vbr = (await post("/api/v1/vbrs", { name: "idc", region: "cn-shanghai", onPremisesCidrs: ["192.168.100.0/24", "192.168.200.0/24"] })).body;
    const rtb = vpc.defaultRouteTableId;
    const add = (body: unknown) => post(`/api/v1/route-tables/${rtb}/routes`, body);
    const r1 = await add({ destinationCidr: "192.168.100.0/24", target: { type: "vbr", id: vbr.id } });
    expect(r1.status).toBe(201);
    expect(r1.body).toMatchObject({ destinationCidr: "192.168.100.0/24", target: { type: "vbr", id: vbr.id }, state: "blackhole", origin: "user" });
    expect(r1.body.id).toMatch(/^rt-/);
    const dup = await add({ destinationCidr: "192.168.100.0/24", target: { type: "vbr", id: vbr.id } });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({ code: "DuplicateRoute", details: { conflictingRouteId: r1.body.id } });
    const notOnPrem = await add({ destinationCidr: "192.168.50.0/24", target: { type: "vbr", id: vbr.id } });
    expect(notOnPrem.body.error.code).toBe("InvalidRouteTarget");
    const local = await add({ destinationCidr: "10.30.0.0/16", target: { type: "local", id: vpc.id } });
    expect(local.body.error.code).toBe("InvalidRouteTarget");
    const ownCidr = await add({ destinationCidr: "10.20.5.0/24", target: { type: "vbr", id: vbr.id } });
    expect(ownCidr.status).toBe(409);
    expect(ownCidr.body.error.message).toContain("10.20.0.0/16");
    const pcx = await add({ destinationCidr: "10.40.0.0/16", target: { type: "peering", id: "pcx-000000000000" } });
    expect(pcx.status).toBe(404);
    expect(pcx.body.error.details.field).toBe("target.id");
    const badType = await add({ destinationCidr: "10.40.0.0/16", target: { type: "igw", id: "x" } });
    expect(badType.status).toBe(400);
    expect(badType.body.error.message).toMatch(/body\.target\.type/);
    await add({ destinationCidr: "192.168.200.0/25", target: { type: "vbr", id: vbr.id } });
    await add({ destinationCidr: "192.168.200.128/25", target: { type: "vbr", id: vbr.id } });
    const full = await add({ destinationCidr: "192.168.100.0/25", target: { type: "vbr", id: vbr.id } });
    expect(full.status).toBe(409);
    expect(full.body.error).toMatchObject({ code: "LimitExceeded", details: { quota: "routesPerTable", limit: 3 } });
    const routes = (await get(`/api/v1/route-tables/${rtb}/routes`)).body.items;
    expect(routes.map((r: { destinationCidr: string }) => r.destinationCidr)).toEqual(["10.20.0.0/16", "192.168.100.0/24", "192.168.200.0/25", "192.168.200.128/25"]);
    expect((await h.call(t, "DELETE", `/api/v1/route-tables/${rtb}/routes/local`)).body.error.code).toBe("LocalRouteImmutable");
    const shrink = await h.call(t, "PATCH", `/api/v1/vbrs/${vbr.id}`, { onPremisesCidrs: ["192.168.200.0/24"] });
    expect(shrink.body.error).toMatchObject({ code: "DependencyViolation", details: { field: "onPremisesCidrs" } });
    const vbrBusy = await h.call(t, "DELETE", `/api/v1/vbrs/${vbr.id}`);
    expect(vbrBusy.body.error.code).toBe("DependencyViolation");
    expect((await h.call(t, "DELETE", `/api/v1/route-tables/${rtb}/routes/${r1.body.id}`)).status).toBe(204);
    expect((await h.call(t, "DELETE", `/api/v1/route-tables/${rtb}/routes/${r1.body.id}`)).body.error.code).toBe("RouteNotFound");
  });

  it("allocates instance addresses and refuses reserved, foreign or taken ones", async () => {
    const vpc = (await post("/api/v1/vpcs", { name: "ins", region: "cn-hangzhou", cidr: "10.50.0.0/16" })).body;
    const subnet = (await post("/api/v1/subnets", { vpcId: vpc.id, cidr: "10.50.1.0/29" })).body;
    const first = await post("/api/v1/instances", { subnetId: subnet.id, name: "web" });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ privateIp: "10.50.1.2", vpcId: vpc.id, subnetId: subnet.id, state: "running", zone: subnet.zone });
    expect(first.body.id).toMatch(/^ins-/);
    expect((await post("/api/v1/instances", { subnetId: subnet.id, privateIp: "10.50.1.1" })).body.error.code).toBe("IpAddressReserved");
    expect((await post("/api/v1/instances", { subnetId: subnet.id, privateIp: "10.50.2.5" })).body.error.code).toBe("IpAddressNotInSubnet");
    expect((await post("/api/v1/instances", { subnetId: subnet.id, privateIp: "10.50.1.2" })).body.error.code).toBe("IpAddressInUse");
    expect((await post("/api/v1/instances", { subnetId: subnet.id, privateIp: "10.50.1.6" })).body.privateIp).toBe("10.50.1.6");
    for (const ip of ["10.50.1.3", "10.50.1.4", "10.50.1.5"]) expect((await post("/api/v1/instances", { subnetId: subnet.id })).body.privateIp).toBe(ip);
    const full = await post("/api/v1/instances", { subnetId: subnet.id });
    expect(full.body.error.code).toBe("SubnetFull");
    const busy = await h.call(t, "DELETE", `/api/v1/subnets/${subnet.id}`);
    expect(busy.status).toBe(409);
    expect(busy.body.error.code).toBe("DependencyViolation");
    const list = await get(`/api/v1/instances?subnetId=${subnet.id}`);
    expect(list.body.items).toHaveLength(5);
    const vpcBusy = await h.call(t, "DELETE", `/api/v1/vpcs/${vpc.id}`);
    expect(vpcBusy.body.error).toMatchObject({ code: "DependencyViolation", details: { dependents: [{ resource: "subnet", id: subnet.id }] } });
    for (const i of list.body.items) expect((await h.call(t, "DELETE", `/api/v1/instances/${i.id}`)).status).toBe(204);
    expect((await h.call(t, "DELETE", `/api/v1/subnets/${subnet.id}`)).status).toBe(204);
    expect((await h.call(t, "DELETE", `/api/v1/vpcs/${vpc.id}`)).status).toBe(204);
    expect((await get(`/api/v1/route-tables/${vpc.defaultRouteTableId}`)).status).toBe(404);
  });

  it("validates VBR on-premises CIDRs", async () => {
    const overlap = await post("/api/v1/vbrs", { name: "v", region: "cn-hangzhou", onPremisesCidrs: ["192.168.0.0/16", "192.168.4.0/24"] });
    expect(overlap.body.error).toMatchObject({ code: "CidrOverlap", details: { cidr: "192.168.0.0/16", conflictingCidr: "192.168.4.0/24" } });
    const none = await post("/api/v1/vbrs", { name: "v", region: "cn-hangzhou", onPremisesCidrs: [] });
    expect(none.status).toBe(400);
    const pub = await post("/api/v1/vbrs", { name: "v", region: "cn-hangzhou", onPremisesCidrs: ["1.2.3.0/24"] });
    expect(pub.body.error).toMatchObject({ code: "CidrNotAllowed", details: { field: "onPremisesCidrs[0]" } });
    const ok = await post("/api/v1/vbrs", { name: "v", region: "cn-hangzhou", onPremisesCidrs: ["192.168.0.0/16"] });
    const upd = await h.call(t, "PATCH", `/api/v1/vbrs/${ok.body.id}`, { onPremisesCidrs: ["192.168.0.0/17"], name: "renamed" });
    expect(upd.body).toMatchObject({ name: "renamed", onPremisesCidrs: ["192.168.0.0/17"] });
  });

  it("filters, tags and paginates lists; PATCH replaces tags", async () => {
    const fresh = await h.account();
    const call = (m: "GET" | "POST" | "PATCH", url: string, body?: unknown) => h.call(fresh.token, m, url, body);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await call("POST", "/api/v1/vpcs", { name: `p${i}`, region: i < 3 ? "cn-hangzhou" : "ap-singapore", cidr: `10.${i}.0.0/16`, tags: { tier: i % 2 ? "odd" : "even" } });
      ids.push(r.body.id);
    }
    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const r: { body: { items: { id: string }[]; nextCursor: string | null } } = await call("GET", `/api/v1/vpcs?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      pages.push(r.body.items.map((v) => v.id));
      cursor = r.body.nextCursor;
    } while (cursor);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(pages.flat()).toEqual(ids);
    expect((await call("GET", "/api/v1/vpcs?region=ap-singapore")).body.items.map((v: { id: string }) => v.id)).toEqual(ids.slice(3));
    expect((await call("GET", "/api/v1/vpcs?tag=tier=odd")).body.items.map((v: { id: string }) => v.id)).toEqual([ids[1], ids[3]]);
    expect((await call("GET", "/api/v1/vpcs?tag=tier=odd&region=ap-singapore")).body.items.map((v: { id: string }) => v.id)).toEqual([ids[3]]);
    expect((await call("GET", "/api/v1/vpcs?tag=nope")).body.items).toEqual([]);
    const patched = await call("PATCH", `/api/v1/vpcs/${ids[0]}`, { tags: { owner: "ops" }, description: "main" });
    expect(patched.body).toMatchObject({ tags: { owner: "ops" }, description: "main", name: "p0" });
    expect((await call("GET", "/api/v1/vpcs?limit=0")).status).toBe(400);
    expect((await call("GET", "/api/v1/vpcs?limit=abc")).status).toBe(400);
    expect((await call("GET", "/api/v1/vpcs?cursor=zzz")).body.error.code).toBe("InvalidCursor");
  });

  it("enforces the per-region VPC quota", async () => {
    const fresh = await h.account();
    const results = [];
    for (let i = 0; i < 7; i++) results.push(await h.call(fresh.token, "POST", "/api/v1/vpcs", { name: `q${i}`, region: "cn-beijing", cidr: "10.0.0.0/16" }));
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201, 201, 201, 409]);
    expect(results[6]!.body.error).toMatchObject({ code: "LimitExceeded", details: { quota: "vpcsPerRegion", limit: 6 } });
    // With an Idempotency-Key the create runs inside the key's transaction: refused the same, nothing recorded.
    const keyed = () => h.call(fresh.token, "POST", "/api/v1/vpcs", { name: "q7", region: "cn-beijing", cidr: "10.0.0.0/16" }, { "idempotency-key": "over-quota" });
    for (const r of [await keyed(), await keyed()]) expect([r.status, r.body.error?.code, r.body.error?.details?.current]).toEqual([409, "LimitExceeded", 6]);
    expect((await h.call(fresh.token, "GET", "/api/v1/vpcs?region=cn-beijing")).body.items).toHaveLength(6);
    expect((await h.call(fresh.token, "POST", "/api/v1/vpcs", { name: "other", region: "cn-hangzhou", cidr: "10.0.0.0/16" })).status).toBe(201);
  });

  // Regions come from the config, the account from the token: checked once.
  it.runIf(backend === "sqlite")("lists regions and the calling account", async () => {
    const regions = (await get("/api/v1/regions")).body.items.map((r: { id: string }) => r.id);
    expect(regions).toEqual(expect.arrayContaining(["cn-hangzhou", "cn-shanghai", "ap-guangzhou", "ap-shanghai", "ap-singapore"]));
    const me = await get("/api/v1/account");
    expect(me.body).toMatchObject({ id: expect.stringMatching(/^[0-9]{12,16}$/), accessKeyId: expect.stringMatching(/^AKID/) });
    expect(JSON.stringify(me.body)).not.toMatch(/secret|token/i);
  });

  it("refuses a probe on a server without a data plane with a 4xx that says why", async () => {
    const r = await post("/api/v1/probes", { fromInstanceId: "ins-000000000000", toIp: "10.0.0.4", protocol: "icmp" });
    expect(r.status).toBe(409);
    expect(r.body.error).toMatchObject({ code: "DataplaneUnavailable", message: expect.stringContaining("--dataplane none") });
  });
});
