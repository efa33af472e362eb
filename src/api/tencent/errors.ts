/**
 * The Tencent dialect's one error mapping: TencentError (codes as Tencent Cloud API 3.0 names
 * them) and DomainError → Tencent code. Every error is answered with HTTP 200 in the envelope
 * {"Response":{"Error":{"Code","Message"},"RequestId"}}.
 */
import { DomainError, type ErrorCode } from "../../domain/errors.ts";
import type { PeeringState } from "../../domain/peering.ts";
import type { DialectRequest } from "../dialects/index.ts";
import { STATE_OF } from "./shapes.ts";

export class TencentError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "TencentError";
  }
}

export const missing = (param: string) => new TencentError("MissingParameter", `The request is missing a required parameter \`${param}\`.`);
export const invalidValue = (param: string, why: string, code = "InvalidParameterValue") => new TencentError(code, `The value of parameter \`${param}\` is invalid: ${why}`);
export const invalidParam = (param: string, why: string, code = "InvalidParameter") => new TencentError(code, `Parameter \`${param}\` is invalid: ${why}`);

/** Native field names (as domain messages start `field: …`) → the Tencent parameter names. */
const FIELD_NAMES: Record<string, string> = {
  cidr: "CidrBlock",
  vpcId: "VpcId",
  peerVpcId: "DestinationVpcId",
  peerRegion: "DestinationRegion",
  peerAccountId: "DestinationUin",
  bandwidthMbps: "Bandwidth",
  destinationCidr: "DestinationCidrBlock",
  "target.id": "GatewayId",
  "target.type": "GatewayType",
  routeTableId: "RouteTableId",
  subnetId: "SubnetId",
  region: "Region",
  zone: "Zone",
  securityGroupIds: "SecurityGroupIds",
  rules: "SecurityGroupPolicySet",
  name: "Name",
  tags: "Tags",
};

/** `name` is a different parameter in each action. */
const NAME_PARAM: Record<string, string> = {
  CreateVpc: "VpcName",
  ModifyVpcAttribute: "VpcName",
  CreateSubnet: "SubnetName",
  ModifySubnetAttribute: "SubnetName",
  CreateRouteTable: "RouteTableName",
  ModifyRouteTableAttribute: "RouteTableName",
  ResetRoutes: "RouteTableName",
  CreateVpcPeeringConnection: "PeeringConnectionName",
  ModifyVpcPeeringConnection: "PeeringConnectionName",
  CreateSecurityGroup: "GroupName",
  CreateSecurityGroupWithPolicies: "GroupName",
  ModifySecurityGroupAttribute: "GroupName",
  ModifyNetworkInterfaceAttribute: "NetworkInterfaceName",
};

/** Native wording that has no place in a Tencent message, and what Tencent's face says instead. */
const REWRITES: [RegExp, string | ((substring: string, ...groups: string[]) => string)][] = [
  // Route ids show Tencent's rti- prefix.
  [/\brt-([a-z0-9]{12})\b/g, "rti-$1"],
  // Peering states in Tencent's words.
  [
    new RegExp(`(\\bis (?:already )?|\\()(${Object.keys(STATE_OF).join("|")})\\b`, "g"),
    (_m, head: string, state: string) => head + STATE_OF[state as PeeringState],
  ],
  // Native-only remedies (the purge query, the native PATCH body, the server's command line).
  [/; to remove the record, DELETE with \?purge=true/g, ""],
  [/ \(PATCH opposite\.interfaceId\)/g, ""],
  [/ \(--dataplane none\)/g, ""],
  // A rule's place in the service's list is not a Tencent index (this face renumbers whole lists).
  [/^rules\[\d+\][a-zA-Z.]*: /, "SecurityGroupPolicySet: "],
  // Quota names are the server's configuration keys.
  [/ \(quota [A-Za-z]+\)/g, ""],
];

function tencentMessage(e: DomainError, action: string): string {
  let text = e.message;
  const m = /^([a-zA-Z.]+): /.exec(text);
  const param = m && (m[1] === "name" ? NAME_PARAM[action] : undefined) || (m && FIELD_NAMES[m[1]!]);
  if (m && param) text = `${param}: ${text.slice(m[0].length)}`;
  for (const [re, to] of REWRITES) text = text.replace(re, to as string);
  return text;
}

const PEERING_LIMITS = new Set(["peeringsPerVpc", "pendingPeeringsPerAccount"]);

