/** VPC 2016-04-28: VPCs, vSwitches (our subnets) and route tables. */
import { notFound } from "../../../domain/errors.ts";
import type { RouteTable, Subnet, Vpc } from "../../../domain/resources.ts";
import { type ActionTable, type Ctx, idList, listAll, one, ownerId, region, tagList, tagSearch, windowOf } from "../context.ts";
import { AliyunError } from "../errors.ts";
import { aliTime } from "../params.ts";
import { fromAli, fromAliOpt, toAli, vRouterIdOf } from "../ids.ts";

export const RESOURCE_GROUP = "rg-default";

/**
 * A vSwitch's CIDR block: Alibaba's mask is /16 to /29 (CreateVSwitch CidrBlock). The service
 * checks the rest (a valid private block inside the VPC's, no overlap); its own range is wider.
 */
function vSwitchCidr(c: Ctx): string {
  const cidr = c.p.req("CidrBlock").slice(0, 64);
  const mask = /^[0-9.]+\/(\d{1,2})$/.exec(cidr)?.[1];
  if (mask !== undefined && (Number(mask) < 16 || Number(mask) > 29)) {
    throw new AliyunError("InvalidCidrBlock.Malformed", 400, `The specified CidrBlock ${cidr} is not valid: a vSwitch's mask is /16 to /29.`);
  }
  return cidr;
}

/**
 * IsDefault of DescribeVpcs / DescribeVSwitches as the is_default column's criterion: true only the
 * default VPC (vSwitches), false only the others, absent all. (DescribeVpcs' model calls true its
 * default; a call without IsDefault still lists every VPC, so absent is no criterion.)
 */
const isDefaultColumn = (c: Ctx): string[] | undefined => {
  const flag = c.p.bool("IsDefault");
  return flag === undefined ? undefined : [flag ? "1" : "0"];
};

const vpcIdParam = (c: Ctx) => c.p.id("VpcId", true);
const vSwitchIdParam = (c: Ctx) => fromAli("vSwitch", c.p.id("VSwitchId", true));
const tableIdParam = (c: Ctx) => fromAli("routeTable", c.p.id("RouteTableId", true));

/** `pending`: its router is not built yet (Pending, then Available, as the cloud's CreateVpc is asynchronous). */
function vpcView(v: Vpc, vSwitchIds: string[], tableIds: string[], pending: boolean) {
  return {
    VpcId: v.id,
    RegionId: v.region,
    Status: pending ? "Pending" : "Available",
    VpcName: v.name,
    Description: v.description,
    CreationTime: aliTime(v.createdAt),
    CidrBlock: v.cidr,
    VRouterId: vRouterIdOf(v.id),
    IsDefault: v.isDefault,
    OwnerId: ownerId(v.accountId),
    ResourceGroupId: RESOURCE_GROUP,
    VSwitchIds: { VSwitchId: vSwitchIds.map((id) => toAli("vSwitch", id)) },
    RouterTableIds: { RouterTableIds: tableIds.map((id) => toAli("routeTable", id)) },
    UserCidrs: { UserCidr: [] },
    NatGatewayIds: { NatGatewayIds: [] },
    SecondaryCidrBlocks: { SecondaryCidrBlock: [] },
    Tags: { Tag: tagList(v.tags) },
  };
}

/** Usable addresses: the first and the last three of a vSwitch are reserved. */
function available(cidr: string): number {
  const prefix = Number(cidr.split("/")[1]);
  return Math.max(0, 2 ** (32 - prefix) - 4);
}

export function vSwitchView(s: Subnet, vpc: Vpc | undefined) {
  return {
    VSwitchId: toAli("vSwitch", s.id),
    VpcId: s.vpcId,
    Status: "Available",
    CidrBlock: s.cidr,
    ZoneId: s.zone,
    AvailableIpAddressCount: available(s.cidr),
    Description: s.description,
    VSwitchName: s.name,
    CreationTime: aliTime(s.createdAt),
    IsDefault: s.isDefault,
    OwnerId: ownerId(s.accountId),
    ResourceGroupId: RESOURCE_GROUP,
    ShareType: "",
    RouteTable: { RouteTableId: toAli("routeTable", s.routeTableId), RouteTableType: vpc?.defaultRouteTableId === s.routeTableId ? "System" : "Custom" },
    Tags: { Tag: tagList(s.tags) },
  };
}

