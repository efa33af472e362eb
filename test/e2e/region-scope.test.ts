/**
 * A cloud dialect's request is made in a region, and every read and write of a regional resource
 * is scoped to it: a resource of another region answers exactly like a missing one, through the
 * official SDKs of both clouds (#12 item 1). The native API, which names no region, is not scoped.
 */
for (const v of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[v];

import * as Pop from "@alicloud/pop-core";
import * as tencentcloud from "tencentcloud-sdk-nodejs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../support/harness.ts";
import { type SdkServer, sdkServer } from "../support/sdk.ts";

type Acct = { id: string; accessKeyId: string; accessKeySecret: string; token: string };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const RPCClient = (Pop as any).RPCClient ?? (Pop as any).default.RPCClient;

/** The error code and message a call fails with. */
async function failure(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { code?: string; message?: string };
    return { code: String(err.code), message: String(err.message) };
  }
  throw new Error("expected the call to fail");
}

describe("region scoping through the cloud dialects", () => {
  let server: SdkServer;
  let h: Harness;
  let alice: Acct;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const ali = (a: Acct): any => new RPCClient({ accessKeyId: a.accessKeyId, accessKeySecret: a.accessKeySecret, endpoint: `http://${server.endpoint}`, apiVersion: "2016-04-28" });
  const tc = (a: Acct, region: string) =>
    new tencentcloud.vpc.v20170312.Client({
      credential: { secretId: a.accessKeyId, secretKey: a.accessKeySecret },
      region,
      profile: { httpProfile: { endpoint: server.endpoint, protocol: "http://", reqTimeout: 20 } },
    });
  const native = async (a: Acct, method: string, path: string) => {
    const res = await fetch(`http://${server.endpoint}/api/v1${path}`, { method, headers: { authorization: `Bearer ${a.token}` } });
    return { status: res.status, body: res.status === 204 ? null : await res.json() };
  };

  beforeAll(async () => {
    server = await sdkServer("sqlite");
    h = server.h;
    alice = (await h.account()) as Acct;
  });
  afterAll(() => server?.close());

  it("Alibaba: a vSwitch, route table or VPC of another region is not found for reads and writes, and survives", async () => {
    const a = ali(alice);
    const vpc = await a.request("CreateVpc", { RegionId: "cn-hangzhou", CidrBlock: "10.20.0.0/16" }, { method: "POST" });
    const sw = await a.request("CreateVSwitch", { RegionId: "cn-hangzhou", VpcId: vpc.VpcId, ZoneId: "cn-hangzhou-a", CidrBlock: "10.20.1.0/24" }, { method: "POST" });
    const rt = await a.request("CreateRouteTable", { RegionId: "cn-hangzhou", VpcId: vpc.VpcId, RouteTableName: "custom" }, { method: "POST" });

    const other = "cn-shenzhen";
    const del = await failure(a.request("DeleteVSwitch", { RegionId: other, VSwitchId: sw.VSwitchId }, { method: "POST" }));
    const missing = await failure(a.request("DeleteVSwitch", { RegionId: other, VSwitchId: sw.VSwitchId.replace(/.{4}$/, "zzzz") }, { method: "POST" }));
    expect(del.code).toBe(missing.code);
    expect(del.code).toMatch(/NotFound|NotExist/);
    expect(await failure(a.request("DeleteRouteTable", { RegionId: other, RouteTableId: rt.RouteTableId }, { method: "POST" }))).toMatchObject({ code: expect.stringMatching(/NotFound|NotExist/) });
    expect(await failure(a.request("CreateVSwitch", { RegionId: other, VpcId: vpc.VpcId, ZoneId: "cn-shenzhen-a", CidrBlock: "10.20.2.0/24" }, { method: "POST" }))).toMatchObject({
      code: expect.stringMatching(/NotFound|NotExist/),
    });
    expect(await failure(a.request("AssociateRouteTable", { RegionId: other, RouteTableId: rt.RouteTableId, VSwitchId: sw.VSwitchId }, { method: "POST" }))).toMatchObject({
      code: expect.stringMatching(/NotFound|NotExist/),
    });
    expect(await failure(a.request("DeleteVpc", { RegionId: other, VpcId: vpc.VpcId }, { method: "POST" }))).toMatchObject({ code: expect.stringMatching(/NotFound|NotExist/) });
    // Reads of the other region do not see them either.
    const listed = await a.request("DescribeVSwitches", { RegionId: other, VpcId: vpc.VpcId });
    expect(listed.TotalCount).toBe(0);

    // Nothing changed: everything is still there in its own region.
    const still = await a.request("DescribeVSwitches", { RegionId: "cn-hangzhou", VpcId: vpc.VpcId });
    expect(still.VSwitches.VSwitch.map((s: { VSwitchId: string }) => s.VSwitchId)).toEqual([sw.VSwitchId]);
    await a.request("DeleteVSwitch", { RegionId: "cn-hangzhou", VSwitchId: sw.VSwitchId }, { method: "POST" });
  });

  it("Tencent: a client for another region cannot create in, read or change an ap-guangzhou VPC", async () => {
    const gz = tc(alice, "ap-guangzhou");
    const sh = tc(alice, "ap-shanghai");
    const { Vpc } = await gz.CreateVpc({ VpcName: "gz", CidrBlock: "10.30.0.0/16" });
    const vpcId = Vpc!.VpcId!;
    const { Subnet } = await gz.CreateSubnet({ VpcId: vpcId, SubnetName: "web", CidrBlock: "10.30.1.0/24", Zone: "ap-guangzhou-3" });
    const subnetId = Subnet!.SubnetId!;

    const rt = await failure(sh.CreateRouteTable({ VpcId: vpcId, RouteTableName: "foreign" }));
    const ghost = await failure(sh.CreateRouteTable({ VpcId: "vpc-zzzzzzzzzzzz", RouteTableName: "foreign" }));
    expect(rt.code).toBe(ghost.code);
    expect(rt.code).toMatch(/NotFound/);
    expect(await failure(sh.DeleteSubnet({ SubnetId: subnetId }))).toMatchObject({ code: expect.stringMatching(/NotFound/) });
    expect(await failure(sh.DeleteVpc({ VpcId: vpcId }))).toMatchObject({ code: expect.stringMatching(/NotFound/) });
    const seen = await sh.DescribeSubnets({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] });
    expect(seen.TotalCount).toBe(0);

    // Still there, in its region; and the native API (no region) sees the route table count unchanged.
    const tables = await gz.DescribeRouteTables({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] });
    expect(tables.TotalCount).toBe(1);
    const subnets = await native(alice, "GET", `/subnets?vpcId=${vpcId}`);
    expect(subnets.body.items.map((s: { id: string }) => s.id)).toEqual([subnetId]);
  });

  it("Tencent: a request without a region is refused, as the cloud does", async () => {
    const none = new tencentcloud.vpc.v20170312.Client({
      credential: { secretId: alice.accessKeyId, secretKey: alice.accessKeySecret },
      profile: { httpProfile: { endpoint: server.endpoint, protocol: "http://", reqTimeout: 20 } },
    });
    expect(await failure(none.DescribeVpcs({}))).toMatchObject({ code: "MissingParameter", message: expect.stringContaining("Region") });
  });
});
