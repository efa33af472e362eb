/**
 * Zones (#20): the catalogue's zones with names and ids, served by each face through its official
 * SDK — AWS DescribeAvailabilityZones (filters, ZoneName.N, ZoneId.N, AllAvailabilityZones),
 * Tencent CVM DescribeZones, Alibaba VPC and ECS DescribeZones, the native GET
 * /regions/{id}/zones — and subnets made by zone name and by zone id, an unknown zone refused
 * with each face's code. One server, SQLite.
 */
import {
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeAvailabilityZonesCommand,
  DescribeSubnetsCommand,
  EC2Client,
  type Filter,
} from "@aws-sdk/client-ec2";
import * as Ecs from "@alicloud/ecs20140526";
import { $OpenApiUtil } from "@alicloud/openapi-core";
import * as Vpc from "@alicloud/vpc20160428";
import * as tencentcloud from "tencentcloud-sdk-nodejs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failure } from "../support/aws.ts";
import { type SdkServer, codeOf, sdkServer } from "../support/sdk.ts";

type Acct = { id: string; token: string; accessKeyId: string; accessKeySecret: string };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const clientClass = (m: any) => (typeof m.default === "function" ? m.default : m.default.default) as new (c: $OpenApiUtil.Config) => any;
const EcsClient = clientClass(Ecs);
const VpcClient = clientClass(Vpc);

