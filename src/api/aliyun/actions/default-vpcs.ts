/**
 * VPC 2016-04-28 CreateDefaultVpc and CreateDefaultVSwitch (#20): the account's default VPC of a
 * region and a zone's default vSwitch, made by the service (DefaultVpcService). As in Alibaba
 * Cloud, CreateDefaultVpc makes the VPC alone (with its vRouter and system route table) and each
 * zone's default vSwitch is asked for with CreateDefaultVSwitch; neither counts in the quotas.
 * The refusals (one default VPC per region, one default vSwitch per zone, no default VPC yet) are
 * mapped in errors.ts.
 */
import { type ActionTable, type Ctx, region } from "../context.ts";
import { badParam } from "../errors.ts";
import { toAli, vRouterIdOf } from "../ids.ts";
import { RESOURCE_GROUP } from "./vpc.ts";

/** IPv6 parameters the cloud offers on these calls: vpcpeer has no IPv6, so asking for it is refused, never ignored. */
function refuseIpv6(c: Ctx, block: "Ipv6CidrBlock"): void {
  if (c.p.bool("EnableIpv6")) throw badParam("EnableIpv6", "IPv6 is not offered by this service");
  if (c.p.str(block)) throw badParam(block, "IPv6 is not offered by this service");
}

export const defaultVpcActions: ActionTable = {
  CreateDefaultVpc: {
    idempotent: true,
    async run(c) {
      const regionId = region(c)!;
      refuseIpv6(c, "Ipv6CidrBlock");
      // No default group preset of its own: the same as CreateVpc (the server's defaultSecurityGroup).
      const { vpc } = await c.services.defaultVpcs.createDefaultVpc(c.actor, regionId, { withSubnets: false });
      return { VpcId: vpc.id, VRouterId: vRouterIdOf(vpc.id), RouteTableId: toAli("routeTable", vpc.defaultRouteTableId), ResourceGroupId: RESOURCE_GROUP };
    },
  },
  CreateDefaultVSwitch: {
    idempotent: true,
    async run(c) {
      const regionId = region(c)!;
      const zone = c.p.req("ZoneId").slice(0, 64);
      refuseIpv6(c, "Ipv6CidrBlock");
      const s = await c.services.defaultVpcs.createDefaultSubnet(c.actor, regionId, zone);
      return { VSwitchId: toAli("vSwitch", s.id) };
    },
  },
};
