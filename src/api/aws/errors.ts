/**
 * The AWS face's one error mapping: AwsError (EC2's codes and HTTP statuses) and DomainError →
 * EC2 code, in EC2's envelope `<Response><Errors><Error><Code/><Message/></Error></Errors>
 * <RequestID/></Response>` (STS: `<ErrorResponse>`).
 */
import { DomainError, type ErrorCode } from "../../domain/errors.ts";
import { escapeXml } from "./xml.ts";

export class AwsError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "AwsError";
  }
}

export const missing = (param: string) => new AwsError("MissingParameter", 400, `The request must contain the parameter ${param}`);

export const badValue = (param: string, value: string, why: string, code = "InvalidParameterValue") =>
  new AwsError(code, 400, `Value (${value.slice(0, 80)}) for parameter ${param} is invalid. ${why.charAt(0).toUpperCase()}${why.slice(1)}.`);

/** NotFound codes by the resource a DomainError names. */
const NOT_FOUND: Record<string, { code: string; noun: string }> = {
  vpc: { code: "InvalidVpcID.NotFound", noun: "vpc" },
  subnet: { code: "InvalidSubnetID.NotFound", noun: "subnet" },
  "route-table": { code: "InvalidRouteTableID.NotFound", noun: "route table" },
  peering: { code: "InvalidVpcPeeringConnectionID.NotFound", noun: "vpcPeeringConnection" },
  instance: { code: "InvalidInstanceID.NotFound", noun: "instance" },
  "security-group": { code: "InvalidGroup.NotFound", noun: "security group" },
  securityGroup: { code: "InvalidGroup.NotFound", noun: "security group" },
  "security-group-rule": { code: "InvalidSecurityGroupRuleId.NotFound", noun: "security group rule" },
  securityGroupRule: { code: "InvalidSecurityGroupRuleId.NotFound", noun: "security group rule" },
};

/** Native field names (domain messages start `field: …`) → EC2 parameter names. */
const FIELD_NAMES: Record<string, string> = {
  cidr: "CidrBlock",
  vpcId: "VpcId",
  peerVpcId: "PeerVpcId",
  peerRegion: "PeerRegion",
  peerAccountId: "PeerOwnerId",
  destinationCidr: "DestinationCidrBlock",
  "target.id": "VpcPeeringConnectionId",
  routeTableId: "RouteTableId",
  subnetId: "SubnetId",
  zone: "AvailabilityZone",
  privateIp: "PrivateIpAddress",
  tags: "Tag",
  securityGroupIds: "SecurityGroupId",
};

const byCode: Partial<Record<ErrorCode, string>> = {
  InvalidCidr: "InvalidParameterValue",
  CidrNotAllowed: "InvalidVpc.Range",
  CidrNotWithinVpc: "InvalidSubnet.Range",
  InvalidIpAddress: "InvalidParameterValue",
  IpAddressNotInSubnet: "InvalidParameterValue",
  IpAddressReserved: "InvalidParameterValue",
  IpAddressInUse: "InvalidIPAddress.InUse",
  SubnetFull: "InsufficientFreeAddressesInSubnet",
  InvalidZone: "InvalidParameterValue",
  InvalidRegion: "InvalidParameterValue",
  InvalidRouteTarget: "InvalidParameterValue",
  RouteTableMismatch: "InvalidParameterValue",
  DuplicateRoute: "RouteAlreadyExists",
  LocalRouteImmutable: "InvalidParameterValue",
  RouteNotFound: "InvalidRoute.NotFound",
  DependencyViolation: "DependencyViolation",
  DefaultRouteTableImmutable: "DependencyViolation",
  InvalidPeeringState: "InvalidStateTransition",
  PeeringActionForbidden: "OperationNotPermitted",
  PeeringExists: "VpcPeeringConnectionAlreadyExists",
  PeeringSelf: "InvalidParameterValue",
  InvalidSecurityGroupRule: "InvalidParameterValue",
  DuplicateSecurityGroupRule: "InvalidPermission.Duplicate",
  // A group peer neither in the VPC nor across an active same-region peering: AWS's
  // "You have specified two resources that belong to different networks".
  InvalidSecurityGroupReference: "InvalidGroup.NotFound",
  DefaultSecurityGroupImmutable: "CannotDelete",
  SecurityGroupRuleNotFound: "InvalidPermission.NotFound",
  // Default VPCs (#20): EC2's own codes for them.
  DefaultVpcAlreadyExists: "DefaultVpcAlreadyExists",
  DefaultVpcNotFound: "DefaultVpcDoesNotExist",
  DefaultSubnetAlreadyExists: "DefaultSubnetAlreadyExistsInAvailabilityZone",
  // The zone's /20 (and every other) of the default VPC is taken by the caller's own subnets.
  DefaultSubnetCidrUnavailable: "InvalidSubnet.Conflict",
  Unauthenticated: "AuthFailure",
  Forbidden: "UnauthorizedOperation",
  StoreUnavailable: "Unavailable",
  DataplaneUnavailable: "Unavailable",
  InternalError: "InternalError",
};

