/**
 * Fidelity of the Tencent dialect to Tencent Cloud, through the official tencentcloud-sdk-nodejs
 * (issue #12): identical TC3 requests are carried out (TC3 has no nonce); RouteItemId is `rti-`;
 * the actions the Tencent Terraform provider calls (the tag service's too); Tencent's validation rules; and every error,
 * transport-level ones included, in Tencent's envelope with Tencent's wording.
 */
import http from "node:http";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/api/app.ts";
import { tencentDialect } from "../../src/api/tencent/index.ts";
import { defaultConfig } from "../../src/config.ts";
import { BACKENDS, type Harness, harness } from "../support/harness.ts";
import { type TencentClient, type TencentKey, tagClient, tc3Headers, tencentClient } from "../support/tencent.ts";

for (const v of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[v];

type Acct = TencentKey & { id: string; token: string };

/** The code and message of an SDK call that must fail with a coded Tencent error (HTTP 200). */
async function failure(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { code?: string; message: string; requestId?: string; httpCode?: number };
    expect(err.httpCode).toBeUndefined();
    expect(err.requestId).toMatch(/^[0-9a-f-]{36}$/);
    return { code: String(err.code), message: err.message };
  }
  throw new Error("expected the call to fail");
}
const codeOf = async (p: Promise<unknown>) => (await failure(p)).code;

/** Native wording that must never reach a Tencent client. */
const NATIVE_WORDING = /purge|PATCH|\/api\/v1|--[a-z]|\b(?:cidr|vpcId|peerVpcId|destinationCidr|routeTableId|bandwidthMbps|quota [a-z]+[A-Z])\b|\brt-[a-z0-9]{12}\b|pending-acceptance/;

