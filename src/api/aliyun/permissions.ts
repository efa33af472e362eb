/**
 * ECS 2014-05-26 security group permissions ↔ the domain's rules (src/domain/security-groups.ts).
 *
 * A request gives one permission in the deprecated top-level form (`IpProtocol`, `PortRange`,
 * `SourceCidrIp`, …) or up to 100 as `Permissions.N.*`, never both (InvalidParam.Permissions).
 * Alibaba's words: `Policy` accept/drop, `Priority` 1–100 (1 first; drop wins a tie: the domain's
 * own order), `IpProtocol` TCP/UDP/ICMP/ALL (any case), `PortRange` "22/22" or "-1/-1". Codes
 * and messages are those of AuthorizeSecurityGroup(Egress) / RevokeSecurityGroup(Egress)'s error
 * tables (alibabacloud.com ECS API reference). What the cloud has and vpcpeer does not filter
 * (GRE and protocol numbers, IPv6, prefix lists, port lists, source ports, quintuple rules) is
 * refused naming the parameter, never ignored.
 */
import { formatCidr, parseCidr } from "../../domain/cidr.ts";
import { DomainError } from "../../domain/errors.ts";
import { type SgDirection, type SgProtocol, type SgRuleInput, type SecurityGroupRule, SG_MAX_PRIORITY } from "../../domain/security-groups.ts";
import { AliyunError, badParam, missing } from "./errors.ts";
import type { Params } from "./params.ts";

/** The highest priority Alibaba accepts. */
export const ALI_MAX_PRIORITY = 100;

/** Fields a permission may carry, by direction (the SDK's AuthorizeSecurityGroup(Egress)RequestPermissions). */
const COMMON = ["Description", "IpProtocol", "NicType", "Policy", "PortRange", "PortRangeListId", "Priority", "SourcePortRange", "Ipv6SourceCidrIp", "Ipv6DestCidrIp", "SourceCidrIp", "DestCidrIp"];
export const PERMISSION_FIELDS: Record<SgDirection, readonly string[]> = {
  ingress: [...COMMON, "SourceGroupId", "SourceGroupOwnerAccount", "SourceGroupOwnerId", "SourcePrefixListId"],
  egress: [...COMMON, "DestGroupId", "DestGroupOwnerAccount", "DestGroupOwnerId", "DestPrefixListId"],
};

/** A permission as given: the rule, and the peer group's owner still as the caller named it. */
export interface ParsedPermission {
  /** The parameter prefix it came from ("" for the top-level form, else "Permissions.N."). */
  at: string;
  rule: SgRuleInput;
  /** For a group peer: SourceGroupOwnerAccount / SourceGroupOwnerId (or Dest…) as given. */
  owner?: { account?: string; id?: string };
}

const err = (code: string, status: number, message: string) => new AliyunError(code, status, message);

/** Where the peer is named: Source* for ingress, Dest* for egress. */
const side = (d: SgDirection) => (d === "ingress" ? "Source" : "Dest");

function protocolOf(v: string | undefined, name: string): SgProtocol {
  if (v === undefined || v === "") throw missing(name);
  const low = v.toLowerCase();
  if (low === "tcp" || low === "udp" || low === "icmp" || low === "all") return low;
  if (low === "gre" || low === "icmpv6" || /^\d{1,3}$/.test(low)) {
    throw err("InvalidIpProtocol.ValueNotSupported", 400, `The specified parameter "${name}" (${v.slice(0, 20)}) is not supported: vpcpeer filters TCP, UDP, ICMP and All.`);
  }
  throw err("InvalidIpProtocol.ValueNotSupported", 400, `The parameter "${name}" must be specified with case insensitive TCP, UDP, ICMP, GRE or All (got "${v.slice(0, 20)}").`);
}

/** "a/b" → [a, b]; tcp/udp ports 1–65535, icmp/all "-1/-1". */
function portsOf(protocol: SgProtocol, v: string | undefined, name: string): { fromPort?: number; toPort?: number } {
  if (v === undefined || v === "") {
    if (protocol === "tcp" || protocol === "udp") throw err("InvalidPortRange.Malformed", 400, `The specified parameter "${name}" must set for ${protocol.toUpperCase()}.`);
    return {};
  }
  const m = /^(-?\d{1,5})\/(-?\d{1,5})$/.exec(v);
  if (!m) throw err("InvalidParam.PortRange", 400, `The specified parameter "${name}" is not valid. It should be two integers less than 65535 in ?/? format (got "${v.slice(0, 20)}").`);
  const from = Number(m[1]);
  const to = Number(m[2]);
  if (protocol === "tcp" || protocol === "udp") {
    if (from === -1 && to === -1) throw err("InvalidIpProtocol.Malformed", 400, `The specified parameter "${name}" is not valid: ${protocol.toUpperCase()} takes ports from 1 to 65535 such as 22/22, not -1/-1.`);
    if (from < 1 || to > 65535 || to < 1 || from > 65535 || from > to) throw err("InvalidPortRange.Malformed", 400, `The specified parameter "${name}" is not valid: ${v} is not a range of ports from 1 to 65535, start not above end.`);
    return { fromPort: from, toPort: to };
  }
  if (from !== -1 || to !== -1) throw err("InvalidIpProtocol.Malformed", 400, `The specified parameter "${name}" is not valid: ${protocol.toUpperCase()} takes -1/-1 (got ${v}).`);
  return {};
}

