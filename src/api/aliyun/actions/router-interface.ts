/**
 * VPC 2016-04-28 router interfaces (Express Connect "interconnect two VPCs"): both ends created,
 * each told of its peer with ModifyRouterInterfaceAttribute, connected from the initiator.
 */
import { type ChargeType, ROUTER_INTERFACE_SPECS } from "../../../domain/billing.ts";
import type { Peering, RouterInterface } from "../../../domain/resources.ts";
import { routerInterfaceStatus } from "../../../domain/transition.ts";
import type { OwnedSearch } from "../../../store/repos/index.ts";
import { type ActionTable, type Ctx, accountParam, region, tagList, tagSearch, windowOf } from "../context.ts";
import { badParam } from "../errors.ts";
import { aliTime, paged } from "../params.ts";
import { aliRouterId, aliRouterType, fromAli, ourRouter } from "../ids.ts";

const ROUTER_TYPES = ["VRouter", "VBR"] as const;
const NO_EXPIRY = "2999-09-08T16:00:00Z";

/** PrePaid: Period months (PricingCycle Month 1–9) or years (Year 1–3); PostPaid ignores both. */
function billing(c: Ctx): { chargeType: ChargeType; period?: number; autoRenew?: boolean } {
  const type = c.p.oneOf("InstanceChargeType", ["PrePaid", "PostPaid"] as const) ?? "PostPaid";
  const cycle = c.p.oneOf("PricingCycle", ["Month", "Year"] as const) ?? "Month";
  const period = c.p.int("Period", 1, cycle === "Month" ? 9 : 3);
  const autoRenew = c.p.bool("AutoRenew");
  c.p.bool("AutoPay");
  if (type === "PostPaid") return { chargeType: "pay-as-you-go", autoRenew: false };
  if (period === undefined) throw badParam("Period", "a PrePaid router interface needs a Period");
  return { chargeType: "subscription", period: cycle === "Year" ? period * 12 : period, autoRenew: autoRenew ?? false };
}

const riId = (c: Ctx, name = "RouterInterfaceId") => c.p.id(name, true);

async function peeringOf(c: Ctx, ri: RouterInterface): Promise<Peering | null> {
  return ri.peeringId ? c.services.peerings.get(c.actor, ri.peeringId).catch(() => null) : null;
}

async function view(c: Ctx, ri: RouterInterface) {
  const p = await peeringOf(c, ri);
  const connected = p !== null;
  const specOfPeer = ri.role === "initiator" ? "Negative" : connected ? (p.bandwidthMbps === null ? "" : specFor(p.bandwidthMbps)) : "";
  return {
    RouterInterfaceId: ri.id,
    Name: ri.name,
    Description: ri.description,
    RouterId: aliRouterId(ri.routerType, ri.routerId),
    RouterType: aliRouterType(ri.routerType),
    Role: ri.role === "initiator" ? "InitiatingSide" : "AcceptingSide",
    Spec: ri.spec ?? "Negative",
    Bandwidth: ri.role === "initiator" ? (ri.bandwidthMbps ?? 0) : 0,
    // Connecting, Activating, Deactivating while the network has not caught up (domain/transition.ts).
    Status: routerInterfaceStatus(ri.status, ri.role, p?.transition ?? null),
    BusinessStatus: p?.state === "suspended" ? "FinancialLocked" : "Normal",
    ChargeType: ri.chargeType === "subscription" ? "PrePaid" : "AfterPay",
    CreationTime: aliTime(ri.createdAt),
    ConnectedTime: connected ? aliTime(p.createdAt) : "",
    EndTime: ri.chargeType === "subscription" && p?.termEndsAt ? aliTime(p.termEndsAt) : NO_EXPIRY,
    VpcInstanceId: ri.routerType === "vpc" ? ri.routerId : "",
    AccessPointId: "",
    OppositeInterfaceId: ri.opposite.interfaceId ?? "",
    OppositeRouterId: ri.opposite.routerId ? aliRouterId(ri.opposite.routerType, ri.opposite.routerId) : "",
    OppositeRouterType: aliRouterType(ri.opposite.routerType),
    OppositeRegionId: ri.opposite.region,
    OppositeInterfaceOwnerId: ri.opposite.accountId,
    OppositeInterfaceStatus: connected ? routerInterfaceStatus(ri.status, ri.role === "initiator" ? "acceptor" : "initiator", p.transition ?? null) : "",
    OppositeInterfaceSpec: specOfPeer,
    OppositeBandwidth: ri.role === "acceptor" && connected ? (p.bandwidthMbps ?? 0) : 0,
    OppositeInterfaceBusinessStatus: "Normal",
    OppositeVpcInstanceId: ri.opposite.routerType === "vpc" ? ri.opposite.routerId : "",
    OppositeAccessPointId: "",
    CrossBorder: false,
    FastLinkMode: false,
    HasReservationData: "false",
    HcRate: 0,
    HcThreshold: 0,
    HealthCheckSourceIp: "",
    HealthCheckTargetIp: "",
    Ipv6Status: "",
    ResourceGroupId: "rg-default",
    ReservationActiveTime: "",
    ReservationBandwidth: "",
    ReservationInternetChargeType: "",
    ReservationOrderType: "",
    Tags: { Tags: tagList(ri.tags) },
  };
}

