/**
 * VpcPeer 2022-01-01 through @alicloud/openapi-client's callApi, placed exactly as the
 * @alicloud/vpcpeer20220101 client places it (LinkType/Tag in the query, the rest in a form body).
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aliyunDialect } from "../../src/api/aliyun/index.ts";
import { fromAli } from "../../src/api/aliyun/ids.ts";
import type { Harness } from "../support/harness.ts";
import { codeOf, sdkServer, type SdkServer, vpcPeerCall } from "../support/sdk.ts";

type Creds = { id: string; accessKeyId: string; accessKeySecret: string };

describe("Alibaba VpcPeer 2022-01-01", () => {
  let server: SdkServer;
  let h: Harness;
  let endpoint: string;
  let alice: Creds;
  let bob: Creds;
  let eve: Creds;

  const peer = (c: Creds, action: string, params: Record<string, string | number | boolean>, v1 = false) => vpcPeerCall(endpoint, c, action, params, { v1 });

  const vpc = async (c: Creds, region: string, cidr: string) => (await h.runtime.services.vpcs.create({ accountId: c.id }, { name: cidr, region, cidr })).id;

  beforeAll(async () => {
    server = await sdkServer("sqlite", (s) => [aliyunDialect(s)]);
    ({ h, endpoint } = server);
    alice = await h.account();
    bob = await h.account();
    eve = await h.account();
  });
  afterAll(() => server?.close());

  it("cross account: create (Accepting), stranger and requester cannot accept, accept (Activated), modify, list, delete", async () => {
    const a = await vpc(alice, "cn-hangzhou", "10.1.0.0/16");
    const b = await vpc(bob, "cn-shanghai", "10.2.0.0/16");
    const create = { RegionId: "cn-hangzhou", VpcId: a, AcceptingAliUid: bob.id, AcceptingRegionId: "cn-shanghai", AcceptingVpcId: b, Name: "p 1/x", LinkType: "Gold", "Tag.1.Key": "k", "Tag.1.Value": "v" };
    expect(await codeOf(peer(alice, "CreateVpcPeerConnection", { ...create, DryRun: true }))).toBe("DryRunOperation");
    const { InstanceId: id } = await peer(alice, "CreateVpcPeerConnection", { ...create, ClientToken: "c-1" });
    expect(id).toMatch(/^pcc-/);
    expect((await peer(alice, "CreateVpcPeerConnection", { ...create, ClientToken: "c-1" })).InstanceId).toBe(id);
    expect(await codeOf(peer(alice, "CreateVpcPeerConnection", create))).toBe("ResourceAlreadyExist.VpcPeer");

    const attr = await peer(bob, "GetVpcPeerConnectionAttribute", { InstanceId: id });
    expect(attr).toMatchObject({ InstanceId: id, Name: "p 1/x", Status: "Accepting", OwnerId: Number(alice.id), AcceptingOwnerUid: Number(bob.id), Bandwidth: 1024, Vpc: { VpcId: a, Ipv4Cidrs: ["10.1.0.0/16"] }, AcceptingVpc: { VpcId: b } });
    expect(attr.GmtExpired).toBeTruthy();

    expect(await codeOf(peer(eve, "AcceptVpcPeerConnection", { InstanceId: id }))).toBe("ResourceNotFound.InstanceId");
    expect(await codeOf(peer(alice, "AcceptVpcPeerConnection", { InstanceId: id }))).toBe("Forbidden.OperationNotAllowed");
    await peer(bob, "AcceptVpcPeerConnection", { InstanceId: id }, true);
    expect((await peer(alice, "GetVpcPeerConnectionAttribute", { InstanceId: id })).Status).toBe("Activated");
    expect(await codeOf(peer(bob, "AcceptVpcPeerConnection", { InstanceId: id }))).toBe("IncorrectStatus.VpcPeer");

    await peer(alice, "ModifyVpcPeerConnection", { InstanceId: id, Bandwidth: 200, Name: "renamed", Description: "d" });
    expect(await codeOf(peer(bob, "ModifyVpcPeerConnection", { InstanceId: id, Name: "mine" }))).toBe("Forbidden.OperationNotAllowed");
    const list = await peer(bob, "ListVpcPeerConnections", { RegionId: "cn-shanghai", VpcId: `${b},vpc-000000000000`, MaxResults: 10 });
    expect(list).toMatchObject({ TotalCount: 1, MaxResults: 10, NextToken: "" });
    expect(list.VpcPeerConnects[0]).toMatchObject({ InstanceId: id, Name: "renamed", Bandwidth: 200, Status: "Activated" });

    // Routes via the peering (NextHopType VpcPeer) block a delete unless Force.
    const table = (await h.runtime.services.vpcs.get({ accountId: alice.id }, a)).defaultRouteTableId;
    await h.runtime.services.routeTables.addRoute({ accountId: alice.id }, table, { destinationCidr: "10.2.0.0/16", target: { type: "peering", id: fromAli("peering", id) } });
    expect(await codeOf(peer(alice, "DeleteVpcPeerConnection", { InstanceId: id }))).toBe("DependencyViolation");
    await peer(alice, "DeleteVpcPeerConnection", { InstanceId: id, Force: true });
    expect((await peer(bob, "GetVpcPeerConnectionAttribute", { InstanceId: id })).Status).toBe("Deleted");
  });

  it("same account is Activated at once; reject; overlap; paging; parameter errors", async () => {
    const a = await vpc(alice, "cn-hangzhou", "10.11.0.0/16");
    const a2 = await vpc(alice, "cn-hangzhou", "10.12.0.0/16");
    const same = await peer(alice, "CreateVpcPeerConnection", { RegionId: "cn-hangzhou", VpcId: a, AcceptingAliUid: alice.id, AcceptingRegionId: "cn-hangzhou", AcceptingVpcId: a2 });
    const got = await peer(alice, "GetVpcPeerConnectionAttribute", { InstanceId: same.InstanceId });
    expect(got).toMatchObject({ Status: "Activated", Bandwidth: -1 });
    // RegionId is the region the call is made in: a VPC of another region is not found there,
    // and cannot turn an intra-region pair into an inter-region one.
    const sh = await vpc(alice, "cn-shanghai", "10.14.0.0/16");
    const sh2 = await vpc(alice, "cn-shanghai", "10.15.0.0/16");
    expect(await codeOf(peer(alice, "CreateVpcPeerConnection", { RegionId: "cn-hangzhou", VpcId: sh, AcceptingAliUid: alice.id, AcceptingRegionId: "cn-shanghai", AcceptingVpcId: sh2 }))).toBe("InvalidVpcId.NotFound");

    const b = await vpc(bob, "cn-hangzhou", "10.13.0.0/16");
    const req = await peer(alice, "CreateVpcPeerConnection", { RegionId: "cn-hangzhou", VpcId: a2, AcceptingAliUid: bob.id, AcceptingRegionId: "cn-hangzhou", AcceptingVpcId: b });
    await peer(bob, "RejectVpcPeerConnection", { InstanceId: req.InstanceId });
    expect((await peer(alice, "GetVpcPeerConnectionAttribute", { InstanceId: req.InstanceId })).Status).toBe("Rejected");

    const overlapping = await vpc(bob, "cn-hangzhou", "10.11.128.0/17");
    expect(await codeOf(peer(alice, "CreateVpcPeerConnection", { RegionId: "cn-hangzhou", VpcId: a, AcceptingAliUid: bob.id, AcceptingRegionId: "cn-hangzhou", AcceptingVpcId: overlapping }))).toBe("InvalidCidrBlock.Overlapped");

    const page1 = await peer(alice, "ListVpcPeerConnections", { RegionId: "cn-hangzhou", MaxResults: 1 });
    expect(page1.TotalCount).toBeGreaterThanOrEqual(2);
    const page2 = await peer(alice, "ListVpcPeerConnections", { RegionId: "cn-hangzhou", MaxResults: 1, NextToken: page1.NextToken });
    expect(page2.VpcPeerConnects[0].InstanceId).not.toBe(page1.VpcPeerConnects[0].InstanceId);

    expect(await codeOf(peer(alice, "GetVpcPeerConnectionAttribute", { InstanceId: "pcx-000000000000" }))).toBe("ResourceNotFound.InstanceId");
    expect(await codeOf(peer(alice, "CreateVpcPeerConnection", { RegionId: "cn-hangzhou", VpcId: a }))).toBe("MissingParameter");
    expect(await codeOf(peer(alice, "ListVpcPeerConnections", { RegionId: "cn-hangzhou", MaxResults: 1000 }))).toBe("InvalidParameter");
    expect(await codeOf(peer(alice, "ListVpcPeerConnections", { RegionId: "cn-hangzhou", NextToken: "garbage" }))).toBe("InvalidParameter");
  });
});
