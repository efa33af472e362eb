/** Our resources in Tencent Cloud API 3.0 shapes (`Vpc`, `Subnet`, `RouteTable`, `Route`, `PeerConnection`). */
import { createHash } from "node:crypto";
import { parseCidr, size } from "../../domain/cidr.ts";
import type { PeeringState } from "../../domain/peering.ts";
import type { Instance, Peering, Route, RouteTable, RouteTargetType, Subnet, Tags, Vpc } from "../../domain/resources.ts";
import type { SecurityGroup } from "../../domain/security-groups.ts";

/** Tencent's `2020-01-02 03:04:05` (UTC here). */
export const tencentTime = (iso: string) => iso.slice(0, 19).replace("T", " ");

export const tagSet = (tags: Tags) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

export const TENCENT_STATES = ["PENDING", "ACTIVE", "REJECTED", "DELETED", "FAILED", "EXPIRED", "ISOLATED"] as const;
export type TencentState = (typeof TENCENT_STATES)[number];

export const STATE_OF: Record<PeeringState, TencentState> = {
  "pending-acceptance": "PENDING",
  active: "ACTIVE",
  rejected: "REJECTED",
  deleted: "DELETED",
  failed: "FAILED",
  expired: "EXPIRED",
  suspended: "ISOLATED",
  inactive: "ISOLATED",
};

/**
 * The State shown: Tencent's PENDING reads "投放中" (being provisioned) in its SDK's model, so an
 * active peering the network does not carry yet is PENDING, as a waiter for ACTIVE needs; a
 * deactivation is ISOLATED (隔离中, being isolated) from the start. Tencent has no deleting state.
 */
export function tencentState(p: Pick<Peering, "state" | "transition">): TencentState {
  if (p.state === "active" && (p.transition === "provisioning" || p.transition === "activating")) return "PENDING";
  return STATE_OF[p.state];
}

export const GATEWAY_TYPE_OF: Record<RouteTargetType, string> = {
  local: "LOCAL",
  peering: "PEERCONNECTION",
  "router-interface": "ROUTER_INTERFACE",
  vbr: "DIRECTCONNECT",
  // Tencent names a CVM next hop by its private IP (routeShape); NORMAL_CVM is accepted as well and read back as CVM.
  instance: "CVM",
};

/** Tencent's GatewayId: a CVM next hop is named by its private IP (the instance id once it is gone). */
const gatewayIdOf = (r: Route) => (r.target.type === "instance" ? (r.target.privateIp ?? r.target.id) : r.target.id);

/**
 * Tencent's integer RouteId for one of our route ids: stable (a hash, no storage), below 2^48 so
 * every SDK keeps it exact. The implicit local route is 0.
 */
export function routeNumber(routeId: string): number {
  if (routeId === "local") return 0;
  return Number.parseInt(createHash("sha256").update(routeId).digest("hex").slice(0, 12), 16) || 1;
}

/**
 * Tencent shows a route as `rti-…` (RouteItemId) where vpcpeer has `rt-…`: one id suffix, each
 * face's prefix. Tencent inputs take either; `routeIdOf` gives the native id (other text as is).
 */
const ROUTE_ITEM_PREFIX = "rti-";
export const routeItemId = (routeId: string) => (routeId.startsWith("rt-") ? `${ROUTE_ITEM_PREFIX}${routeId.slice(3)}` : routeId);
export const routeIdOf = (text: string) => (text.startsWith(ROUTE_ITEM_PREFIX) ? `rt-${text.slice(ROUTE_ITEM_PREFIX.length)}` : text);

export function vpcShape(v: Vpc) {
  return {
    VpcId: v.id,
    VpcName: v.name,
    CidrBlock: v.cidr,
    IsDefault: v.isDefault,
    EnableMulticast: false,
    CreatedTime: tencentTime(v.createdAt),
    DnsServerSet: [] as string[],
    DomainName: "",
    DhcpOptionsId: "",
    EnableDhcp: true,
    Ipv6CidrBlock: "",
    TagSet: tagSet(v.tags),
    AssistantCidrSet: [] as unknown[],
  };
}

export function subnetShape(s: Subnet) {
  const total = size(parseCidr(s.cidr, "cidr"));
  return {
    VpcId: s.vpcId,
    SubnetId: s.id,
    SubnetName: s.name,
    CidrBlock: s.cidr,
    IsDefault: s.isDefault,
    EnableBroadcast: false,
    Zone: s.zone,
    RouteTableId: s.routeTableId,
    CreatedTime: tencentTime(s.createdAt),
    AvailableIpAddressCount: Math.max(0, total - 3),
    TotalIpAddressCount: total,
    Ipv6CidrBlock: "",
    NetworkAclId: "",
    IsRemoteVpcSnat: false,
    TagSet: tagSet(s.tags),
    CdcId: "",
    IsCdcSubnet: 0,
  };
}

