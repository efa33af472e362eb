/** VPC 2016-04-28: route entries (NextHopType Instance, RouterInterface or VpcPeer) and VBRs. */
import { DomainError } from "../../../domain/errors.ts";
import type { Route, RouteTarget, RouteTargetType, Vbr } from "../../../domain/resources.ts";
import { type ActionTable, type Ctx, listAll, ownerId, region, tagList, tagSearch, windowOf } from "../context.ts";
import { AliyunError, badParam, systemRouteEntry } from "../errors.ts";
import { type AliKind, aliText, fromAli, fromAliOpt, toAli } from "../ids.ts";
import { NEXT_HOP_OUT, instanceHopError, nextHopType } from "../next-hops.ts";
import { aliTime } from "../params.ts";


/** The id kind of each next hop type, for its id's Alibaba prefix. */
const HOP_KIND: Record<RouteTargetType, AliKind> = { local: "vpc", "router-interface": "routerInterface", peering: "peering", vbr: "vbr", instance: "instance" };
const hopIn = (type: RouteTargetType, id: string) => fromAli(HOP_KIND[type], id);
const hopOut = (type: RouteTargetType, id: string) => toAli(HOP_KIND[type], id);

/** A bare IP is a /32, as Alibaba treats it. */
const destination = (text: string) => (text.includes("/") ? text : `${text}/32`);

function target(c: Ctx): RouteTarget {
  if (c.p.has("NextHopList.1.NextHopId")) throw badParam("NextHopList", "ECMP next hop lists are not supported; give NextHopType and NextHopId");
  const ours = nextHopType(c.p.str("NextHopType") || "Instance");
  return { type: ours, id: hopIn(ours, c.p.id("NextHopId", true)) };
}

/** The system (local) entry of a table has no id of its own: `vtb-X-local`. */
const systemEntryId = (tableId: string) => `${toAli("routeTable", tableId)}-local`;

export function entryView(r: Route) {
  const hop = { NextHopType: NEXT_HOP_OUT[r.target.type], NextHopId: hopOut(r.target.type, r.target.id), Enabled: 1, Weight: 0, NextHopRegionId: "" };
  const system = r.origin === "system";
  return {
    RouteEntryId: system ? systemEntryId(r.routeTableId) : toAli("routeEntry", r.id),
    RouteTableId: toAli("routeTable", r.routeTableId),
    RouteEntryName: "",
    DestinationCidrBlock: r.destinationCidr,
    Type: system ? "System" : "Custom",
    Status: r.state === "active" ? "Available" : "Invalid",
    Description: r.description,
    IpVersion: "ipv4",
    Origin: system ? "System" : "Custom",
    GmtModified: aliTime(r.createdAt),
    NextHops: { NextHop: system ? [] : [hop] },
  };
}

async function allRoutes(c: Ctx, tableId: string | undefined): Promise<Route[]> {
  if (tableId) return c.services.routeTables.routes(c.actor, tableId);
  const out: Route[] = [];
  for (const t of await listAll((o) => c.services.routeTables.list(c.actor, {}, o))) out.push(...(await c.services.routeTables.routes(c.actor, t.id)));
  return out;
}

function vbrView(v: Vbr) {
  return {
    VbrId: v.id,
    Name: v.name,
    Description: v.description,
    Status: v.state,
    Type: "pconnVBR",
    CreationTime: aliTime(v.createdAt),
    ActivationTime: aliTime(v.createdAt),
    AccessPointId: `ap-${v.region}-vpcpeer`,
    RouteTableId: "",
    VlanId: 0,
    ResourceGroupId: "rg-default",
    OwnerId: ownerId(v.accountId),
    Tags: { Tags: tagList(v.tags) },
  };
}

