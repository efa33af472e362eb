/**
 * Default VPCs (#20) through the official @alicloud/vpc20160428 client: a new account's default
 * VPC and default vSwitches (IsDefault true) in every Alibaba region of the catalogue; the
 * IsDefault request parameter as a filter; CreateDefaultVpc (the VPC alone) and
 * CreateDefaultVSwitch per zone, each refused the second time; the default VPC deleted (after its
 * vSwitches) and made again; neither counted in the VPC or vSwitch quota. One SQLite server with
 * defaultVpcs on (vitest turns them off for every other test).
 */
import { $OpenApiUtil } from "@alicloud/openapi-core";
import * as Vpc from "@alicloud/vpc20160428";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aliyunDialect } from "../../src/api/aliyun/index.ts";
import { defaultConfig } from "../../src/config.ts";
import { type SdkServer, codeOf, sdkServer } from "../support/sdk.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const VpcClient = ((Vpc as any).default?.default ?? (Vpc as any).default) as new (c: $OpenApiUtil.Config) => any;
type Acct = { id: string; accessKeyId: string; accessKeySecret: string };
type AliVpc = { vpcId: string; isDefault: boolean; cidrBlock: string; vpcName: string; VRouterId: string; vSwitchIds: { vSwitchId: string[] } };
type AliVSwitch = { vSwitchId: string; vpcId: string; isDefault: boolean; cidrBlock: string; zoneId: string; vSwitchName: string };

const REGION = "cn-hangzhou";
const ZONES = ["a", "b", "h", "i", "j", "k"].map((l) => `${REGION}-${l}`);

