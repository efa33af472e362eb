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
  /** Recorded DNS settings (vpcpeer runs no resolver): dnsHostnames needs dnsSupport. */
  dnsSupport: boolean;
  dnsHostnames: boolean;
  networkAddressUsageMetrics: boolean;
  /** Its default security group (made with it; instances that name no group get it). */
  defaultSecurityGroupId: string;
  /** The account's default VPC of its region (one per account and region; #20). */
  isDefault: boolean;
}

export interface Subnet extends Owned {
  vpcId: string;
  region: string;
  zone: string;
  cidr: string;
  routeTableId: string;
  /** A recorded setting: instances launched here would get a public IP (vpcpeer assigns none). */
  mapPublicIpOnLaunch: boolean;
  /** Associated with its route table explicitly (always so for a custom table), not implicitly with the VPC's default one. */
  explicitAssociation: boolean;
  /** The default subnet of its zone in the default VPC (AWS DefaultForAz; #20). */
  isDefault: boolean;
}

export interface RouteTable extends Owned {
  vpcId: string;
  region: string;
  isDefault: boolean;
}

export const ROUTE_TARGET_TYPES = ["local", "peering", "router-interface", "vbr", "instance"] as const;
export type RouteTargetType = (typeof ROUTE_TARGET_TYPES)[number];

export interface RouteTarget {
  type: RouteTargetType;
  /** The VPC id for `local`; the peering, router interface, VBR or instance id otherwise. */
  id: string;
  /** For an `instance` next hop that exists: its private IP (shown, never stored). */
  privateIp?: string;
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
  /**
   * The peering that added this route (its parties named the table with `routeTableIds`) and
   * removes it when it stops being live; null for the local route and a tenant's own routes.
   */
  managedBy: string | null;
}

export type VbrState = "active";

export interface Vbr extends Owned {
  region: string;
  onPremisesCidrs: string[];
  state: VbrState;
  /** The host (chassis) its on-premises host runs on; null for VBRs made before VBRs had hosts. */
  host: string | null;
}

export type InstanceState = "running";

export interface Instance extends Owned {
  vpcId: string;
  subnetId: string;
  region: string;
  zone: string;
  privateIp: string;
  state: InstanceState;
  /** The host (chassis) it runs on; null for instances made before the deployment knew any host. */
  host: string | null;
  /** Its security groups (1–5), in the order they were given. */
  securityGroupIds: string[];
  /** On OVN: its logical switch port's name, the `iface-id` a VM binds to be this instance. */
  interfaceId?: string;
  /** On OVN: the MAC its logical port carries (and allows). */
  mac?: string;
  dataplane?: DataplaneView | null;
}

/**
 * A resource already serialized: its JSON text, as the store built it. Reads that return stored
 * resources unchanged hand this to the API, which sends it without building objects in between.
 */
export type Json<T> = string & { readonly __jsonOf?: T };

export const parseJson = <T>(json: Json<T>): T => JSON.parse(json) as T;

export const parsePage = <T>(page: Page<Json<T>>): Page<T> => ({ items: page.items.map(parseJson), nextCursor: page.nextCursor });

/** A page of a list, with an opaque cursor for the next one (null at the end). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** The orders a resource list can be read in: by creation time or by name, `-` for descending (ties by id, same direction). */
export const LIST_SORTS = ["createdAt", "-createdAt", "name", "-name"] as const;
export type ListSort = (typeof LIST_SORTS)[number];

/** Common list options: tag filters are `key` (present) or `key=value`. */
export interface ListOptions {
  limit: number;
  cursor?: string | undefined;
  tags?: { key: string; value?: string | undefined }[] | undefined;
  /** Only items whose id or name contains this text, A-Z matching either case. */
  q?: string | undefined;
  /** Default createdAt (oldest first). */
  sort?: ListSort | undefined;
}

/** A zone of the catalogue: its name (us-east-1a, ap-guangzhou-3, cn-hangzhou-h) and its id (use1-az1, 100003, cn-hangzhou-h). */
export interface Zone {
  name: string;
  id: string;
  /** The zone as people read it (Alibaba's LocalName, Tencent's ZoneName); absent: the name. */
  localName?: string | undefined;
}