/** The Spec name of a bandwidth (empty when it is not one of the ladder's steps). */
function specFor(mbps: number): string {
  return Object.entries(ROUTER_INTERFACE_SPECS).find(([, m]) => m === mbps)?.[0] ?? "";
}

const FILTER_KEYS = ["RouterInterfaceId", "RouterId", "RouterType", "RouterInterfaceOwnerId", "OppositeInterfaceId", "OppositeRouterType", "OppositeRouterId", "OppositeInterfaceOwnerId", "Status", "Name"] as const;

/** The stored statuses a shown one comes from (routerInterfaceStatus): a transition shows Active or Inactive as another. */
const STORED_STATUS: Record<string, string[]> = { Connecting: ["Active"], AcceptingConnecting: ["Active"], Activating: ["Active"], Deactivating: ["Inactive"] };

/** A router id as given to a filter (vrt-… names a VPC's vRouter) as stored. */
const storedRouterId = (id: string) => (id.startsWith("vrt-") ? fromAli("vRouter", id) : id);
const storedRouterType = (t: string) => (t === "VRouter" ? ["vpc"] : t === "VBR" ? ["vbr"] : []);

/** The Filter.N criteria SQL applies (all but Status), as the store's search. */
function searchOf(filters: Map<string, string[]>, regionId: string | undefined): OwnedSearch {
  const f = (k: (typeof FILTER_KEYS)[number]) => filters.get(k);
  const map = (k: (typeof FILTER_KEYS)[number], to: (v: string) => string[]) => f(k)?.flatMap(to);
  return {
    columns: {
      region: regionId === undefined ? undefined : [regionId],
      id: f("RouterInterfaceId"),
      router_id: map("RouterId", (v) => [storedRouterId(v)]),
      router_type: map("RouterType", storedRouterType),
      account_id: f("RouterInterfaceOwnerId"),
      opposite_interface_id: f("OppositeInterfaceId"),
      opposite_router_type: map("OppositeRouterType", storedRouterType),
      opposite_router_id: map("OppositeRouterId", (v) => [storedRouterId(v)]),
      opposite_account_id: f("OppositeInterfaceOwnerId"),
      name: f("Name"),
    },
  };
}

