/**
 * VPC 2016-04-28 DescribeRouteTables: the older list of route tables with their entries inline,
 * which the Terraform provider's alicloud_route_entry reads (an entry's next hop is its
 * `InstanceId`, whatever the next hop's type).
 */
import { notFound } from "../../../domain/errors.ts";
import { type ActionTable, one, region, windowOf } from "../context.ts";
import { fromAliOpt, toAli, vRouterIdOf } from "../ids.ts";
import { aliTime } from "../params.ts";
import { entryView } from "./routes.ts";
import { RESOURCE_GROUP } from "./vpc.ts";

export const routeTableListActions: ActionTable = {
  DescribeRouteTables: {
    async run(c) {
      region(c);
      const tableId = fromAliOpt("routeTable", c.p.id("RouteTableId"));
      const vRouter = fromAliOpt("vRouter", c.p.id("VRouterId")) ?? fromAliOpt("vRouter", c.p.id("RouterId"));
      const routerType = c.p.oneOf("RouterType", ["VRouter", "VBR"] as const);
      const name = c.p.text("RouteTableName", 128);
      const type = c.p.oneOf("Type", ["System", "Custom"] as const);
      const page = c.p.page(50);
      if (routerType === "VBR") return { PageNumber: page.number, PageSize: page.size, TotalCount: 0, RouteTables: { RouteTable: [] } };
      // A table named by id must be the caller's (NotFound otherwise); the rest is counted and windowed by the store.
      if (tableId) await c.services.routeTables.get(c.actor, tableId);
      const columns = { id: one(tableId), vpc_id: one(vRouter), name: one(name), is_default: type && [type === "System" ? "1" : "0"] };
      const { window, answer } = windowOf(page);
      const found = await c.services.routeTables.search(c.actor, { columns }, window);
      if (tableId && found.total === 0) throw notFound("route-table", tableId);
      const items = [];
      for (const t of found.items) {
        const entries = (await c.services.routeTables.routes(c.actor, t.id)).map(entryView).map((e) => {
          const hop = e.NextHops.NextHop[0];
          return { ...e, InstanceId: hop?.NextHopId ?? "", NextHopType: hop?.NextHopType ?? "local" };
        });
        items.push({
          RouteTableId: toAli("routeTable", t.id),
          RouteTableType: t.isDefault ? "System" : "Custom",
          VRouterId: vRouterIdOf(t.vpcId),
          CreationTime: aliTime(t.createdAt),
          ResourceGroupId: RESOURCE_GROUP,
          RouteEntrys: { RouteEntry: entries },
        });
      }
      return { ...answer(found.total), RouteTables: { RouteTable: items } };
    },
  },
};
