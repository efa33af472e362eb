/**
 * The Alibaba dialect's one error mapping: DomainError → Alibaba Code + HTTP status, and the
 * envelope {RequestId, HostId, Code, Message, Recommend} the official SDKs parse.
 */
import { DomainError, type ErrorCode } from "../../domain/errors.ts";

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
};

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
  LocalRouteImmutable: ["OperationDenied.SystemRouteEntry", 400],
  RouteNotFound: ["InvalidRouteEntry.NotFound", 404],
  DependencyViolation: ["DependencyViolation", 400],
  DefaultRouteTableImmutable: ["OperationDenied.SystemRouteTable", 400],
  NameTaken: ["InvalidParameter.Name", 400],
  IdempotencyKeyReused: ["IdempotentParameterMismatch", 400],
  LimitExceeded: ["QuotaExceeded", 400],
  SubnetFull: ["QuotaExceeded", 400],
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
};

/** Every code this dialect answers for malformed input (the fuzz test's allowed set). */
export const PARAMETER_CODES = new Set(["MissingParameter", "InvalidParameter", ...Object.values(BY_CODE).filter(([, s]) => s === 400).map(([c]) => c)]);

export function toAliyun(e: unknown): AliyunError {
  if (e instanceof AliyunError) return e;
  if (e instanceof DomainError) {
    if (e.code === "ResourceNotFound") {
      const resource = String(e.details.resource ?? "");
      return new AliyunError(NOT_FOUND[resource] ?? "ResourceNotFound", 404, e.message);
    }
    if (e.code === "LimitExceeded" && e.details.quota === "tagsPerResource") return new AliyunError("InvalidParameter.Tags", 400, e.message);
    const mapped = BY_CODE[e.code];
    if (mapped) return new AliyunError(mapped[0], mapped[1], e.message);
    if (e.kind === "Invalid") return new AliyunError("InvalidParameter", 400, e.message);
    // Anything else the catalog has no Alibaba name for keeps its own stable code, with the
    // status of its kind: a client's mistake is never answered as a server failure.
    const status = STATUS_OF_KIND[e.kind];
    if (status !== undefined) return new AliyunError(e.code, status, e.message);
  }
  return new AliyunError("InternalError", 500, "The request processing has failed due to some unknown error, exception or failure.");
}

export function errorBody(err: AliyunError, requestId: string, host: string, product: string) {
  return {
    RequestId: requestId,
    HostId: host,
    Code: err.code,
    Message: err.message,
    Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(err.code)}&product=${product}&requestId=${requestId}`,
  };
}