describe("Alibaba default VPCs through @alicloud/vpc20160428", () => {
  let server: SdkServer;
  let endpoint: string;
  let alice: Acct;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const client = (a: Acct, regionId = REGION): any =>
    new VpcClient(new $OpenApiUtil.Config({ accessKeyId: a.accessKeyId, accessKeySecret: a.accessKeySecret, endpoint, protocol: "http", readTimeout: 30_000, connectTimeout: 10_000, regionId }));
  const vpcs = async (a: Acct, input: { isDefault?: boolean; regionId?: string } = {}): Promise<AliVpc[]> =>
    (await client(a, input.regionId).describeVpcs(new Vpc.DescribeVpcsRequest({ regionId: input.regionId ?? REGION, pageSize: 50, ...input }))).body.vpcs.vpc;
  const vSwitches = async (a: Acct, input: { vpcId?: string; isDefault?: boolean } = {}): Promise<AliVSwitch[]> =>
    (await client(a).describeVSwitches(new Vpc.DescribeVSwitchesRequest({ regionId: REGION, pageSize: 50, ...input }))).body.vSwitches.vSwitch;

  beforeAll(async () => {
    // Quotas of one: a default VPC or vSwitch that counted would leave no room for the user's own.
    const config = { ...defaultConfig(), defaultVpcs: true };
    config.limits = { ...config.limits, vpcsPerRegion: 1, subnetsPerVpc: 1 };
    server = await sdkServer("sqlite", (s) => [aliyunDialect(s)], { config });
    endpoint = server.endpoint;
    alice = await server.h.account();
  });
  afterAll(async () => {
    await server?.close();
  });

  it("a new account has a default VPC with a default vSwitch per zone in every Alibaba region; IsDefault filters them", async () => {
    for (const regionId of ["cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-shenzhen"]) {
      const [only, ...rest] = await vpcs(alice, { regionId });
      expect(rest).toEqual([]);
      expect(only).toMatchObject({ isDefault: true, cidrBlock: "172.31.0.0/16", vpcName: "default", VRouterId: expect.stringMatching(/^vrt-/) });
    }
    const [vpc] = await vpcs(alice, { isDefault: true });
    const switches = await vSwitches(alice, { vpcId: vpc!.vpcId });
    // The i-th zone of the region gets the i-th /20 of the VPC.
    expect(switches.map((s) => [s.zoneId, s.cidrBlock, s.isDefault]).sort()).toEqual(ZONES.map((z, i) => [z, `172.31.${16 * i}.0/20`, true]).sort());
    expect(vpc!.vSwitchIds.vSwitchId.sort()).toEqual(switches.map((s) => s.vSwitchId).sort());
    expect(await vpcs(alice, { isDefault: false })).toEqual([]);
    expect(await vSwitches(alice, { isDefault: false })).toEqual([]);

    // Quotas of one VPC per region and one vSwitch per VPC: the defaults take neither place.
    const mine = (await client(alice).createVpc(new Vpc.CreateVpcRequest({ regionId: REGION, cidrBlock: "10.1.0.0/16" }))).body;
    expect(await codeOf(client(alice).createVpc(new Vpc.CreateVpcRequest({ regionId: REGION, cidrBlock: "10.2.0.0/16" })))).toBe("QuotaExceeded");
    const own = (await client(alice).createVSwitch(new Vpc.CreateVSwitchRequest({ regionId: REGION, vpcId: vpc!.vpcId, zoneId: ZONES[0], cidrBlock: "172.31.255.0/24" }))).body;
    expect(await codeOf(client(alice).createVSwitch(new Vpc.CreateVSwitchRequest({ regionId: REGION, vpcId: vpc!.vpcId, zoneId: ZONES[0], cidrBlock: "172.31.254.0/24" })))).toBe("QuotaExceeded");

    expect((await vpcs(alice)).map((v) => v.vpcId).sort()).toEqual([vpc!.vpcId, mine.vpcId].sort());
    expect((await vpcs(alice, { isDefault: true })).map((v) => v.vpcId)).toEqual([vpc!.vpcId]);
    expect((await vpcs(alice, { isDefault: false })).map((v) => v.vpcId)).toEqual([mine.vpcId]);
    expect((await vSwitches(alice, { vpcId: vpc!.vpcId, isDefault: false })).map((s) => [s.vSwitchId, s.isDefault])).toEqual([[own.vSwitchId, false]]);
    expect(await vSwitches(alice, { vpcId: vpc!.vpcId, isDefault: true })).toHaveLength(ZONES.length);
    // Paged in the store: the total counts only what the filter keeps.
    const page = (await client(alice).describeVSwitches(new Vpc.DescribeVSwitchesRequest({ regionId: REGION, isDefault: true, pageSize: 2, pageNumber: 2 }))).body;
    expect(page).toMatchObject({ totalCount: ZONES.length, pageNumber: 2, pageSize: 2 });
    expect(page.vSwitches.vSwitch).toHaveLength(2);
    await client(alice).deleteVSwitch(new Vpc.DeleteVSwitchRequest({ regionId: REGION, vSwitchId: own.vSwitchId }));
  });

  it("CreateDefaultVpc and CreateDefaultVSwitch: refused while one exists; the default VPC deleted after its vSwitches and made again, vSwitch by vSwitch", async () => {
    const c = client(alice);
    const [old] = await vpcs(alice, { isDefault: true });
    expect(await codeOf(c.createDefaultVpc(new Vpc.CreateDefaultVpcRequest({ regionId: REGION })))).toBe("DefaultVpc.Existed");
    expect(await codeOf(c.createDefaultVSwitch(new Vpc.CreateDefaultVSwitchRequest({ regionId: REGION, zoneId: ZONES[1] })))).toBe("DefaultVswitch.Existed");
    expect(await codeOf(c.createDefaultVpc(new Vpc.CreateDefaultVpcRequest({ regionId: REGION, enableIpv6: true })))).toBe("InvalidParameter");

    // A VPC with vSwitches is not deleted; without them it is, like any other.
    expect(await codeOf(c.deleteVpc(new Vpc.DeleteVpcRequest({ regionId: REGION, vpcId: old!.vpcId })))).toBe("DependencyViolation");
    for (const s of await vSwitches(alice, { vpcId: old!.vpcId })) await c.deleteVSwitch(new Vpc.DeleteVSwitchRequest({ regionId: REGION, vSwitchId: s.vSwitchId }));
    await c.deleteVpc(new Vpc.DeleteVpcRequest({ regionId: REGION, vpcId: old!.vpcId }));
    expect(await vpcs(alice, { isDefault: true })).toEqual([]);
    expect(await codeOf(c.createDefaultVSwitch(new Vpc.CreateDefaultVSwitchRequest({ regionId: REGION, zoneId: ZONES[0] })))).toBe("ResourceNotFound.VPC");

    // Made again while the user's own VPC fills the quota of one: the VPC alone, with its router and system table.
    const made = (await c.createDefaultVpc(new Vpc.CreateDefaultVpcRequest({ regionId: REGION, clientToken: "default-1" }))).body;
    expect(made).toMatchObject({ vpcId: expect.stringMatching(/^vpc-/), VRouterId: expect.stringMatching(/^vrt-/), routeTableId: expect.stringMatching(/^vtb-/), requestId: expect.any(String) });
    expect(made.vpcId).not.toBe(old!.vpcId);
    // A retry with the same ClientToken answers the first result.
    expect((await c.createDefaultVpc(new Vpc.CreateDefaultVpcRequest({ regionId: REGION, clientToken: "default-1" }))).body.vpcId).toBe(made.vpcId);
    expect(await codeOf(c.createDefaultVpc(new Vpc.CreateDefaultVpcRequest({ regionId: REGION })))).toBe("DefaultVpc.Existed");
    const [again] = await vpcs(alice, { isDefault: true });
    expect(again).toMatchObject({ vpcId: made.vpcId, isDefault: true, cidrBlock: "172.31.0.0/16", VRouterId: made.VRouterId, vSwitchIds: { vSwitchId: [] } });
    const tables = (await c.describeRouteTableList(new Vpc.DescribeRouteTableListRequest({ regionId: REGION, vpcId: made.vpcId }))).body.routerTableList.routerTableListType;
    expect(tables.map((t: { routeTableId: string; routeTableType: string }) => [t.routeTableId, t.routeTableType])).toEqual([[made.routeTableId, "System"]]);

    // Per zone: the zone's /20; a second one in the zone refused; an unknown zone refused.
    const a = (await c.createDefaultVSwitch(new Vpc.CreateDefaultVSwitchRequest({ regionId: REGION, zoneId: ZONES[0] }))).body;
    expect(a.vSwitchId).toMatch(/^vsw-/);
    expect(await codeOf(c.createDefaultVSwitch(new Vpc.CreateDefaultVSwitchRequest({ regionId: REGION, zoneId: ZONES[0] })))).toBe("DefaultVswitch.Existed");
    expect(await codeOf(c.createDefaultVSwitch(new Vpc.CreateDefaultVSwitchRequest({ regionId: REGION, zoneId: "cn-hangzhou-z" })))).toBe("InvalidZoneId.NotFound");
    expect(await codeOf(c.createDefaultVSwitch(new Vpc.CreateDefaultVSwitchRequest({ regionId: REGION })))).toBe("MissingParameter");
    const h2 = (await c.createDefaultVSwitch(new Vpc.CreateDefaultVSwitchRequest({ regionId: REGION, zoneId: ZONES[2] }))).body;
    // The user's vSwitch in zone b's /20: zone b's default vSwitch takes the first free /20 instead.
    const own = (await c.createVSwitch(new Vpc.CreateVSwitchRequest({ regionId: REGION, vpcId: made.vpcId, zoneId: ZONES[1], cidrBlock: "172.31.16.0/24" }))).body;
    const b = (await c.createDefaultVSwitch(new Vpc.CreateDefaultVSwitchRequest({ regionId: REGION, zoneId: ZONES[1] }))).body;
    const byId = new Map((await vSwitches(alice, { vpcId: made.vpcId })).map((s) => [s.vSwitchId, s]));
    expect(byId.get(a.vSwitchId)).toMatchObject({ zoneId: ZONES[0], cidrBlock: "172.31.0.0/20", isDefault: true });
    expect(byId.get(h2.vSwitchId)).toMatchObject({ zoneId: ZONES[2], cidrBlock: "172.31.32.0/20", isDefault: true });
    expect(byId.get(b.vSwitchId)).toMatchObject({ zoneId: ZONES[1], cidrBlock: "172.31.48.0/20", isDefault: true });
    expect(byId.get(own.vSwitchId)).toMatchObject({ isDefault: false });
    const attrs = (await c.describeVSwitchAttributes(new Vpc.DescribeVSwitchAttributesRequest({ regionId: REGION, vSwitchId: b.vSwitchId }))).body;
    expect(attrs).toMatchObject({ isDefault: true, zoneId: ZONES[1] });
    expect((await c.describeVpcAttribute(new Vpc.DescribeVpcAttributeRequest({ regionId: REGION, vpcId: made.vpcId }))).body.isDefault).toBe(true);

    // Another account and another region are untouched.
    const bob = await server.h.account();
    expect((await vpcs(bob, { isDefault: true })).map((v) => v.vpcId)).not.toContain(made.vpcId);
    expect(await vpcs(alice, { regionId: "cn-shanghai", isDefault: true })).toHaveLength(1);
  });
});
