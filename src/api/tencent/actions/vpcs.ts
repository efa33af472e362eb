/** CreateVpc, DescribeVpcs, ModifyVpcAttribute, DeleteVpc. */
import { vpcCidr } from "../cidr-rules.ts";
import { Params } from "../params.ts";
import { vpcShape } from "../shapes.ts";
import { type ActionDef, NAME, PAGING, collect, exclusive, matches, requireRegion, tagsMatch, window } from "./common.ts";

/** VPC options vpcpeer has no counterpart for: checked for type, then ignored (see docs/dialects.md). */
const VPC_OPTIONS = ["EnableMulticast", "DnsServers", "DomainName", "EnableRouteVpcPublish", "EnableRouteVpcPublishIpv6", "EnableCdcPublish"] as const;

function checkVpcOptions(p: Params): void {
  p.bool("EnableMulticast");
  p.bool("EnableRouteVpcPublish");
  p.bool("EnableRouteVpcPublishIpv6");
  p.bool("EnableCdcPublish");
  p.strs("DnsServers", 4, { max: 64 });
  p.str("DomainName", false, { max: 60 });
}

export const vpcActions: Record<string, ActionDef> = {
  CreateVpc: {
    async handler(ctx, raw) {
      const p = Params.of(raw, ["VpcName", "CidrBlock", "Tags", ...VPC_OPTIONS.filter((o) => o !== "EnableCdcPublish")]);
      const name = p.str("VpcName", true, NAME);
      const cidr = vpcCidr(p);
      checkVpcOptions(p);
      const tags = p.tags();
      const vpc = await ctx.services.vpcs.create(ctx.actor, { name, cidr, region: requireRegion(ctx), tags });
      return { Vpc: vpcShape(vpc) };
    },
  },
  DescribeVpcs: {
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
  ModifyVpcAttribute: {
    async handler(ctx, raw) {
      const p = Params.of(raw, ["VpcId", "VpcName", ...VPC_OPTIONS]);
      const id = p.id("VpcId", "vpc", true);
      const name = p.str("VpcName", false, NAME);
      checkVpcOptions(p);
      await ctx.services.vpcs.update(ctx.actor, id, { name });
      return {};
    },
  },
  DeleteVpc: {
    async handler(ctx, raw) {
      const p = Params.of(raw, ["VpcId"]);
      await ctx.services.vpcs.delete(ctx.actor, p.id("VpcId", "vpc", true));
      return {};
    },
  },
};
