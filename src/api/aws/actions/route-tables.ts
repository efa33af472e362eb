/**
 * EC2 route table actions: CreateRouteTable (ClientToken), DescribeRouteTables, DeleteRouteTable,
 * AssociateRouteTable, DisassociateRouteTable, ReplaceRouteTableAssociation, and the routes:
 * CreateRoute, ReplaceRoute (atomic: one changeRoutes), DeleteRoute. A VPC's default route table
 * is its main table; its main association is `rtbassoc-<table suffix>`, a subnet's explicit
 * association `rtbassoc-<subnet suffix>` (ids.ts). Routes target peering connections and
 * instances (also named by their network interface, eni-<instance suffix>); vpcpeer has no
 * internet, NAT, transit or other gateways. See docs/dialects.md.
 */
import { formatCidr, parseCidr } from "../../../domain/cidr.ts";
import { DomainError, notFound } from "../../../domain/errors.ts";
import type { Route, RouteTable, RouteTarget, Subnet } from "../../../domain/resources.ts";
import { type ActionTable, type Ctx, type FilterFields, applyFilters, filterNames, idsNotFound, keysetPage, sqlFilters, tagSet, withIds } from "../context.ts";
import { AwsError, badValue, missing } from "../errors.ts";
import { associationId, associationSuffix, awsId, nativeId } from "../ids.ts";
import type { XmlValue } from "../xml.ts";
import { eniId, instanceOfEni, reworded, unsupported } from "./vpcs.ts";

interface Association {
  main: boolean;
  id: string;
  routeTableId: string;
  subnetId?: string;
}

interface TableRow {
  table: RouteTable;
  associations: Association[];
  routes: Route[];
}

/** Whether a subnet is associated with its table explicitly (always so with a custom table). */
const isExplicit = (s: Subnet, defaultTable: boolean) => s.explicitAssociation === true || !defaultTable;

function associationsOf(table: RouteTable, subnets: readonly Subnet[]): Association[] {
  const out: Association[] = [];
  if (table.isDefault) out.push({ main: true, id: associationId(table.id), routeTableId: table.id });
  for (const s of subnets) {
    if (s.routeTableId === table.id && isExplicit(s, table.isDefault)) out.push({ main: false, id: associationId(s.id), routeTableId: table.id, subnetId: s.id });
  }
  return out;
}

/** The route table filters SQL applies (sqlFilters). */
const TABLE_COLUMNS = { "route-table-id": "id", "vpc-id": "vpc_id" };

async function tableRows(c: Ctx, tables: RouteTable[]): Promise<TableRow[]> {
  if (tables.length === 0) return [];
  // The subnets associated with these tables only (an index range each), not every subnet of the account.
  const { items: subnets } = await c.services.subnets.search(c.actor, { columns: { route_table_id: tables.map((t) => t.id) } }, { offset: 0, limit: Number.MAX_SAFE_INTEGER });
  const rows: TableRow[] = [];
  for (const table of tables) rows.push({ table, associations: associationsOf(table, subnets), routes: await c.services.routeTables.routes(c.actor, table.id) });
  return rows;
}

const associationView = (a: Association): XmlValue => ({
  main: a.main,
  routeTableAssociationId: a.id,
  routeTableId: a.routeTableId,
  subnetId: a.subnetId,
  associationState: { state: "associated" },
});

function routeView(r: Route, ownerId: string): XmlValue {
  const base = { destinationCidrBlock: r.destinationCidr, origin: r.origin === "system" ? "CreateRouteTable" : "CreateRoute", state: r.state };
  switch (r.target.type) {
    case "local":
      return { ...base, gatewayId: "local" };
    case "peering":
      return { ...base, vpcPeeringConnectionId: r.target.id };
    case "instance":
      return { ...base, instanceId: awsId(r.target.id), instanceOwnerId: ownerId, networkInterfaceId: eniId(r.target.id) };
    default:
      // A router interface or VBR (made through another face): AWS has no such target; its id stands as a gateway.
      return { ...base, gatewayId: r.target.id };
  }
}

function tableView(row: TableRow): XmlValue {
  const t = row.table;
  return {
    routeTableId: t.id,
    vpcId: t.vpcId,
    ownerId: t.accountId,
    associationSet: row.associations.map(associationView),
    routeSet: row.routes.map((r) => routeView(r, t.accountId)),
    propagatingVgwSet: [],
    tagSet: tagSet(t.tags),
  };
}