export function routeShape(r: Route) {
  return {
    DestinationCidrBlock: r.destinationCidr,
    GatewayType: GATEWAY_TYPE_OF[r.target.type],
    GatewayId: gatewayIdOf(r),
    RouteId: routeNumber(r.id),
    RouteDescription: r.description,
    Enabled: true,
    RouteType: r.origin === "system" ? "NETD" : "USER",
    RouteTableId: r.routeTableId,
    DestinationIpv6CidrBlock: "",
    RouteItemId: routeItemId(r.id),
    PublishedToVbc: false,
    CreatedTime: tencentTime(r.createdAt),
  };
}

export function routeTableShape(t: RouteTable, routes: Route[], subnetIds: string[]) {
  return {
    VpcId: t.vpcId,
    RouteTableId: t.id,
    RouteTableName: t.name,
    AssociationSet: subnetIds.map((SubnetId) => ({ SubnetId, RouteTableId: t.id })),
    RouteSet: routes.map(routeShape),
    Main: t.isDefault,
    CreatedTime: tencentTime(t.createdAt),
    TagSet: tagSet(t.tags),
    LocalCidrForCcn: [] as unknown[],
  };
}

export function peeringShape(p: Peering) {
  const requesterUin = Number(p.requester.accountId);
  const accepterUin = Number(p.accepter.accountId);
  return {
    SourceVpcId: p.requester.vpcId ?? p.requester.vbrId ?? "",
    PeerVpcId: p.accepter.vpcId ?? "",
    PeeringConnectionId: p.id,
    PeeringConnectionName: p.name,
    State: tencentState(p),
    IsNgw: false,
    Bandwidth: p.bandwidthMbps ?? 0,
    SourceRegion: p.requester.region,
    DestinationRegion: p.accepter.region,
    CreateTime: tencentTime(p.createdAt),
    AppId: requesterUin,
    PeerAppId: accepterUin,
    SourceUin: requesterUin,
    DestinationUin: accepterUin,
    ChargeType: "POSTPAID_BY_DAY_MAX",
    TagSet: tagSet(p.tags),
    QosLevel: "AU",
    Type: "VPC_PEER",
    DestinationVpcId: p.accepter.vpcId ?? "",
  };
}

/** A `SecurityGroup` (DescribeSecurityGroups 215/15808): every group is in project 0; a VPC's default group is IsDefault. */
export function securityGroupShape(g: SecurityGroup) {
  return {
    SecurityGroupId: g.id,
    SecurityGroupName: g.name,
    SecurityGroupDesc: g.description,
    ProjectId: "0",
    IsDefault: g.isDefault,
    CreatedTime: tencentTime(g.createdAt),
    UpdateTime: tencentTime(g.updatedAt),
    TagSet: tagSet(g.tags),
  };
}

/**
 * An instance as Tencent's `NetworkInterface`: a vpcpeer instance has one port, shown as its
 * primary ENI `eni-<the instance id's suffix>` attached to it (Attachment.InstanceId), its
 * security groups in GroupSet, in order.
 */
export const ENI_PREFIX = "eni-";
export const eniIdOf = (instanceId: string) => `${ENI_PREFIX}${instanceId.slice(instanceId.indexOf("-") + 1)}`;
export const instanceIdOfEni = (eniId: string) => `ins-${eniId.slice(ENI_PREFIX.length)}`;

export function networkInterfaceShape(i: Instance & { securityGroupIds?: string[] }) {
  return {
    NetworkInterfaceId: eniIdOf(i.id),
    NetworkInterfaceName: i.name,
    NetworkInterfaceDescription: i.description,
    SubnetId: i.subnetId,
    VpcId: i.vpcId,
    GroupSet: i.securityGroupIds ?? [],
    Primary: true,
    MacAddress: i.mac ?? "",
    State: "AVAILABLE",
    NetworkInterfaceState: "INUSE",
    PrivateIpAddressSet: [{ PrivateIpAddress: i.privateIp, Primary: true, PublicIpAddress: "", AddressId: "", Description: "", IsWanIpBlocked: false, State: "AVAILABLE", QosLevel: "DEFAULT" }],
    Attachment: { DeviceIndex: 0, InstanceAccountId: i.accountId, AttachTime: tencentTime(i.createdAt), InstanceId: i.id },
    Zone: i.zone,
    CreatedTime: tencentTime(i.createdAt),
    Ipv6AddressSet: [] as unknown[],
    TagSet: tagSet(i.tags),
    EniType: 1,
    Business: "cvm",
    CdcId: "",
    AttachType: 0,
    ResourceId: "",
    QosLevel: "DEFAULT",
  };
}
