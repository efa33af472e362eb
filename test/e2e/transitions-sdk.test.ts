/**
 * Transitional states through the official SDKs, as their waiters and Terraform-style polling see
 * them: no data plane runs here, so a change is in transition for the server's settle time, then
 * final; with a settle time of 0 it is final at once. The server's clock is a test clock started at
 * the real time (the signatures stay valid) that only the test moves: every poll within the settle
 * time sees the intermediate state, the first one after it the final state, however loaded the
 * machine is.
 */
import * as Vpc from "@alicloud/vpc20160428";
import { $OpenApiUtil } from "@alicloud/openapi-core";
import * as tencentcloud from "tencentcloud-sdk-nodejs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestClock } from "../support/clock.ts";
import type { Harness } from "../support/harness.ts";
import { type SdkServer, sdkServer, vpcPeerCall } from "../support/sdk.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const vpcModule = Vpc as any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const AliVpcClient = (typeof vpcModule.default === "function" ? vpcModule.default : vpcModule.default.default) as new (c: $OpenApiUtil.Config) => any;
type Creds = { id: string; token: string; accessKeyId: string; accessKeySecret: string };

const SETTLE_MS = 400;

function tencent(endpoint: string, c: Creds) {
  return new tencentcloud.vpc.v20170312.Client({
    credential: { secretId: c.accessKeyId, secretKey: c.accessKeySecret },
    region: "ap-guangzhou",
    profile: { httpProfile: { endpoint, protocol: "http://", reqTimeout: 20 } },
  });
}

/** Alice's request to peer a VPC of hers with one of Bob's, through the Tencent SDK: their clients and the peering's id. */
async function tencentRequest(endpoint: string, alice: Creds, bob: Creds) {
  const a = tencent(endpoint, alice);
  const b = tencent(endpoint, bob);
  const aVpc = (await a.CreateVpc({ VpcName: "a", CidrBlock: "10.0.0.0/16" })).Vpc!.VpcId!;
  const bVpc = (await b.CreateVpc({ VpcName: "b", CidrBlock: "172.16.0.0/16" })).Vpc!.VpcId!;
  const pcx = (await a.CreateVpcPeeringConnection({ SourceVpcId: aVpc, PeeringConnectionName: "p", DestinationVpcId: bVpc, DestinationUin: bob.id, DestinationRegion: "ap-guangzhou" })).PeeringConnectionId!;
  return { a, b, pcx };
}

function alibaba(endpoint: string, c: Creds, regionId = "cn-hangzhou") {
  return new AliVpcClient(new $OpenApiUtil.Config({ accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, endpoint, protocol: "http", readTimeout: 30_000, connectTimeout: 10_000, regionId }));
}