const targetsOf = (row: TableRow, type: RouteTarget["type"], show: (id: string) => string = (id) => id) => row.routes.filter((r) => r.target.type === type).map((r) => show(r.target.id));

const TABLE_FIELDS: FilterFields<TableRow> = {
  "association.gateway-id": () => null,
  "association.route-table-association-id": (r) => r.associations.map((a) => a.id),
  "association.route-table-id": (r) => r.associations.map((a) => a.routeTableId),
  "association.subnet-id": (r) => r.associations.map((a) => a.subnetId),
  "association.main": (r) => r.associations.map((a) => String(a.main)),
  "owner-id": (r) => r.table.accountId,
  "route-table-id": (r) => r.table.id,
  "route.destination-cidr-block": (r) => r.routes.map((x) => x.destinationCidr),
  "route.destination-ipv6-cidr-block": () => null,
  "route.destination-prefix-list-id": () => null,
  "route.egress-only-internet-gateway-id": () => null,
  "route.gateway-id": (r) => r.routes.filter((x) => x.target.type === "local").map(() => "local"),
  "route.instance-id": (r) => targetsOf(r, "instance", awsId),
  "route.nat-gateway-id": () => null,
  "route.transit-gateway-id": () => null,
  "route.origin": (r) => r.routes.map((x) => (x.origin === "system" ? "CreateRouteTable" : "CreateRoute")),
  "route.state": (r) => r.routes.map((x) => x.state),
  "route.vpc-peering-connection-id": (r) => targetsOf(r, "peering"),
  "vpc-id": (r) => r.table.vpcId,
};

const tableId = (c: Ctx, param = "RouteTableId") => nativeId("routeTable", c.p.req(param), param);

// ---- associations -------------------------------------------------------------------------------

type Resolved = { kind: "subnet"; subnet: Subnet } | { kind: "main"; table: RouteTable };

/** What an association id names: a subnet's explicit association, or a VPC's main association. */
async function resolveAssociation(c: Ctx, value: string, param: string): Promise<Resolved> {
  const suffix = associationSuffix(value, param);
  const subnet = await c.services.subnets.get(c.actor, `subnet-${suffix}`).catch(orNull);
  if (subnet) {
    const table = await c.services.routeTables.get(c.actor, subnet.routeTableId);
    if (isExplicit(subnet, table.isDefault)) return { kind: "subnet", subnet };
  }
  const table = await c.services.routeTables.get(c.actor, `rtb-${suffix}`).catch(orNull);
  if (table?.isDefault) return { kind: "main", table };
  throw new AwsError("InvalidAssociationID.NotFound", 400, `The association ID '${value}' does not exist`);
}

/** A ResourceNotFound read as "absent". */
function orNull(e: unknown): null {
  if (e instanceof DomainError && e.code === "ResourceNotFound") return null;
  throw e;
}

/** In one transaction with the subnet's row locked: its association is what `check` saw until commit. */
function withSubnetLocked<T>(c: Ctx, subnetId: string, fn: (s: Subnet) => Promise<T>): Promise<T> {
  return c.services.deps.store.transaction(async (r) => {
    const s = await r.subnets.lock(c.actor, subnetId);
    if (!s) throw notFound("subnet", subnetId);
    return fn(s);
  });
}

const differentNetworks = (rtb: string, subnet: string) => (m: string) => `Route table ${rtb} and subnet ${subnet} belong to different networks (${m.replace(/^routeTableId: /, "")}).`;

// ---- routes -------------------------------------------------------------------------------------

/** Target members of CreateRoute/ReplaceRoute that name things vpcpeer has not got. */
const NO_SUCH_TARGETS = ["GatewayId", "NatGatewayId", "TransitGatewayId", "LocalGatewayId", "CarrierGatewayId", "EgressOnlyInternetGatewayId", "VpcEndpointId", "CoreNetworkArn", "OdbNetworkArn"] as const;
const TARGETS = ["VpcPeeringConnectionId", "InstanceId", "NetworkInterfaceId"] as const;
const ROUTE_PARAMS = ["DestinationPrefixListId", ...NO_SUCH_TARGETS, "RouteTableId", "DestinationCidrBlock", "DestinationIpv6CidrBlock", ...TARGETS];

const NO_GATEWAYS = "this service has no internet, NAT, transit, local, carrier or egress-only gateways, VPC endpoints or core networks: a route targets VpcPeeringConnectionId, InstanceId or NetworkInterfaceId";