/** The EC2 code and status of a domain error. */
function ec2Code(e: DomainError, action: string): { code: string; status: number } {
  const field = typeof e.details.field === "string" ? e.details.field : "";
  if (e.code === "ResourceNotFound") {
    const nf = NOT_FOUND[String(e.details.resource)];
    return { code: nf?.code ?? "InvalidParameterValue", status: 400 };
  }
  if (e.code === "NameTaken" && action === "CreateSecurityGroup") return { code: "InvalidGroup.Duplicate", status: 400 };
  if (e.code === "CidrOverlap") return { code: field === "destinationCidr" ? "InvalidParameterValue" : action === "CreateVpc" ? "InvalidVpc.Range" : "InvalidSubnet.Conflict", status: 400 };
  if (e.code === "LimitExceeded") {
    const quota = String(e.details.quota ?? "");
    const codes: Record<string, string> = {
      vpcsPerRegion: "VpcLimitExceeded",
      subnetsPerVpc: "SubnetLimitExceeded",
      routeTablesPerVpc: "RouteTableLimitExceeded",
      routesPerTable: "RouteLimitExceeded",
      tagsPerResource: "TagLimitExceeded",
      instancesPerSubnet: "InstanceLimitExceeded",
      peeringsPerVpc: action === "AcceptVpcPeeringConnection" ? "ActiveVpcPeeringConnectionPerVpcLimitExceeded" : "VpcPeeringConnectionLimitExceeded",
      pendingPeeringsPerAccount: "OutstandingVpcPeeringConnectionLimitExceeded",
      securityGroupsPerVpc: "SecurityGroupLimitExceeded",
      rulesPerSecurityGroup: "RulesPerSecurityGroupLimitExceeded",
      securityGroupsPerInstance: "SecurityGroupsPerInstanceLimitExceeded",
    };
    return { code: codes[quota] ?? "ResourceLimitExceeded", status: 400 };
  }
  const mapped = byCode[e.code];
  if (mapped) return { code: mapped, status: mapped === "AuthFailure" ? 401 : mapped === "UnauthorizedOperation" ? 403 : mapped === "InternalError" ? 500 : mapped === "Unavailable" ? 503 : 400 };
  switch (e.kind) {
    case "Internal":
      return { code: "InternalError", status: 500 };
    case "Unavailable":
      return { code: "Unavailable", status: 503 };
    case "Unauthenticated":
      return { code: "AuthFailure", status: 401 };
    case "Forbidden":
      return { code: "UnauthorizedOperation", status: 403 };
    case "InvalidState":
      return { code: "IncorrectState", status: 400 };
    default:
      return { code: "InvalidParameterValue", status: 400 };
  }
}

/**
 * Default VPC refusals as EC2 words them (its sentence first, as SDK users match on it), with what
 * vpcpeer knows after it: the default VPC's or subnet's id, the zone.
 */