describe(`transitional states with a settle time of ${SETTLE_MS} ms and no data plane`, () => {
  let server: SdkServer;
  let h: Harness;
  let alice: Creds;
  let bob: Creds;
  const clock = new TestClock(Date.now());

  /**
   * A waiter's view of one change: `during` on every poll until the settle time has passed (polled
   * several times, and once more 1 ms before its end), then `final`.
   */
  async function settles(read: () => Promise<string>, during: string, final: string): Promise<void> {
    for (let i = 0; i < 3; i++) expect(await read()).toBe(during);
    clock.advance(SETTLE_MS - 1);
    expect(await read()).toBe(during);
    clock.advance(1);
    expect(await read()).toBe(final);
  }

  beforeAll(async () => {
    server = await sdkServer("sqlite", undefined, { settleMs: SETTLE_MS, clock });
    h = server.h;
    alice = await h.account();
    bob = await h.account();
  });
  afterAll(() => server?.close());

  it("Tencent: an accepted peering is PENDING (provisioning) until it settles, then ACTIVE; the native view keeps state active with its transition", async () => {
    const { a, b, pcx } = await tencentRequest(server.endpoint, alice, bob);
    const state = async () => (await a.DescribeVpcPeeringConnections({ PeeringConnectionIds: [pcx] })).PeerConnectionSet![0]!.State!;
    expect(await state()).toBe("PENDING");
    await b.AcceptVpcPeeringConnection({ PeeringConnectionId: pcx });
    // The native API keeps the stored state and says what is on its way.
    expect((await h.call(alice.token, "GET", `/api/v1/peerings/${pcx}`)).body).toMatchObject({ state: "active", transition: "provisioning", stateReason: { command: "accept" } });
    await settles(state, "PENDING", "ACTIVE");
    const native = await h.call(alice.token, "GET", "/api/v1/peerings");
    expect(native.body.items.find((p: { id: string }) => p.id === pcx)).toMatchObject({ state: "active", transition: null });
  });

  it("Alibaba router interfaces: Connecting / AcceptingConnecting, Deactivating, Activating, each before the final status", async () => {
    const a = alibaba(server.endpoint, alice);
    const va = (await a.createVpc(new Vpc.CreateVpcRequest({ regionId: "cn-hangzhou", cidrBlock: "10.1.0.0/16" }))).body;
    const vb = (await a.createVpc(new Vpc.CreateVpcRequest({ regionId: "cn-hangzhou", cidrBlock: "10.2.0.0/16" }))).body;
    const make = async (role: string, from: { VRouterId: string }, to: { VRouterId: string }) =>
      (
        await a.createRouterInterface(
          new Vpc.CreateRouterInterfaceRequest({ regionId: "cn-hangzhou", role, routerType: "VRouter", routerId: from.VRouterId, spec: role === "InitiatingSide" ? "Mini.2" : "Negative", oppositeRegionId: "cn-hangzhou", oppositeRouterType: "VRouter", oppositeRouterId: to.VRouterId }),
        )
      ).body.routerInterfaceId as string;
    const init = await make("InitiatingSide", va, vb);
    const acc = await make("AcceptingSide", vb, va);
    await a.modifyRouterInterfaceAttribute(new Vpc.ModifyRouterInterfaceAttributeRequest({ regionId: "cn-hangzhou", routerInterfaceId: init, oppositeInterfaceId: acc }));
    await a.modifyRouterInterfaceAttribute(new Vpc.ModifyRouterInterfaceAttributeRequest({ regionId: "cn-hangzhou", routerInterfaceId: acc, oppositeInterfaceId: init }));
    const attr = async (id: string) => (await a.describeRouterInterfaceAttribute(new Vpc.DescribeRouterInterfaceAttributeRequest({ regionId: "cn-hangzhou", instanceId: id }))).body;
    const status = async (id: string) => (await attr(id)).status as string;

    await a.connectRouterInterface(new Vpc.ConnectRouterInterfaceRequest({ regionId: "cn-hangzhou", routerInterfaceId: init }));
    const accepting = await attr(acc);
    expect(accepting).toMatchObject({ status: "AcceptingConnecting", oppositeInterfaceStatus: "Connecting" });
    // DescribeRouterInterfaces shows (and filters by) the same status.
    const listed = (
      await a.describeRouterInterfaces(new Vpc.DescribeRouterInterfacesRequest({ regionId: "cn-hangzhou", filter: [new Vpc.DescribeRouterInterfacesRequestFilter({ key: "Status", value: ["Connecting"] })] }))
    ).body.routerInterfaceSet.routerInterfaceType;
    expect(listed.map((x: { routerInterfaceId: string }) => x.routerInterfaceId)).toEqual([init]);
    // The native API: the stored status, and the connection's transition beside it.
    const native = () => h.call(alice.token, "GET", `/api/v1/router-interfaces/${init}`);
    expect((await native()).body).toMatchObject({ status: "Active", transition: "provisioning" });
    await settles(() => status(init), "Connecting", "Active");
    expect(await status(acc)).toBe("Active");
    expect((await native()).body).toMatchObject({ status: "Active", transition: null });

    await a.deactivateRouterInterface(new Vpc.DeactivateRouterInterfaceRequest({ regionId: "cn-hangzhou", routerInterfaceId: init }));
    await settles(() => status(acc), "Deactivating", "Inactive");

    await a.activateRouterInterface(new Vpc.ActivateRouterInterfaceRequest({ regionId: "cn-hangzhou", routerInterfaceId: acc }));
    await settles(() => status(init), "Activating", "Active");

    // A change through the native API answers with its transition, as the Alibaba face shows it.
    const frozen = await h.call(alice.token, "POST", `/api/v1/router-interfaces/${init}/deactivate`);
    expect(frozen.body).toMatchObject({ status: "Inactive", transition: "deactivating" });
    await settles(() => status(init), "Deactivating", "Inactive");
  });

  it("Alibaba VpcPeer: Creating → Activated (same account), Accepting → Updating → Activated (accepted), Deleting → Deleted", async () => {
    const vpc = async (c: Creds, region: string, cidr: string) => (await h.runtime.services.vpcs.create({ accountId: c.id }, { name: cidr, region, cidr })).id;
    const peer = (c: Creds, action: string, params: Record<string, string | number | boolean>) => vpcPeerCall(server.endpoint, c, action, params);
    const status = (c: Creds, id: string) => async () => (await peer(c, "GetVpcPeerConnectionAttribute", { InstanceId: id })).Status as string;

    const own = await peer(alice, "CreateVpcPeerConnection", { RegionId: "cn-hangzhou", VpcId: await vpc(alice, "cn-hangzhou", "10.11.0.0/16"), AcceptingAliUid: alice.id, AcceptingRegionId: "cn-hangzhou", AcceptingVpcId: await vpc(alice, "cn-hangzhou", "10.12.0.0/16") });
    await settles(status(alice, own.InstanceId), "Creating", "Activated");

    const cross = await peer(alice, "CreateVpcPeerConnection", { RegionId: "cn-hangzhou", VpcId: await vpc(alice, "cn-hangzhou", "10.13.0.0/16"), AcceptingAliUid: bob.id, AcceptingRegionId: "cn-shanghai", AcceptingVpcId: await vpc(bob, "cn-shanghai", "10.14.0.0/16") });
    expect(await status(bob, cross.InstanceId)()).toBe("Accepting");
    await peer(bob, "AcceptVpcPeerConnection", { InstanceId: cross.InstanceId });
    // The list shows what the attribute shows.
    const listed = await peer(alice, "ListVpcPeerConnections", { RegionId: "cn-hangzhou", InstanceId: cross.InstanceId });
    expect(listed.VpcPeerConnects[0].Status).toBe("Updating");
    await settles(status(alice, cross.InstanceId), "Updating", "Activated");

    await peer(bob, "DeleteVpcPeerConnection", { InstanceId: cross.InstanceId });
    await settles(status(alice, cross.InstanceId), "Deleting", "Deleted");
  });

  it("Alibaba VPC: Pending until its router would be built, then Available", async () => {
    const a = alibaba(server.endpoint, alice);
    const created = (await a.createVpc(new Vpc.CreateVpcRequest({ regionId: "cn-hangzhou", cidrBlock: "10.20.0.0/16" }))).body;
    const status = async () => (await a.describeVpcs(new Vpc.DescribeVpcsRequest({ regionId: "cn-hangzhou", vpcId: created.vpcId }))).body.vpcs.vpc[0].status as string;
    await settles(status, "Pending", "Available");
  });
});

describe("transitional states with a settle time of 0", () => {
  let server: SdkServer;
  let alice: Creds;
  let bob: Creds;

  beforeAll(async () => {
    server = await sdkServer("sqlite", undefined, { settleMs: 0 });
    alice = await server.h.account();
    bob = await server.h.account();
  });
  afterAll(() => server?.close());

  it("shows every change applied at once: ACTIVE right after the accept, Available right after CreateVpc", async () => {
    const { a, b, pcx } = await tencentRequest(server.endpoint, alice, bob);
    await b.AcceptVpcPeeringConnection({ PeeringConnectionId: pcx });
    expect((await a.DescribeVpcPeeringConnections({ PeeringConnectionIds: [pcx] })).PeerConnectionSet![0]!.State).toBe("ACTIVE");
    const ali = alibaba(server.endpoint, alice);
    const v = (await ali.createVpc(new Vpc.CreateVpcRequest({ regionId: "cn-hangzhou", cidrBlock: "10.30.0.0/16" }))).body;
    expect((await ali.describeVpcs(new Vpc.DescribeVpcsRequest({ regionId: "cn-hangzhou", vpcId: v.vpcId }))).body.vpcs.vpc[0].status).toBe("Available");
  });
});
