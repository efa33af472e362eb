/**
 * The Alibaba face as the cloud shows it, through the official @alicloud/vpc20160428 SDK (and the
 * VpcPeer calls its generated client makes): ids in the cloud's shape (vsw-, vtb-, rte-, pcc-)
 * that the native prefixes also name; the actions the Terraform provider calls (attributes,
 * DescribeRouteTables, tags); validation as strict as the cloud's; errors always in Alibaba's
 * envelope with its codes, whatever failed and wherever.
 */

import * as OpenApi from "@alicloud/openapi-client";
import { $OpenApiUtil } from "@alicloud/openapi-core";
import * as Vpc from "@alicloud/vpc20160428";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aliyunDialect } from "../../src/api/aliyun/index.ts";
import type { Harness } from "../support/harness.ts";
import { OpenApiClient, RuntimeOptions, type SdkServer, codeOf, sdkServer, vpcPeerCall } from "../support/sdk.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const vpcModule = Vpc as any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const VpcClient = (typeof vpcModule.default === "function" ? vpcModule.default : vpcModule.default.default) as new (c: $OpenApiUtil.Config) => any;
type Creds = { id: string; accessKeyId: string; accessKeySecret: string };
const R = "cn-hangzhou";

/** The SDK's error: code, HTTP status and the body's Message. */
async function errorOf(p: Promise<unknown>): Promise<{ code: string; statusCode: number; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { code: string; statusCode: number; data?: { Message?: string }; message: string };
    return { code: err.code, statusCode: err.statusCode, message: err.data?.Message ?? err.message };
  }
  throw new Error("the call succeeded");
}

