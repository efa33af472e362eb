/** CreateSubnet, DescribeSubnets (Offset/Limit or NextToken/MaxResults), ModifySubnetAttribute, DeleteSubnet. */
import { subnetCidr } from "../cidr-rules.ts";
import { TencentError, invalidValue } from "../errors.ts";
import { Params, paging } from "../params.ts";
import { subnetShape } from "../shapes.ts";
import { type ActionDef, NAME, PAGING, exclusive, flagCriterion, matches, tagSearch } from "./common.ts";

/** NextToken: the position of the next page, opaque to clients. */
const encodeToken = (offset: number) => Buffer.from(`subnets:${offset}`).toString("base64url");

function decodeToken(p: Params): number {
  const token = p.str("NextToken", false, { max: 128 });
  if (token === undefined || token === "") return 0;
  const m = /^subnets:(\d{1,9})$/.exec(Buffer.from(token, "base64url").toString("latin1"));
  if (!m || !/^[A-Za-z0-9_-]+$/.test(token)) throw invalidValue(p.name("NextToken"), "not a NextToken this action returned.", "InvalidParameterValue.Malformed");
  return Number(m[1]);
}

/** The window asked for: by Offset/Limit, or by NextToken/MaxResults (the token holds the next offset). */
function windowOf(p: Params): { offset: number; limit: number; tokens: boolean } {
  const tokens = p.has("NextToken") || p.has("MaxResults");
  if (tokens && (p.has("Offset") || p.has("Limit"))) {
    throw new TencentError("InvalidParameter.Coexist", "The parameters `NextToken`/`MaxResults` and `Offset`/`Limit` cannot be specified at the same time.");
  }
  if (!tokens) return { ...paging(p), tokens };
  return { offset: decodeToken(p), limit: p.int("MaxResults", false, { min: 1, max: 100 }) ?? 20, tokens };
}

export const subnetActions: Record<string, ActionDef> = {
  CreateSubnet: {
    async handler(ctx, raw) {
      const p = Params.of(raw, ["VpcId", "SubnetName", "CidrBlock", "Zone", "Tags", "CdcId"]);
      const vpcId = p.id("VpcId", "vpc", true);
      const name = p.str("SubnetName", true, NAME);
      const cidr = subnetCidr(p);
      const zone = p.str("Zone", true, { max: 64 });
      p.str("CdcId", false, { max: 64 });
      const subnet = await ctx.services.subnets.create(ctx.actor, { vpcId, name, cidr, zone, tags: p.tags() });
      return { Subnet: subnetShape(subnet) };
    },
  },
  DescribeSubnets: {
    async handler(ctx, raw) {
      const p = Params.of(raw, ["SubnetIds", "Filters", ...PAGING, "NextToken", "MaxResults"]);
      exclusive(p, "SubnetIds");
      const ids = p.ids("SubnetIds", "subnet");
      const f = p.filters(["subnet-id", "vpc-id", "cidr-block", "is-default", "is-remote-vpc-snat", "subnet-name", "zone", "route-table-id", "cdc-id", "tag-key", "tag:"]);
      const w = windowOf(p);
      // Counted and windowed by the store (OwnedRepo.search); the constant filters are decided here.
      const constants = matches(f, "is-remote-vpc-snat", false) && matches(f, "cdc-id", "");
      const isDefault = f.get("is-default");
      const columns = {
        region: ctx.region ? [ctx.region] : undefined,
        id: ids ?? f.get("subnet-id"),
        vpc_id: f.get("vpc-id"),
        cidr: f.get("cidr-block"),
        zone: f.get("zone"),
        route_table_id: f.get("route-table-id"),
        is_default: isDefault && flagCriterion(isDefault),
      };
      const found = constants ? await ctx.services.subnets.search(ctx.actor, { columns, nameContains: f.get("subnet-name"), tags: tagSearch(f) }, w) : { total: 0, items: [] };
      const end = w.offset + w.limit;
      return { TotalCount: found.total, SubnetSet: found.items.map(subnetShape), ...(w.tokens && end < found.total ? { NextToken: encodeToken(end) } : {}) };
    },
  },
  ModifySubnetAttribute: {
    async handler(ctx, raw) {
      const p = Params.of(raw, ["SubnetId", "SubnetName", "EnableBroadcast"]);
      const id = p.id("SubnetId", "subnet", true);
      const name = p.str("SubnetName", false, NAME);
      p.bool("EnableBroadcast");
      await ctx.services.subnets.update(ctx.actor, id, { name });
      return {};
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
