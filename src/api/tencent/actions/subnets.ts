/** CreateSubnet, DescribeSubnets (Offset/Limit or NextToken/MaxResults), ModifySubnetAttribute, DeleteSubnet. */
import { subnetCidr } from "../cidr-rules.ts";
import { TencentError, invalidValue } from "../errors.ts";
import { Params } from "../params.ts";
import { subnetShape } from "../shapes.ts";
import { type ActionDef, NAME, PAGING, collect, exclusive, matches, tagsMatch, window } from "./common.ts";

/** NextToken: the position of the next page, opaque to clients. */
const encodeToken = (offset: number) => Buffer.from(`subnets:${offset}`).toString("base64url");

function decodeToken(p: Params): number {
  const token = p.str("NextToken", false, { max: 128 });
  if (token === undefined || token === "") return 0;
  const m = /^subnets:(\d{1,9})$/.exec(Buffer.from(token, "base64url").toString("latin1"));
  if (!m || !/^[A-Za-z0-9_-]+$/.test(token)) throw invalidValue(p.name("NextToken"), "not a NextToken this action returned.", "InvalidParameterValue.Malformed");
  return Number(m[1]);
}

/** One page: by Offset/Limit (TotalCount and the window), or by NextToken/MaxResults (plus the next token). */
function page<T>(p: Params, items: T[]): { TotalCount: number; items: T[]; NextToken?: string } {
  const tokens = p.has("NextToken") || p.has("MaxResults");
  if (tokens && (p.has("Offset") || p.has("Limit"))) {
    throw new TencentError("InvalidParameter.Coexist", "The parameters `NextToken`/`MaxResults` and `Offset`/`Limit` cannot be specified at the same time.");
  }
  if (!tokens) return window(p, items);
  const start = decodeToken(p);
  const max = p.int("MaxResults", false, { min: 1, max: 100 }) ?? 20;
  const end = start + max;
  return { TotalCount: items.length, items: items.slice(start, end), ...(end < items.length ? { NextToken: encodeToken(end) } : {}) };
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
      const all = await collect((cursor) => ctx.services.subnets.list(ctx.actor, {}, { limit: 500, cursor }));
      const hits = all.filter(
        (s) =>
          (!ctx.region || s.region === ctx.region) &&
          (!ids || ids.includes(s.id)) &&
          matches(f, "subnet-id", s.id) &&
          matches(f, "vpc-id", s.vpcId) &&
          matches(f, "cidr-block", s.cidr) &&
          matches(f, "is-default", false) &&
          matches(f, "is-remote-vpc-snat", false) &&
          matches(f, "subnet-name", s.name, true) &&
          matches(f, "zone", s.zone) &&
          matches(f, "route-table-id", s.routeTableId) &&
          matches(f, "cdc-id", "") &&
          tagsMatch(s.tags, f),
      );
      const { TotalCount, items, NextToken } = page(p, hits);
      return { TotalCount, SubnetSet: items.map(subnetShape), ...(NextToken ? { NextToken } : {}) };
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
