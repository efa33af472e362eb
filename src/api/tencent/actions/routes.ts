/**
 * CreateRoutes, DeleteRoutes, ReplaceRoutes. Routes are named by Tencent's integer RouteId (a
 * stable number derived from our route id) or by RouteItemId (`rti-` and our id's suffix; our
 * own `rt-…` is taken too). A batch is one
 * transaction: if any of its routes is refused, none of it happens.
 */
import { DomainError } from "../../../domain/errors.ts";
import type { Route } from "../../../domain/resources.ts";
import type { CreateRouteInput } from "../../../service/route-tables.ts";
import { TencentError, missing, toTencentError } from "../errors.ts";
import { gatewayTarget } from "../gateways.ts";
import { Params } from "../params.ts";
import { routeIdOf, routeNumber, routeShape } from "../shapes.ts";
import { type ActionDef, type Ctx, DESCRIPTION_MAX } from "./common.ts";
import { tableView } from "./route-tables.ts";

export const ROUTE_FIELDS = [
  "DestinationCidrBlock",
  "GatewayType",
  "GatewayId",
  "RouteId",
  "RouteDescription",
  "Enabled",
  "RouteType",
  "RouteTableId",
  "DestinationIpv6CidrBlock",
  "RouteItemId",
  "PublishedToVbc",
  "CreatedTime",
  "CdcId",
];
export const MAX_ROUTES = 100;

/** A new route from a Tencent `Route`: PEERCONNECTION or CVM next hops (gateways.ts). */
export function newRoute(r: Params, tableId: string): CreateRouteInput {
  const destinationCidr = r.str("DestinationCidrBlock", true, { max: 43 });
  const target = gatewayTarget(r);
  if (r.str("DestinationIpv6CidrBlock")) throw new TencentError("UnsupportedOperation", `\`${r.name("DestinationIpv6CidrBlock")}\`: IPv6 routes are not supported.`);
  const own = r.id("RouteTableId", "rtb");
  if (own !== undefined && own !== tableId) throw new TencentError("InvalidParameterValue", `\`${r.name("RouteTableId")}\` must be ${tableId} or absent.`);
  r.bool("Enabled");
  r.bool("PublishedToVbc");
  r.str("RouteType", false, { max: 16 });
  r.str("CreatedTime", false, { max: 32 });
  r.str("CdcId", false, { max: 64 });
  return { destinationCidr, target, description: r.str("RouteDescription", false, { max: DESCRIPTION_MAX }) ?? "" };
}

/** The existing user route a Tencent `Route` names by RouteId or RouteItemId. */
export function pick(r: Params, routes: Route[]): Route {
  const given = r.str("RouteItemId", false, { max: 64 });
  const item = given === undefined ? undefined : routeIdOf(given);
  const num = r.int("RouteId", false, { min: 0 });
  if (item === undefined && num === undefined) throw missing(r.name("RouteId"));
  const found = routes.find((x) => (item === undefined || x.id === item) && (num === undefined || routeNumber(x.id) === num));
  const named = num !== undefined ? `RouteId ${num}` : `RouteItemId ${given}`;
  if (!found) throw new TencentError("ResourceNotFound", `${r.name(num !== undefined ? "RouteId" : "RouteItemId")}: no route with ${named} in this route table.`);
  if (found.origin === "system") throw new TencentError("UnsupportedOperation.SystemRoute", `${r.name("RouteId")}: the local route of the VPC cannot be changed.`);
  return found;
}

/** The route change as one transaction; a refused new route is named by its place in `Routes`. */
export async function change(ctx: Ctx, tableId: string, remove: Route[], add: CreateRouteInput[]): Promise<Route[]> {
  try {
    return await ctx.services.routeTables.changeRoutes(ctx.actor, tableId, { remove: remove.map((r) => r.id), add });
  } catch (e) {
    if (e instanceof DomainError && typeof e.details.index === "number") {
      const { code, message } = toTencentError(e, ctx.action);
      throw new TencentError(code, `Routes.${e.details.index}: ${message}`);
    }
    throw e;
  }
}

export const routeActions: Record<string, ActionDef> = {
  CreateRoutes: {
    async handler(ctx, raw) {
      const p = Params.of(raw, ["RouteTableId", "Routes"]);
      const tableId = p.id("RouteTableId", "rtb", true);
      const inputs = p.objects("Routes", ROUTE_FIELDS, true, MAX_ROUTES).map((r) => newRoute(r, tableId));
      const table = await ctx.services.routeTables.get(ctx.actor, tableId);
      const added = await change(ctx, tableId, [], inputs);
      // The table with the routes just made as its RouteSet, in the request's order: the Terraform
      // provider takes RouteSet[0].RouteId of a one-route CreateRoutes as the new entry's id.
      return { TotalCount: 1, RouteTableSet: [{ ...(await tableView(ctx, table)), RouteSet: added.map(routeShape) }] };
    },
  },
  DeleteRoutes: {
    async handler(ctx, raw) {
      const p = Params.of(raw, ["RouteTableId", "Routes"]);
      const tableId = p.id("RouteTableId", "rtb", true);
      const items = p.objects("Routes", ROUTE_FIELDS, true, MAX_ROUTES);
      const routes = await ctx.services.routeTables.routes(ctx.actor, tableId);
      const targets = [...new Map(items.map((r) => pick(r, routes)).map((r) => [r.id, r])).values()];
      await change(ctx, tableId, targets, []);
      return { RouteSet: targets.map(routeShape) };
    },
  },
  ReplaceRoutes: {
    async handler(ctx, raw) {
      const p = Params.of(raw, ["RouteTableId", "Routes"]);
      const tableId = p.id("RouteTableId", "rtb", true);
      const items = p.objects("Routes", ROUTE_FIELDS, true, MAX_ROUTES);
      const routes = await ctx.services.routeTables.routes(ctx.actor, tableId);
      const pairs = items.map((r) => ({ old: pick(r, routes), next: newRoute(r, tableId) }));
      if (new Set(pairs.map((x) => x.old.id)).size !== pairs.length) throw new TencentError("InvalidParameterValue.Duplicate", "Routes: a route is named more than once.");
      const added = await change(
        ctx,
        tableId,
        pairs.map((x) => x.old),
        pairs.map((x) => x.next),
      );
      return { OldRouteSet: pairs.map((x) => routeShape(x.old)), NewRouteSet: added.map(routeShape) };
    },
  },
};
