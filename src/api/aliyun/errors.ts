/**
 * The Alibaba dialect's one error mapping: DomainError → Alibaba Code + HTTP status, and the
 * envelope {RequestId, HostId, Code, Message, Recommend} the official SDKs parse.
 */
import { DomainError, type ErrorCode } from "../../domain/errors.ts";
import { aliText } from "./ids.ts";

/** An error already in Alibaba's terms (signature checks, parameter parsing, unknown actions). */
export class AliyunError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "AliyunError";
  }
}

/**
 * The system (local) route entry cannot be deleted: Vpc DeleteRouteEntry documents 400
 * OperationDenied "Specified operation is denied as route entry type is system."
 * (https://help.aliyun.com/zh/ecs/developer-reference/api-ecs-2014-05-26-deleterouteentry, the
 * action's error table, which points to Vpc 2016-04-28 DeleteRouteEntry).
 */
export const systemRouteEntry = () => new AliyunError("OperationDenied", 400, "Specified operation is denied as route entry type is system.");

export const missing = (name: string) => new AliyunError("MissingParameter", 400, `The input parameter "${name}" that is mandatory for processing this request is not supplied.`);
export const badParam = (name: string, why: string) => new AliyunError("InvalidParameter", 400, `The specified parameter "${name}" is not valid: ${why}`);

/** Alibaba's "<Resource>.NotFound" codes by our resource names. */
const NOT_FOUND: Record<string, string> = {
  vpc: "InvalidVpcId.NotFound",
  subnet: "InvalidVSwitchId.NotFound",
  "route-table": "InvalidRouteTableId.NotFound",
  "router-interface": "InvalidRouterInterfaceId.NotFound",
  peering: "ResourceNotFound.InstanceId",
  vbr: "InvalidVbrId.NotFound",
  instance: "InvalidInstanceId.NotFound",
  "security-group": "InvalidSecurityGroupId.NotFound",
  "security-group-rule": "SecurityGroupRule.NotFound",
};

/** Native field names in service messages → the Alibaba parameter a caller of this face sent. */
const FIELDS: Record<string, string> = {
  vpcId: "VpcId",
  subnetId: "VSwitchId",
  routeTableId: "RouteTableId",
  destinationCidr: "DestinationCidrBlock",
  "target.type": "NextHopType",
  "target.id": "NextHopId",
  peerVpcId: "AcceptingVpcId",
  peerAccountId: "AcceptingAliUid",
  peerRegion: "AcceptingRegionId",
  bandwidthMbps: "Bandwidth",
  chargeType: "InstanceChargeType",
  routerType: "RouterType",
  routerId: "RouterId",
  "opposite.routerType": "OppositeRouterType",
  "opposite.routerId": "OppositeRouterId",
  "opposite.interfaceId": "OppositeInterfaceId",
  "opposite.accountId": "OppositeInterfaceOwnerId",
  "opposite.region": "OppositeRegionId",
  privateIp: "PrivateIpAddress",
  securityGroupIds: "SecurityGroupIds",
  onPremisesCidrs: "CidrBlock",
  // Only as the "field: why" prefix of a message (they are ordinary words elsewhere).
  cidr: "CidrBlock",
  spec: "Spec",
  name: "Name",
  description: "Description",
  tags: "Tag",
  region: "RegionId",
  zone: "ZoneId",
};
const PREFIX_ONLY = new Set(["cidr", "spec", "name", "description", "tags", "region", "zone"]);
const FIELD_IN_TEXT = new RegExp(`(?<![\\w.])(${Object.keys(FIELDS).filter((k) => !PREFIX_ONLY.has(k)).map((k) => k.replace(".", "\\.")).join("|")})(?![\\w.])`, "g");

