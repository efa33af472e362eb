/**
 * The Tencent dialect's one error mapping: TencentError (codes as Tencent Cloud API 3.0 names
 * them) and DomainError → Tencent code. Every error is answered with HTTP 200 in the envelope
 * {"Response":{"Error":{"Code","Message"},"RequestId"}}.
 */
import { DomainError, type ErrorCode } from "../../domain/errors.ts";

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
  region: "Region",
  zone: "Zone",
  name: "Name",
  tags: "Tags",
};

function tencentMessage(e: DomainError): string {
  const m = /^([a-zA-Z.]+): /.exec(e.message);
  if (!m || !FIELD_NAMES[m[1]!]) return e.message;
  return `${FIELD_NAMES[m[1]!]}: ${e.message.slice(m[0].length)}`;
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
  };
  switch (e.code) {
    case "CidrOverlap":
      if (field === "peerVpcId") return "UnsupportedOperation.VpcPeerCidrConflict";
      if (field === "destinationCidr") return "InvalidParameterValue.VpcCidrConflict";
      return "InvalidParameterValue.SubnetConflict";
    case "InvalidRouteTarget":
      return Array.isArray(e.details.allowed) ? "InvalidParameterValue.CidrNotInPeerVpc" : "InvalidParameterValue";
    case "LimitExceeded":
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
    return { code, message: tencentMessage(e), internal: code === "InternalError" };
  }
  return { code: "InternalError", message: "An internal error occurred; the request was not completed.", internal: true };
}