const AWS_WORDS: Partial<Record<ErrorCode, (d: Record<string, unknown>) => string>> = {
  DefaultVpcAlreadyExists: (d) => `A Default VPC already exists for this account in this region.${typeof d.vpcId === "string" ? ` (${d.vpcId})` : ""}`,
  DefaultVpcNotFound: (d) => `There is no default VPC in which to carry out the request${typeof d.region === "string" ? ` (region ${d.region})` : ""}. If you've deleted your default VPC, you can create a new one with CreateDefaultVpc.`,
  DefaultSubnetAlreadyExists: (d) =>
    `A default subnet already exists in the specified Availability Zone${typeof d.zone === "string" ? ` ${d.zone}` : ""}${typeof d.subnetId === "string" ? ` (${d.subnetId})` : ""}. You can have only one default subnet per Availability Zone.`,
};

/** A domain message in EC2's words: the parameter named as EC2 names it, ids in AWS's form. */
function ec2Message(e: DomainError, rewrite: (text: string) => string): string {
  if (e.code === "ResourceNotFound") {
    const nf = NOT_FOUND[String(e.details.resource)];
    if (nf && typeof e.details.id === "string") return `The ${nf.noun} ID '${rewrite(e.details.id)}' does not exist`;
  }
  const words = AWS_WORDS[e.code];
  if (words) return rewrite(words(e.details));
  let text = e.message;
  const m = /^([a-zA-Z.]+): /.exec(text);
  const param = m && FIELD_NAMES[m[1]!];
  if (m && param) text = `${param}: ${text.slice(m[0].length)}`;
  return rewrite(text.replace(/; to remove the record, DELETE with \?purge=true/g, "").replace(/ \(quota [A-Za-z]+\)/g, ""));
}

export interface Ec2Error {
  code: string;
  status: number;
  message: string;
  /** Only a bug causes it: logged. */
  internal: boolean;
}

/** Any thrown value → EC2's code, status and message. */
export function toAws(e: unknown, action: string, rewrite: (text: string) => string = (t) => t): Ec2Error {
  if (e instanceof AwsError) return { code: e.code, status: e.status, message: e.message, internal: e.status >= 500 };
  if (e instanceof DomainError) {
    const { code, status } = ec2Code(e, action);
    return { code, status, message: ec2Message(e, rewrite), internal: status === 500 };
  }
  return { code: "InternalError", status: 500, message: "An internal error has occurred", internal: true };
}

export function ec2ErrorXml(err: { code: string; message: string }, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escapeXml(err.code)}</Code><Message>${escapeXml(err.message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`;
}

export function stsErrorXml(err: { code: string; message: string; status: number }, requestId: string): string {
  const type = err.status >= 500 ? "Receiver" : "Sender";
  return `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>${type}</Type><Code>${escapeXml(err.code)}</Code><Message>${escapeXml(err.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}

/** A request refused before its action ran (unknown path or method, body too large…), by HTTP status. */
export function transportError(method: string, path: string, status: number): AwsError {
  if (status === 413) return new AwsError("RequestEntityTooLarge", 413, "The request body is larger than this server accepts (1 MiB).");
  if (status === 431) return new AwsError("RequestHeaderSectionTooLarge", 431, "The request headers are larger than this server accepts.");
  if (path !== "/") return new AwsError("InvalidAction", 400, `EC2 Query requests go to the path /, not ${path.slice(0, 64)}.`);
  if (method !== "GET" && method !== "POST") return new AwsError("InvalidAction", 400, `Only GET and POST requests are supported, not ${method.slice(0, 16)}.`);
  if (status === 415 || status === 400) return new AwsError("InvalidParameterValue", 400, "The request body could not be read: send application/x-www-form-urlencoded.");
  if (status >= 500) return new AwsError("InternalError", 500, "An internal error has occurred");
  return new AwsError("InvalidAction", 400, "The request is not an EC2 Query request this server can read.");
}