/** Native peering states as VpcPeer's Status words. */
const PEER_STATUS: Record<string, string> = {
  "pending-acceptance": "Accepting",
  active: "Activated",
  inactive: "Activated (deactivated)",
  suspended: "Activated (suspended)",
  rejected: "Rejected",
  expired: "Expired",
  failed: "Deleted",
  deleted: "Deleted",
};
/** A peering's native state, in a sentence about it ("is already rejected"). */
const PEER_STATE_IN_TEXT = new RegExp(`\\b(is (?:already )?)(${Object.keys(PEER_STATUS).join("|")})\\b`, "g");
/** Native advice that names native routes or flags, replaced by what this face offers. */
const PHRASES: [RegExp, string][] = [
  [/; to remove the record, DELETE with \?purge=true/g, ""],
  [/\(PATCH opposite\.interfaceId\)/g, "(set OppositeInterfaceId with ModifyRouterInterfaceAttribute)"],
  [/\bsubnet(s?)\b(?!-)/g, "vSwitch$1"],
  [/\bpeering(s?)(?: connection)?\b(?!-)/g, "peer connection$1"],
  [/\broute-table\b/g, "route table"],
  [/\brouter-interface\b/g, "router interface"],
];

/** A service message in this face's words: Alibaba parameter names, no native routes or flags. */
export function aliMessage(message: string): string {
  let out = message;
  const prefix = /^([a-zA-Z.]{1,40}): /.exec(out);
  if (prefix && FIELDS[prefix[1]!]) out = `${FIELDS[prefix[1]!]}: ${out.slice(prefix[0].length)}`;
  for (const [re, to] of PHRASES) out = out.replace(re, to);
  out = out.replace(PEER_STATE_IN_TEXT, (_m, is: string, state: string) => `${is}${PEER_STATUS[state]}`);
  return out.replace(FIELD_IN_TEXT, (f) => FIELDS[f] ?? f);
}

/** Status by kind for catalog codes without an Alibaba name (Invalid ones are InvalidParameter). */
const STATUS_OF_KIND: Partial<Record<DomainError["kind"], number>> = {
  NotFound: 404,
  Conflict: 400,
  InvalidState: 400,
  LimitExceeded: 400,
  Forbidden: 403,
  Unauthenticated: 401,
  Unavailable: 503,
};

/** Code and status for each catalog code. Parameter-shaped failures are 400, like Alibaba's. */
const BY_CODE: Partial<Record<ErrorCode, [string, number]>> = {
  MalformedJson: ["InvalidParameter", 400],
  InvalidRequest: ["InvalidParameter", 400],
  InvalidCursor: ["InvalidParameter.NextToken", 400],
  InvalidCidr: ["InvalidCidrBlock.Malformed", 400],
  CidrNotAllowed: ["InvalidCidrBlock.Malformed", 400],
  CidrNotWithinVpc: ["InvalidCidrBlock.NotInVpc", 400],
  CidrOverlap: ["InvalidCidrBlock.Overlapped", 400],
  InvalidRegion: ["InvalidRegionId.NotFound", 400],
  InvalidZone: ["InvalidZoneId.NotFound", 400],
  InvalidRouteTarget: ["InvalidNextHop", 400],
  RouteTableMismatch: ["InvalidRouteTableId.NotInSameVpc", 400],
  DuplicateRoute: ["InvalidCIDRBlock.Duplicate", 400],
  LocalRouteImmutable: ["OperationDenied", 400],
  RouteNotFound: ["InvalidRouteEntry.NotFound", 404],
  DependencyViolation: ["DependencyViolation", 400],
  DefaultRouteTableImmutable: ["OperationDenied.SystemRouteTable", 400],
  NameTaken: ["InvalidParameter.Name", 400],
  IdempotencyKeyReused: ["IdempotentParameterMismatch", 400],
  LimitExceeded: ["QuotaExceeded", 400],
  // Instances are made by ECS RunInstances only: its code for a vSwitch with no address left.
  SubnetFull: ["InvalidVSwitchId.IpNotEnough", 403],
  InvalidPeeringState: ["IncorrectStatus.VpcPeer", 400],
  PeeringActionForbidden: ["Forbidden.OperationNotAllowed", 403],
  PeeringExists: ["ResourceAlreadyExist.VpcPeer", 400],
  PeeringSelf: ["InvalidParameter.AcceptingVpcId", 400],
  BandwidthRequired: ["MissingParameter.Bandwidth", 400],
  InvalidPeriod: ["InvalidParameter.Period", 400],
  InvalidRouterInterfaceState: ["IncorrectStatus.RouterInterface", 400],
  RouterInterfaceMismatch: ["InvalidOppositeInterface.NotMatch", 400],
  InvalidChargeType: ["InvalidParameter.InstanceChargeType", 400],
  Unauthenticated: ["InvalidAccessKeyId.NotFound", 404],
  Forbidden: ["Forbidden.RAM", 403],
  StoreUnavailable: ["ServiceUnavailable", 503],
  // ECS 2014-05-26 security groups (AuthorizeSecurityGroup, RevokeSecurityGroup,
  // DeleteSecurityGroup error tables; the default group has no ECS counterpart: OperationDenied).
  InvalidSecurityGroupRule: ["InvalidParameter", 400],
  DuplicateSecurityGroupRule: ["InvalidParam.DuplicatePermissions", 400],
  SecurityGroupRuleNotFound: ["SecurityGroupRule.NotFound", 404],
  DefaultSecurityGroupImmutable: ["OperationDenied", 403],
  // ECS RunInstances: PrivateIpAddress already used in the vSwitch.
  IpAddressInUse: ["InvalidPrivateIpAddress.Duplicated", 400],
  // Default VPCs (#20). A second default vSwitch in a zone: "DefaultVswitch.Existed" (403, "The
  // default vswitch for VPC already exists.", ECS CreateInstance/RunInstances error tables). The
  // CreateDefaultVpc/CreateDefaultVSwitch error tables were not at hand: a second default VPC is
  // named after that code; no default VPC is VPC 2016-04-28's public ResourceNotFound.VPC (404);
  // no free /20 for the vSwitch is CreateVSwitch's InvalidCidrBlock.Overlapped.
  DefaultVpcAlreadyExists: ["DefaultVpc.Existed", 403],
  DefaultSubnetAlreadyExists: ["DefaultVswitch.Existed", 403],
  DefaultVpcNotFound: ["ResourceNotFound.VPC", 404],
  DefaultSubnetCidrUnavailable: ["InvalidCidrBlock.Overlapped", 400],
};