export function tableView(t: RouteTable, vSwitchIds: string[]) {
  return {
    RouteTableId: toAli("routeTable", t.id),
    RouteTableName: t.name,
    RouteTableType: t.isDefault ? "System" : "Custom",
    RouterId: vRouterIdOf(t.vpcId),
    RouterType: "VRouter",
    VpcId: t.vpcId,
    Status: "Available",
    Description: t.description,
    CreationTime: aliTime(t.createdAt),
    OwnerId: ownerId(t.accountId),
    ResourceGroupId: RESOURCE_GROUP,
    AssociateType: "VSwitch",
    VSwitchIds: { VSwitchId: vSwitchIds.map((id) => toAli("vSwitch", id)) },
    GatewayIds: { GatewayIds: [] },
    Tags: { Tag: tagList(t.tags) },
  };
}

export const vpcActions: ActionTable = {
  CreateVpc: {
    idempotent: true,
    dryRun: true,
    async run(c) {
      const vpc = await c.services.vpcs.create(c.actor, {
        region: region(c)!,
        cidr: c.p.text("CidrBlock", 64) || "172.16.0.0/12",
        name: c.p.name("VpcName") ?? "",
        description: c.p.description(),
        tags: c.p.tags("Tag"),
      });
      return { VpcId: vpc.id, VRouterId: vRouterIdOf(vpc.id), RouteTableId: toAli("routeTable", vpc.defaultRouteTableId), ResourceGroupId: RESOURCE_GROUP };
    },
  },
  DescribeVpcs: {
    dryRun: true,
    async run(c) {
      const regionId = region(c);
      const ids = idList(c, "VpcId");
      const name = c.p.text("VpcName", 128);
      const page = c.p.page(50);
      // Counted and windowed by the store (OwnedRepo.search).
      const { window, answer } = windowOf(page);
      const columns = { region: regionId ? [regionId] : undefined, id: ids, name: name === undefined ? undefined : [name], is_default: isDefaultColumn(c) };
      const found = await c.services.vpcs.search(c.actor, { columns, tags: tagSearch(c.p.tags("Tag")) }, window);
      const items = [];
      const pending = await c.services.vpcs.pending(found.items);
      for (const v of found.items) {
        const subnets = await listAll((o) => c.services.subnets.list(c.actor, { vpcId: v.id }, o));
        const tables = await listAll((o) => c.services.routeTables.list(c.actor, { vpcId: v.id }, o));
        items.push(vpcView(v, subnets.map((s) => s.id), tables.map((t) => t.id), pending.has(v.id)));
      }
      return { ...answer(found.total), Vpcs: { Vpc: items } };
    },
  },
  DeleteVpc: {
    idempotent: true,
    dryRun: true,
    async run(c) {
      await c.services.vpcs.delete(c.actor, vpcIdParam(c));
      return {};
    },
  },
  CreateVSwitch: {
    idempotent: true,
    async run(c) {
      region(c);
      const s = await c.services.subnets.create(c.actor, {
        vpcId: vpcIdParam(c),
        zone: c.p.req("ZoneId").slice(0, 64),
        cidr: vSwitchCidr(c),
        name: c.p.name("VSwitchName"),
        description: c.p.description(),
        tags: c.p.tags("Tag"),
      });
      return { VSwitchId: toAli("vSwitch", s.id) };
    },
  },
  DescribeVSwitches: {
    dryRun: true,
    async run(c) {
      const regionId = region(c, false);
      const vpcId = c.p.id("VpcId");
      const ids = idList(c, "VSwitchId")?.map((id) => fromAli("vSwitch", id));
      const zone = c.p.text("ZoneId", 64);
      const tableId = fromAliOpt("routeTable", c.p.id("RouteTableId"));
      const name = c.p.text("VSwitchName", 128);
      const page = c.p.page(50);
      const { window, answer } = windowOf(page);
      const columns = { region: one(regionId), vpc_id: one(vpcId), id: ids, zone: one(zone), route_table_id: one(tableId), name: one(name), is_default: isDefaultColumn(c) };
      const found = await c.services.subnets.search(c.actor, { columns, tags: tagSearch(c.p.tags("Tag")) }, window);
      const vpcs = new Map<string, Vpc>();
      for (const s of found.items) if (!vpcs.has(s.vpcId)) vpcs.set(s.vpcId, await c.services.vpcs.get(c.actor, s.vpcId));
      return { ...answer(found.total), VSwitches: { VSwitch: found.items.map((s) => vSwitchView(s, vpcs.get(s.vpcId))) } };
    },
  },
  DeleteVSwitch: {
    dryRun: true,
    async run(c) {
      await c.services.subnets.delete(c.actor, vSwitchIdParam(c));
      return {};
    },
  },
  CreateRouteTable: {
    idempotent: true,
    async run(c) {
      c.p.oneOf("AssociateType", ["VSwitch"] as const); // gateway route tables are not offered
      const t = await c.services.routeTables.create(c.actor, {
        vpcId: vpcIdParam(c),
        name: c.p.name("RouteTableName") ?? "",
        description: c.p.description(),
        tags: c.p.tags("Tag"),
      });
      return { RouteTableId: toAli("routeTable", t.id) };
    },
  },
  DeleteRouteTable: {
    async run(c) {
      await c.services.routeTables.delete(c.actor, tableIdParam(c));
      return {};
    },
  },
  AssociateRouteTable: {
    idempotent: true,
    async run(c) {
      await c.services.subnets.setRouteTable(c.actor, vSwitchIdParam(c), tableIdParam(c));
      return {};
    },
  },
  UnassociateRouteTable: {
    idempotent: true,
    async run(c) {
      const s = await c.services.subnets.get(c.actor, vSwitchIdParam(c));
      const tableId = tableIdParam(c);
      const vpc = await c.services.vpcs.get(c.actor, s.vpcId);
      if (s.routeTableId !== tableId || tableId === vpc.defaultRouteTableId) {
        throw new AliyunError("IncorrectStatus.VSwitch", 400, `vSwitch ${s.id} is not associated with custom route table ${tableId}`);
      }
      await c.services.subnets.setRouteTable(c.actor, s.id, vpc.defaultRouteTableId);
      return {};
    },
  },
  DescribeRouteTableList: {
    async run(c) {
      const regionId = region(c, false);
      const vpcId = c.p.id("VpcId");
      const routerType = c.p.oneOf("RouterType", ["VRouter", "VBR"] as const);
      const routerId = fromAliOpt("vRouter", c.p.id("RouterId"));
      const tableId = fromAliOpt("routeTable", c.p.id("RouteTableId"));
      const name = c.p.text("RouteTableName", 128);
      const type = c.p.oneOf("RouteTableType", ["System", "Custom"] as const);
      const page = c.p.page(50);
      if (routerType === "VBR") return { PageNumber: page.number, PageSize: page.size, TotalCount: 0, RouterTableList: { RouterTableListType: [] } };
      const { window, answer } = windowOf(page);
      // VpcId and RouterId both name the VPC: a table must be in both.
      const vpcIds = vpcId !== undefined && routerId !== undefined && vpcId !== routerId ? [] : one(vpcId ?? routerId);
      const columns = { region: one(regionId), vpc_id: vpcIds, id: one(tableId), name: one(name), is_default: type && [type === "System" ? "1" : "0"] };
      const found = await c.services.routeTables.search(c.actor, { columns, tags: tagSearch(c.p.tags("Tag")) }, window);
      if (tableId && found.total === 0) throw notFound("route-table", tableId);
      const items = [];
      for (const t of found.items) items.push(tableView(t, await c.services.routeTables.associations(c.actor, t.id)));
      return { ...answer(found.total), RouterTableList: { RouterTableListType: items } };
    },
  },
};
