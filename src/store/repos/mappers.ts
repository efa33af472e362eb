/** Row → domain conversions, the only place that knows both shapes. */
import type { Instance, RouteTable, Subnet, Tags, Vbr, Vpc } from "../../domain/resources.ts";
import type { InstancesTable, RouteTablesTable, SubnetsTable, VbrsTable, VpcsTable } from "../schema.ts";

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
