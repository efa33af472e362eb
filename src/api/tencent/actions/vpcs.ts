/** CreateVpc, DescribeVpcs, DeleteVpc, CreateSubnet, DescribeSubnets, DeleteSubnet. */
import { Params } from "../params.ts";
import { subnetShape, vpcShape } from "../shapes.ts";
import { type ActionDef, NAME_MAX, collect, exclusive, matches, requireRegion, tagsMatch, window } from "./common.ts";

const PAGING = ["Offset", "Limit"];

export const vpcActions: Record<string, ActionDef> = {
  CreateVpc: {
    async handler(ctx, raw) {
      const p = Params.of(raw, ["VpcName", "CidrBlock", "EnableMulticast", "DnsServers", "DomainName", "Tags", "EnableRouteVpcPublish"]);
      const name = p.str("VpcName", true, { max: NAME_MAX });
      const cidr = p.str("CidrBlock", true, { max: 43 });
      p.bool("EnableMulticast");
      p.bool("EnableRouteVpcPublish");
      p.strs("DnsServers", 4, { max: 64 });
      p.str("DomainName", false, { max: 60 });
      const tags = p.tags();
      const vpc = await ctx.services.vpcs.create(ctx.actor, { name, cidr, region: requireRegion(ctx), tags });
      return { Vpc: vpcShape(vpc) };
    },
  },
  DescribeVpcs: {
    readOnly: true,
    async handler(ctx, raw) {
      const p = Params.of(raw, ["VpcIds", "Filters", ...PAGING]);
      exclusive(p, "VpcIds");
      const ids = p.ids("VpcIds", "vpc");
      const f = p.filters(["vpc-name", "is-default", "vpc-id", "cidr-block", "tag-key", "tag:"]);
      const all = await collect((cursor) => ctx.services.vpcs.list(ctx.actor, { region: ctx.region }, { limit: 500, cursor }));
      const hits = all.filter(
        (v) =>
          (!ids || ids.includes(v.id)) &&
          matches(f, "vpc-name", v.name, true) &&
          matches(f, "is-default", false) &&
          matches(f, "vpc-id", v.id) &&
          matches(f, "cidr-block", v.cidr) &&
          tagsMatch(v.tags, f),
      );
      const w = window(p, hits);
      return { TotalCount: w.TotalCount, VpcSet: w.items.map(vpcShape) };
    },
  },
  DeleteVpc: {
    async handler(ctx, raw) {
      const p = Params.of(raw, ["VpcId"]);
      await ctx.services.vpcs.delete(ctx.actor, p.id("VpcId", "vpc", true));
      return {};
    },
  },
  CreateSubnet: {
    async handler(ctx, raw) {
      const p = Params.of(raw, ["VpcId", "SubnetName", "CidrBlock", "Zone", "Tags", "CdcId"]);
      const vpcId = p.id("VpcId", "vpc", true);
      const name = p.str("SubnetName", true, { max: NAME_MAX });
      const cidr = p.str("CidrBlock", true, { max: 43 });
      const zone = p.str("Zone", true, { max: 64 });
      p.str("CdcId", false, { max: 64 });
      const subnet = await ctx.services.subnets.create(ctx.actor, { vpcId, name, cidr, zone, tags: p.tags() });
      return { Subnet: subnetShape(subnet) };
    },
  },
  DescribeSubnets: {
    readOnly: true,
    async handler(ctx, raw) {
      const p = Params.of(raw, ["SubnetIds", "Filters", ...PAGING]);
      exclusive(p, "SubnetIds");
      const ids = p.ids("SubnetIds", "subnet");
      const f = p.filters(["subnet-id", "vpc-id", "cidr-block", "is-default", "subnet-name", "zone", "route-table-id", "tag-key", "tag:"]);
      const all = await collect((cursor) => ctx.services.subnets.list(ctx.actor, {}, { limit: 500, cursor }));
      const hits = all.filter(
        (s) =>
          (!ctx.region || s.region === ctx.region) &&
          (!ids || ids.includes(s.id)) &&
          matches(f, "subnet-id", s.id) &&
          matches(f, "vpc-id", s.vpcId) &&
          matches(f, "cidr-block", s.cidr) &&
          matches(f, "is-default", false) &&
          matches(f, "subnet-name", s.name, true) &&
          matches(f, "zone", s.zone) &&
          matches(f, "route-table-id", s.routeTableId) &&
          tagsMatch(s.tags, f),
      );
      const w = window(p, hits);
      return { TotalCount: w.TotalCount, SubnetSet: w.items.map(subnetShape) };
    },
  },
  DeleteSubnet: {
    async handler(ctx, raw) {
      const p = Params.of(raw, ["SubnetId"]);
      await ctx.services.subnets.delete(ctx.actor, p.id("SubnetId", "subnet", true));
      return {};
    },
  },
};
