/** CreateVpc, CreateDefaultVpc, DescribeVpcs, ModifyVpcAttribute, DeleteVpc. */
import { vpcCidr } from "../cidr-rules.ts";
import { Params, paging } from "../params.ts";
import { vpcShape } from "../shapes.ts";
import { type ActionDef, NAME, PAGING, exclusive, flagCriterion, requireRegion, tagSearch } from "./common.ts";

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
      // Tencent's default security group allows all IPv4 traffic (CreateDefaultSecurityGroup), whatever the server's default.
      const vpc = await ctx.services.vpcs.create(ctx.actor, { name, cidr, region: requireRegion(ctx), tags, defaultSecurityGroup: "open" });
      return { Vpc: vpcShape(vpc) };
    },
  },
  /**
   * CreateDefaultVpc (215/17876): the region's default VPC and its default subnet in `Zone` (the
   * region's first zone when absent), each made when missing, so a second call answers the same
   * pair. The reference makes it depend on the account's network attributes: an account with only
   * VPC (as every vpcpeer account is) gets the default VPC, and `Force` asks for it regardless —
   * so Force is accepted and changes nothing here.
   */
  CreateDefaultVpc: {
    async handler(ctx, raw) {
      const p = Params.of(raw, ["Zone", "Force"]);
      const zone = p.str("Zone", false, { max: 64 });
      p.bool("Force");
      // Tencent's default security group allows all IPv4 traffic, as for CreateVpc.
      const { vpc, subnet } = await ctx.services.defaultVpcs.ensureDefault(ctx.actor, requireRegion(ctx), zone || undefined, { defaultSecurityGroup: "open" });
      return { Vpc: { VpcId: vpc.id, SubnetId: subnet.id, VpcName: vpc.name, SubnetName: subnet.name, CidrBlock: subnet.cidr } };
    },
  },
  DescribeVpcs: {
    async handler(ctx, raw) {
      const p = Params.of(raw, ["VpcIds", "Filters", ...PAGING]);
      exclusive(p, "VpcIds");
      const ids = p.ids("VpcIds", "vpc");
      const f = p.filters(["vpc-name", "is-default", "vpc-id", "cidr-block", "tag-key", "tag:"]);
      const w = paging(p);
      // Counted and windowed by the store (OwnedRepo.search): every filter is a criterion of its SQL.
      const isDefault = f.get("is-default");
      const columns = { region: ctx.region ? [ctx.region] : undefined, id: ids ?? f.get("vpc-id"), cidr: f.get("cidr-block"), is_default: isDefault && flagCriterion(isDefault) };
      const found = await ctx.services.vpcs.search(ctx.actor, { columns, nameContains: f.get("vpc-name"), tags: tagSearch(f) }, w);
      return { TotalCount: found.total, VpcSet: found.items.map(vpcShape) };
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
