/** The tenant-visible network resources, as services and APIs see them (never database rows). */

export type Tags = Record<string, string>;

export interface Account {
  id: string;
  name: string;
  accessKeyId: string;
  createdAt: string;
}

interface Owned {
  id: string;
  accountId: string;
  name: string;
  description: string;
  tags: Tags;
  createdAt: string;
  updatedAt: string;
}

export type VpcState = "available";

export interface Vpc extends Owned {
  region: string;
  cidr: string;
  state: VpcState;
  defaultRouteTableId: string;
}

export interface Subnet extends Owned {
  vpcId: string;
  region: string;
  zone: string;
  cidr: string;
  routeTableId: string;
}

export interface RouteTable extends Owned {
  vpcId: string;
  region: string;
  isDefault: boolean;
}

export const ROUTE_TARGET_TYPES = ["local", "peering", "router-interface", "vbr"] as const;
export type RouteTargetType = (typeof ROUTE_TARGET_TYPES)[number];

export interface RouteTarget {
  type: RouteTargetType;
  /** The VPC id for `local`; the peering, router interface or VBR id otherwise. */
  id: string;
}

export type RouteState = "active" | "blackhole";

export interface Route {
  id: string;
  routeTableId: string;
  destinationCidr: string;
  target: RouteTarget;
  /** `system` for the implicit local route, `user` for routes a tenant added. */
  origin: "system" | "user";
  state: RouteState;
  description: string;
  createdAt: string;
}

export type VbrState = "active";

export interface Vbr extends Owned {
  region: string;
  onPremisesCidrs: string[];
  state: VbrState;
}

export type InstanceState = "running";

export interface Instance extends Owned {
  vpcId: string;
  subnetId: string;
  region: string;
  zone: string;
  privateIp: string;
  state: InstanceState;
}

/** A page of a list, with an opaque cursor for the next one (null at the end). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Common list options: tag filters are `key` (present) or `key=value`. */
export interface ListOptions {
  limit: number;
  cursor?: string | undefined;
  tags?: { key: string; value?: string | undefined }[] | undefined;
}

export interface Region {
  id: string;
  name: string;
  zones: string[];
}