/** The route's destination (normalised), refusing IPv6 and prefix lists. */
function destination(c: Ctx): string {
  const v6 = c.p.str("DestinationIpv6CidrBlock", { max: 64 });
  if (v6 !== undefined) throw unsupported("DestinationIpv6CidrBlock", v6, "IPv6 is not supported by this service");
  const pl = c.p.str("DestinationPrefixListId", { max: 64 });
  if (pl !== undefined) throw unsupported("DestinationPrefixListId", pl, "prefix lists are not supported by this service");
  const cidr = c.p.req("DestinationCidrBlock", { max: 64 });
  try {
    return formatCidr(parseCidr(cidr, "DestinationCidrBlock"));
  } catch {
    throw badValue("DestinationCidrBlock", cidr, "expected an IPv4 CIDR block like 10.1.0.0/16 with no host bits set");
  }
}

type Target = { kind: "local" } | { kind: "target"; target: RouteTarget; param: (typeof TARGETS)[number] };

/** The one target a CreateRoute/ReplaceRoute names. `GatewayId=local`/`LocalTarget` only where `allowLocal`. */
function target(c: Ctx, allowLocal: boolean): Target {
  const local = allowLocal && (c.p.bool("LocalTarget") === true || c.p.str("GatewayId") === "local");
  for (const k of NO_SUCH_TARGETS) {
    const v = c.p.str(k, { max: 2048 });
    if (v === undefined || (k === "GatewayId" && local)) continue;
    if (k === "GatewayId" && v === "local") throw badValue(k, v, "GatewayId local names the VPC's local route, which only ReplaceRoute of that route may give");
    throw unsupported(k, v, NO_GATEWAYS);
  }
  const named = TARGETS.filter((k) => c.p.str(k) !== undefined);
  if (local && named.length > 0) throw new AwsError("InvalidParameterCombination", 400, `The request names the local target and ${named.join(", ")}; give one route target.`);
  if (local) return { kind: "local" };
  if (named.length > 1) throw new AwsError("InvalidParameterCombination", 400, `The request names ${named.join(" and ")}; give exactly one route target.`);
  if (named.length === 0) throw new AwsError("MissingParameter", 400, "The request must contain one route target: VpcPeeringConnectionId, InstanceId or NetworkInterfaceId");
  const param = named[0]!;
  const value = c.p.req(param);
  if (param === "VpcPeeringConnectionId") return { kind: "target", param, target: { type: "peering", id: nativeId("peering", value, param) } };
  if (param === "InstanceId") return { kind: "target", param, target: { type: "instance", id: nativeId("instance", value, param) } };
  return { kind: "target", param, target: { type: "instance", id: instanceOfEni(value, param) } };
}

/** A route service error in EC2's words: the parameter that named the target, AWS's codes. */
function routeError(e: unknown, t: Extract<Target, { kind: "target" }>, dest: string, rtb: string): never {
  if (!(e instanceof DomainError)) throw e;
  if (e.code === "ResourceNotFound" && t.param === "NetworkInterfaceId" && e.details.resource === "instance") {
    throw new AwsError("InvalidNetworkInterfaceID.NotFound", 400, `The networkInterface ID '${eniId(t.target.id)}' does not exist`);
  }
  if (e.code === "DuplicateRoute") throw new AwsError("RouteAlreadyExists", 400, `The route identified by ${dest} already exists in route table ${rtb}.`);
  if (e.code === "InvalidRouteTarget") {
    const field = String(e.details.field ?? "");
    const param = field === "destinationCidr" ? "DestinationCidrBlock" : t.param;
    throw new AwsError("InvalidParameterValue", 400, `${param}: ${e.message.replace(/^[a-zA-Z.]+: /, "").replace(/\bins-([a-z0-9]+)\b/g, "i-$1")}`);
  }
  throw e;
}

/** The route of `rtb` to `dest` (the table must be the caller's, in this region). */
async function routeTo(c: Ctx, rtb: string, dest: string): Promise<Route | undefined> {
  return (await c.services.routeTables.routes(c.actor, rtb)).find((r) => r.destinationCidr === dest);
}

