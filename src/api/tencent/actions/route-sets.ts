/**
 * ResetRoutes (rename a table and replace all of its user routes, in one transaction for the
 * routes), EnableRoutes and DisableRoutes (routes named by RouteIds or RouteItemIds). Routes here
 * carry traffic whenever their next hop does, so they are always enabled: EnableRoutes checks the
 * routes exist, and DisableRoutes is refused.
 */
import type { Route } from "../../../domain/resources.ts";
import { TencentError, missing } from "../errors.ts";
import { Params } from "../params.ts";
import { routeIdOf, routeItemId, routeNumber } from "../shapes.ts";
import { type ActionDef, type Ctx, NAME } from "./common.ts";
import { MAX_ROUTES, ROUTE_FIELDS, change, newRoute } from "./routes.ts";

/** The routes of the table that RouteIds and RouteItemIds name; every one must exist. */
async function named(ctx: Ctx, raw: Record<string, unknown>): Promise<{ tableId: string; routes: Route[] }> {
  const p = Params.of(raw, ["RouteTableId", "RouteIds", "RouteItemIds"]);
  const tableId = p.id("RouteTableId", "rtb", true);
  const numbers = p.ints("RouteIds", MAX_ROUTES, { min: 0 }) ?? [];
  const items = p.strs("RouteItemIds", MAX_ROUTES, { max: 64 }) ?? [];
  if (numbers.length === 0 && items.length === 0) throw missing("RouteIds");
  const routes = await ctx.services.routeTables.routes(ctx.actor, tableId);
  const found = (test: (r: Route) => boolean, param: string, given: string | number) => {
    const r = routes.find(test);
    if (!r) throw new TencentError("ResourceNotFound", `${param}: no route ${given} in route table ${tableId}.`);
    return r;
  };
  return {
    tableId,
    routes: [
      ...numbers.map((n, i) => found((r) => routeNumber(r.id) === n, `RouteIds.${i}`, n)),
      ...items.map((item, i) => found((r) => r.id === routeIdOf(item), `RouteItemIds.${i}`, item)),
    ],
  };
}

export const routeSetActions: Record<string, ActionDef> = {
  ResetRoutes: {
    async handler(ctx, raw) {
      const p = Params.of(raw, ["RouteTableId", "RouteTableName", "Routes"]);
      const tableId = p.id("RouteTableId", "rtb", true);
      const name = p.str("RouteTableName", true, NAME);
      const inputs = p.objects("Routes", ROUTE_FIELDS, true, MAX_ROUTES).map((r) => newRoute(r, tableId));
      const routes = await ctx.services.routeTables.routes(ctx.actor, tableId);
      await change(ctx, tableId, routes.filter((r) => r.origin === "user"), inputs);
      await ctx.services.routeTables.update(ctx.actor, tableId, { name });
      return {};
    },
  },
  EnableRoutes: {
    async handler(ctx, raw) {
      await named(ctx, raw);
      return {};
    },
  },
  DisableRoutes: {
    async handler(ctx, raw) {
      const { routes } = await named(ctx, raw);
      throw new TencentError("UnsupportedOperation", `Routes cannot be disabled here (${routeItemId(routes[0]!.id)}): a route carries traffic whenever its next hop does. Delete it instead (DeleteRoutes).`);
    },
  },
};