export const routeActions: ActionTable = {
  CreateRouteEntry: {
    idempotent: true,
    dryRun: true,
    async run(c) {
      const tableId = fromAli("routeTable", c.p.id("RouteTableId", true));
      const dest = destination(c.p.req("DestinationCidrBlock").slice(0, 64));
      const t = target(c);
      const name = c.p.name("RouteEntryName");
      const description = c.p.description();
      const route = await c.services.routeTables.addRoute(c.actor, tableId, { destinationCidr: dest, target: t, description: description ?? name }).catch((e: unknown) => {
        throw instanceHopError(e);
      });
      return { RouteEntryId: toAli("routeEntry", route.id) };
    },
  },
  DeleteRouteEntry: {
    dryRun: true,
    async run(c) {
      const tableId = fromAliOpt("routeTable", c.p.id("RouteTableId"));
      const entryId = c.p.id("RouteEntryId");
      const dest = c.p.str("DestinationCidrBlock");
      const hop = c.p.id("NextHopId");
      if (!entryId && !(tableId && dest)) throw new AliyunError("MissingParameter", 400, 'Give RouteEntryId, or RouteTableId with DestinationCidrBlock.');
      const ourEntry = entryId && fromAli("routeEntry", entryId);
      const routes = await allRoutes(c, tableId);
      const route = routes.find((r) =>
        entryId ? (r.origin === "system" ? systemEntryId(r.routeTableId) === entryId : r.id === ourEntry) : r.destinationCidr === destination(dest!) && (!hop || hopOut(r.target.type, r.target.id) === aliText(hop)),
      );
      if (!route) throw new DomainError("RouteNotFound", `route entry ${entryId ?? dest} does not exist`, {});
      if (route.origin === "system") throw systemRouteEntry();
      await c.services.routeTables.deleteRoute(c.actor, route.routeTableId, route.id);
      return {};
    },
  },
  DescribeRouteEntryList: {
    async run(c) {
      region(c, false);
      const tableId = fromAli("routeTable", c.p.id("RouteTableId", true));
      const entryId = fromAliOpt("routeEntry", c.p.id("RouteEntryId"));
      const dest = c.p.str("DestinationCidrBlock");
      const hopType = c.p.str("NextHopType");
      const hop = c.p.id("NextHopId");
      const type = c.p.oneOf("RouteEntryType", ["System", "Custom", "BGP"] as const);
      const max = c.p.int("MaxResult", 20, 100) ?? 50;
      const token = c.p.str("NextToken");
      if (token !== undefined && token !== "" && !/^\d{1,9}$/.test(token)) throw badParam("NextToken", "not a token returned by this API");
      const start = token ? Number(token) : 0;
      const views = (await c.services.routeTables.routes(c.actor, tableId)).map(entryView).filter(
        (e) =>
          (!entryId || e.RouteEntryId === toAli("routeEntry", entryId)) &&
          (!dest || e.DestinationCidrBlock === destination(dest)) &&
          (!type || e.Type === type) &&
          (!hopType || e.NextHops.NextHop.some((h) => h.NextHopType === hopType)) &&
          (!hop || e.NextHops.NextHop.some((h) => h.NextHopId === aliText(hop))),
      );
      const page = views.slice(start, start + max);
      return { TotalCount: views.length, NextToken: start + max < views.length ? String(start + max) : "", RouteEntrys: { RouteEntry: page } };
    },
  },
  DescribeVirtualBorderRouters: {
    async run(c) {
      const regionId = region(c, false);
      const filters = c.p.filters("Filter", ["VbrId", "Status", "Name"]);
      const page = c.p.page(50);
      // Counted and windowed by the store (OwnedRepo.search): each filter names a column.
      const { window, answer } = windowOf(page);
      const columns = { region: regionId === undefined ? undefined : [regionId], id: filters.get("VbrId"), state: filters.get("Status"), name: filters.get("Name") };
      const found = await c.services.vbrs.search(c.actor, { columns, tags: tagSearch(c.p.tags("Tags")) }, window);
      return { ...answer(found.total), VirtualBorderRouterSet: { VirtualBorderRouterType: found.items.map(vbrView) } };
    },
  },
};