export const routeTablesActions: ActionTable = {
  CreateRouteTable: {
    params: ["TagSpecification", "VpcId"],
    dryRun: true,
    idempotent: true,
    async run(c) {
      const vpcId = nativeId("vpc", c.p.req("VpcId"), "VpcId");
      const tags = c.p.tagSpecs("route-table");
      const table = await c.services.routeTables.create(c.actor, { vpcId, name: tags.Name ?? "", tags });
      const [row] = await tableRows(c, [table]);
      return { routeTable: tableView(row!), clientToken: c.p.str("ClientToken", { max: 64 }) };
    },
  },

  DescribeRouteTables: {
    params: ["NextToken", "MaxResults", "RouteTableId", "Filter"],
    dryRun: true,
    async run(c) {
      const ids = c.p.list("RouteTableId").map((v, i) => nativeId("routeTable", v, `RouteTableId.${i + 1}`));
      const filters = c.p.filters(filterNames(TABLE_FIELDS));
      if (ids.length > 0) withIds((await c.services.routeTables.search(c.actor, { columns: { id: ids } }, { offset: 0, limit: ids.length })).items, ids, (m) => idsNotFound("InvalidRouteTableID.NotFound", "route table", m));
      // Columns and tags in SQL; filters on routes and associations on the rows SQL returned.
      const { search, rest } = sqlFilters(filters, TABLE_COLUMNS, { id: ids.length > 0 ? ids : undefined });
      const { page, nextToken } = await keysetPage(
        c,
        (o) => c.services.routeTables.searchList(c.actor, search, o),
        async (tables) => applyFilters(await tableRows(c, tables), rest, TABLE_FIELDS, (r) => r.table.tags),
        { min: 5, max: 100 },
      );
      return { routeTableSet: page.map(tableView), nextToken };
    },
  },

  DeleteRouteTable: {
    params: ["RouteTableId"],
    dryRun: true,
    async run(c) {
      const id = tableId(c);
      try {
        await c.services.routeTables.delete(c.actor, id);
      } catch (e) {
        if (e instanceof DomainError && e.code === "DefaultRouteTableImmutable") {
          throw new AwsError("DependencyViolation", 400, `The routeTable '${id}' has dependencies and cannot be deleted: it is the main route table of its VPC (it goes with the VPC).`);
        }
        reworded(e, "DependencyViolation", (m) => `The routeTable '${id}' has dependencies and cannot be deleted (${m.replace(/^route table \S+ is still /, "")}).`);
      }
      return { return: true };
    },
  },

  AssociateRouteTable: {
    params: ["GatewayId", "PublicIpv4Pool", "SubnetId", "RouteTableId"],
    dryRun: true,
    async run(c) {
      const rtb = tableId(c);
      const gw = c.p.str("GatewayId", { max: 128 });
      if (gw !== undefined) throw unsupported("GatewayId", gw, "this service has no internet or virtual private gateways: associate a SubnetId");
      const pool = c.p.str("PublicIpv4Pool", { max: 128 });
      if (pool !== undefined) throw unsupported("PublicIpv4Pool", pool, "public IPv4 pools are not supported by this service");
      const subnetId = nativeId("subnet", c.p.req("SubnetId"), "SubnetId");
      await withSubnetLocked(c, subnetId, async (s) => {
        const table = await c.services.routeTables.get(c.actor, rtb);
        const current = s.routeTableId === rtb ? table : await c.services.routeTables.get(c.actor, s.routeTableId);
        if (isExplicit(s, current.isDefault)) {
          throw new AwsError("Resource.AlreadyAssociated", 400, `the specified association for route table ${rtb} conflicts with an existing association: subnet ${subnetId} is associated with ${s.routeTableId} (${associationId(subnetId)})`);
        }
        try {
          await c.services.subnets.setRouteTable(c.actor, subnetId, rtb, { explicit: true });
        } catch (e) {
          reworded(e, "RouteTableMismatch", differentNetworks(rtb, subnetId));
        }
      });
      return { associationId: associationId(subnetId), associationState: { state: "associated" } };
    },
  },

  DisassociateRouteTable: {
    params: ["AssociationId"],
    dryRun: true,
    async run(c) {
      const value = c.p.req("AssociationId");
      const found = await resolveAssociation(c, value, "AssociationId");
      if (found.kind === "main") throw badValue("AssociationId", value, `it is the main route table association of ${found.table.vpcId}, which cannot be disassociated`);
      await withSubnetLocked(c, found.subnet.id, async (s) => {
        if (s.routeTableId !== found.subnet.routeTableId || !isExplicit(s, (await c.services.routeTables.get(c.actor, s.routeTableId)).isDefault)) {
          throw new AwsError("InvalidAssociationID.NotFound", 400, `The association ID '${value}' does not exist`);
        }
        await c.services.subnets.resetRouteTable(c.actor, s.id);
      });
      return { return: true };
    },
  },

  ReplaceRouteTableAssociation: {
    params: ["AssociationId", "RouteTableId"],
    dryRun: true,
    async run(c) {
      const value = c.p.req("AssociationId");
      const rtb = tableId(c);
      const found = await resolveAssociation(c, value, "AssociationId");
      if (found.kind === "main") {
        const table = await c.services.routeTables.get(c.actor, rtb);
        if (table.id !== found.table.id) {
          if (table.vpcId !== found.table.vpcId) throw new AwsError("InvalidParameterValue", 400, `Route table ${rtb} is in ${table.vpcId}, not in ${found.table.vpcId} whose main association is ${value}.`);
          throw new AwsError(
            "UnsupportedOperation",
            400,
            `This service cannot change which route table is the main table of a VPC: ${found.table.id} stays the main table of ${found.table.vpcId}. Associate subnets with ${rtb} explicitly (AssociateRouteTable) instead.`,
          );
        }
        return { newAssociationId: value, associationState: { state: "associated" } };
      }
      await withSubnetLocked(c, found.subnet.id, async (s) => {
        if (s.routeTableId !== found.subnet.routeTableId) throw new AwsError("InvalidAssociationID.NotFound", 400, `The association ID '${value}' does not exist`);
        try {
          await c.services.subnets.setRouteTable(c.actor, s.id, rtb, { explicit: true });
        } catch (e) {
          reworded(e, "RouteTableMismatch", differentNetworks(rtb, s.id));
        }
      });
      return { newAssociationId: associationId(found.subnet.id), associationState: { state: "associated" } };
    },
  },

  CreateRoute: {
    params: ROUTE_PARAMS,
    dryRun: true,
    async run(c) {
      const rtb = tableId(c);
      const dest = destination(c);
      const t = target(c, false);
      if (t.kind !== "target") throw missing("VpcPeeringConnectionId");
      try {
        await c.services.routeTables.addRoute(c.actor, rtb, { destinationCidr: dest, target: t.target });
      } catch (e) {
        routeError(e, t, dest, rtb);
      }
      return { return: true };
    },
  },

  ReplaceRoute: {
    params: [...ROUTE_PARAMS, "LocalTarget"],
    dryRun: true,
    async run(c) {
      const rtb = tableId(c);
      const dest = destination(c);
      const t = target(c, true);
      const route = await routeTo(c, rtb, dest);
      if (!route) throw new AwsError("InvalidParameterValue", 400, `There is no route defined for '${dest}' in the route table ${rtb}. Use CreateRoute instead.`);
      if (route.target.type === "local") {
        if (t.kind === "local") return { return: true };
        throw badValue(t.param, c.p.req(t.param), `the local route of ${rtb} (${dest}) always targets local in this service; it cannot be replaced`);
      }
      if (t.kind === "local") throw badValue(c.p.has("LocalTarget") ? "LocalTarget" : "GatewayId", c.p.has("LocalTarget") ? "true" : "local", `only the VPC's local route targets local; ${dest} is not the local route of ${rtb}`);
      try {
        await c.services.routeTables.changeRoutes(c.actor, rtb, { remove: [route.id], add: [{ destinationCidr: dest, target: t.target, description: route.description }] });
      } catch (e) {
        routeError(e, t, dest, rtb);
      }
      return { return: true };
    },
  },

  DeleteRoute: {
    params: ["DestinationPrefixListId", "RouteTableId", "DestinationCidrBlock", "DestinationIpv6CidrBlock"],
    dryRun: true,
    async run(c) {
      const rtb = tableId(c);
      const dest = destination(c);
      const route = await routeTo(c, rtb, dest);
      if (!route) throw new AwsError("InvalidRoute.NotFound", 400, `no route with destination-cidr-block ${dest} in route table ${rtb}`);
      if (route.target.type === "local") throw badValue("DestinationCidrBlock", dest, `cannot remove local route ${dest} in route table ${rtb}`);
      await c.services.routeTables.deleteRoute(c.actor, rtb, route.id);
      return { return: true };
    },
  },
};
