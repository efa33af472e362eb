/**
 * VPC 2016-04-28: read one VPC or vSwitch, and change names and descriptions: what the Terraform
 * provider's alicloud_vpc, alicloud_vswitch and alicloud_route_table read and update with.
 */
import { notFound } from "../../../domain/errors.ts";
import { type ActionTable, type Ctx, region } from "../context.ts";
import { badParam } from "../errors.ts";
import { fromAli } from "../ids.ts";
import { Params } from "../params.ts";
import { vSwitchView, vpcActions } from "./vpc.ts";

/** Name and Description of a Modify*Attribute call; at least one of them (or nothing changes). */
function naming(c: Ctx, nameParam: string) {
  return { name: c.p.name(nameParam), description: c.p.description() };
}

/** Parameters the cloud offers on these calls for features this service has not (IPv6). */
function refuseIpv6(c: Ctx): void {
  for (const k of ["EnableIPv6", "EnableIpv6"]) if (c.p.bool(k)) throw badParam(k, "IPv6 is not offered by this service");
  if (c.p.str("CidrBlock")) throw badParam("CidrBlock", "a VPC's CIDR block cannot be changed");
}

export const attributeActions: ActionTable = {
  DescribeVpcAttribute: {
    dryRun: true,
    async run(c) {
      const regionId = region(c)!;
      const vpc = await c.services.vpcs.get(c.actor, c.p.id("VpcId", true));
      // The DescribeVpcs item of this one VPC, so that both show it alike.
      const listed = await vpcActions.DescribeVpcs!.run({ ...c, p: new Params([["RegionId", regionId], ["VpcId", vpc.id]]) });
      const item = (listed.Vpcs as { Vpc: Record<string, unknown>[] }).Vpc[0];
      if (!item) throw notFound("vpc", vpc.id);
      const { RouterTableIds: _tables, ...view } = item;
      return { ...view, ClassicLinkEnabled: false, SupportIpv4Gateway: false, Ipv6CidrBlock: "", Ipv6CidrBlocks: { Ipv6CidrBlock: [] }, AssociatedCens: { AssociatedCen: [] }, CloudResources: { CloudResourceSetType: [] }, DhcpOptionsSetId: "", DhcpOptionsSetStatus: "" };
    },
  },
  ModifyVpcAttribute: {
    async run(c) {
      region(c, false);
      const id = c.p.id("VpcId", true);
      refuseIpv6(c);
      await c.services.vpcs.update(c.actor, id, naming(c, "VpcName"));
      return {};
    },
  },
  DescribeVSwitchAttributes: {
    dryRun: true,
    async run(c) {
      region(c, false);
      const s = await c.services.subnets.get(c.actor, fromAli("vSwitch", c.p.id("VSwitchId", true)));
      const vpc = await c.services.vpcs.get(c.actor, s.vpcId);
      return { ...vSwitchView(s, vpc), CloudResources: { CloudResourceSetType: [] }, Ipv6CidrBlock: "", EnabledIpv6: false, NetworkAclId: "" };
    },
  },
  ModifyVSwitchAttribute: {
    async run(c) {
      region(c, false);
      const id = fromAli("vSwitch", c.p.id("VSwitchId", true));
      for (const k of ["EnableIPv6", "EnableIpv6"]) if (c.p.bool(k)) throw badParam(k, "IPv6 is not offered by this service");
      await c.services.subnets.update(c.actor, id, naming(c, "VSwitchName"));
      return {};
    },
  },
  ModifyRouteTableAttributes: {
    async run(c) {
      region(c);
      const id = fromAli("routeTable", c.p.id("RouteTableId", true));
      await c.services.routeTables.update(c.actor, id, naming(c, "RouteTableName"));
      return {};
    },
  },
};