// The Alibaba face's ids, shapes, validation and envelopes are the same code over either store;
// the SQL beneath them runs on PostgreSQL too in describe-paging, dialect-tag-races and peering-alibaba.
describe.each(["sqlite"] as const)("Alibaba fidelity through @alicloud/vpc20160428 on %s", (backend) => {
  let server: SdkServer;
  let h: Harness;
  let endpoint: string;
  let alice: Creds;
  let bob: Creds;
  const client = (c: Creds) => new VpcClient(new $OpenApiUtil.Config({ accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, endpoint, protocol: "http", readTimeout: 30_000, connectTimeout: 10_000, regionId: R }));
  /** A DescribeVpcs call as the generic client makes it, with chosen path, query, headers and body. */
  const describeVpcs = (pathname: string, query: Record<string, string>, headers: Record<string, string> = {}, body?: Record<string, string>) => {
    const c = new OpenApiClient(new OpenApi.Config({ accessKeyId: alice.accessKeyId, accessKeySecret: alice.accessKeySecret, endpoint, protocol: "http", readTimeout: 30_000, connectTimeout: 10_000, regionId: R }));
    const p = new OpenApi.Params({ action: "DescribeVpcs", version: "2016-04-28", protocol: "HTTPS", pathname, method: "POST", authType: "AK", style: "RPC", reqBodyType: "formData", bodyType: "json" });
    return c.callApi(p, new OpenApi.OpenApiRequest({ query, headers, ...(body ? { body } : {}) }), new RuntimeOptions({}));
  };

  beforeAll(async () => {
    server = await sdkServer(backend, (s) => [aliyunDialect(s)]);
    ({ h, endpoint } = server);
    alice = await h.account();
    bob = await h.account();
  });
  afterAll(() => server?.close());

  it("shows ids in the cloud's shape and accepts the native prefix for the same object", async () => {
    const a = client(alice);
    const vpc = (await a.createVpc(new Vpc.CreateVpcRequest({ regionId: R, cidrBlock: "10.1.0.0/16", vpcName: "ids" }))).body;
    expect(vpc.routeTableId).toMatch(/^vtb-[a-z0-9]{12}$/);
    const sw = (await a.createVSwitch(new Vpc.CreateVSwitchRequest({ regionId: R, vpcId: vpc.vpcId, zoneId: `${R}-b`, cidrBlock: "10.1.1.0/24" }))).body;
    expect(sw.vSwitchId).toMatch(/^vsw-[a-z0-9]{12}$/);
    const suffix = (id: string) => id.slice(id.indexOf("-") + 1);

    // The native prefix names the same vSwitch and table; answers use the Alibaba one.
    const attrs = (await a.describeVSwitchAttributes(new Vpc.DescribeVSwitchAttributesRequest({ regionId: R, vSwitchId: `subnet-${suffix(sw.vSwitchId)}` }))).body;
    expect(attrs).toMatchObject({ vSwitchId: sw.vSwitchId, vpcId: vpc.vpcId, routeTable: { routeTableId: vpc.routeTableId, routeTableType: "System" } });
    const rt = (await a.createRouteTable(new Vpc.CreateRouteTableRequest({ regionId: R, vpcId: vpc.vpcId, routeTableName: "custom" }))).body;
    expect(rt.routeTableId).toMatch(/^vtb-/);
    await a.associateRouteTable(new Vpc.AssociateRouteTableRequest({ regionId: R, vSwitchId: sw.vSwitchId, routeTableId: `rtb-${suffix(rt.routeTableId)}` }));
    const listed = (await a.describeVSwitches(new Vpc.DescribeVSwitchesRequest({ regionId: R, vpcId: vpc.vpcId }))).body.vSwitches.vSwitch[0];
    expect(listed).toMatchObject({ vSwitchId: sw.vSwitchId, routeTable: { routeTableId: rt.routeTableId, routeTableType: "Custom" } });
    const tables = (await a.describeRouteTableList(new Vpc.DescribeRouteTableListRequest({ regionId: R, vpcId: vpc.vpcId }))).body.routerTableList.routerTableListType;
    expect(tables.map((t: { routeTableId: string }) => t.routeTableId).sort()).toEqual([vpc.routeTableId, rt.routeTableId].sort());
    const vpcs = (await a.describeVpcs(new Vpc.DescribeVpcsRequest({ regionId: R, vpcId: vpc.vpcId }))).body.vpcs.vpc[0];
    expect(vpcs.vSwitchIds.vSwitchId).toEqual([sw.vSwitchId]);
    expect(vpcs.routerTableIds.routerTableIds.every((id: string) => id.startsWith("vtb-"))).toBe(true);

    // A peer connection is pcc-, a route entry rte-, its next hop the pcc- id; pcx- names it too.
    const other = (await a.createVpc(new Vpc.CreateVpcRequest({ regionId: R, cidrBlock: "10.2.0.0/16" }))).body;
    const pcc = (await vpcPeerCall(endpoint, alice, "CreateVpcPeerConnection", { RegionId: R, VpcId: vpc.vpcId, AcceptingAliUid: alice.id, AcceptingRegionId: R, AcceptingVpcId: other.vpcId })).InstanceId;
    expect(pcc).toMatch(/^pcc-[a-z0-9]{12}$/);
    expect((await vpcPeerCall(endpoint, alice, "GetVpcPeerConnectionAttribute", { InstanceId: `pcx-${suffix(pcc)}` })).InstanceId).toBe(pcc);
    const entry = (await a.createRouteEntry(new Vpc.CreateRouteEntryRequest({ regionId: R, routeTableId: rt.routeTableId, destinationCidrBlock: "10.2.0.0/16", nextHopType: "VpcPeer", nextHopId: pcc }))).body;
    expect(entry.routeEntryId).toMatch(/^rte-[a-z0-9]{12}$/);
    const entries = (await a.describeRouteEntryList(new Vpc.DescribeRouteEntryListRequest({ regionId: R, routeTableId: rt.routeTableId }))).body.routeEntrys.routeEntry;
    const custom = entries.find((e: { type: string }) => e.type === "Custom");
    expect(custom).toMatchObject({ routeEntryId: entry.routeEntryId, routeTableId: rt.routeTableId, nextHops: { nextHop: [{ nextHopType: "VpcPeer", nextHopId: pcc }] } });
    // Ids inside messages are Alibaba's too.
    const refused = await errorOf(vpcPeerCall(endpoint, alice, "DeleteVpcPeerConnection", { InstanceId: pcc }));
    expect(refused.code).toBe("DependencyViolation");
    expect(refused.message).toContain(entry.routeEntryId);
    expect(refused.message).toContain(pcc);
    expect(refused.message).not.toMatch(/\b(pcx|rt|rtb|subnet)-/);
    const missing = await errorOf(a.describeVSwitchAttributes(new Vpc.DescribeVSwitchAttributesRequest({ regionId: R, vSwitchId: "vsw-000000000000" })));
    expect(missing).toMatchObject({ code: "InvalidVSwitchId.NotFound" });
    expect(missing.message).toContain("vsw-000000000000");
    expect(missing.message).not.toContain("subnet");
    await a.deleteRouteEntry(new Vpc.DeleteRouteEntryRequest({ regionId: R, routeEntryId: entry.routeEntryId }));
  });

  it("offers the calls the Terraform provider makes: attributes, DescribeRouteTables, tags", async () => {
    const a = client(alice);
    const vpc = (await a.createVpc(new Vpc.CreateVpcRequest({ regionId: R, cidrBlock: "10.3.0.0/16", vpcName: "tf" }))).body;
    const sw = (await a.createVSwitch(new Vpc.CreateVSwitchRequest({ regionId: R, vpcId: vpc.vpcId, zoneId: `${R}-b`, cidrBlock: "10.3.1.0/24", vSwitchName: "a" + "b" }))).body;

    // alicloud_vpc: DescribeVpcAttribute / ModifyVpcAttribute.
    await a.modifyVpcAttribute(new Vpc.ModifyVpcAttributeRequest({ regionId: R, vpcId: vpc.vpcId, vpcName: "tf-renamed", description: "after" }));
    const va = (await a.describeVpcAttribute(new Vpc.DescribeVpcAttributeRequest({ regionId: R, vpcId: vpc.vpcId }))).body;
    expect(va).toMatchObject({ vpcId: vpc.vpcId, vpcName: "tf-renamed", description: "after", cidrBlock: "10.3.0.0/16", VRouterId: vpc.VRouterId, vSwitchIds: { vSwitchId: [sw.vSwitchId] } });
    expect(await codeOf(a.describeVpcAttribute(new Vpc.DescribeVpcAttributeRequest({ regionId: R, vpcId: "vpc-000000000000" })))).toBe("InvalidVpcId.NotFound");
    expect(await codeOf(client(bob).modifyVpcAttribute(new Vpc.ModifyVpcAttributeRequest({ regionId: R, vpcId: vpc.vpcId, vpcName: "stolen" })))).toBe("InvalidVpcId.NotFound");

    // alicloud_vswitch: DescribeVSwitchAttributes / ModifyVSwitchAttribute.
    await a.modifyVSwitchAttribute(new Vpc.ModifyVSwitchAttributeRequest({ regionId: R, vSwitchId: sw.vSwitchId, vSwitchName: "web", description: "front" }));
    const sa = (await a.describeVSwitchAttributes(new Vpc.DescribeVSwitchAttributesRequest({ regionId: R, vSwitchId: sw.vSwitchId }))).body;
    expect(sa).toMatchObject({ vSwitchId: sw.vSwitchId, vSwitchName: "web", description: "front", cidrBlock: "10.3.1.0/24", zoneId: `${R}-b`, status: "Available" });

    // alicloud_route_table: ModifyRouteTableAttributes; alicloud_route_entry reads DescribeRouteTables.
    await a.modifyRouteTableAttributes(new Vpc.ModifyRouteTableAttributesRequest({ regionId: R, routeTableId: vpc.routeTableId, routeTableName: "main", description: "system table" }));
    const listed = (await a.describeRouteTableList(new Vpc.DescribeRouteTableListRequest({ regionId: R, routeTableId: vpc.routeTableId }))).body.routerTableList.routerTableListType[0];
    expect(listed).toMatchObject({ routeTableName: "main", description: "system table" });
    const legacy = (await a.describeRouteTables(new Vpc.DescribeRouteTablesRequest({ regionId: R, routeTableId: vpc.routeTableId }))).body;
    expect(legacy.totalCount).toBe(1);
    expect(legacy.routeTables.routeTable[0]).toMatchObject({ routeTableId: vpc.routeTableId, routeTableType: "System", VRouterId: vpc.VRouterId });
    expect(legacy.routeTables.routeTable[0].routeEntrys.routeEntry[0]).toMatchObject({ destinationCidrBlock: "10.3.0.0/16", type: "System", routeTableId: vpc.routeTableId });

    // Tags: VPC, VSWITCH and ROUTETABLE through TagResources / UnTagResources / ListTagResources.
    for (const [type, id] of [["VPC", vpc.vpcId], ["VSWITCH", sw.vSwitchId], ["ROUTETABLE", vpc.routeTableId]] as const) {
      await a.tagResources(new Vpc.TagResourcesRequest({ regionId: R, resourceType: type, resourceId: [id], tag: [new Vpc.TagResourcesRequestTag({ key: "env", value: "prod" }), new Vpc.TagResourcesRequestTag({ key: "team", value: "net" })] }));
      await a.unTagResources(new Vpc.UnTagResourcesRequest({ regionId: R, resourceType: type, resourceId: [id], tagKey: ["team"] }));
      const tags = (await a.listTagResources(new Vpc.ListTagResourcesRequest({ regionId: R, resourceType: type, resourceId: [id] }))).body.tagResources.tagResource;
      expect(tags).toEqual([{ resourceId: id, resourceType: type, tagKey: "env", tagValue: "prod" }]);
    }
    const byTag = (await a.listTagResources(new Vpc.ListTagResourcesRequest({ regionId: R, resourceType: "VPC", tag: [new Vpc.ListTagResourcesRequestTag({ key: "env", value: "prod" })] }))).body.tagResources.tagResource;
    expect(byTag.map((t: { resourceId: string }) => t.resourceId)).toEqual([vpc.vpcId]);
    expect(await codeOf(a.tagResources(new Vpc.TagResourcesRequest({ regionId: R, resourceType: "VPC", resourceId: ["vpc-000000000000"], tag: [new Vpc.TagResourcesRequestTag({ key: "k", value: "v" })] })))).toBe("InvalidVpcId.NotFound");
    expect(await codeOf(a.tagResources(new Vpc.TagResourcesRequest({ regionId: R, resourceType: "EIP", resourceId: [vpc.vpcId], tag: [new Vpc.TagResourcesRequestTag({ key: "k", value: "v" })] })))).toBe("InvalidParameter");
    expect((await client(bob).listTagResources(new Vpc.ListTagResourcesRequest({ regionId: R, resourceType: "VPC", resourceId: [vpc.vpcId] }))).body.tagResources.tagResource).toEqual([]);
    await a.unTagResources(new Vpc.UnTagResourcesRequest({ regionId: R, resourceType: "VPC", resourceId: [vpc.vpcId], all: true }));
    expect((await a.describeVpcAttribute(new Vpc.DescribeVpcAttributeRequest({ regionId: R, vpcId: vpc.vpcId }))).body.tags.tag).toEqual([]);

    // alicloud_vpc_peer_connection tags: VpcPeer TagResources with ResourceType PeerConnection.
    const other = (await a.createVpc(new Vpc.CreateVpcRequest({ regionId: R, cidrBlock: "10.4.0.0/16" }))).body;
    const pcc = (await vpcPeerCall(endpoint, alice, "CreateVpcPeerConnection", { RegionId: R, VpcId: vpc.vpcId, AcceptingAliUid: alice.id, AcceptingRegionId: R, AcceptingVpcId: other.vpcId })).InstanceId;
    await vpcPeerCall(endpoint, alice, "TagResources", { RegionId: R, ResourceType: "PeerConnection", "ResourceId.1": pcc, "Tag.1.Key": "env", "Tag.1.Value": "prod" });
    expect((await vpcPeerCall(endpoint, alice, "GetVpcPeerConnectionAttribute", { InstanceId: pcc })).Tags).toEqual([{ Key: "env", Value: "prod" }]);
    const peerTags = await vpcPeerCall(endpoint, alice, "ListTagResources", { RegionId: R, ResourceType: "PeerConnection", "ResourceId.1": pcc });
    expect(peerTags.TagResources).toEqual([{ ResourceId: pcc, ResourceType: "PeerConnection", TagKey: "env", TagValue: "prod" }]);
    await vpcPeerCall(endpoint, alice, "UnTagResources", { RegionId: R, ResourceType: "PeerConnection", "ResourceId.1": pcc, "TagKey.1": "env" });
    expect((await vpcPeerCall(endpoint, alice, "GetVpcPeerConnectionAttribute", { InstanceId: pcc })).Tags).toEqual([]);
  });

  it("validates as strictly as the cloud: masks, names, booleans and numbers", async () => {
    const a = client(alice);
    const create = (cidrBlock: string, vpcName?: string) => a.createVpc(new Vpc.CreateVpcRequest({ regionId: "cn-shanghai", cidrBlock, vpcName }));
    // VPC masks /8 to /28.
    expect(await codeOf(create("10.0.0.0/29"))).toBe("InvalidCidrBlock.Malformed");
    const wide = (await create("10.0.0.0/8")).body;
    expect((await create("192.168.0.0/28")).body.vpcId).toMatch(/^vpc-/);
    // vSwitch masks /16 to /29, even inside a /8.
    const vsw = (cidrBlock: string, vSwitchName?: string) => a.createVSwitch(new Vpc.CreateVSwitchRequest({ regionId: "cn-shanghai", vpcId: wide.vpcId, zoneId: "cn-shanghai-b", cidrBlock, vSwitchName }));
    expect(await codeOf(vsw("10.0.0.0/15"))).toBe("InvalidCidrBlock.Malformed");
    expect(await codeOf(vsw("10.2.0.0/30"))).toBe("InvalidCidrBlock.Malformed");
    expect((await vsw("10.1.0.0/16")).body.vSwitchId).toMatch(/^vsw-/);
    expect((await vsw("10.2.0.0/29")).body.vSwitchId).toMatch(/^vsw-/);

    // Names: 2 to 128 characters, starting with a letter (or a Chinese character).
    for (const bad of ["a", "1abc", "-abc", "_x", "http://x", "has space", "x".repeat(129), "ab/cd"]) {
      const e = await errorOf(create("10.9.0.0/16", bad));
      expect({ bad, code: e.code }).toEqual({ bad, code: "InvalidParameter" });
      expect(e.message).toContain("VpcName");
    }
    expect(await codeOf(vsw("10.3.0.0/24", "9lives"))).toBe("InvalidParameter");
    expect((await create("10.10.0.0/16", "生产-vpc_1.a")).body.vpcId).toMatch(/^vpc-/);
    expect((await create("10.11.0.0/16", "x".repeat(128))).body.vpcId).toMatch(/^vpc-/);
    expect(await codeOf(a.createRouteTable(new Vpc.CreateRouteTableRequest({ regionId: "cn-shanghai", vpcId: wide.vpcId, routeTableName: "a" })))).toBe("InvalidParameter");
    expect(await codeOf(a.createVpc(new Vpc.CreateVpcRequest({ regionId: "cn-shanghai", cidrBlock: "10.12.0.0/16", description: "https://example.com" })))).toBe("InvalidParameter");

    // Malformed booleans and numbers, on any action, whether or not it reads them.
    const raw = (params: Record<string, string>) => describeVpcs("/", { RegionId: R, ...params });
    const malformed: Record<string, string>[] = [{ DryRun: "yes" }, { DryRun: "1" }, { PageSize: "ten" }, { PageNumber: "1.5" }, { IsDefault: "maybe" }, { ResourceOwnerId: "abc" }];
    for (const params of malformed) {
      const e = await errorOf(raw(params));
      expect({ params, code: e.code }).toEqual({ params, code: "InvalidParameter" });
      expect(e.message).toContain(Object.keys(params)[0]);
    }
    expect((await raw({ DryRun: "false", PageSize: "10", IsDefault: "false" })).statusCode).toBe(200);
  });

  it("answers every failure in Alibaba's envelope with the cloud's codes: system route, unknown path, body and headers too large, native wording", async () => {
    const a = client(alice);
    const vpc = (await a.createVpc(new Vpc.CreateVpcRequest({ regionId: R, cidrBlock: "10.20.0.0/16" }))).body;
    // The system route entry cannot be deleted: DeleteRouteEntry's OperationDenied.
    const system = (await a.describeRouteEntryList(new Vpc.DescribeRouteEntryListRequest({ regionId: R, routeTableId: vpc.routeTableId }))).body.routeEntrys.routeEntry[0];
    expect(system.type).toBe("System");
    for (const req of [{ routeEntryId: system.routeEntryId }, { routeTableId: vpc.routeTableId, destinationCidrBlock: "10.20.0.0/16" }]) {
      const e = await errorOf(a.deleteRouteEntry(new Vpc.DeleteRouteEntryRequest({ regionId: R, ...req })));
      expect(e).toMatchObject({ code: "OperationDenied", statusCode: 400, message: "Specified operation is denied as route entry type is system." });
    }

    const envelopeOf = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (e) {
        return e as { code: string; statusCode: number; data: Record<string, unknown> };
      }
      throw new Error("the call succeeded");
    };
    // An Alibaba request to a path that does not exist.
    const notFound = await envelopeOf(describeVpcs("/no/such/path", { RegionId: R }));
    expect(notFound).toMatchObject({ code: "InvalidAction.NotFound", statusCode: 404 });
    expect(notFound.data).toMatchObject({ Code: "InvalidAction.NotFound", RequestId: expect.any(String), HostId: expect.any(String), Recommend: expect.stringContaining("InvalidAction.NotFound") });
    // A body over the limit.
    const tooLarge = await envelopeOf(describeVpcs("/", { RegionId: R }, {}, { Description: "x".repeat(1_100_000) }));
    expect(tooLarge).toMatchObject({ code: "RequestEntityTooLarge", statusCode: 413 });
    expect(tooLarge.data).toMatchObject({ Code: "RequestEntityTooLarge", RequestId: expect.any(String), Recommend: expect.any(String) });
    // Headers over Node's limit.
    const headers = await envelopeOf(describeVpcs("/", { RegionId: R }, { "x-padding": "p".repeat(20_000) }));
    expect(headers).toMatchObject({ code: "RequestHeaderFieldsTooLarge", statusCode: 431 });

    // No native wording in messages that reach this face.
    const ri = (await a.createRouterInterface(new Vpc.CreateRouterInterfaceRequest({ regionId: R, role: "InitiatingSide", routerType: "VRouter", routerId: vpc.VRouterId, spec: "Mini.2", oppositeRegionId: R, oppositeRouterType: "VRouter" }))).body;
    const unnamed = await errorOf(a.connectRouterInterface(new Vpc.ConnectRouterInterfaceRequest({ regionId: R, routerInterfaceId: ri.routerInterfaceId })));
    expect(unnamed.code).toBe("InvalidOppositeInterface.NotMatch");
    expect(unnamed.message).not.toMatch(/PATCH|opposite\.|interfaceId/);
    expect(unnamed.message).toContain("OppositeInterfaceId");
    const other = (await client(bob).createVpc(new Vpc.CreateVpcRequest({ regionId: R, cidrBlock: "10.21.0.0/16" }))).body;
    const pcc = (await vpcPeerCall(endpoint, alice, "CreateVpcPeerConnection", { RegionId: R, VpcId: vpc.vpcId, AcceptingAliUid: bob.id, AcceptingRegionId: R, AcceptingVpcId: other.vpcId })).InstanceId;
    await vpcPeerCall(endpoint, bob, "RejectVpcPeerConnection", { InstanceId: pcc });
    const gone = await errorOf(vpcPeerCall(endpoint, alice, "DeleteVpcPeerConnection", { InstanceId: pcc }));
    expect(gone.code).toBe("IncorrectStatus.VpcPeer");
    expect(gone.message).not.toMatch(/purge|DELETE|\?|pcx-/);
    const self = await errorOf(vpcPeerCall(endpoint, alice, "CreateVpcPeerConnection", { RegionId: R, VpcId: vpc.vpcId, AcceptingAliUid: alice.id, AcceptingRegionId: R, AcceptingVpcId: vpc.vpcId }));
    expect(self.message).toContain("AcceptingVpcId");
    expect(self.message).not.toContain("peerVpcId");
  });
});
