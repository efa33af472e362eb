/**
 * The Alibaba seed flow ("Interconnect two VPCs") driven end to end by the official
 * @alicloud/vpc20160428 SDK (ACS3-HMAC-SHA256) against vpcpeer, with two accounts.
 */

import * as Vpc from "@alicloud/vpc20160428";
import { $OpenApiUtil } from "@alicloud/openapi-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aliyunDialect } from "../../src/api/aliyun/index.ts";
import type { Harness } from "../support/harness.ts";
import { codeOf, type SdkServer, sdkServer } from "../support/sdk.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const vpcModule = Vpc as any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const VpcClient = (typeof vpcModule.default === "function" ? vpcModule.default : vpcModule.default.default) as new (c: $OpenApiUtil.Config) => any;
type Creds = { id: string; accessKeyId: string; accessKeySecret: string };

describe("Alibaba router interfaces through @alicloud/vpc20160428", () => {
  let server: SdkServer;
  let h: Harness;
  let endpoint: string;
  let alice: Creds;
  let bob: Creds;
  let eve: Creds;
  const client = (c: Creds, v2 = false) =>
    new VpcClient(new $OpenApiUtil.Config({ accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, endpoint, protocol: "http", readTimeout: 30_000, connectTimeout: 10_000, regionId: "cn-hangzhou", ...(v2 ? { signatureAlgorithm: "v2" } : {}) }));

  beforeAll(async () => {
    server = await sdkServer("sqlite", (s) => [aliyunDialect(s)]);
    ({ h, endpoint } = server);
    alice = await h.account();
    bob = await h.account();
    eve = await h.account();
  });
  afterAll(() => server?.close());

  it("runs the cross-account console flow: both ends, name each other, connect, routes, deactivate, activate, delete", async () => {
    const a = client(alice);
    const b = client(bob);
    // VPCs, vSwitches and the system route tables.
    const va = (await a.createVpc(new Vpc.CreateVpcRequest({ regionId: "cn-hangzhou", cidrBlock: "10.0.0.0/16", vpcName: "alice-vpc" }))).body;
    expect(va.vpcId).toMatch(/^vpc-/);
    expect(va.VRouterId).toBe(`vrt-${va.vpcId.slice(4)}`);
    expect(va.routeTableId).toMatch(/^vtb-/);
    const vb = (await b.createVpc(new Vpc.CreateVpcRequest({ regionId: "cn-shanghai", cidrBlock: "172.16.0.0/16", vpcName: "bob-vpc" }))).body;
    const sw = (await a.createVSwitch(new Vpc.CreateVSwitchRequest({ regionId: "cn-hangzhou", vpcId: va.vpcId, zoneId: "cn-hangzhou-b", cidrBlock: "10.0.1.0/24", vSwitchName: "web" }))).body;
    expect(sw.vSwitchId).toMatch(/^vsw-/);

    // 1. CreateRouterInterface on both ends: the initiator with a Spec and a subscription, the acceptor Negative.
    const init = (
      await a.createRouterInterface(
        new Vpc.CreateRouterInterfaceRequest({
          regionId: "cn-hangzhou",
          role: "InitiatingSide",
          routerType: "VRouter",
          routerId: va.VRouterId,
          spec: "Small.1",
          oppositeRegionId: "cn-shanghai",
          oppositeRouterType: "VRouter",
          oppositeRouterId: vb.VRouterId,
          oppositeInterfaceOwnerId: bob.id,
          instanceChargeType: "PrePaid",
          pricingCycle: "Month",
          period: 3,
          autoPay: true,
          autoRenew: true,
          name: "to-bob",
          description: "hi there*!",
          tags: [new Vpc.CreateRouterInterfaceRequestTags({ key: "team", value: "net" })],
        }),
      )
    ).body;
    expect(init.routerInterfaceId).toMatch(/^ri-/);
    const acc = (
      await b.createRouterInterface(
        new Vpc.CreateRouterInterfaceRequest({
          regionId: "cn-shanghai",
          role: "AcceptingSide",
          routerType: "VRouter",
          routerId: vb.VRouterId,
          spec: "Negative",
          oppositeRegionId: "cn-hangzhou",
          oppositeRouterType: "VRouter",
          oppositeRouterId: va.VRouterId,
          oppositeInterfaceOwnerId: alice.id,
          instanceChargeType: "PostPaid",
        }),
      )
    ).body;

    // Connecting before the ends name each other is refused.
    expect(await codeOf(a.connectRouterInterface(new Vpc.ConnectRouterInterfaceRequest({ regionId: "cn-hangzhou", routerInterfaceId: init.routerInterfaceId })))).toBe("InvalidOppositeInterface.NotMatch");

    // 2. ModifyRouterInterfaceAttribute on each end.
    await a.modifyRouterInterfaceAttribute(new Vpc.ModifyRouterInterfaceAttributeRequest({ regionId: "cn-hangzhou", routerInterfaceId: init.routerInterfaceId, oppositeInterfaceId: acc.routerInterfaceId, oppositeInterfaceOwnerId: Number(bob.id) }));
    await b.modifyRouterInterfaceAttribute(new Vpc.ModifyRouterInterfaceAttributeRequest({ regionId: "cn-shanghai", routerInterfaceId: acc.routerInterfaceId, oppositeInterfaceId: init.routerInterfaceId, oppositeRouterId: va.VRouterId, oppositeRouterType: "VRouter", name: "from-alice" }));

    // Only the initiator connects.
    expect(await codeOf(b.connectRouterInterface(new Vpc.ConnectRouterInterfaceRequest({ regionId: "cn-shanghai", routerInterfaceId: acc.routerInterfaceId })))).toBe("IncorrectStatus.RouterInterface");
    // 3. ConnectRouterInterface on the initiator.
    const connected = await a.connectRouterInterface(new Vpc.ConnectRouterInterfaceRequest({ regionId: "cn-hangzhou", routerInterfaceId: init.routerInterfaceId }));
    expect(connected.statusCode).toBe(200);
    expect(connected.body.requestId).toMatch(/^[0-9A-F-]{36}$/);

    const list = (
      await a.describeRouterInterfaces(
        new Vpc.DescribeRouterInterfacesRequest({ regionId: "cn-hangzhou", filter: [new Vpc.DescribeRouterInterfacesRequestFilter({ key: "RouterInterfaceId", value: [init.routerInterfaceId] })] }),
      )
    ).body;
    expect(list.totalCount).toBe(1);
    const mine = list.routerInterfaceSet.routerInterfaceType[0];
    expect(mine).toMatchObject({
      routerInterfaceId: init.routerInterfaceId,
      routerId: va.VRouterId,
      routerType: "VRouter",
      role: "InitiatingSide",
      spec: "Small.1",
      bandwidth: 10,
      status: "Active",
      chargeType: "PrePaid",
      vpcInstanceId: va.vpcId,
      oppositeInterfaceId: acc.routerInterfaceId,
      oppositeRouterId: vb.VRouterId,
      oppositeRegionId: "cn-shanghai",
      oppositeInterfaceOwnerId: bob.id,
      oppositeInterfaceSpec: "Negative",
      name: "to-bob",
      description: "hi there*!",
      crossBorder: false,
    });
    expect(mine.tags.tags).toEqual([expect.objectContaining({ key: "team", value: "net" })]);
    const attr = (await b.describeRouterInterfaceAttribute(new Vpc.DescribeRouterInterfaceAttributeRequest({ regionId: "cn-shanghai", instanceId: acc.routerInterfaceId }))).body;
    expect(attr).toMatchObject({ role: "AcceptingSide", spec: "Negative", status: "Active", chargeType: "AfterPay", oppositeBandwidth: 10, name: "from-alice", success: true });

    // 4. Routes in each VPC pointing at its own router interface.
    const ra = (await a.createRouteEntry(new Vpc.CreateRouteEntryRequest({ regionId: "cn-hangzhou", routeTableId: va.routeTableId, destinationCidrBlock: "172.16.0.0/16", nextHopType: "RouterInterface", nextHopId: init.routerInterfaceId }))).body;
    expect(ra.routeEntryId).toMatch(/^rte-/);
    await b.createRouteEntry(new Vpc.CreateRouteEntryRequest({ regionId: "cn-shanghai", routeTableId: vb.routeTableId, destinationCidrBlock: "10.0.0.0/16", nextHopType: "RouterInterface", nextHopId: acc.routerInterfaceId }));
    expect(await codeOf(a.createRouteEntry(new Vpc.CreateRouteEntryRequest({ regionId: "cn-hangzhou", routeTableId: va.routeTableId, destinationCidrBlock: "172.16.0.0/16", nextHopType: "RouterInterface", nextHopId: init.routerInterfaceId })))).toBe("InvalidCIDRBlock.Duplicate");
    const entries = (await a.describeRouteEntryList(new Vpc.DescribeRouteEntryListRequest({ regionId: "cn-hangzhou", routeTableId: va.routeTableId }))).body;
    const custom = entries.routeEntrys.routeEntry.find((e: { type: string }) => e.type === "Custom");
    expect(custom).toMatchObject({ destinationCidrBlock: "172.16.0.0/16", status: "Available", nextHops: { nextHop: [{ nextHopType: "RouterInterface", nextHopId: init.routerInterfaceId }] } });

    // Deactivate (either end) freezes both; the route goes dead; Activate restores it.
    expect(await codeOf(a.deleteRouterInterface(new Vpc.DeleteRouterInterfaceRequest({ regionId: "cn-hangzhou", routerInterfaceId: init.routerInterfaceId })))).toBe("IncorrectStatus.RouterInterface");
    await b.deactivateRouterInterface(new Vpc.DeactivateRouterInterfaceRequest({ regionId: "cn-shanghai", routerInterfaceId: acc.routerInterfaceId }));
    const frozen = (await a.describeRouterInterfaceAttribute(new Vpc.DescribeRouterInterfaceAttributeRequest({ regionId: "cn-hangzhou", instanceId: init.routerInterfaceId }))).body;
    expect(frozen.status).toBe("Inactive");
    expect(await codeOf(a.deactivateRouterInterface(new Vpc.DeactivateRouterInterfaceRequest({ regionId: "cn-hangzhou", routerInterfaceId: init.routerInterfaceId })))).toBe("IncorrectStatus.RouterInterface");
    await a.activateRouterInterface(new Vpc.ActivateRouterInterfaceRequest({ regionId: "cn-hangzhou", routerInterfaceId: init.routerInterfaceId }));

    // ModifyRouterInterfaceSpec from the initiator changes the bandwidth both ends see.
    const spec = (await a.modifyRouterInterfaceSpec(new Vpc.ModifyRouterInterfaceSpecRequest({ regionId: "cn-hangzhou", routerInterfaceId: init.routerInterfaceId, spec: "Middle.1" }))).body;
    expect(spec.spec).toBe("Middle.1");
    expect((await b.describeRouterInterfaceAttribute(new Vpc.DescribeRouterInterfaceAttributeRequest({ regionId: "cn-shanghai", instanceId: acc.routerInterfaceId }))).body.oppositeBandwidth).toBe(100);

    // A stranger sees nothing.
    expect(await codeOf(client(eve).describeRouterInterfaceAttribute(new Vpc.DescribeRouterInterfaceAttributeRequest({ regionId: "cn-hangzhou", instanceId: init.routerInterfaceId })))).toBe("InvalidRouterInterfaceId.NotFound");

    // Delete: deactivate, remove the route, delete.
    await a.deactivateRouterInterface(new Vpc.DeactivateRouterInterfaceRequest({ regionId: "cn-hangzhou", routerInterfaceId: init.routerInterfaceId }));
    expect(await codeOf(a.deleteRouterInterface(new Vpc.DeleteRouterInterfaceRequest({ regionId: "cn-hangzhou", routerInterfaceId: init.routerInterfaceId })))).toBe("DependencyViolation");
    await a.deleteRouteEntry(new Vpc.DeleteRouteEntryRequest({ regionId: "cn-hangzhou", routeEntryId: ra.routeEntryId }));
    expect(await codeOf(a.deleteRouteEntry(new Vpc.DeleteRouteEntryRequest({ regionId: "cn-hangzhou", routeEntryId: ra.routeEntryId })))).toBe("InvalidRouteEntry.NotFound");
    await a.deleteRouterInterface(new Vpc.DeleteRouterInterfaceRequest({ regionId: "cn-hangzhou", routerInterfaceId: init.routerInterfaceId }));
    const after = (await b.describeRouterInterfaceAttribute(new Vpc.DescribeRouterInterfaceAttributeRequest({ regionId: "cn-shanghai", instanceId: acc.routerInterfaceId }))).body;
    expect(after.status).toBe("Idle");
  });

  it("same account, signature v1 (signatureAlgorithm v2): overlap refused, paging and filters, VBR-to-VPC", async () => {
    const a = client(alice, true);
    const v1 = (await a.createVpc(new Vpc.CreateVpcRequest({ regionId: "cn-hangzhou", cidrBlock: "10.50.0.0/16" }))).body;
    const v2 = (await a.createVpc(new Vpc.CreateVpcRequest({ regionId: "cn-hangzhou", cidrBlock: "10.50.0.0/24" }))).body;
    const v3 = (await a.createVpc(new Vpc.CreateVpcRequest({ regionId: "cn-hangzhou", cidrBlock: "10.60.0.0/16" }))).body;
    const make = (role: string, from: { VRouterId: string }, to: { VRouterId: string }) =>
      a.createRouterInterface(
        new Vpc.CreateRouterInterfaceRequest({ regionId: "cn-hangzhou", role, routerType: "VRouter", routerId: from.VRouterId, spec: role === "InitiatingSide" ? "Mini.2" : "Negative", oppositeRegionId: "cn-hangzhou", oppositeRouterType: "VRouter", oppositeRouterId: to.VRouterId }),
      );
    const i1 = (await make("InitiatingSide", v1, v2)).body.routerInterfaceId;
    const a1 = (await make("AcceptingSide", v2, v1)).body.routerInterfaceId;
    await a.modifyRouterInterfaceAttribute(new Vpc.ModifyRouterInterfaceAttributeRequest({ regionId: "cn-hangzhou", routerInterfaceId: i1, oppositeInterfaceId: a1 }));
    await a.modifyRouterInterfaceAttribute(new Vpc.ModifyRouterInterfaceAttributeRequest({ regionId: "cn-hangzhou", routerInterfaceId: a1, oppositeInterfaceId: i1 }));
    expect(await codeOf(a.connectRouterInterface(new Vpc.ConnectRouterInterfaceRequest({ regionId: "cn-hangzhou", routerInterfaceId: i1 })))).toBe("InvalidCidrBlock.Overlapped");

    // Spec rules: an acceptor is Negative and pay-as-you-go; an initiator needs a real spec.
    const bad = (extra: Record<string, unknown>) =>
      codeOf(a.createRouterInterface(new Vpc.CreateRouterInterfaceRequest({ regionId: "cn-hangzhou", routerType: "VRouter", routerId: v3.VRouterId, oppositeRegionId: "cn-hangzhou", oppositeRouterId: v1.VRouterId, ...extra })));
    expect(await bad({ role: "AcceptingSide", spec: "Small.1" })).toBe("InvalidParameter");
    expect(await bad({ role: "AcceptingSide", spec: "Negative", instanceChargeType: "PrePaid", period: 1 })).toBe("InvalidParameter.InstanceChargeType");
    expect(await bad({ role: "InitiatingSide", spec: "Huge.9" })).toBe("InvalidParameter");
    expect(await bad({ role: "InitiatingSide", spec: "Mini.2", instanceChargeType: "PrePaid", pricingCycle: "Month", period: 10 })).toBe("InvalidParameter");
    expect(await bad({ role: "Sideways", spec: "Mini.2" })).toBe("InvalidParameter");
    expect(await bad({ role: "InitiatingSide", spec: "Mini.2", routerId: "vrt-000000000000" })).toBe("InvalidVpcId.NotFound");

    // DescribeRouterInterfaces: filters (OR inside a key, AND across keys) and paging.
    const all = (await a.describeRouterInterfaces(new Vpc.DescribeRouterInterfacesRequest({ regionId: "cn-hangzhou", pageSize: 1, pageNumber: 2 }))).body;
    expect(all.pageNumber).toBe(2);
    expect(all.pageSize).toBe(1);
    expect(all.routerInterfaceSet.routerInterfaceType).toHaveLength(1);
    const filtered = (
      await a.describeRouterInterfaces(
        new Vpc.DescribeRouterInterfacesRequest({
          regionId: "cn-hangzhou",
          filter: [new Vpc.DescribeRouterInterfacesRequestFilter({ key: "RouterInterfaceId", value: [i1, a1] }), new Vpc.DescribeRouterInterfacesRequestFilter({ key: "Status", value: ["Idle"] })],
        }),
      )
    ).body;
    expect(filtered.totalCount).toBe(2);
    expect(await codeOf(a.describeRouterInterfaces(new Vpc.DescribeRouterInterfacesRequest({ regionId: "cn-hangzhou", filter: [new Vpc.DescribeRouterInterfacesRequestFilter({ key: "Colour", value: ["x"] })] })))).toBe("InvalidParameter");

    // VBR-to-VPC: the VBR (created natively) is visible through DescribeVirtualBorderRouters and initiates.
    const created = await h.runtime.services.vbrs.create({ accountId: alice.id }, { region: "cn-hangzhou", name: "idc", onPremisesCidrs: ["192.168.10.0/24"] });
    const vbrs = (await a.describeVirtualBorderRouters(new Vpc.DescribeVirtualBorderRoutersRequest({ regionId: "cn-hangzhou", filter: [new Vpc.DescribeVirtualBorderRoutersRequestFilter({ key: "VbrId", value: [created.id] })] }))).body;
    expect(vbrs.virtualBorderRouterSet.virtualBorderRouterType).toEqual([expect.objectContaining({ vbrId: created.id, name: "idc" })]);
    const vi = (
      await a.createRouterInterface(
        new Vpc.CreateRouterInterfaceRequest({ regionId: "cn-hangzhou", role: "InitiatingSide", routerType: "VBR", routerId: created.id, spec: "Small.1", oppositeRegionId: "cn-hangzhou", oppositeRouterType: "VRouter", oppositeRouterId: v3.VRouterId }),
      )
    ).body.routerInterfaceId;
    const va = (
      await a.createRouterInterface(
        new Vpc.CreateRouterInterfaceRequest({ regionId: "cn-hangzhou", role: "AcceptingSide", routerType: "VRouter", routerId: v3.VRouterId, spec: "Negative", oppositeRegionId: "cn-hangzhou", oppositeRouterType: "VBR", oppositeRouterId: created.id, oppositeInterfaceId: vi }),
      )
    ).body.routerInterfaceId;
    await a.modifyRouterInterfaceAttribute(new Vpc.ModifyRouterInterfaceAttributeRequest({ regionId: "cn-hangzhou", routerInterfaceId: vi, oppositeInterfaceId: va }));
    await a.connectRouterInterface(new Vpc.ConnectRouterInterfaceRequest({ regionId: "cn-hangzhou", routerInterfaceId: vi }));
    const vbrEnd = (await a.describeRouterInterfaceAttribute(new Vpc.DescribeRouterInterfaceAttributeRequest({ regionId: "cn-hangzhou", instanceId: vi }))).body;
    expect(vbrEnd).toMatchObject({ routerType: "VBR", routerId: created.id, status: "Active", oppositeRouterId: v3.VRouterId });
    await a.createRouteEntry(new Vpc.CreateRouteEntryRequest({ regionId: "cn-hangzhou", routeTableId: v3.routeTableId, destinationCidrBlock: "192.168.10.0/24", nextHopType: "RouterInterface", nextHopId: va }));
  });
});
