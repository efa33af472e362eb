/**
 * VPC/vSwitch/route-table basics through @alicloud/pop-core (signature v1, GET and POST) and the
 * signature error paths: bad signature, unknown key, stale timestamp, replayed nonce.
 */

import * as Pop from "@alicloud/pop-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aliyunDialect } from "../../src/api/aliyun/index.ts";
import { aliEncode } from "../../src/api/aliyun/encode.ts";
import { v1Sign } from "../../src/api/aliyun/signature-v1.ts";
import type { Harness } from "../support/harness.ts";
import { codeOf, type SdkServer, sdkServer } from "../support/sdk.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const RPCClient = (Pop as any).RPCClient ?? (Pop as any).default.RPCClient;
type Creds = { id: string; accessKeyId: string; accessKeySecret: string };

describe("Alibaba VPC basics through @alicloud/pop-core", () => {
  let server: SdkServer;
  let h: Harness;
  let base: string;
  let alice: Creds;
  let bob: Creds;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const pop = (c: Creds, secret = c.accessKeySecret): any => new RPCClient({ accessKeyId: c.accessKeyId, accessKeySecret: secret, endpoint: base, apiVersion: "2016-04-28" });
  const post = { method: "POST" };

  beforeAll(async () => {
    server = await sdkServer("sqlite", (s) => [aliyunDialect(s)]);
    h = server.h;
    base = `http://${server.endpoint}`;
    alice = await h.account();
    bob = await h.account();
  });
  afterAll(() => server?.close());

  it("creates, describes, associates and deletes VPCs, vSwitches and route tables", async () => {
    const a = pop(alice);
    const vpc = await a.request("CreateVpc", { RegionId: "cn-beijing", CidrBlock: "10.8.0.0/16", VpcName: "prod", "Tag.1.Key": "env", "Tag.1.Value": "prod" }, post);
    expect(vpc).toMatchObject({ VpcId: expect.stringMatching(/^vpc-/), VRouterId: expect.stringMatching(/^vrt-/), RouteTableId: expect.stringMatching(/^vtb-/), RequestId: expect.any(String) });
    const other = await a.request("CreateVpc", { RegionId: "cn-beijing", CidrBlock: "10.9.0.0/16" });
    const listed = await a.request("DescribeVpcs", { RegionId: "cn-beijing", VpcId: `${vpc.VpcId},${other.VpcId}`, PageSize: 1 });
    expect(listed).toMatchObject({ TotalCount: 2, PageSize: 1, PageNumber: 1 });
    expect(listed.Vpcs.Vpc).toHaveLength(1);
    const byTag = await a.request("DescribeVpcs", { RegionId: "cn-beijing", "Tag.1.Key": "env", "Tag.1.Value": "prod" });
    expect(byTag.Vpcs.Vpc.map((v: { VpcId: string }) => v.VpcId)).toEqual([vpc.VpcId]);
    expect(byTag.Vpcs.Vpc[0]).toMatchObject({ CidrBlock: "10.8.0.0/16", VpcName: "prod", Status: "Available", OwnerId: Number(alice.id), Tags: { Tag: [{ Key: "env", Value: "prod" }] } });

    const sw = await a.request("CreateVSwitch", { RegionId: "cn-beijing", VpcId: vpc.VpcId, ZoneId: "cn-beijing-a", CidrBlock: "10.8.1.0/24", VSwitchName: "web" }, post);
    expect(await codeOf(a.request("CreateVSwitch", { RegionId: "cn-beijing", VpcId: vpc.VpcId, ZoneId: "cn-beijing-a", CidrBlock: "10.8.1.128/25" }))).toBe("InvalidCidrBlock.Overlapped");
    expect(await codeOf(a.request("CreateVSwitch", { RegionId: "cn-beijing", VpcId: vpc.VpcId, ZoneId: "cn-beijing-z", CidrBlock: "10.8.2.0/24" }))).toBe("InvalidZoneId.NotFound");
    const sws = await a.request("DescribeVSwitches", { RegionId: "cn-beijing", VpcId: vpc.VpcId });
    expect(sws.VSwitches.VSwitch[0]).toMatchObject({ VSwitchId: sw.VSwitchId, CidrBlock: "10.8.1.0/24", ZoneId: "cn-beijing-a", AvailableIpAddressCount: 252, RouteTable: { RouteTableId: vpc.RouteTableId, RouteTableType: "System" } });

    const rt = await a.request("CreateRouteTable", { RegionId: "cn-beijing", VpcId: vpc.VpcId, RouteTableName: "custom" });
    await a.request("AssociateRouteTable", { RegionId: "cn-beijing", RouteTableId: rt.RouteTableId, VSwitchId: sw.VSwitchId });
    const tables = await a.request("DescribeRouteTableList", { RegionId: "cn-beijing", VpcId: vpc.VpcId });
    expect(tables.TotalCount).toBe(2);
    const custom = tables.RouterTableList.RouterTableListType.find((t: { RouteTableType: string }) => t.RouteTableType === "Custom");
    expect(custom).toMatchObject({ RouteTableId: rt.RouteTableId, RouterId: vpc.VRouterId, RouterType: "VRouter", VSwitchIds: { VSwitchId: [sw.VSwitchId] } });
    expect((await a.request("DescribeRouteTableList", { RegionId: "cn-beijing", RouterId: vpc.VRouterId, RouteTableType: "System" })).RouterTableList.RouterTableListType).toHaveLength(1);
    await a.request("UnassociateRouteTable", { RegionId: "cn-beijing", RouteTableId: rt.RouteTableId, VSwitchId: sw.VSwitchId });
    expect(await codeOf(a.request("UnassociateRouteTable", { RegionId: "cn-beijing", RouteTableId: rt.RouteTableId, VSwitchId: sw.VSwitchId }))).toBe("IncorrectStatus.VSwitch");

    // Not found and dependency paths; another account's VPC is simply not found.
    expect(await codeOf(pop(bob).request("DescribeVSwitches", { RegionId: "cn-beijing", VpcId: vpc.VpcId }).then((r: { TotalCount: number }) => { if (r.TotalCount !== 0) throw Object.assign(new Error(), { code: "leak" }); }))).toBe("no error");
    expect(await codeOf(pop(bob).request("DeleteVpc", { RegionId: "cn-beijing", VpcId: vpc.VpcId }))).toBe("InvalidVpcId.NotFound");
    expect(await codeOf(a.request("DeleteVpc", { RegionId: "cn-beijing", VpcId: vpc.VpcId }))).toBe("DependencyViolation");
    // A dry run of a delete checks and deletes nothing.
    expect(await codeOf(a.request("DeleteVSwitch", { RegionId: "cn-beijing", VSwitchId: sw.VSwitchId, DryRun: true }))).toBe("DryRunOperation");
    expect((await a.request("DescribeVSwitches", { RegionId: "cn-beijing", VpcId: vpc.VpcId })).TotalCount).toBe(1);
    await a.request("DeleteVSwitch", { RegionId: "cn-beijing", VSwitchId: sw.VSwitchId });
    await a.request("DeleteRouteTable", { RegionId: "cn-beijing", RouteTableId: rt.RouteTableId });
    await a.request("DeleteVpc", { RegionId: "cn-beijing", VpcId: vpc.VpcId });
    expect(await codeOf(a.request("DeleteVSwitch", { RegionId: "cn-beijing", VSwitchId: sw.VSwitchId }))).toBe("InvalidVSwitchId.NotFound");

    // ClientToken: a retry answers the first result; other parameters under the same token are refused.
    const first = await a.request("CreateVpc", { RegionId: "cn-beijing", CidrBlock: "10.20.0.0/16", ClientToken: "tok-1" });
    const again = await a.request("CreateVpc", { RegionId: "cn-beijing", CidrBlock: "10.20.0.0/16", ClientToken: "tok-1" }, post);
    expect(again.VpcId).toBe(first.VpcId);
    expect(await codeOf(a.request("CreateVpc", { RegionId: "cn-beijing", CidrBlock: "10.21.0.0/16", ClientToken: "tok-1" }))).toBe("IdempotentParameterMismatch");
    // DryRun checks and changes nothing.
    expect(await codeOf(a.request("CreateVpc", { RegionId: "cn-beijing", CidrBlock: "10.22.0.0/16", DryRun: true }))).toBe("DryRunOperation");
    expect(await codeOf(a.request("CreateVpc", { RegionId: "cn-beijing", CidrBlock: "10.22.0.0/99", DryRun: true }))).toBe("InvalidCidrBlock.Malformed");
    expect((await a.request("DescribeVpcs", { RegionId: "cn-beijing" })).TotalCount).toBe(2);
  });

  /** A v1 request signed by hand (to control the nonce and timestamp), sent with fetch. */
  async function raw(c: Creds, params: Record<string, string>, over: Partial<Record<string, string>> = {}) {
    const all: Record<string, string> = {
      Action: "DescribeVpcs",
      Version: "2016-04-28",
      Format: "JSON",
      RegionId: "cn-hangzhou",
      AccessKeyId: c.accessKeyId,
      SignatureMethod: "HMAC-SHA1",
      SignatureVersion: "1.0",
      SignatureNonce: `n-${Math.random()}`,
      Timestamp: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
      ...params,
    };
    const pairs = Object.entries(all);
    const sig = over.Signature ?? v1Sign(c.accessKeySecret, "GET", pairs);
    const qs = [...pairs, ["Signature", sig]].map(([k, v]) => `${aliEncode(k!)}=${aliEncode(v!)}`).join("&");
    const res = await fetch(`${base}/?${qs}`);
    return { status: res.status, body: (await res.json()) as Record<string, string> };
  }

  it("answers signature failures with Alibaba's codes and statuses", async () => {
    const ok = await raw(alice, {});
    expect(ok.status).toBe(200);
    expect(ok.body.RequestId).toBeTruthy();

    const replay = { SignatureNonce: "fixed-nonce-1" };
    expect((await raw(alice, replay)).status).toBe(200);
    const again = await raw(alice, replay);
    expect(again).toMatchObject({ status: 400, body: { Code: "SignatureNonceUsed" } });
    expect(Object.keys(again.body).sort()).toEqual(["Code", "HostId", "Message", "Recommend", "RequestId"]);

    const stale = await raw(alice, { Timestamp: new Date(Date.now() - 20 * 60_000).toISOString().replace(/\.\d+Z$/, "Z") });
    expect(stale).toMatchObject({ status: 400, body: { Code: "InvalidTimeStamp.Expired" } });
    expect((await raw(alice, { Timestamp: "yesterday" })).body.Code).toBe("InvalidTimeStamp.Format");
    expect((await raw(alice, {}, { Signature: "AAAA" })).body.Code).toBe("SignatureDoesNotMatch");
    expect((await raw(alice, { SignatureMethod: "HMAC-MD5" })).body.Code).toBe("InvalidSignatureMethod");
    expect(await raw({ ...alice, accessKeyId: "AKIDnobody" }, {})).toMatchObject({ status: 404, body: { Code: "InvalidAccessKeyId.NotFound" } });
    expect(await raw(alice, { Action: "LaunchRockets" })).toMatchObject({ status: 404, body: { Code: "InvalidAction.NotFound" } });
    expect(await raw(alice, { Version: "1999-01-01" })).toMatchObject({ status: 400, body: { Code: "InvalidVersion" } });

    // Through the SDK: a wrong secret and an unknown key.
    expect(await codeOf(pop(alice, "wrong-secret").request("DescribeVpcs", { RegionId: "cn-hangzhou" }))).toBe("SignatureDoesNotMatch");
    expect(await codeOf(pop({ ...alice, accessKeyId: "AKIDnobody" }).request("DescribeVpcs", { RegionId: "cn-hangzhou" }, post))).toBe("InvalidAccessKeyId.NotFound");
    expect(await codeOf(pop(alice).request("CreateVpc", {}))).toBe("MissingParameter");
    // A v1 request to a path vpcpeer does not serve is still answered in Alibaba's envelope.
    const lost = new RPCClient({ accessKeyId: alice.accessKeyId, accessKeySecret: alice.accessKeySecret, endpoint: `${base}/no/such/path`, apiVersion: "2016-04-28" });
    expect(await codeOf(lost.request("DescribeVpcs", { RegionId: "cn-hangzhou" }))).toBe("InvalidAction.NotFound");
  });
});