/** The Tencent code for a domain error; `action` refines the few codes that depend on it. */
export function codeOf(e: DomainError, action = ""): string {
  const field = typeof e.details.field === "string" ? e.details.field : "";
  const byCode: Partial<Record<ErrorCode, string>> = {
    InvalidCidr: "InvalidParameterValue.Malformed",
    CidrNotAllowed: "InvalidParameterValue.Range",
    CidrNotWithinVpc: "InvalidParameterValue.SubnetRange",
    InvalidRegion: "InvalidParameterValue.InvalidRegion",
    RouteTableMismatch: "UnsupportedOperation.VpcMismatch",
    DuplicateRoute: "InvalidParameterValue.Duplicate",
    LocalRouteImmutable: "UnsupportedOperation.SystemRoute",
    RouteNotFound: "ResourceNotFound",
    ResourceNotFound: "ResourceNotFound",
    DependencyViolation: "ResourceInUse",
    DefaultRouteTableImmutable: "UnsupportedOperation.DelDefaultRoute",
    NameTaken: "InvalidParameterValue.Duplicate",
    InvalidPeeringState: "UnsupportedOperation.VpcPeerInvalidStateChange",
    PeeringActionForbidden: "UnsupportedOperation.VpcPeerPurviewError",
    PeeringExists: "UnsupportedOperation.VpcPeerAlreadyExist",
    BandwidthRequired: "MissingParameter",
    Unauthenticated: "AuthFailure",
    Forbidden: "UnauthorizedOperation",
    StoreUnavailable: "ResourceUnavailable",
    DataplaneUnavailable: "ResourceUnavailable",
    InternalError: "InternalError",
    // Security groups (the codes the Go SDK lists for the policy actions).
    InvalidSecurityGroupRule: "InvalidParameterValue",
    DuplicateSecurityGroupRule: "UnsupportedOperation.DuplicatePolicy",
    DefaultSecurityGroupImmutable: "UnsupportedOperation",
    SecurityGroupRuleNotFound: "ResourceNotFound",
    // Default VPCs (#20): CreateDefaultVpc's documented codes (Go SDK's list: InvalidParameterValue.Empty,
    // LimitExceeded, ResourceInsufficient.CidrBlock, ResourceNotFound). It answers an existing default
    // VPC or subnet rather than refusing it; the two "exists" codes reach this face only from a race.
    DefaultSubnetCidrUnavailable: "ResourceInsufficient.CidrBlock",
    DefaultVpcNotFound: "ResourceNotFound",
    DefaultVpcAlreadyExists: "ResourceInUse",
    DefaultSubnetAlreadyExists: "ResourceInUse",
  };
  if (e.details.reason === "version-mismatch") return "UnsupportedOperation.VersionMismatch";
  switch (e.code) {
    case "InvalidSecurityGroupReference":
      return e.details.reason === "not-found" || / does not exist$/.test(e.message) ? "ResourceNotFound" : "InvalidParameterValue";
    case "CidrOverlap":
      if (field === "peerVpcId") return "UnsupportedOperation.VpcPeerCidrConflict";
      if (field === "destinationCidr") return "InvalidParameterValue.VpcCidrConflict";
      return "InvalidParameterValue.SubnetConflict";
    case "InvalidRouteTarget":
      return Array.isArray(e.details.allowed) ? "InvalidParameterValue.CidrNotInPeerVpc" : "InvalidParameterValue";
    case "LimitExceeded":
      if (e.details.quota === "rulesPerSecurityGroup") return "LimitExceeded.SecurityGroupPolicySet";
      if (PEERING_LIMITS.has(String(e.details.quota))) {
        return action === "AcceptVpcPeeringConnection" ? "LimitExceeded.VpcPeerAvaLimitExceeded" : "LimitExceeded.VpcPeerTotalLimitExceeded";
      }
      return "LimitExceeded";
    case "SubnetFull":
      return "LimitExceeded";
  }
  const mapped = byCode[e.code];
  if (mapped) return mapped;
  switch (e.kind) {
    case "Invalid":
      return "InvalidParameterValue";
    case "NotFound":
      return "ResourceNotFound";
    case "Conflict":
      return "ResourceInUse";
    case "InvalidState":
      return "UnsupportedOperation";
    case "Forbidden":
      return "UnauthorizedOperation";
    case "LimitExceeded":
      return "LimitExceeded";
    case "Unauthenticated":
      return "AuthFailure";
    case "Unavailable":
      return "ResourceUnavailable";
    default:
      return "InternalError";
  }
}

/** Any thrown value → {code, message}; `internal` is true for what only a bug can cause. */
export function toTencentError(e: unknown, action = ""): { code: string; message: string; internal: boolean } {
  if (e instanceof TencentError) return { code: e.code, message: e.message, internal: false };
  if (e instanceof DomainError) {
    const code = codeOf(e, action);
    return { code, message: tencentMessage(e, action), internal: code === "InternalError" };
  }
  return { code: "InternalError", message: "An internal error occurred; the request was not completed.", internal: true };
}

/**
 * A Tencent request refused before its action was read, by HTTP status: a path other than `/` or a
 * method other than GET and POST (404), a body or headers too large (413, 431), a content type
 * that cannot be read (415). Tencent's common codes; the message in Tencent's terms.
 */
export function transportError(req: DialectRequest, status: number): TencentError {
  if (status === 413) return new TencentError("RequestSizeLimitExceeded", "The request body is larger than this server accepts (1 MiB).");
  if (status === 431) return new TencentError("RequestSizeLimitExceeded", "The request headers are larger than this server accepts.");
  if (req.path !== "/") return new TencentError("UnsupportedProtocol", `Tencent Cloud API requests go to the path \`/\`, not \`${req.path.slice(0, 64)}\`.`);
  if (req.method !== "GET" && req.method !== "POST") return new TencentError("UnsupportedProtocol", `Only GET and POST requests are supported, not ${req.method.slice(0, 16)}.`);
  if (status === 415 || status === 400) {
    const type = (req.headers["content-type"] ?? "").slice(0, 64);
    return new TencentError("UnsupportedProtocol", `The request body could not be read as Content-Type \`${type}\`: send application/json (POST) or application/x-www-form-urlencoded.`);
  }
  if (status >= 500) return new TencentError("InternalError", "An internal error occurred; the request was not completed.");
  return new TencentError("UnsupportedProtocol", "The request is not a Tencent Cloud API 3.0 request this server can read.");
}