/** ECS's codes for a full security group, instance or VPC (by the service's quota name). */
const QUOTA_CODES: Record<string, [string, number]> = {
  rulesPerSecurityGroup: ["AuthorizationLimitExceed", 403],
  securityGroupsPerInstance: ["InstanceSecurityGroupLimitExceeded", 403],
  securityGroupsPerVpc: ["QuotaExceed.SecurityGroup", 403],
};

/** Every code this dialect answers for malformed input (the fuzz test's allowed set). */
export const PARAMETER_CODES = new Set(["MissingParameter", "InvalidParameter", ...Object.values(BY_CODE).filter(([, s]) => s === 400).map(([c]) => c)]);

export function toAliyun(e: unknown): AliyunError {
  if (e instanceof AliyunError) return e;
  if (e instanceof DomainError) {
    if (e.code === "ResourceNotFound") {
      const resource = String(e.details.resource ?? "");
      return new AliyunError(NOT_FOUND[resource] ?? "ResourceNotFound", 404, aliMessage(e.message));
    }
    if (e.code === "LimitExceeded" && e.details.quota === "tagsPerResource") return new AliyunError("InvalidParameter.Tags", 400, aliMessage(e.message));
    const quota = e.code === "LimitExceeded" ? QUOTA_CODES[String(e.details.quota ?? "")] : undefined;
    if (quota) return new AliyunError(quota[0], quota[1], aliMessage(e.message));
    // ECS: a security group and an instance or vSwitch of different VPCs.
    if (e.code === "InvalidSecurityGroupReference" && e.details.reason === "other-vpc") return new AliyunError("InvalidOperation.VpcMismatch", 403, `The operation is invalid: ${aliMessage(e.message)}`);
    // DeleteSecurityGroup: "There is still instance(s) in the specified security group." is a 403.
    if (e.code === "DependencyViolation" && /^sg-/.test(String(e.details.id ?? ""))) return new AliyunError("DependencyViolation", 403, aliMessage(e.message));
    if (e.code === "LocalRouteImmutable") return systemRouteEntry();
    const mapped = BY_CODE[e.code];
    if (mapped) return new AliyunError(mapped[0], mapped[1], aliMessage(e.message));
    if (e.kind === "Invalid") return new AliyunError("InvalidParameter", 400, aliMessage(e.message));
    // Anything else the catalog has no Alibaba name for keeps its own stable code, with the
    // status of its kind: a client's mistake is never answered as a server failure.
    const status = STATUS_OF_KIND[e.kind];
    if (status !== undefined) return new AliyunError(e.code, status, aliMessage(e.message));
  }
  return new AliyunError("InternalError", 500, "The request processing has failed due to some unknown error, exception or failure.");
}

