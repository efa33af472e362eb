/** CreateRouteTable, DescribeRouteTables, DeleteRouteTable, ModifyRouteTableAttribute, ReplaceRouteTableAssociation. */
import type { RouteTable, RouteTargetType } from "../../../domain/resources.ts";
import { Params, paging } from "../params.ts";
import { GATEWAY_TYPE_OF, routeTableShape } from "../shapes.ts";
import { type ActionDef, type Ctx, NAME, exclusive, flagCriterion, tagSearch } from "./common.ts";

/** A table in Tencent shape, with its routes and associated subnets. */
export async function tableView(ctx: Ctx, t: RouteTable) {
  const [routes, subnets] = await Promise.all([ctx.services.routeTables.routes(ctx.actor, t.id), ctx.services.routeTables.associations(ctx.actor, t.id)]);
  return routeTableShape(t, routes, subnets);
}

export const routeTableActions: Record<string, ActionDef> = {
  CreateRouteTable: {
    async handler(ctx, raw) {
      const p = Params.of(raw, ["VpcId", "RouteTableName", "Tags"]);
      const vpcId = p.id("VpcId", "vpc", true);
      const name = p.str("RouteTableName", true, NAME);
      const t = await ctx.services.routeTables.create(ctx.actor, { vpcId, name, tags: p.tags() });
      return { RouteTable: await tableView(ctx, t) };
    },
  },
  DescribeRouteTables: {
    async handler(ctx, raw) {
      const p = Params.of(raw, ["RouteTableIds", "Filters", "Offset", "Limit", "NeedRouterInfo"]);
      exclusive(p, "RouteTableIds");
      p.bool("NeedRouterInfo");
      const ids = p.ids("RouteTableIds", "rtb");
      const f = p.filters(["route-table-id", "route-table-name", "vpc-id", "association.main", "next-hop-type", "tag-key", "tag:"]);
      const main = f.get("association.main");
      const search = {
        columns: {
          region: ctx.region ? [ctx.region] : undefined,
          id: ids ?? f.get("route-table-id"),
          vpc_id: f.get("vpc-id"),
          is_default: main && flagCriterion(main),
        },
        nameContains: f.get("route-table-name"),
        tags: tagSearch(f),
      };
      // next-hop-type: the tables holding a route of one of those gateway types, a criterion of the
      // same SQL; every table lists the local route, so LOCAL leaves them all.
      const hop = f.get("next-hop-type");
      const types = (Object.entries(GATEWAY_TYPE_OF) as [RouteTargetType, string][]).filter(([, gateway]) => hop?.includes(gateway)).map(([type]) => type);
      const found = await ctx.services.routeTables.search(ctx.actor, { ...search, routeTargetTypes: hop === undefined || types.includes("local") ? undefined : types }, paging(p));
      return { TotalCount: found.total, RouteTableSet: await Promise.all(found.items.map((t) => tableView(ctx, t))) };
    },
  },
  DeleteRouteTable: {
    async handler(ctx, raw) {
      const p = Params.of(raw, ["RouteTableId"]);
      await ctx.services.routeTables.delete(ctx.actor, p.id("RouteTableId", "rtb", true));
      return {};
    },
  },
  ModifyRouteTableAttribute: {
    async handler(ctx, raw) {
      const p = Params.of(raw, ["RouteTableId", "RouteTableName"]);
      const id = p.id("RouteTableId", "rtb", true);
      await ctx.services.routeTables.update(ctx.actor, id, { name: p.str("RouteTableName", true, NAME) });
      return {};
    },
  },
  ReplaceRouteTableAssociation: {
    async handler(ctx, raw) {
      const p = Params.of(raw, ["SubnetId", "RouteTableId"]);
      const subnetId = p.id("SubnetId", "subnet", true);
      const routeTableId = p.id("RouteTableId", "rtb", true);
      await ctx.services.subnets.setRouteTable(ctx.actor, subnetId, routeTableId);
      return {};
    },
  },
};
