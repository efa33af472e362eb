/** CreateRouteTable, DescribeRouteTables, DeleteRouteTable, ModifyRouteTableAttribute, ReplaceRouteTableAssociation. */
import type { RouteTable } from "../../../domain/resources.ts";
import { Params, paging } from "../params.ts";
import { routeTableShape } from "../shapes.ts";
import { type ActionDef, type Ctx, NAME, exclusive, flagCriterion, tagSearch, window } from "./common.ts";

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
      const hop = f.get("next-hop-type");
      if (!hop) {
        // Counted and windowed by the store (OwnedRepo.search).
        const found = await ctx.services.routeTables.search(ctx.actor, search, paging(p));
        return { TotalCount: found.total, RouteTableSet: await Promise.all(found.items.map((t) => tableView(ctx, t))) };
      }
      // next-hop-type is a property of a table's routes: tested here, on the tables SQL narrowed the set to.
      const { total, items } = await ctx.services.routeTables.search(ctx.actor, search, { offset: 0, limit: Number.MAX_SAFE_INTEGER });
      let views = await Promise.all(items.slice(0, total).map((t) => tableView(ctx, t)));
      views = views.filter((v) => v.RouteSet.some((r) => hop.includes(r.GatewayType)));
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