export interface Region {
  id: string;
  name: string;
  zones: Zone[];
  /** The CIDR of the region's default VPCs, a private /16 (absent: 172.31.0.0/16, domain/default-vpcs.ts). */
  defaultVpcCidr?: string | undefined;
}

/** One end of a peering: a VPC, or (requester side of a VBR-to-VPC connection) a VBR. */
export interface PeeringSide {
  accountId: string;
  routerType: "vpc" | "vbr";
  /** The VPC id (or VBR id) of this side. */
  vpcId: string | null;
  vbrId: string | null;
  region: string;
  /** The VPC CIDR, or the first on-premises CIDR of a VBR. */
  cidr: string;
  cidrs: string[];
}

/** Options each side of a peering sets for itself (recorded; vpcpeer runs no resolver). */
export interface PeeringSideOptions {
  allowDnsResolutionFromRemoteVpc: boolean;
}

export interface PeeringOptions {
  requester: PeeringSideOptions;
  accepter: PeeringSideOptions;
}

export interface StateReason {
  code: string;
  message: string;
  [detail: string]: unknown;
}

/** What the data plane reports about a resource (null: not realized by any data plane yet). */
export interface DataplaneView {
  programmed: boolean;
  appliedGeneration: number;
  lastError: string | null;
  note: string | null;
  counters: { rxBytes: number; txBytes: number; rxPackets: number; txPackets: number } | null;
  updatedAt: string;
}

export interface Peering {
  id: string;
  /** `peering` (created as a peering connection) or `router-interface` (a connected interface pair). */
  origin: "peering" | "router-interface";
  name: string;
  description: string;
  state: import("./peering.ts").PeeringState;
  stateReason: StateReason | null;
  requester: PeeringSide;
  accepter: PeeringSide;
  crossRegion: boolean;
  options: PeeringOptions;
  /** Null: no cap (intra-region only). */
  bandwidthMbps: number | null;
  chargeType: import("./billing.ts").ChargeType;
  /** Subscription validity in months; null for pay-as-you-go. */
  period: number | null;
  autoRenew: boolean;
  /** When an unanswered request expires (pending only). */
  expiresAt: string | null;
  /** When the current subscription term ends. */
  termEndsAt: string | null;
  /** Usage is billed up to here (pay-as-you-go). */
  billedUntil: string | null;
  generation: number;
  tags: Tags;
  createdAt: string;
  updatedAt: string;
  dataplane?: DataplaneView | null;
  /** The change on its way to the network (activating, deleting…), null once applied; see domain/transition.ts. */
  transition?: import("./transition.ts").PeeringTransition | null;
}

export const ROUTER_INTERFACE_STATUSES = ["Idle", "Connecting", "AcceptingConnecting", "Active", "Deactivating", "Inactive", "Activating", "Deleting"] as const;
export type RouterInterfaceStatus = (typeof ROUTER_INTERFACE_STATUSES)[number];

export interface RouterInterface extends Owned {
  region: string;
  role: "initiator" | "acceptor";
  routerType: "vpc" | "vbr";
  routerId: string;
  spec: string | null;
  bandwidthMbps: number | null;
  chargeType: import("./billing.ts").ChargeType;
  period: number | null;
  autoRenew: boolean;
  opposite: {
    accountId: string;
    region: string;
    routerType: "vpc" | "vbr";
    routerId: string;
    interfaceId: string | null;
  };
  status: RouterInterfaceStatus;
  peeringId: string | null;
}

export interface Event {
  id: string;
  /** Monotonic position in the store, for streaming (`Last-Event-ID`). */
  seq: number;
  accountId: string;
  type: string;
  resourceId: string;
  data: Record<string, unknown>;
  createdAt: string;
}

export interface LedgerEntry {
  id: string;
  accountId: string;
  peeringId: string;
  kind: "purchase" | "renewal" | "usage" | "change";
  periodStart: string;
  periodEnd: string;
  /** Minor currency units (fen, cents); negative for credits. */
  amount: number;
  currency: string;
  description: string;
  createdAt: string;
}

/** A webhook as its owner sees it (never with its signing secret). */
export interface Webhook {
  id: string;
  url: string;
  eventTypes: string[];
  delivered: number;
  /** Failed attempts in a row. */
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  createdAt: string;
}