function priorityOf(v: string | undefined, name: string): number {
  if (v === undefined || v === "") return 1;
  if (!/^-?\d{1,6}$/.test(v)) throw err("InvalidPriority.Malformed", 400, `The parameter "${name}" is invalid: "${v.slice(0, 20)}" is not an integer.`);
  const n = Number(v);
  if (n < 1 || n > ALI_MAX_PRIORITY) throw err("InvalidPriority.ValueNotSupported", 400, `The parameter "${name}" is invalid: priorities run from 1 to ${ALI_MAX_PRIORITY} (got ${n}).`);
  return n;
}

/** An IPv4 CIDR, or an address (a /32), with no host bits set. */
function cidrOf(v: string, name: string, code: string): string {
  const text = /^[0-9.]+$/.test(v) ? `${v}/32` : v;
  let network: string;
  try {
    network = formatCidr(parseCidr(text, name));
  } catch (e) {
    if (e instanceof DomainError) throw err(code, 400, `The specified parameter "${name}" is not valid: "${v.slice(0, 64)}" is not an IPv4 CIDR block such as 10.0.0.0/8.`);
    throw e;
  }
  if (network !== text) throw err(code, 400, `The specified parameter "${name}" is not valid: ${v} has host bits set; the block is ${network}.`);
  return network;
}

const unsupported = (name: string, what: string) => badParam(name, `${what} is not supported by vpcpeer`);

/** One permission's fields (`get`) with parameter names prefixed by `at`. */
export function parsePermission(direction: SgDirection, at: string, get: (f: string) => string | undefined, selfGroupId: string): ParsedPermission {
  const n = (f: string) => `${at}${f}`;
  const given = (f: string) => {
    const v = get(f);
    return v === undefined || v === "" ? undefined : v;
  };
  for (const f of ["Ipv6SourceCidrIp", "Ipv6DestCidrIp"]) if (given(f)) throw unsupported(n(f), "IPv6");
  for (const f of ["SourcePrefixListId", "DestPrefixListId"]) if (given(f)) throw unsupported(n(f), "a prefix list");
  if (given("PortRangeListId") && !given("PortRange")) throw unsupported(n("PortRangeListId"), "a port list");
  const sp = given("SourcePortRange");
  if (sp !== undefined && sp !== "-1/-1" && sp !== "1/65535") throw unsupported(n("SourcePortRange"), "a source port range (quintuple rule)");
  const nic = given("NicType");
  if (nic !== undefined && nic !== "intranet" && nic !== "internet") throw err("InvalidNicType.ValueNotSupported", 400, `The specified parameter "${n("NicType")}" is not valid: intranet or internet (got "${nic.slice(0, 20)}").`);

  const protocol = protocolOf(get("IpProtocol"), n("IpProtocol"));
  const ports = portsOf(protocol, given("PortRange"), n("PortRange"));
  const policyText = given("Policy")?.toLowerCase() ?? "accept";
  if (policyText !== "accept" && policyText !== "drop") throw err("InvalidPolicy.Malformed", 400, `The specified parameter "${n("Policy")}" is not valid: accept or drop (got "${String(given("Policy")).slice(0, 20)}").`);
  const priority = priorityOf(given("Priority"), n("Priority"));
  const description = get("Description");
  if (description !== undefined && description.length > 255) {
    throw err("InvalidSecurityGroupDiscription.Malformed", 400, `The specified security group rule description "${n("Description")}" is not valid: at most 255 characters here.`);
  }

  // The peer: the CIDR on the far side wins over a group (as the cloud documents).
  const s = side(direction);
  const near = direction === "ingress" ? "DestCidrIp" : "SourceCidrIp";
  if (given(near)) throw unsupported(n(near), `${near} on ${direction === "ingress" ? "an inbound" : "an outbound"} rule (a quintuple rule)`);
  const cidr = given(`${s}CidrIp`);
  const groupId = given(`${s}GroupId`);
  let peer: SgRuleInput["peer"];
  let owner: ParsedPermission["owner"];
  if (cidr !== undefined) {
    peer = { cidr: cidrOf(cidr, n(`${s}CidrIp`), `Invalid${s}CidrIp.Malformed`) };
  } else if (groupId !== undefined) {
    if (!/^sg-[A-Za-z0-9]{1,60}$/.test(groupId)) throw err(`Invalid${s}GroupId.NotFound`, 404, `The ${s}GroupId provided does not exist in our records.`);
    if (groupId === selfGroupId) {
      throw err("InvalidParamter.Conflict", 403, `The specified SecurityGroupId should be different from the ${s}GroupId (members of one basic group reach each other by its internal access policy).`);
    }
    peer = { securityGroupId: groupId };
    const account = given(`${s}GroupOwnerAccount`);
    const id = given(`${s}GroupOwnerId`);
    if (id !== undefined && !/^\d{1,20}$/.test(id)) throw badParam(n(`${s}GroupOwnerId`), `"${id.slice(0, 30)}" is not an account id`);
    if (account !== undefined && account.length > 128) throw badParam(n(`${s}GroupOwnerAccount`), "must be at most 128 characters");
    if (account !== undefined || id !== undefined) owner = { ...(account !== undefined ? { account } : {}), ...(id !== undefined ? { id } : {}) };
  } else {
    throw err(`MissingParameter.${s}`, 400, `One of the parameters ${s}CidrIp or ${s}GroupId${at ? ` in ${at.slice(0, -1)}` : ""} must be specified.`);
  }
  return {
    at,
    rule: { direction, protocol, ...ports, peer, action: policyText, priority, ...(description ? { description } : {}) },
    ...(owner ? { owner } : {}),
  };
}