describe.each(BACKENDS)("Tencent fidelity through the official SDK on %s", (backend) => {
  // Ids, shapes, validation and wording are the face's, the same over either store: SQLite only.
  const shapeIt = it.runIf(backend === "sqlite");
  let h: Harness;
  let app: FastifyInstance;
  let endpoint: string;
  let alice: Acct;
  let bob: Acct;
  const client = (a: Acct, o: Parameters<typeof tencentClient>[2] = {}): TencentClient => tencentClient(endpoint, a, o);

  beforeAll(async () => {
    const config = defaultConfig();
    h = await harness(backend, { config: { ...config, limits: { ...config.limits, routeTablesPerVpc: 3 } } });
    app = await buildApp({ services: h.runtime.services, dialects: [tencentDialect(h.runtime.services)] });
    await app.listen({ host: "127.0.0.1", port: 0 });
    endpoint = `127.0.0.1:${(app.server.address() as { port: number }).port}`;
    alice = await h.account();
    bob = await h.account();
  });
  afterAll(async () => {
    await app?.close();
    await h?.close();
  });

  /** Sends exactly these bytes: the same signed request can be sent again. */
  const send = async (headers: Record<string, string>, body: string) => JSON.parse((await app.inject({ method: "POST", url: "/", headers, payload: body })).body).Response;

  it("carries out identical TC3 requests: twice in one second, for two regions, and a retry after a failure", async () => {
    const ts = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({ VpcName: "twice", CidrBlock: "10.70.0.0/16" });
    const first = await send(tc3Headers(alice, "CreateVpc", body, { timestamp: ts, region: "ap-guangzhou" }), body);
    const second = await send(tc3Headers(alice, "CreateVpc", body, { timestamp: ts, region: "ap-guangzhou" }), body);
    expect(first.Error).toBeUndefined();
    expect(second.Error).toBeUndefined();
    expect(second.Vpc.VpcId).not.toBe(first.Vpc.VpcId);
    // X-TC-Region is not signed: the same signature for another region.
    const shanghai = await send(tc3Headers(alice, "CreateVpc", body, { timestamp: ts, region: "ap-shanghai" }), body);
    expect(shanghai.Error).toBeUndefined();
    expect((await h.runtime.services.vpcs.get({ accountId: alice.id }, shanghai.Vpc.VpcId)).region).toBe("ap-shanghai");

    // A retry of a failed call: DeleteVpc refused while a subnet exists, then the same request again.
    const a = client(alice);
    const sub = (await a.CreateSubnet({ VpcId: first.Vpc.VpcId, SubnetName: "s", CidrBlock: "10.70.1.0/24", Zone: "ap-guangzhou-3" })).Subnet!;
    const del = JSON.stringify({ VpcId: first.Vpc.VpcId });
    const delHeaders = tc3Headers(alice, "DeleteVpc", del, { timestamp: ts, region: "ap-guangzhou" });
    expect((await send(delHeaders, del)).Error.Code).toBe("ResourceInUse");
    await a.DeleteSubnet({ SubnetId: sub.SubnetId! });
    expect((await send(delHeaders, del)).Error).toBeUndefined();

    // Through the SDK: the same call twice, back to back, at the start of a second.
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000)));
    const t1 = (await a.CreateRouteTable({ VpcId: second.Vpc.VpcId, RouteTableName: "same" })).RouteTable!;
    const t2 = (await a.CreateRouteTable({ VpcId: second.Vpc.VpcId, RouteTableName: "same" })).RouteTable!;
    expect(t2.RouteTableId).not.toBe(t1.RouteTableId);
  });

  shapeIt("shows routes as rti-<suffix> and takes rti- or rt- for them", async () => {
    const a = client(alice);
    const b = client(bob);
    const aVpc = (await a.CreateVpc({ VpcName: "ids-a", CidrBlock: "10.71.0.0/16" })).Vpc!;
    const bVpc = (await b.CreateVpc({ VpcName: "ids-b", CidrBlock: "172.20.0.0/16" })).Vpc!;
    const pcx = (await a.CreateVpcPeeringConnection({ SourceVpcId: aVpc.VpcId!, PeeringConnectionName: "ids", DestinationVpcId: bVpc.VpcId!, DestinationUin: bob.id, DestinationRegion: "ap-guangzhou" })).PeeringConnectionId!;
    await b.AcceptVpcPeeringConnection({ PeeringConnectionId: pcx });
    const table = (await a.CreateRouteTable({ VpcId: aVpc.VpcId!, RouteTableName: "ids" })).RouteTable!;
    const cidrs = ["172.20.1.0/24", "172.20.2.0/24", "172.20.3.0/24"];
    const set = (await a.CreateRoutes({ RouteTableId: table.RouteTableId!, Routes: cidrs.map((c) => ({ DestinationCidrBlock: c, GatewayType: "PEERCONNECTION", GatewayId: pcx })) })).RouteTableSet![0]!.RouteSet!;
    const user = set.filter((r) => r.RouteType === "USER");
    for (const r of user) expect(r.RouteItemId).toMatch(/^rti-[a-z0-9]{12}$/);
    // One object behind both faces: the native API shows the same suffix with its own prefix.
    const native = await h.call(alice.token, "GET", `/api/v1/route-tables/${table.RouteTableId}/routes`);
    const nativeIds = (native.body.items ?? native.body).map((r: { id: string }) => r.id).filter((id: string) => id.startsWith("rt-"));
    expect(nativeIds.sort()).toEqual(user.map((r) => `rt-${r.RouteItemId!.slice(4)}`).sort());
    // A duplicate destination names the existing route in Tencent's form.
    const dup = await failure(a.CreateRoutes({ RouteTableId: table.RouteTableId!, Routes: [{ DestinationCidrBlock: cidrs[0]!, GatewayType: "PEERCONNECTION", GatewayId: pcx }] }));
    expect(dup.message).not.toMatch(NATIVE_WORDING);
    // rti- and rt- both name a route.
    // (By destination: routes of one batch may share a creation time, and then list in id order.)
    const [r1, r2] = cidrs.map((c) => user.find((r) => r.DestinationCidrBlock === c));
    await a.DeleteRoutes({ RouteTableId: table.RouteTableId!, Routes: [{ RouteItemId: r1!.RouteItemId } as never] });
    await a.DeleteRoutes({ RouteTableId: table.RouteTableId!, Routes: [{ RouteItemId: `rt-${r2!.RouteItemId!.slice(4)}` } as never] });
    const left = (await a.DescribeRouteTables({ RouteTableIds: [table.RouteTableId!] })).RouteTableSet![0]!.RouteSet!.filter((r) => r.RouteType === "USER");
    expect(left.map((r) => r.DestinationCidrBlock)).toEqual([cidrs[2]]);
    await a.EnableRoutes({ RouteTableId: table.RouteTableId!, RouteItemIds: [left[0]!.RouteItemId!] });
  });

  shapeIt("serves the actions the Tencent Terraform provider calls", async () => {
    const a = client(alice);
    const b = client(bob);
    // CreateVpc as the provider sends it (the Go SDK's EnableRouteVpcPublishIpv6 included), then ModifyVpcAttribute.
    const vpc = (await a.CreateVpc({ VpcName: "tf", CidrBlock: "10.72.0.0/16", EnableMulticast: "false", EnableRouteVpcPublish: false, EnableRouteVpcPublishIpv6: false } as never)).Vpc!;
    await a.ModifyVpcAttribute({ VpcId: vpc.VpcId!, VpcName: "tf-renamed", EnableMulticast: "false", EnableRouteVpcPublish: false, EnableCdcPublish: false });
    expect((await a.DescribeVpcs({ VpcIds: [vpc.VpcId!] })).VpcSet![0]!.VpcName).toBe("tf-renamed");
    expect((await h.call(alice.token, "GET", `/api/v1/vpcs/${vpc.VpcId}`)).body.name).toBe("tf-renamed");

    // Subnets: ModifySubnetAttribute, and DescribeSubnets paged by NextToken/MaxResults.
    const subnets = [];
    for (let i = 1; i <= 5; i++) subnets.push((await a.CreateSubnet({ VpcId: vpc.VpcId!, SubnetName: `s${i}`, CidrBlock: `10.72.${i}.0/24`, Zone: "ap-guangzhou-3" })).Subnet!);
    await a.ModifySubnetAttribute({ SubnetId: subnets[0]!.SubnetId!, SubnetName: "first", EnableBroadcast: "false" });
    const filters = [{ Name: "vpc-id", Values: [vpc.VpcId!] }];
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await a.DescribeSubnets({ Filters: filters, MaxResults: 2, ...(token ? { NextToken: token } : {}) });
      expect(page.TotalCount).toBe(5);
      seen.push(...page.SubnetSet!.map((s) => s.SubnetName!));
      token = page.NextToken || undefined;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual(["first", "s2", "s3", "s4", "s5"]);
    expect(await codeOf(a.DescribeSubnets({ MaxResults: 2, Limit: "2" }))).toBe("InvalidParameter.Coexist");
    expect(await codeOf(a.DescribeSubnets({ NextToken: "not-a-token" }))).toBe("InvalidParameterValue.Malformed");
    expect((await a.DescribeSubnets({ Filters: [{ Name: "is-remote-vpc-snat", Values: ["false"] }, ...filters] })).TotalCount).toBe(5);

    // Quotas under Tencent's names.
    const limits = await a.DescribeVpcLimits({ LimitTypes: ["appid-max-vpcs", "vpc-max-subnets", "vpc-max-route-tables", "route-table-max-policies", "vpc-max-vpcpeers", "vpc-max-nat-gateways"] });
    const cfg = h.runtime.services.deps.config.limits;
    expect(limits.VpcLimitSet).toEqual([
      { LimitType: "appid-max-vpcs", LimitValue: cfg.vpcsPerRegion },
      { LimitType: "vpc-max-subnets", LimitValue: cfg.subnetsPerVpc },
      { LimitType: "vpc-max-route-tables", LimitValue: 3 },
      { LimitType: "route-table-max-policies", LimitValue: cfg.routesPerTable },
      { LimitType: "vpc-max-vpcpeers", LimitValue: cfg.peeringsPerVpc },
      { LimitType: "vpc-max-nat-gateways", LimitValue: 0 },
    ]);
    expect(await codeOf(a.DescribeVpcLimits({ LimitTypes: ["vpc-max-unicorns"] }))).toBe("InvalidParameterValue");

    // Route tables: ModifyRouteTableAttribute, ResetRoutes, EnableRoutes, DisableRoutes.
    const peer = (await b.CreateVpc({ VpcName: "tf-peer", CidrBlock: "192.168.0.0/16" })).Vpc!;
    const pcx = (await a.CreateVpcPeeringConnection({ SourceVpcId: vpc.VpcId!, PeeringConnectionName: "tf", DestinationVpcId: peer.VpcId!, DestinationUin: bob.id, DestinationRegion: "ap-guangzhou" })).PeeringConnectionId!;
    await b.AcceptVpcPeeringConnection({ PeeringConnectionId: pcx });
    const table = (await a.CreateRouteTable({ VpcId: vpc.VpcId!, RouteTableName: "tf-rt" })).RouteTable!;
    await a.ModifyRouteTableAttribute({ RouteTableId: table.RouteTableId!, RouteTableName: "tf-rt2" });
    const route = (to: string) => ({ DestinationCidrBlock: to, GatewayType: "PEERCONNECTION", GatewayId: pcx });
    // tencentcloud_route_table_entry takes RouteSet[0].RouteId of a one-route CreateRoutes as the entry's id:
    // the answer's RouteSet holds the routes just made, in order, not the whole table.
    const one = (await a.CreateRoutes({ RouteTableId: table.RouteTableId!, Routes: [route("192.168.1.0/24")] })).RouteTableSet!;
    expect(one).toHaveLength(1);
    expect(one[0]!.RouteSet!.map((r) => r.DestinationCidrBlock)).toEqual(["192.168.1.0/24"]);
    const two = (await a.CreateRoutes({ RouteTableId: table.RouteTableId!, Routes: [route("192.168.3.0/24"), route("192.168.2.0/24")] })).RouteTableSet![0]!.RouteSet!;
    expect(two.map((r) => r.DestinationCidrBlock)).toEqual(["192.168.3.0/24", "192.168.2.0/24"]);
    const listed = (await a.DescribeRouteTables({ RouteTableIds: [table.RouteTableId!] })).RouteTableSet![0]!.RouteSet!;
    expect(listed.find((r) => r.RouteId === one[0]!.RouteSet![0]!.RouteId)?.DestinationCidrBlock).toBe("192.168.1.0/24");
    await a.ResetRoutes({ RouteTableId: table.RouteTableId!, RouteTableName: "tf-reset", Routes: [route("192.168.9.0/24")] });
    const after = (await a.DescribeRouteTables({ RouteTableIds: [table.RouteTableId!] })).RouteTableSet![0]!;
    expect(after.RouteTableName).toBe("tf-reset");
    const user = after.RouteSet!.filter((r) => r.RouteType === "USER");
    expect(user.map((r) => r.DestinationCidrBlock)).toEqual(["192.168.9.0/24"]);
    // A refused reset changes nothing (the new route is outside the peer's CIDR).
    expect(await codeOf(a.ResetRoutes({ RouteTableId: table.RouteTableId!, RouteTableName: "nope", Routes: [route("172.31.0.0/24")] }))).toMatch(/^InvalidParameterValue/);
    const still = (await a.DescribeRouteTables({ RouteTableIds: [table.RouteTableId!] })).RouteTableSet![0]!;
    expect(still.RouteTableName).toBe("tf-reset");
    expect(still.RouteSet!.filter((r) => r.RouteType === "USER").map((r) => r.RouteItemId)).toEqual(user.map((r) => r.RouteItemId));
    await a.EnableRoutes({ RouteTableId: table.RouteTableId!, RouteIds: [user[0]!.RouteId!] });
    expect(await codeOf(a.DisableRoutes({ RouteTableId: table.RouteTableId!, RouteIds: [user[0]!.RouteId!] }))).toBe("UnsupportedOperation");
    expect(await codeOf(a.EnableRoutes({ RouteTableId: table.RouteTableId!, RouteIds: [12345] }))).toBe("ResourceNotFound");

    // tencentcloud_route_table_association: associate, then back to the VPC's default table.
    await a.ReplaceRouteTableAssociation({ SubnetId: subnets[0]!.SubnetId!, RouteTableId: table.RouteTableId! });
    const main = (await a.DescribeRouteTables({ Filters: [{ Name: "vpc-id", Values: [vpc.VpcId!] }, { Name: "association.main", Values: ["true"] }] })).RouteTableSet!;
    expect(main).toHaveLength(1);
    await a.ReplaceRouteTableAssociation({ SubnetId: subnets[0]!.SubnetId!, RouteTableId: main[0]!.RouteTableId! });
    expect((await a.DescribeSubnets({ SubnetIds: [subnets[0]!.SubnetId!] })).SubnetSet![0]!.RouteTableId).toBe(main[0]!.RouteTableId);
  });

  shapeIt("reads and changes tags through the tag service, as the provider does for VPCs, subnets and route tables", async () => {
    const a = client(alice);
    const tags = tagClient(endpoint, alice);
    const vpc = (await a.CreateVpc({ VpcName: "tagged", CidrBlock: "10.73.0.0/16", Tags: [{ Key: "env", Value: "dev" }] })).Vpc!;
    const sub = (await a.CreateSubnet({ VpcId: vpc.VpcId!, SubnetName: "t", CidrBlock: "10.73.1.0/24", Zone: "ap-guangzhou-3", Tags: [{ Key: "tier", Value: "web" }] })).Subnet!;
    const table = (await a.CreateRouteTable({ VpcId: vpc.VpcId!, RouteTableName: "t" })).RouteTable!;
    const read = async (prefix: string, id: string) =>
      Object.fromEntries((await tags.DescribeResourceTagsByResourceIds({ ServiceType: "vpc", ResourcePrefix: prefix, ResourceIds: [id], ResourceRegion: "ap-guangzhou", Limit: 20, Offset: 0 })).Tags!.map((t) => [t.TagKey, t.TagValue]));
    expect(await read("subnet", sub.SubnetId!)).toEqual({ tier: "web" });
    expect(await read("rtb", table.RouteTableId!)).toEqual({});
    // As the provider names a resource: the uin left empty.
    await tags.ModifyResourceTags({ Resource: `qcs::vpc:ap-guangzhou:uin/:subnet/${sub.SubnetId}`, ReplaceTags: [{ TagKey: "tier", TagValue: "db" }, { TagKey: "team", TagValue: "a" }] });
    await tags.ModifyResourceTags({ Resource: `qcs::vpc:ap-guangzhou:uin/:rtb/${table.RouteTableId}`, ReplaceTags: [{ TagKey: "k", TagValue: "v" }] });
    await tags.ModifyResourceTags({ Resource: `qcs::vpc:ap-guangzhou:uin/${alice.id}:vpc/${vpc.VpcId}`, DeleteTags: [{ TagKey: "env" }], ReplaceTags: [{ TagKey: "owner", TagValue: "alice" }] });
    expect(await read("subnet", sub.SubnetId!)).toEqual({ tier: "db", team: "a" });
    expect(await read("rtb", table.RouteTableId!)).toEqual({ k: "v" });
    // One object behind every face.
    expect((await a.DescribeVpcs({ VpcIds: [vpc.VpcId!] })).VpcSet![0]!.TagSet).toEqual([{ Key: "owner", Value: "alice" }]);
    expect((await h.call(alice.token, "GET", `/api/v1/subnets/${sub.SubnetId}`)).body.tags).toEqual({ tier: "db", team: "a" });
    // Another account's resource is missing; so is one in another region; a malformed name is refused.
    expect(await codeOf(tagClient(endpoint, bob).ModifyResourceTags({ Resource: `qcs::vpc:ap-guangzhou:uin/:subnet/${sub.SubnetId}`, ReplaceTags: [{ TagKey: "x", TagValue: "y" }] }))).toBe("ResourceNotFound");
    expect(await codeOf(tags.ModifyResourceTags({ Resource: `qcs::vpc:ap-guangzhou:uin/${bob.id}:subnet/${sub.SubnetId}`, ReplaceTags: [{ TagKey: "x", TagValue: "y" }] }))).toBe("ResourceNotFound");
    expect(await codeOf(tags.ModifyResourceTags({ Resource: `qcs::vpc:ap-shanghai:uin/:subnet/${sub.SubnetId}`, ReplaceTags: [{ TagKey: "x", TagValue: "y" }] }))).toBe("ResourceNotFound");
    expect(await codeOf(tags.ModifyResourceTags({ Resource: `qcs::cvm:ap-guangzhou:uin/:instance/ins-1`, ReplaceTags: [{ TagKey: "x", TagValue: "y" }] }))).toBe("InvalidParameterValue.ResourceDescriptionError");
    expect(await tagClient(endpoint, bob).DescribeResourceTagsByResourceIds({ ServiceType: "vpc", ResourcePrefix: "subnet", ResourceIds: [sub.SubnetId!], ResourceRegion: "ap-guangzhou" })).toMatchObject({ TotalCount: 0, Tags: [] });
  });

  shapeIt("validates as Tencent does: CIDR masks, names in bytes, booleans and numbers", async () => {
    const a = client(alice);
    const range = async (cidr: string) => codeOf(a.CreateVpc({ VpcName: "v", CidrBlock: cidr }));
    // VPC: 10.0.0.0/8 and 172.16.0.0/12 with /12–/28, 192.168.0.0/16 with /16–/28 (the native API takes /8–/28 and 100.64.0.0/10).
    expect(await range("10.0.0.0/11")).toBe("InvalidParameterValue.Range");
    expect(await range("10.0.0.0/8")).toBe("InvalidParameterValue.Range");
    expect(await range("192.168.0.0/15")).toBe("InvalidParameterValue.Range");
    expect(await range("100.64.0.0/16")).toBe("InvalidParameterValue.Range");
    expect(await range("10.80.0.0/29")).toBe("InvalidParameterValue.Range");
    expect(await range("10.80.0.0/33")).toBe("InvalidParameterValue.Malformed");
    const big = (await a.CreateVpc({ VpcName: "v12", CidrBlock: "10.96.0.0/12" })).Vpc!;
    // Subnet: /16–/28.
    const sub = (cidr: string) => a.CreateSubnet({ VpcId: big.VpcId!, SubnetName: "s", CidrBlock: cidr, Zone: "ap-guangzhou-3" });
    expect(await codeOf(sub("10.96.0.0/15"))).toBe("InvalidParameterValue.Range");
    expect(await codeOf(sub("10.96.0.0/29"))).toBe("InvalidParameterValue.Range");
    expect((await sub("10.96.0.0/16")).Subnet!.CidrBlock).toBe("10.96.0.0/16");
    // Names: at most 60 bytes of UTF-8 (20 CJK characters are 60 bytes; 21 are 63).
    expect((await a.CreateVpc({ VpcName: "网".repeat(20), CidrBlock: "10.81.0.0/16" })).Vpc!.VpcName).toBe("网".repeat(20));
    for (const call of [
      a.CreateVpc({ VpcName: "网".repeat(21), CidrBlock: "10.82.0.0/16" }),
      a.CreateSubnet({ VpcId: big.VpcId!, SubnetName: "网".repeat(21), CidrBlock: "10.97.0.0/24", Zone: "ap-guangzhou-3" }),
      a.CreateRouteTable({ VpcId: big.VpcId!, RouteTableName: "é".repeat(31) }),
      a.ModifyVpcAttribute({ VpcId: big.VpcId!, VpcName: "网".repeat(21) }),
    ]) {
      expect(await codeOf(call)).toBe("InvalidParameterValue.TooLong");
    }
    // Booleans are true or false; integers are plain digits.
    for (const bad of ["TRUE", "yes", 1, "1"]) expect(await codeOf(a.CreateVpc({ VpcName: "b", CidrBlock: "10.83.0.0/16", EnableMulticast: bad } as never))).toBe("InvalidParameter");
    for (const bad of [" 5", "05", "5.0", "1e1", "+5", 2.5]) expect(await codeOf(a.DescribeVpcs({ Limit: bad } as never))).toBe("InvalidParameter");
    expect(await codeOf(a.DescribeVpcs({ Limit: "0" }))).toBe("InvalidParameterValue.Range");
  });

  shapeIt("answers in Tencent's envelope, in Tencent's words, whatever went wrong", async () => {
    const a = client(alice);
    const b = client(bob);
    // Transport-level errors: a path other than /, a body too large, headers too large.
    expect(await failure(client(alice, { path: "/api/v1" }).DescribeVpcs({}))).toMatchObject({ code: "UnsupportedProtocol", message: expect.stringContaining("`/`") });
    expect(await codeOf(a.CreateVpc({ VpcName: "x".repeat(1100 * 1024), CidrBlock: "10.84.0.0/16" }))).toBe("RequestSizeLimitExceeded");
    expect(await codeOf(client(alice, { headers: { "X-Padding": "p".repeat(20_000) } }).DescribeVpcs({}))).toBe("RequestSizeLimitExceeded");
    // A content type that cannot be read, and a method other than GET/POST, recognised by the TC3 headers.
    const signed = tc3Headers(alice, "DescribeVpcs", "{}", { timestamp: Math.floor(Date.now() / 1000) });
    for (const res of [
      await app.inject({ method: "POST", url: "/", headers: { ...signed, "content-type": "not a type" }, payload: "{}" }),
      await app.inject({ method: "PUT", url: "/", headers: signed, payload: "{}" }),
      await app.inject({ method: "POST", url: "/nowhere", headers: signed, payload: "{}" }),
    ]) {
      expect(res.statusCode).toBe(200);
      expect(JSON.parse(res.body).Response).toMatchObject({ Error: { Code: "UnsupportedProtocol", Message: expect.any(String) }, RequestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    }
    // Without Tencent's headers the native envelope stays.
    expect((await app.inject({ method: "POST", url: "/nowhere" })).statusCode).toBe(404);

    // Messages of the operations: no native field names, commands or states.
    const vpc = (await a.CreateVpc({ VpcName: "words", CidrBlock: "10.85.0.0/16" })).Vpc!;
    const peer = (await b.CreateVpc({ VpcName: "words-b", CidrBlock: "172.21.0.0/16" })).Vpc!;
    const overlap = (await b.CreateVpc({ VpcName: "words-c", CidrBlock: "10.85.0.0/20" })).Vpc!;
    const create = (dest: string) => a.CreateVpcPeeringConnection({ SourceVpcId: vpc.VpcId!, PeeringConnectionName: "w", DestinationVpcId: dest, DestinationUin: bob.id, DestinationRegion: "ap-guangzhou" });
    const pcx = (await create(peer.VpcId!)).PeeringConnectionId!;
    const messages = [
      await failure(create(overlap.VpcId!)),
      await failure(create(peer.VpcId!)),
      await failure(a.AcceptVpcPeeringConnection({ PeeringConnectionId: pcx })),
      await failure(a.CreateSubnet({ VpcId: vpc.VpcId!, SubnetName: "w", CidrBlock: "10.86.0.0/24", Zone: "ap-guangzhou-3" })),
      await failure(a.CreateSubnet({ VpcId: vpc.VpcId!, SubnetName: "w", CidrBlock: "10.85.0.0/24", Zone: "mars-1" })),
    ];
    await b.RejectVpcPeeringConnection({ PeeringConnectionId: pcx });
    messages.push(await failure(b.AcceptVpcPeeringConnection({ PeeringConnectionId: pcx })));
    const pcx2 = (await create(peer.VpcId!)).PeeringConnectionId!;
    await a.DeleteVpcPeeringConnection({ PeeringConnectionId: pcx2 });
    messages.push(await failure(a.DeleteVpcPeeringConnection({ PeeringConnectionId: pcx2 })));
    // A quota (3 custom route tables per VPC here).
    for (let i = 0; i < 3; i++) await a.CreateRouteTable({ VpcId: vpc.VpcId!, RouteTableName: `q${i}` });
    messages.push(await failure(a.CreateRouteTable({ VpcId: vpc.VpcId!, RouteTableName: "q3" })));
    expect(messages.map((m) => m.code)).toEqual([
      "UnsupportedOperation.VpcPeerCidrConflict",
      "UnsupportedOperation.VpcPeerAlreadyExist",
      "UnsupportedOperation.VpcPeerPurviewError",
      "InvalidParameterValue.SubnetRange",
      "InvalidParameterValue",
      "UnsupportedOperation.VpcPeerInvalidStateChange",
      "UnsupportedOperation.VpcPeerInvalidStateChange",
      "LimitExceeded",
    ]);
    for (const m of messages) expect(m.message).not.toMatch(NATIVE_WORDING);
    expect(messages[5]!.message).toContain("REJECTED");
  });
});

describe("Tencent headers too large, on the wire", () => {
  it("are answered in Tencent's envelope when the request's first headers are Tencent's", async () => {
    const h = await harness("sqlite");
    await h.app.listen({ host: "127.0.0.1", port: 0 });
    const port = (h.app.server.address() as { port: number }).port;
    const post = (headers: Record<string, string>) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request({ host: "127.0.0.1", port, method: "POST", path: "/", headers }, (res) => {
          let body = "";
          res.on("data", (c) => (body += c));
          res.on("end", () => resolve({ status: res.statusCode!, body }));
        });
        req.on("error", reject);
        req.end("{}");
      });
    try {
      const tencent = await post({ "x-tc-action": "DescribeVpcs", "content-type": "application/json", "x-padding": "p".repeat(20_000) });
      expect(tencent.status).toBe(200);
      expect(JSON.parse(tencent.body).Response.Error.Code).toBe("RequestSizeLimitExceeded");
      expect((await post({ "content-type": "application/json", "x-padding": "p".repeat(20_000) })).status).toBe(431);
    } finally {
      await h.close();
    }
  });
});
