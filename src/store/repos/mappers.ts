/** Row → domain conversions, the only place that knows both shapes. */
import type { Instance, RouteTable, RouterInterface, Subnet, Tags, Vbr, Vpc } from "../../domain/resources.ts";
import type { ChargeType } from "../../domain/billing.ts";
import type { InstancesTable, RouteTablesTable, RouterInterfacesTable, SubnetsTable, VbrsTable, VpcsTable } from "../schema.ts";

const base = (r: { id: string; account_id: string; name: string; description: string; created_at: string; updated_at: string }, tags: Tags) => ({
  id: r.id,
  accountId: r.account_id,
  name: r.name,
  description: r.description,
  tags,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export const vpcFromRow = (r: VpcsTable, tags: Tags): Vpc => ({
  ...base(r, tags),
  region: r.region,
  cidr: r.cidr,
  state: r.state as Vpc["state"],
  defaultRouteTableId: r.default_route_table_id,
});

export const subnetFromRow = (r: SubnetsTable, tags: Tags): Subnet => ({
  ...base(r, tags),
  vpcId: r.vpc_id,
  region: r.region,
  zone: r.zone,
  cidr: r.cidr,
  routeTableId: r.route_table_id,
});

export const routeTableFromRow = (r: RouteTablesTable, tags: Tags): RouteTable => ({
  ...base(r, tags),
  vpcId: r.vpc_id,
  region: r.region,
  isDefault: Number(r.is_default) === 1,
});

export const vbrFromRow = (r: VbrsTable, tags: Tags): Vbr => ({
  ...base(r, tags),
  region: r.region,
  onPremisesCidrs: JSON.parse(r.on_premises_cidrs) as string[],
  state: r.state as Vbr["state"],
});

export const instanceFromRow = (r: InstancesTable, tags: Tags): Instance => ({
  ...base(r, tags),
  vpcId: r.vpc_id,
  subnetId: r.subnet_id,
  region: r.region,
  zone: r.zone,
  privateIp: r.private_ip,
  state: r.state as Instance["state"],
});

export const routerInterfaceFromRow = (r: RouterInterfacesTable, tags: Tags): RouterInterface => ({
  ...base(r, tags),
  region: r.region,
  role: r.role as RouterInterface["role"],
  routerType: r.router_type as RouterInterface["routerType"],
  routerId: r.router_id,
  spec: r.spec,
  bandwidthMbps: r.bandwidth_mbps === null ? null : Number(r.bandwidth_mbps),
  chargeType: r.charge_type as ChargeType,
  period: r.period_months === null ? null : Number(r.period_months),
  autoRenew: Number(r.auto_renew) === 1,
  opposite: {
    accountId: r.opposite_account_id,
    region: r.opposite_region,
    routerType: r.opposite_router_type as RouterInterface["routerType"],
    routerId: r.opposite_router_id,
    interfaceId: r.opposite_interface_id,
  },
  status: r.status as RouterInterface["status"],
  peeringId: r.peering_id,
});
