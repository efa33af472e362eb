/**
 * Views: how each tenant-owned table reads as its domain type, declared once and compiled to SQL
 * that builds the resource's JSON text in the database (SQLite's json_object, PostgreSQL's
 * json_build_object), the way PostgREST serves rows. The native API sends that text as it is;
 * everything else gets the domain object by parsing it. One declaration, so the object a service
 * sees and the body a client reads cannot drift apart.
 */
import type { Instance, RouteTable, RouterInterface, Subnet, Vbr, Vpc } from "../../domain/resources.ts";
import type { SecurityGroup } from "../../domain/security-groups.ts";
import type { Capabilities } from "./common.ts";

/** How one field of a domain object is read from a row of the table (aliased `t`). */
export type FieldSpec =
  /** A text column, as is. */
  | string
  /** An integer column (NULL stays null). */
  | { int: string }
  /** A 0/1 column, as false/true. */
  | { bool: string }
  /** A column holding JSON text (an array of CIDRs, say). */
  | { json: string }
  /** The tags the row's owner put on it (its `tags` column). */
  | { tags: true }
  /** A nested object. */
  | { object: ViewSpec };

export type ViewSpec = Readonly<Record<string, FieldSpec>>;

/** Every field of T (but the ones named in Omitted), each read somehow: the compiler checks completeness. */
type SpecOf<T, Omitted extends keyof T = never> = { readonly [K in Exclude<keyof T, Omitted>]-?: FieldSpec };

const owned = {
  id: "id",
  accountId: "account_id",
  name: "name",
  description: "description",
  tags: { tags: true },
  createdAt: "created_at",
  updatedAt: "updated_at",
} as const;

export const VIEWS = {
  vpcs: {
    ...owned,
    region: "region",
    cidr: "cidr",
    state: "state",
    defaultRouteTableId: "default_route_table_id",
    dnsSupport: { bool: "dns_support" },
    dnsHostnames: { bool: "dns_hostnames" },
    networkAddressUsageMetrics: { bool: "network_address_usage_metrics" },
    defaultSecurityGroupId: "default_security_group_id",
    isDefault: { bool: "is_default" },
  } satisfies SpecOf<Vpc>,
  subnets: {
    ...owned,
    vpcId: "vpc_id",
    region: "region",
    zone: "zone",
    cidr: "cidr",
    routeTableId: "route_table_id",
    mapPublicIpOnLaunch: { bool: "map_public_ip_on_launch" },
    explicitAssociation: { bool: "explicit_association" },
    isDefault: { bool: "is_default" },
  } satisfies SpecOf<Subnet>,
  route_tables: { ...owned, vpcId: "vpc_id", region: "region", isDefault: { bool: "is_default" } } satisfies SpecOf<RouteTable>,
  vbrs: { ...owned, region: "region", onPremisesCidrs: { json: "on_premises_cidrs" }, state: "state", host: "host" } satisfies SpecOf<Vbr>,
  instances: {
    ...owned,
    vpcId: "vpc_id",
    subnetId: "subnet_id",
    region: "region",
    zone: "zone",
    privateIp: "private_ip",
    state: "state",
    host: "host",
    securityGroupIds: { json: "security_group_ids" },
  } satisfies SpecOf<Instance, "dataplane" | "interfaceId" | "mac">,
  router_interfaces: {
    ...owned,
    region: "region",
    role: "role",
    routerType: "router_type",
    routerId: "router_id",
    spec: "spec",
    bandwidthMbps: { int: "bandwidth_mbps" },
    chargeType: "charge_type",
    period: { int: "period_months" },
    autoRenew: { bool: "auto_renew" },
    opposite: {
      object: {
        accountId: "opposite_account_id",
        region: "opposite_region",
        routerType: "opposite_router_type",
        routerId: "opposite_router_id",
        interfaceId: "opposite_interface_id",
      },
    },
    status: "status",
    peeringId: "peering_id",
  } satisfies SpecOf<RouterInterface>,
  /** The group's own row; its rules (and their staleness) are added by the service (service/security-groups.ts). */
  security_groups: { ...owned, vpcId: "vpc_id", region: "region", isDefault: { bool: "is_default" }, rulesVersion: { int: "rules_version" } } satisfies SpecOf<SecurityGroup, "rules">,
} as const;

/** Whose tags a view shows: the owner's, or none (rows read across accounts never show tags). */
export type TagsOf = "owner" | "none";

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** The SQL expression building the JSON text of a row of `t` per `spec`, for the store's dialect. */
export function viewSql(spec: ViewSpec, caps: Capabilities, tags: TagsOf): string {
  const pg = caps.dialect === "postgres";
  const value = (f: FieldSpec): string => {
    if (typeof f === "string") return `t.${f}`;
    if ("int" in f) return `t.${f.int}`;
    if ("bool" in f) return pg ? `(t.${f.bool} = 1)` : `json(iif(t.${f.bool} = 1, 'true', 'false'))`;
    if ("json" in f) return pg ? `(t.${f.json})::json` : `json(t.${f.json})`;
    if ("tags" in f) {
      if (tags === "none") return pg ? `'{}'::json` : `json('{}')`;
      // The row's copy of its owner's tags (migrations: 0006_tags_column).
      return pg ? `(t.tags)::json` : `json(t.tags)`;
    }
    return object(f.object);
  };
  const object = (s: ViewSpec): string => {
    const args = Object.entries(s).map(([k, f]) => `${quote(k)}, ${value(f)}`);
    return `${pg ? "json_build_object" : "json_object"}(${args.join(", ")})`;
  };
  return pg ? `${object(spec)}::text` : object(spec);
}
