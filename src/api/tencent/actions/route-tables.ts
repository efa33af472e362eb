/** CreateRouteTable, DescribeRouteTables, DeleteRouteTable, ModifyRouteTableAttribute, ReplaceRouteTableAssociation. */
import type { RouteTable } from "../../../domain/resources.ts";
import { Params } from "../params.ts";
import { routeTableShape } from "../shapes.ts";
import { type ActionDef, type Ctx, NAME, collect, exclusive, matches, tagsMatch, window } from "./common.ts";

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
      const all = await collect((cursor) => ctx.services.routeTables.list(ctx.actor, {}, { limit: 500, cursor }));
      const hits = all.filter(
        (t) =>
          (!ctx.region || t.region === ctx.region) &&
          (!ids || ids.includes(t.id)) &&
          matches(f, "route-table-id", t.id) &&
          matches(f, "route-table-name", t.name, true) &&
          matches(f, "vpc-id", t.vpcId) &&
          matches(f, "association.main", t.isDefault) &&
          tagsMatch(t.tags, f),
      );
      let views = await Promise.all(hits.map((t) => tableView(ctx, t)));
      const hop = f.get("next-hop-type");
      if (hop) views = views.filter((v) => v.RouteSet.some((r) => hop.includes(r.GatewayType)));
      const w = window(p, views);
      return { TotalCount: w.TotalCount, RouteTableSet: w.items };
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
