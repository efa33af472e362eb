/**
 * CreateRouteEntry's next hops on the Alibaba face: the types this service has (Instance, the
 * default; RouterInterface; VpcPeer; VBR) and, for every other type the cloud documents, the
 * cloud's own refusal. No resource of those types can exist here, so a route to one gets what
 * the cloud answers for a next hop that does not exist. Codes and messages are Vpc 2016-04-28
 * CreateRouteEntry's error table (https://www.alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-createrouteentry,
 * 2025-12 revision).
 */
import { DomainError } from "../../domain/errors.ts";
import type { RouteTargetType } from "../../domain/resources.ts";
import { AliyunError } from "./errors.ts";

const NEXT_HOP_IN: Record<string, Exclude<RouteTargetType, "local">> = { Instance: "instance", RouterInterface: "router-interface", VpcPeer: "peering", VBR: "vbr" };
export const NEXT_HOP_OUT: Record<RouteTargetType, string> = { local: "local", instance: "Instance", "router-interface": "RouterInterface", peering: "VpcPeer", vbr: "VBR" };

const nextHopMissing = () => new AliyunError("InvalidNextHopId.NotFound", 404, "Specified next hop does not exist.");

/** The cloud's answer for a next hop of a type it has and this service does not. */
const ABSENT: Record<string, () => AliyunError> = {
  HaVip: () => new AliyunError("InvalidHaVipId.NotFound", 404, "The specified HaVip does not exist in the specified VPC."),
  NetworkInterface: () => new AliyunError("InvalidNetworkInterface.NotFound", 404, "The specified networkInterface does not exist."),
  VpnGateway: () => new AliyunError("InvalidVpnInstanceId.NotFound", 400, "The specified VPN was not found."),
  IPv6Gateway: () => new AliyunError("InvalidIpv6Gateway.NotFound", 404, "Specified Ipv6Gateway does not exist."),
  NatGateway: () => new AliyunError("InvalidNatGatewayId.NotFound", 404, "Specified value of NatGatewayId is not found in our record."),
  Ipv4Gateway: () => new AliyunError("ResourceNotFound.Ipv4Gateway", 400, "Specified Ipv4Gateway does not exist."),
  GatewayLoadBalancerEndpoint: () => new AliyunError("ResourceNotFound.GatewayLoadBalancerEndpoint", 404, "GatewayLoadBalancerEndpoint instance not found."),
  Ecr: () => new AliyunError("ResourceNotAssociated.Ecr", 400, "The ECR is not associated."),
  Attachment: nextHopMissing,
  GatewayEndpoint: nextHopMissing,
  RouteTargetGroup: nextHopMissing,
};

/** Our target type for a NextHopType, or the cloud's refusal. */
export function nextHopType(type: string): Exclude<RouteTargetType, "local"> {
  const ours = NEXT_HOP_IN[type];
  if (ours) return ours;
  const absent = ABSENT[type];
  if (absent) throw absent();
  throw new AliyunError("InvalidNextHopType", 400, 'Specified parameter "NextHopType" is not valid.');
}

/** An instance next hop's refusal in the cloud's words (a missing instance, or one of another VPC). */
export function instanceHopError(e: unknown): unknown {
  if (!(e instanceof DomainError) || e.details.field !== "target.id") return e;
  if (e.code === "ResourceNotFound" && e.details.resource === "instance") return new AliyunError("InvalidInstanId.NotFound", 404, "Specified instance does not exist.");
  if (e.details.reason === "instanceNotInVpc") return new AliyunError("OperationFailed.InstanceDismatchCurrentVpc", 404, "The specified instance does not exist in current vpc.");
  return e;
}