describe("zones through every face", () => {
  let server: SdkServer;
  let alice: Acct;
  const ec2s: EC2Client[] = [];
  const ec2 = (region: string) => {
    const c = new EC2Client({ endpoint: `http://${server.endpoint}`, region, credentials: { accessKeyId: alice.accessKeyId, secretAccessKey: alice.accessKeySecret }, maxAttempts: 1 });
    ec2s.push(c);
    return c;
  };
  const tencent = (region: string) => {
    const profile = { httpProfile: { endpoint: `127.0.0.1:${server.port}`, protocol: "http://", reqTimeout: 20 } };
    const credential = { secretId: alice.accessKeyId, secretKey: alice.accessKeySecret };
    return { cvm: new tencentcloud.cvm.v20170312.Client({ credential, region, profile }), vpc: new tencentcloud.vpc.v20170312.Client({ credential, region, profile }) };
  };
  /** The native API on the listening server's app (the harness's own app would compile its schemas a second time). */
  const call = async (method: "GET" | "POST", url: string, body?: unknown) => {
    const r = await server.app.inject({ method, url, headers: { authorization: `Bearer ${alice.token}`, ...(body ? { "content-type": "application/json" } : {}) }, ...(body ? { payload: JSON.stringify(body) } : {}) });
    return { status: r.statusCode, body: r.json() };
  };
  const aliConfig = (regionId: string) =>
    new $OpenApiUtil.Config({ accessKeyId: alice.accessKeyId, accessKeySecret: alice.accessKeySecret, endpoint: server.endpoint, protocol: "http", readTimeout: 30_000, connectTimeout: 10_000, regionId });

  beforeAll(async () => {
    server = await sdkServer("sqlite");
    alice = await server.h.account();
  });
  afterAll(async () => {
    for (const c of ec2s) c.destroy();
    await server?.close();
  });

  it("AWS: DescribeAvailabilityZones answers the catalogue's names and AWS-style ids, with its filters", async () => {
    const c = ec2("us-west-1");
    const zones = async (input: { ZoneNames?: string[]; ZoneIds?: string[]; Filters?: Filter[]; AllAvailabilityZones?: boolean } = {}) =>
      ((await c.send(new DescribeAvailabilityZonesCommand(input))).AvailabilityZones ?? []).map((z) => `${z.ZoneName}/${z.ZoneId}`);
    const all = (await c.send(new DescribeAvailabilityZonesCommand({}))).AvailabilityZones!;
    expect(all).toEqual([
      expect.objectContaining({ ZoneName: "us-west-1a", ZoneId: "usw1-az1", RegionName: "us-west-1", State: "available", ZoneType: "availability-zone", OptInStatus: "opt-in-not-required" }),
      expect.objectContaining({ ZoneName: "us-west-1c", ZoneId: "usw1-az3" }),
    ]);
    expect(await zones({ AllAvailabilityZones: true })).toEqual(["us-west-1a/usw1-az1", "us-west-1c/usw1-az3"]);
    expect(await zones({ ZoneNames: ["us-west-1c"] })).toEqual(["us-west-1c/usw1-az3"]);
    expect(await zones({ ZoneIds: ["usw1-az1"] })).toEqual(["us-west-1a/usw1-az1"]);
    expect(await zones({ Filters: [{ Name: "zone-id", Values: ["usw1-az3"] }] })).toEqual(["us-west-1c/usw1-az3"]);
    expect(await zones({ Filters: [{ Name: "zone-name", Values: ["us-west-1a", "us-west-1c"] }, { Name: "state", Values: ["available"] }] })).toHaveLength(2);
    expect(await zones({ Filters: [{ Name: "region-name", Values: ["us-east-1"] }] })).toEqual([]);
    expect(await zones({ Filters: [{ Name: "zone-type", Values: ["local-zone"] }] })).toEqual([]);
    expect(await zones({ Filters: [{ Name: "zone-type", Values: ["availability-zone"] }, { Name: "region-name", Values: ["us-west-1"] }] })).toHaveLength(2);
    // Tokyo's ids are AWS's (apne1-az3 is retired), not the letters' places.
    expect((await ec2("ap-northeast-1").send(new DescribeAvailabilityZonesCommand({}))).AvailabilityZones!.map((z) => `${z.ZoneName}/${z.ZoneId}`)).toEqual([
      "ap-northeast-1a/apne1-az4",
      "ap-northeast-1c/apne1-az1",
      "ap-northeast-1d/apne1-az2",
    ]);
    expect((await failure(c.send(new DescribeAvailabilityZonesCommand({ ZoneNames: ["us-west-1b"] })))).code).toBe("InvalidParameterValue");
    expect((await failure(c.send(new DescribeAvailabilityZonesCommand({ ZoneIds: ["usw1-az2"] })))).code).toBe("InvalidParameterValue");
  });

  it("AWS: CreateSubnet by AvailabilityZone or AvailabilityZoneId records the zone and shows both; an unknown one is refused", async () => {
    const c = ec2("us-west-1");
    const vpc = (await c.send(new CreateVpcCommand({ CidrBlock: "10.60.0.0/16" }))).Vpc!;
    const byName = (await c.send(new CreateSubnetCommand({ VpcId: vpc.VpcId!, CidrBlock: "10.60.1.0/24", AvailabilityZone: "us-west-1c" }))).Subnet!;
    expect(byName).toMatchObject({ AvailabilityZone: "us-west-1c", AvailabilityZoneId: "usw1-az3" });
    const byId = (await c.send(new CreateSubnetCommand({ VpcId: vpc.VpcId!, CidrBlock: "10.60.2.0/24", AvailabilityZoneId: "usw1-az1" }))).Subnet!;
    expect(byId).toMatchObject({ AvailabilityZone: "us-west-1a", AvailabilityZoneId: "usw1-az1" });
    const filtered = await c.send(new DescribeSubnetsCommand({ Filters: [{ Name: "availability-zone-id", Values: ["usw1-az3"] }] }));
    expect(filtered.Subnets!.map((s) => s.SubnetId)).toEqual([byName.SubnetId]);
    const byZoneName = await c.send(new DescribeSubnetsCommand({ Filters: [{ Name: "availability-zone", Values: ["us-west-1a"] }] }));
    expect(byZoneName.Subnets!.map((s) => `${s.SubnetId}/${s.AvailabilityZoneId}`)).toEqual([`${byId.SubnetId}/usw1-az1`]);
    for (const input of [{ AvailabilityZone: "us-west-1b" }, { AvailabilityZoneId: "usw1-az2" }, { AvailabilityZone: "us-east-1a" }]) {
      const f = await failure(c.send(new CreateSubnetCommand({ VpcId: vpc.VpcId!, CidrBlock: "10.60.3.0/24", ...input })));
      expect(f.code).toBe("InvalidParameterValue");
      expect(f.message).toContain(Object.keys(input)[0]!);
    }
    expect((await failure(c.send(new CreateSubnetCommand({ VpcId: vpc.VpcId!, CidrBlock: "10.60.3.0/24", AvailabilityZone: "us-west-1a", AvailabilityZoneId: "usw1-az3" })))).code).toBe("InvalidParameterCombination");
  });

  it("Tencent: CVM DescribeZones answers the numeric ZoneIds; CreateSubnet takes a zone of the region and refuses another", async () => {
    const { cvm, vpc } = tencent("ap-guangzhou");
    const r = await cvm.DescribeZones();
    expect(r.TotalCount).toBe(4);
    expect(r.ZoneSet).toEqual([
      { Zone: "ap-guangzhou-3", ZoneName: "Guangzhou Zone 3", ZoneId: "100003", ZoneState: "AVAILABLE" },
      { Zone: "ap-guangzhou-4", ZoneName: "Guangzhou Zone 4", ZoneId: "100004", ZoneState: "AVAILABLE" },
      { Zone: "ap-guangzhou-6", ZoneName: "Guangzhou Zone 6", ZoneId: "100006", ZoneState: "AVAILABLE" },
      { Zone: "ap-guangzhou-7", ZoneName: "Guangzhou Zone 7", ZoneId: "100007", ZoneState: "AVAILABLE" },
    ]);
    expect((await tencent("ap-shanghai").cvm.DescribeZones()).ZoneSet!.map((z) => z.ZoneId)).toEqual(["200002", "200003", "200004", "200005"]);
    expect(await codeOf(tencent("mars-north-1").cvm.DescribeZones())).toBe("UnsupportedRegion");
    const v = (await vpc.CreateVpc({ VpcName: "zones", CidrBlock: "10.61.0.0/16" })).Vpc!;
    const s = (await vpc.CreateSubnet({ VpcId: v.VpcId!, SubnetName: "z4", CidrBlock: "10.61.1.0/24", Zone: "ap-guangzhou-4" })).Subnet!;
    expect(s.Zone).toBe("ap-guangzhou-4");
    const listed = await vpc.DescribeSubnets({ Filters: [{ Name: "zone", Values: ["ap-guangzhou-4"] }] });
    expect(listed.SubnetSet!.map((x) => x.SubnetId)).toEqual([s.SubnetId]);
    for (const Zone of ["ap-guangzhou-5", "ap-shanghai-2", "100003"]) {
      expect(await codeOf(vpc.CreateSubnet({ VpcId: v.VpcId!, SubnetName: "bad", CidrBlock: "10.61.2.0/24", Zone }))).toBe("InvalidParameterValue");
    }
  });

  it("Alibaba: VPC and ECS DescribeZones answer ZoneId and LocalName; CreateVSwitch refuses an unknown ZoneId", async () => {
    const vpcClient = new VpcClient(aliConfig("cn-hangzhou"));
    const z = (await vpcClient.describeZones(new Vpc.DescribeZonesRequest({ regionId: "cn-hangzhou", acceptLanguage: "en-US" }))).body;
    expect(z.zones.zone.map((x: { zoneId: string; localName: string }) => `${x.zoneId}/${x.localName}`)).toEqual([
      "cn-hangzhou-a/Hangzhou Zone A",
      "cn-hangzhou-b/Hangzhou Zone B",
      "cn-hangzhou-h/Hangzhou Zone H",
      "cn-hangzhou-i/Hangzhou Zone I",
      "cn-hangzhou-j/Hangzhou Zone J",
      "cn-hangzhou-k/Hangzhou Zone K",
    ]);
    expect(z.requestId).toBeTruthy();
    expect((await vpcClient.describeZones(new Vpc.DescribeZonesRequest({ regionId: "cn-hangzhou", zoneType: "EdgeZone" }))).body.zones.zone ?? []).toEqual([]);
    expect(await codeOf(vpcClient.describeZones(new Vpc.DescribeZonesRequest({ regionId: "cn-hangzhou", acceptLanguage: "fr" })))).toBe("InvalidParameter");
    expect(await codeOf(vpcClient.describeZones(new Vpc.DescribeZonesRequest({ regionId: "mars-north-1" })))).toMatch(/^InvalidRegionId/);

    const ecs = new EcsClient(aliConfig("cn-shanghai"));
    const e = (await ecs.describeZones(new Ecs.DescribeZonesRequest({ regionId: "cn-shanghai", verbose: false }))).body;
    expect(e.zones.zone).toHaveLength(5);
    expect(e.zones.zone[2]).toMatchObject({ zoneId: "cn-shanghai-e", localName: "Shanghai Zone E", zoneType: "AvailabilityZone", availableResourceCreation: { resourceTypes: ["VSwitch", "Instance"] } });

    const vpc = (await vpcClient.createVpc(new Vpc.CreateVpcRequest({ regionId: "cn-hangzhou", cidrBlock: "10.62.0.0/16" }))).body;
    const sw = (await vpcClient.createVSwitch(new Vpc.CreateVSwitchRequest({ regionId: "cn-hangzhou", vpcId: vpc.vpcId, zoneId: "cn-hangzhou-h", cidrBlock: "10.62.1.0/24" }))).body;
    const shown = (await vpcClient.describeVSwitches(new Vpc.DescribeVSwitchesRequest({ regionId: "cn-hangzhou", zoneId: "cn-hangzhou-h" }))).body.vSwitches.vSwitch;
    expect(shown.map((s: { vSwitchId: string; zoneId: string }) => `${s.vSwitchId}/${s.zoneId}`)).toEqual([`${sw.vSwitchId}/cn-hangzhou-h`]);
    for (const zoneId of ["cn-hangzhou-z", "cn-shanghai-e"]) {
      expect(await codeOf(vpcClient.createVSwitch(new Vpc.CreateVSwitchRequest({ regionId: "cn-hangzhou", vpcId: vpc.vpcId, zoneId, cidrBlock: "10.62.2.0/24" })))).toBe("InvalidZoneId.NotFound");
    }
  });

  it("native: GET /regions/{id}/zones gives names, ids and local names; a subnet in an unknown zone is refused", async () => {
    const zones = await call("GET", "/api/v1/regions/ap-guangzhou/zones");
    expect(zones.status).toBe(200);
    expect(zones.body.items[0]).toEqual({ name: "ap-guangzhou-3", id: "100003", localName: "Guangzhou Zone 3", region: "ap-guangzhou" });
    const aws = await call("GET", "/api/v1/regions/us-east-1/zones");
    expect(aws.body.items.map((z: { name: string; id: string }) => `${z.name}/${z.id}`)).toEqual(["us-east-1a/use1-az1", "us-east-1b/use1-az2", "us-east-1c/use1-az3", "us-east-1d/use1-az4", "us-east-1e/use1-az5", "us-east-1f/use1-az6"]);
    const missing = await call("GET", "/api/v1/regions/mars-north-1/zones");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("ResourceNotFound");
    const regions = await call("GET", "/api/v1/regions");
    expect(regions.body.items.find((r: { id: string }) => r.id === "cn-beijing").zones).toEqual(["cn-beijing-a", "cn-beijing-c", "cn-beijing-g", "cn-beijing-h"]);

    const vpc = await call("POST", "/api/v1/vpcs", { name: "zones", region: "cn-beijing", cidr: "10.63.0.0/16" });
    expect(vpc.status).toBe(201);
    const ok = await call("POST", "/api/v1/subnets", { vpcId: vpc.body.id, name: "g", cidr: "10.63.1.0/24", zone: "cn-beijing-g" });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ zone: "cn-beijing-g", zoneId: "cn-beijing-g" });
    const vpcUs = await call("POST", "/api/v1/vpcs", { name: "zones-us", region: "us-west-1", cidr: "10.64.0.0/16" });
    const sub = await call("POST", "/api/v1/subnets", { vpcId: vpcUs.body.id, cidr: "10.64.1.0/24", zone: "us-west-1c" });
    expect(sub.body).toMatchObject({ zone: "us-west-1c", zoneId: "usw1-az3" });
    expect((await call("GET", `/api/v1/subnets/${sub.body.id}`)).body.zoneId).toBe("usw1-az3");
    const bad = await call("POST", "/api/v1/subnets", { vpcId: vpc.body.id, name: "b", cidr: "10.63.2.0/24", zone: "cn-beijing-b" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("InvalidZone");
    expect(bad.body.error.message).toContain("cn-beijing-a, cn-beijing-c, cn-beijing-g, cn-beijing-h");
  });
});
