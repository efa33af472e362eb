/**
 * The one error catalog. Services throw DomainError; each API dialect maps `kind` (and, where it
 * needs finer grain, `code`) to its own envelope in exactly one place.
 */

/** Broad classes of failure; a dialect maps each to a status. */
export type ErrorKind =
  | "Invalid"
  | "NotFound"
  | "Conflict"
  | "InvalidState"
  | "Forbidden"
  | "LimitExceeded"
  | "Unauthenticated"
  | "Unavailable"
  | "Internal";

/** Stable, documented error codes. Never rename one: clients match on them. */
export const ERROR_CODES = {
  // request shape
  MalformedJson: "Invalid",
  InvalidRequest: "Invalid",
  UnsupportedMediaType: "Invalid",
  PayloadTooLarge: "Invalid",
  EndpointNotFound: "NotFound",
  ConsoleNotBuilt: "NotFound",
  InvalidCursor: "Invalid",
  // network values
  InvalidCidr: "Invalid",
  CidrNotAllowed: "Invalid",
  CidrNotWithinVpc: "Invalid",
  CidrOverlap: "Conflict",
  InvalidIpAddress: "Invalid",
  IpAddressNotInSubnet: "Invalid",
  IpAddressReserved: "Invalid",
  IpAddressInUse: "Conflict",
  SubnetFull: "LimitExceeded",
  InvalidRegion: "Invalid",
  InvalidZone: "Invalid",
  InvalidHost: "Invalid",
  InvalidRouteTarget: "Invalid",
  RouteTableMismatch: "Invalid",
  DuplicateRoute: "Conflict",
  // A route a peering would add is shadowed by one already in the table (equal or more specific).
  RouteConflict: "Conflict",
  LocalRouteImmutable: "Invalid",
  // resources
  ResourceNotFound: "NotFound",
  RouteNotFound: "NotFound",
  DependencyViolation: "Conflict",
  DefaultRouteTableImmutable: "Conflict",
  NameTaken: "Conflict",
  IdempotencyKeyReused: "Conflict",
  LimitExceeded: "LimitExceeded",
  // peerings and router interfaces
  InvalidPeeringState: "InvalidState",
  PeeringActionForbidden: "Forbidden",
  PeeringExists: "Conflict",
  PeeringSelf: "Invalid",
  BandwidthRequired: "Invalid",
  InvalidPeriod: "Invalid",
  InvalidRouterInterfaceState: "InvalidState",
  RouterInterfaceMismatch: "Invalid",
  InvalidChargeType: "Invalid",
  // security groups
  InvalidSecurityGroupRule: "Invalid",
  DuplicateSecurityGroupRule: "Conflict",
  // A group peer that is neither in the rule's VPC nor across an active same-region peering.
  InvalidSecurityGroupReference: "Invalid",
  DefaultSecurityGroupImmutable: "Conflict",
  SecurityGroupRuleNotFound: "NotFound",
  // A rule change made against a rules version (Tencent's SecurityGroupPolicySet.Version) that is no longer the group's.
  SecurityGroupVersionMismatch: "Conflict",
  // default VPCs (#20)
  DefaultVpcAlreadyExists: "Conflict",
  DefaultVpcNotFound: "NotFound",
  DefaultSubnetAlreadyExists: "Conflict",
  // No /20 of the default VPC is free for a zone's default subnet.
  DefaultSubnetCidrUnavailable: "Conflict",
  // auth
  Unauthenticated: "Unauthenticated",
  Forbidden: "Forbidden",
  // infrastructure
  StoreUnavailable: "Unavailable",
  // The server runs without a data plane: a fact of its configuration, not a transient failure.
  DataplaneUnavailable: "InvalidState",
  InternalError: "Internal",
} as const satisfies Record<string, ErrorKind>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Extra machine-readable facts about an error: the field, the conflicting values, the limit. */
export type ErrorDetails = Record<string, unknown>;

export class DomainError extends Error {
  readonly kind: ErrorKind;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetails = {},
  ) {
    super(message);
    this.name = "DomainError";
    this.kind = ERROR_CODES[code];
  }
}

/** The one way to say "no such resource (or not yours)": identical text for both cases. */
export function notFound(resource: string, id: string, field?: string): DomainError {
  return new DomainError("ResourceNotFound", `${resource} ${id} does not exist`, {
    resource,
    id,
    ...(field ? { field } : {}),
  });
}

export function invalid(code: ErrorCode, field: string, message: string, details: ErrorDetails = {}): DomainError {
  return new DomainError(code, `${field}: ${message}`, { field, ...details });
}

export function isDomainError(e: unknown): e is DomainError {
  return e instanceof DomainError;
}