/**
 * A failure of an Authorize/Revoke call, in the words of that action's error table: the peer is
 * the Source group of an inbound rule and the Dest group of an outbound one; `fields[i]` is the
 * parameter prefix ("Permissions.N.") of the i-th rule the service was given.
 */
export function sgRuleError(e: unknown, direction: "ingress" | "egress", fields: readonly string[] = []): AliyunError {
  if (!(e instanceof DomainError)) return toAliyun(e);
  const s = direction === "ingress" ? "Source" : "Dest";
  const field = String(e.details.field ?? "");
  const index = /^rules\[(\d+)\]/.exec(field);
  const at = index ? (fields[Number(index[1])] ?? "").replace(/\.$/, "") : "";
  const where = at ? ` (${at})` : "";
  const why = aliMessage(e.message.replace(/^rules\[\d+\][\w.]*: /, ""));
  if (e.code === "InvalidSecurityGroupReference") {
    // A group of the caller's in a VPC no active same-region peering joins: Mismatch. Missing, or
    // another account's that the caller cannot reach: not found (it answers like a missing one).
    if (e.details.reason === "not-found") return new AliyunError(`Invalid${s}GroupId.NotFound`, 404, `The ${s}GroupId provided does not exist in our records${where}.`);
    if (e.details.reason === "other-vpc") return new AliyunError("InvalidOperation.VpcMismatch", 403, `The operation is invalid: ${why}`);
    return new AliyunError(`Invalid${s}GroupId.Mismatch`, 400, `Specified security group and ${s.toLowerCase()} group are not in the same VPC or in VPCs joined by an active peer connection in one region${where}: ${why}`);
  }
  if (e.code === "ResourceNotFound" && index) return new AliyunError(`Invalid${s}GroupId.NotFound`, 404, `The ${s}GroupId provided does not exist in our records${where}.`);
  if (e.code === "InvalidSecurityGroupRule") return new AliyunError("InvalidParameter", 400, `The specified parameter "${at || "Permissions"}" is not valid: ${why}`);
  return toAliyun(e);
}

/**
 * Failures before an action runs (no such path or method, body too large or unreadable, headers
 * too large), in Alibaba's terms: the OpenAPI gateway's InvalidAction.NotFound for a path it
 * does not serve; otherwise a code naming the limit (no documented code was found for those).
 */
export function transportError(status: number): AliyunError {
  switch (status) {
    case 404:
      return new AliyunError("InvalidAction.NotFound", 404, "Specified api is not found, please check your url and method.");
    case 413:
      return new AliyunError("RequestEntityTooLarge", 413, "The request body is larger than 1 MiB.");
    case 415:
      return new AliyunError("UnsupportedMediaType", 415, "The request body must be application/x-www-form-urlencoded or application/json.");
    case 431:
      return new AliyunError("RequestHeaderFieldsTooLarge", 431, "The request line and headers are too large.");
    default:
      return status >= 500
        ? new AliyunError("InternalError", 500, "The request processing has failed due to some unknown error, exception or failure.")
        : new AliyunError("InvalidParameter", 400, "The request could not be read.");
  }
}

export function errorBody(err: AliyunError, requestId: string, host: string, product: string) {
  return {
    RequestId: requestId,
    HostId: host,
    Code: err.code,
    Message: aliText(err.message),
    Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(err.code)}&product=${product}&requestId=${requestId}`,
  };
}
