/**
 * An instance as a route's next hop through every face: the native API (validation, ownership,
 * naming by private IP, blackhole once the instance is gone), Tencent's official SDK (CVM and
 * NORMAL_CVM by private IP; other gateway types refused as Tencent refuses a missing gateway) and
 * Alibaba's (NextHopType Instance, the default, with `i-` ids; the cloud's codes for the next-hop
 * types this service does not have).
 */
for (const v of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[v];

import * as Pop from "@alicloud/pop-core";
import * as tencentcloud from "tencentcloud-sdk-nodejs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aliyunDialect } from "../../src/api/aliyun/index.ts";
import { tencentDialect } from "../../src/api/tencent/index.ts";
import { BACKENDS, type Harness, harness } from "../support/harness.ts";
import { type SdkServer, codeOf, sdkServer } from "../support/sdk.ts";

type Acct = Awaited<ReturnType<Harness["account"]>>;

/** A VPC with a source subnet, an appliance subnet holding instance F, and a custom route table. */
async function network(h: Harness, a: Acct, region: string, cidrByte: number) {
  const ok = async (method: "POST" | "GET" | "DELETE" | "PUT", url: string, body?: unknown) => {
    const r = await h.call(a.token, method, url, body);
    expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
    return r.body;
  };
  const vpc = await ok("POST", "/api/v1/vpcs", { name: "app", region, cidr: `10.${cidrByte}.0.0/16` });
  const src = await ok("POST", "/api/v1/subnets", { vpcId: vpc.id, cidr: `10.${cidrByte}.1.0/24` });
  const fw = await ok("POST", "/api/v1/subnets", { vpcId: vpc.id, cidr: `10.${cidrByte}.2.0/24` });
  const f = await ok("POST", "/api/v1/instances", { subnetId: fw.id, privateIp: `10.${cidrByte}.2.10`, name: "firewall" });
  const table = await ok("POST", "/api/v1/route-tables", { vpcId: vpc.id, name: "via-firewall" });
  return { vpc, src, fw, f, table, ok };
}

describe.each(BACKENDS)("instance next hops through the native API on %s", (backend) => {
  let h: Harness;
  let alice: Acct;
  let bob: Acct;
  beforeAll(async () => {
    h = await harness(backend);
    alice = await h.account();
    bob = await h.account();
  });
  afterAll(() => h?.close());

  it("routes through the caller's instance of the table's VPC, named by id or private IP; blackhole once it is gone", async () => {
    const n = await network(h, alice, "ap-guangzhou", 0);
    const routes = `/api/v1/route-tables/${n.table.id}/routes`;
    const byId = await h.call(alice.token, "POST", routes, { destinationCidr: "192.168.0.0/16", target: { type: "instance", id: n.f.id } });
    expect(byId.status).toBe(201);
    expect(byId.body).toMatchObject({ state: "active", target: { type: "instance", id: n.f.id, privateIp: "10.0.2.10" } });
    const byIp = await h.call(alice.token, "POST", routes, { destinationCidr: "192.169.0.0/16", target: { type: "instance", id: "10.0.2.10" } });
    expect(byIp.status).toBe(201);
    expect(byIp.body.target).toEqual({ type: "instance", id: n.f.id, privateIp: "10.0.2.10" });

    // Another VPC's instance is refused, naming the field; another account's answers like a missing one.
    const other = await network(h, alice, "ap-guangzhou", 1);
    const elsewhere = await h.call(alice.token, "POST", routes, { destinationCidr: "192.170.0.0/16", target: { type: "instance", id: other.f.id } });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.error).toMatchObject({ code: "InvalidRouteTarget", message: expect.stringMatching(/^target\.id: instance .* is in vpc-.*, not in the route table's VPC/) });
    const bobs = await network(h, bob, "ap-guangzhou", 0);
    const foreign = await h.call(alice.token, "POST", routes, { destinationCidr: "192.170.0.0/16", target: { type: "instance", id: bobs.f.id } });
    const missing = await h.call(alice.token, "POST", routes, { destinationCidr: "192.170.0.0/16", target: { type: "instance", id: "ins-000000000000" } });
    expect(foreign.status).toBe(404);
    expect(missing.status).toBe(404);
    const same = (e: { message: string; details: object }, id: string) => ({ ...e, message: e.message.replace(id, "X"), details: { ...e.details, id: "X" } });
    expect(same(foreign.body.error, bobs.f.id)).toEqual(same(missing.body.error, "ins-000000000000"));
    expect(missing.body.error).toMatchObject({ code: "ResourceNotFound", details: { resource: "instance", field: "target.id" } });
    // Bob's instance has Alice's address (10.0.2.10) in his own VPC: by IP, only the table's VPC counts.
    const unknownIp = await h.call(alice.token, "POST", routes, { destinationCidr: "192.170.0.0/16", target: { type: "instance", id: "10.0.2.99" } });
    expect(unknownIp).toMatchObject({ status: 404, body: { error: { code: "ResourceNotFound" } } });

    // The instance goes away: its routes stay, as blackholes (AWS's behaviour), until removed.
    expect((await h.call(alice.token, "DELETE", `/api/v1/instances/${n.f.id}`)).status).toBeLessThan(300);
    const after = (await h.call(alice.token, "GET", routes)).body;
    const list = (after.items ?? after) as { destinationCidr: string; state: string; target: Record<string, string> }[];
    expect(list.filter((r) => r.target.type === "instance")).toEqual([
      expect.objectContaining({ destinationCidr: "192.168.0.0/16", state: "blackhole", target: { type: "instance", id: n.f.id } }),
      expect.objectContaining({ destinationCidr: "192.169.0.0/16", state: "blackhole", target: { type: "instance", id: n.f.id } }),
    ]);
  });
});

describe("instance next hops through the official SDKs", () => {
  let server: SdkServer;
  let alice: Acct;
  let bob: Acct;
  beforeAll(async () => {
    server = await sdkServer("sqlite", (s) => [tencentDialect(s), aliyunDialect(s)]);
    alice = await server.h.account();
    bob = await server.h.account();
  });
  afterAll(() => server?.close());

  it("Tencent: CVM and NORMAL_CVM by private IP; other gateway types are missing gateways", async () => {
    const tc = (a: Acct) =>
      new tencentcloud.vpc.v20170312.Client({
        credential: { secretId: a.accessKeyId, secretKey: a.accessKeySecret },
        region: "ap-guangzhou",
        profile: { httpProfile: { endpoint: server.endpoint, protocol: "http://", reqTimeout: 20 } },
      });
    const n = await network(server.h, alice, "ap-guangzhou", 0);
    const a = tc(alice);
    await a.CreateRoutes({
      RouteTableId: n.table.id,
      Routes: [
        { DestinationCidrBlock: "192.168.0.0/16", GatewayType: "CVM", GatewayId: "10.0.2.10", RouteDescription: "via firewall" },
        { DestinationCidrBlock: "192.169.0.0/16", GatewayType: "NORMAL_CVM", GatewayId: "10.0.2.10" },
      ],
    });
    const [table] = (await a.DescribeRouteTables({ RouteTableIds: [n.table.id] })).RouteTableSet!;
    const viaCvm = table!.RouteSet!.filter((r) => r.GatewayType === "CVM");
    expect(viaCvm.map((r) => [r.DestinationCidrBlock, r.GatewayId]).sort()).toEqual([
      ["192.168.0.0/16", "10.0.2.10"],
      ["192.169.0.0/16", "10.0.2.10"],
    ]);
    const code = (GatewayType: string, GatewayId: string) => codeOf(a.CreateRoutes({ RouteTableId: n.table.id, Routes: [{ DestinationCidrBlock: "172.31.0.0/16", GatewayType, GatewayId }] }));
    expect(await code("CVM", "10.0.2.99")).toBe("ResourceNotFound");
    expect(await code("CVM", "not-an-ip")).toBe("InvalidParameterValue.Malformed");
    for (const [type, id] of [["NAT", "nat-abcdefgh"], ["VPN", "vpngw-abcdefgh"], ["HAVIP", "havip-abcdefgh"], ["USER_CCN", "ccn-abcdefgh"], ["EIP", "0"], ["DIRECTCONNECT", "dcg-abcdefgh"]]) {
      expect(await code(type!, id!), type).toBe("ResourceNotFound");
    }
    expect(await code("TELEPORTER", "x")).toBe("InvalidParameterValue");
    // Bob cannot route through Alice's instance: his VPC has no instance at that address.
    const b = await network(server.h, bob, "ap-guangzhou", 5);
    expect(await codeOf(tc(bob).CreateRoutes({ RouteTableId: b.table.id, Routes: [{ DestinationCidrBlock: "172.31.0.0/16", GatewayType: "CVM", GatewayId: "10.0.2.10" }] }))).toBe("ResourceNotFound");
  });

  it("Alibaba: NextHopType Instance (the default) with i- ids; the cloud's codes for the rest", async () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const RPCClient = (Pop as any).RPCClient ?? (Pop as any).default.RPCClient;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const pop = (c: Acct): any => new RPCClient({ accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, endpoint: `http://${server.endpoint}`, apiVersion: "2016-04-28" });
    const n = await network(server.h, alice, "cn-beijing", 0);
    const a = pop(alice);
    const ali = (id: string) => id.replace(/^ins-/, "i-");
    const vtb = n.table.id.replace(/^rtb-/, "vtb-");
    const entry = await a.request("CreateRouteEntry", { RegionId: "cn-beijing", RouteTableId: vtb, DestinationCidrBlock: "192.168.0.0/16", NextHopId: ali(n.f.id) }, { method: "POST" });
    expect(entry.RouteEntryId).toMatch(/^rte-/);
    const listed = await a.request("DescribeRouteEntryList", { RegionId: "cn-beijing", RouteTableId: vtb, RouteEntryType: "Custom" });
    expect(listed.RouteEntrys.RouteEntry).toEqual([
      expect.objectContaining({ DestinationCidrBlock: "192.168.0.0/16", Status: "Available", NextHops: { NextHop: [expect.objectContaining({ NextHopType: "Instance", NextHopId: ali(n.f.id) })] } }),
    ]);
    const code = (params: Record<string, string>) => codeOf(a.request("CreateRouteEntry", { RegionId: "cn-beijing", RouteTableId: vtb, DestinationCidrBlock: "172.31.0.0/16", ...params }, { method: "POST" }));
    expect(await code({ NextHopType: "Instance", NextHopId: "i-000000000000" })).toBe("InvalidInstanId.NotFound");
    const other = await network(server.h, alice, "cn-beijing", 1);
    expect(await code({ NextHopId: ali(other.f.id) })).toBe("OperationFailed.InstanceDismatchCurrentVpc");
    const bobs = await network(server.h, bob, "cn-beijing", 0);
    expect(await code({ NextHopId: ali(bobs.f.id) })).toBe("InvalidInstanId.NotFound");
    const absent: [string, string][] = [
      ["HaVip", "InvalidHaVipId.NotFound"],
      ["NatGateway", "InvalidNatGatewayId.NotFound"],
      ["VpnGateway", "InvalidVpnInstanceId.NotFound"],
      ["NetworkInterface", "InvalidNetworkInterface.NotFound"],
      ["IPv6Gateway", "InvalidIpv6Gateway.NotFound"],
      ["Ipv4Gateway", "ResourceNotFound.Ipv4Gateway"],
      ["GatewayLoadBalancerEndpoint", "ResourceNotFound.GatewayLoadBalancerEndpoint"],
      ["Attachment", "InvalidNextHopId.NotFound"],
    ];
    for (const [type, expected] of absent) expect(await code({ NextHopType: type, NextHopId: "x-abcdefgh" }), type).toBe(expected);
    expect(await code({ NextHopType: "Teleporter", NextHopId: "x-abcdefgh" })).toBe("InvalidNextHopType");
  });
});