/** The permissions of an Authorize/Revoke request: the top-level form or `Permissions.N`. */
export function parsePermissions(p: Params, direction: SgDirection, selfGroupId: string): ParsedPermission[] {
  const fields = PERMISSION_FIELDS[direction];
  const list = p.objects("Permissions", fields);
  const topLevel = fields.filter((f) => p.str(f) !== undefined && p.str(f) !== "");
  if (list.length > 0 && topLevel.length > 0) {
    throw err("InvalidParam.Permissions", 400, `The specified parameter Permissions cannot coexist with other parameters (${topLevel.slice(0, 3).join(", ")}).`);
  }
  if (list.length === 0) return [parsePermission(direction, "", (f) => p.str(f), selfGroupId)];
  return list.map((o) => parsePermission(direction, `${o.name}.`, o.get, selfGroupId));
}

/** A rule as ECS shows it in DescribeSecurityGroupAttribute's Permissions.Permission[]. */
export function permissionView(r: SecurityGroupRule, createdAt: string) {
  const ports =
    r.protocol === "tcp" || r.protocol === "udp"
      ? `${r.fromPort ?? 1}/${r.toPort ?? 65535}`
      : r.protocol === "icmp" && r.icmpType !== null
        ? `${r.icmpType}/${r.icmpCode ?? -1}`
        : "-1/-1";
  const ingress = r.direction === "ingress";
  const cidr = "cidr" in r.peer ? r.peer.cidr : "";
  const group = "securityGroupId" in r.peer ? r.peer : null;
  return {
    SecurityGroupRuleId: r.id,
    Direction: r.direction,
    IpProtocol: r.protocol.toUpperCase(),
    PortRange: ports,
    SourcePortRange: "",
    Policy: r.action === "accept" ? "Accept" : "Drop",
    // Alibaba answers Priority as text ("1").
    Priority: String(r.priority),
    NicType: "intranet",
    SourceCidrIp: ingress ? cidr : "",
    DestCidrIp: ingress ? "" : cidr,
    SourceGroupId: ingress && group ? group.securityGroupId : "",
    SourceGroupOwnerAccount: ingress && group ? group.accountId : "",
    SourceGroupName: "",
    DestGroupId: !ingress && group ? group.securityGroupId : "",
    DestGroupOwnerAccount: !ingress && group ? group.accountId : "",
    DestGroupName: "",
    Ipv6SourceCidrIp: "",
    Ipv6DestCidrIp: "",
    SourcePrefixListId: "",
    DestPrefixListId: "",
    Description: r.description,
    CreateTime: createdAt,
  };
}

/**
 * A basic group's implicit rules (ECS "Security group rules": with no custom rule, a basic group
 * admits its own members and lets everything out, evaluated after every custom rule): stored as
 * rules at the domain's last priority, so every Alibaba rule (1–100) comes first. The face does
 * not list them; InnerAccessPolicy reports the first.
 */
export const IMPLICIT_PRIORITY = SG_MAX_PRIORITY;

export function implicitRules(): SgRuleInput[] {
  return [{ direction: "egress", protocol: "all", peer: { cidr: "0.0.0.0/0" }, action: "accept", priority: IMPLICIT_PRIORITY, description: "basic group default: all outbound" }];
}

/** The implicit inner-access rule needs the group's own id, so it is added after the group exists. */
export function innerAccessRule(groupId: string, accountId: string): SgRuleInput {
  return { direction: "ingress", protocol: "all", peer: { securityGroupId: groupId, accountId }, action: "accept", priority: IMPLICIT_PRIORITY, description: "basic group default: members reach each other" };
}

/** Whether a stored rule is one of the implicit ones (hidden from Permissions). */
export function isImplicit(r: SecurityGroupRule): boolean {
  if (r.priority !== IMPLICIT_PRIORITY || r.protocol !== "all" || r.action !== "accept") return false;
  if (r.direction === "egress") return "cidr" in r.peer && r.peer.cidr === "0.0.0.0/0";
  return "securityGroupId" in r.peer && r.peer.securityGroupId === r.securityGroupId;
}