export const routerInterfaceActions: ActionTable = {
  CreateRouterInterface: {
    idempotent: true,
    async run(c) {
      region(c);
      const role = c.p.oneOf("Role", ["InitiatingSide", "AcceptingSide"] as const) ?? (c.p.req("Role") as never);
      const router = ourRouter(c.p.oneOf("RouterType", ROUTER_TYPES) ?? (c.p.req("RouterType") as never), c.p.id("RouterId", true), "RouterId");
      const spec = c.p.req("Spec").slice(0, 20);
      const oppositeRegion = c.p.req("OppositeRegionId").slice(0, 64);
      const oppositeType = c.p.oneOf("OppositeRouterType", ROUTER_TYPES);
      const oppositeId = c.p.id("OppositeRouterId");
      const opposite = oppositeId ? ourRouter(oppositeType, oppositeId, "OppositeRouterId") : { type: oppositeType === "VBR" ? ("vbr" as const) : ("vpc" as const), id: "" };
      if (c.p.bool("FastLinkMode")) throw badParam("FastLinkMode", "fast link mode is not supported; connect with ConnectRouterInterface");
      const ri = await c.services.routerInterfaces.create(c.actor, {
        role: role === "InitiatingSide" ? "initiator" : "acceptor",
        routerType: router.type,
        routerId: router.id,
        spec,
        ...billing(c),
        opposite: {
          accountId: accountParam(c, "OppositeInterfaceOwnerId"),
          region: oppositeRegion,
          routerType: opposite.type,
          routerId: opposite.id,
          interfaceId: c.p.id("OppositeInterfaceId"),
        },
        name: c.p.name("Name"),
        description: c.p.description(),
        tags: c.p.tags("Tags"),
      });
      return { RouterInterfaceId: ri.id, OrderId: 0 };
    },
  },
  ModifyRouterInterfaceAttribute: {
    async run(c) {
      const id = riId(c);
      const oppositeId = c.p.id("OppositeRouterId");
      const oppositeType = c.p.oneOf("OppositeRouterType", ROUTER_TYPES);
      const owner = accountParam(c, "OppositeInterfaceOwnerId");
      const iface = c.p.id("OppositeInterfaceId");
      let opposite: { accountId?: string; routerType?: "vpc" | "vbr"; routerId?: string; interfaceId?: string } | undefined;
      if (oppositeId || oppositeType || owner || iface) {
        opposite = {};
        if (oppositeId) {
          const r = ourRouter(oppositeType, oppositeId, "OppositeRouterId");
          opposite.routerType = r.type;
          opposite.routerId = r.id;
        } else if (oppositeType) opposite.routerType = oppositeType === "VBR" ? "vbr" : "vpc";
        if (owner) opposite.accountId = owner;
        if (iface) opposite.interfaceId = iface;
      }
      await c.services.routerInterfaces.update(c.actor, id, { name: c.p.name("Name"), description: c.p.description(), opposite });
      return {};
    },
  },
  ConnectRouterInterface: {
    async run(c) {
      await c.services.routerInterfaces.connect(c.actor, riId(c));
      return {};
    },
  },
  ActivateRouterInterface: {
    async run(c) {
      await c.services.routerInterfaces.setActive(c.actor, riId(c), true);
      return {};
    },
  },
  DeactivateRouterInterface: {
    async run(c) {
      await c.services.routerInterfaces.setActive(c.actor, riId(c), false);
      return {};
    },
  },
  ModifyRouterInterfaceSpec: {
    idempotent: true,
    async run(c) {
      const ri = await c.services.routerInterfaces.setSpec(c.actor, riId(c), c.p.req("Spec").slice(0, 20));
      return { Spec: ri.spec };
    },
  },
  DeleteRouterInterface: {
    idempotent: true,
    async run(c) {
      await c.services.routerInterfaces.delete(c.actor, riId(c));
      return {};
    },
  },
  DescribeRouterInterfaceAttribute: {
    async run(c) {
      const ri = await c.services.routerInterfaces.get(c.actor, riId(c, "InstanceId"));
      const v = await view(c, ri);
      return { ...v, FastLinkMode: String(v.FastLinkMode), GmtModified: aliTime(ri.updatedAt), HealthCheckStatus: "", Code: "200", Message: "successful", Success: true };
    },
  },
  DescribeRouterInterfaces: {
    async run(c) {
      const regionId = region(c);
      const filters = c.p.filters("Filter", FILTER_KEYS);
      const page = c.p.page(50);
      c.p.bool("IncludeReservationData");
      const search = { ...searchOf(filters, regionId), tags: tagSearch(c.p.tags("Tags")) };
      const { window, answer } = windowOf(page);
      const statuses = filters.get("Status");
      if (statuses === undefined) {
        // Counted and windowed by the store (OwnedRepo.search): a page reads its own rows.
        const found = await c.services.routerInterfaces.search(c.actor, search, window);
        const views = [];
        for (const ri of found.items) views.push(await view(c, ri));
        return { ...answer(found.total), RouterInterfaceSet: { RouterInterfaceType: views } };
      }
      // The Status shown depends on the connection's transition: the interfaces whose stored
      // status can show as one asked for are read, and the shown one tested (a cost that grows
      // with those matches, not with the account's interfaces).
      const stored = [...new Set(statuses.flatMap((st) => STORED_STATUS[st] ?? [st]))];
      const found = await c.services.routerInterfaces.search(c.actor, { ...search, columns: { ...search.columns, status: stored } }, { offset: 0, limit: Number.MAX_SAFE_INTEGER });
      const views = [];
      for (const ri of found.items) {
        const v = await view(c, ri);
        if (statuses.includes(v.Status)) views.push(v);
      }
      const slice = paged(views, page);
      return { PageNumber: slice.PageNumber, PageSize: slice.PageSize, TotalCount: slice.TotalCount, RouterInterfaceSet: { RouterInterfaceType: slice.items } };
    },
  },
};

