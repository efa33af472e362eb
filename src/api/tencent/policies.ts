/**
 * Tencent security group policies (`SecurityGroupPolicy`) and vpcpeer rules, both ways.
 *
 * A Tencent group holds two ordered lists, Ingress and Egress; a policy's place in its list is its
 * `PolicyIndex` (0 first) and the first policy that matches decides (ACCEPT or DROP). vpcpeer
 * evaluates rules by priority, so this face keeps each direction numbered priority = index + 1:
 * every change reads the direction, edits the list and writes it back whole
 * (services.securityGroups.setRules), which renumbers it. PolicyIndex is therefore the position in
 * the direction's evaluation order, for groups made through any face.
 *
 * Input syntax (CreateSecurityGroupPolicies 215/15807, the SDK's SecurityGroupPolicy):
 * - Protocol TCP, UDP, ICMP or ALL, any case (ICMPV6 and GRE: refused, IPv4 TCP/UDP/ICMP only).
 * - Port (TCP/UDP only): `80`, `8000-8010`, `ALL`/absent (every port), or a discrete list
 *   `80,443,8000-8010`, which becomes one rule per item, in that order, at consecutive indexes.
 *   ICMP and ALL take no port (`ALL`, `all` or empty are accepted as "none").
 * - CidrBlock (an IPv4 CIDR, or one address = /32; host bits are cleared, so `0.0.0.0/n` is
 *   `0.0.0.0/0` as Tencent documents) or SecurityGroupId, exactly one. A group of another account
 *   (across an active peering) is written `<Uin>/sg-…`, or plain when the group's VPC has exactly
 *   one peer account (see resolvePeers in actions/security-groups.ts).
 * - Action ACCEPT or DROP (any case), PolicyDescription up to 100 characters.
 * - Ipv6CidrBlock, AddressTemplate and ServiceTemplate name things this service has no
 *   counterpart for: refused when given non-empty (the Describe output's empty ones round-trip).
 * - ModifyTime and Priority are output fields: accepted and ignored, so a Describe output can be
 *   sent back as it is.
 */
import { formatCidr, parseIp } from "../../domain/cidr.ts";
import { type SecurityGroup, type SecurityGroupRule, type SgDirection, type SgRuleInput, ruleKey, validateRule, evaluationOrder } from "../../domain/security-groups.ts";
import { DomainError } from "../../domain/errors.ts";
import { TencentError, invalidValue, missing } from "./errors.ts";
import { Params } from "./params.ts";
import { tencentTime } from "./shapes.ts";

export const POLICY_FIELDS = [
  "PolicyIndex",
  "Protocol",
  "Port",
  "ServiceTemplate",
  "CidrBlock",
  "Ipv6CidrBlock",
  "SecurityGroupId",
  "AddressTemplate",
  "Action",
  "PolicyDescription",
  "ModifyTime",
  "Priority",
] as const;

/** The SecurityGroupPolicySet's fields (PolicyStatistics is output only, accepted and ignored). */
export const POLICY_SET_FIELDS = ["Version", "Egress", "Ingress", "PolicyStatistics"] as const;

/** Tencent's list names and ours. */
export const LISTS: readonly { list: "Ingress" | "Egress"; direction: SgDirection }[] = [
  { list: "Ingress", direction: "ingress" },
  { list: "Egress", direction: "egress" },
];
export const listOf = (d: SgDirection) => (d === "ingress" ? "Ingress" : "Egress");

/** At most this many policies per list in one request: a bound on the work, above the service's rules-per-group quota (LimitExceeded). */
export const MAX_POLICIES = 1000;
/** At most this many items in a discrete port list. */
export const MAX_PORT_ITEMS = 15;
const DESCRIPTION_MAX = 100;

/** A rule as this face builds it: its priority comes from its place. */
export type RuleDraft = Omit<SgRuleInput, "priority">;

/** One parsed policy: its PolicyIndex (if given) and the rules it stands for (several for a port list). */
export interface ParsedPolicy {
  index: number | undefined;
  /** The parameter prefix, for messages: `SecurityGroupPolicySet.Ingress.0`. */
  where: string;
  rules: RuleDraft[];
}

const SG_ID = /^sg-[a-z0-9]{1,40}$/;
const CROSS_ACCOUNT_SG = /^([1-9][0-9]{0,19})\/(sg-[a-z0-9]{1,40})$/;

/** A template object (`{ServiceId, ServiceGroupId}`): empty ids are what Describe shows; any id names a template that cannot exist here. */
function noTemplate(p: Params, k: "ServiceTemplate" | "AddressTemplate"): void {
  if (!p.has(k)) return;
  const fields = k === "ServiceTemplate" ? ["ServiceId", "ServiceGroupId"] : ["AddressId", "AddressGroupId"];
  const t = p.object(k, fields)!;
  for (const f of fields) {
    const id = t.str(f, false, { max: 64, min: 0 });
    if (id) throw new TencentError("ResourceNotFound", `\`${t.name(f)}\`: no ${k === "ServiceTemplate" ? "protocol port" : "IP address"} template \`${id}\` exists; this service has no parameter templates (give ${k === "ServiceTemplate" ? "Protocol and Port" : "CidrBlock or SecurityGroupId"}).`);
  }
}

/** Text that is empty or absent reads as absent (Describe's output carries "" for the fields a policy does not use). */
function optText(p: Params, k: string, max: number): string | undefined {
  const v = p.str(k, false, { max, min: 0 });
  return v === undefined || v === "" ? undefined : v;
}

/** `80`, `8000-8010`, `80,443` → port ranges; `ALL`/absent → every port (null). */
export function parsePorts(text: string | undefined, where: string): [number, number][] | null {
  if (text === undefined || text === "" || text.toUpperCase() === "ALL") return null;
  const items = text.split(",");
  if (items.length > MAX_PORT_ITEMS) throw invalidValue(where, `at most ${MAX_PORT_ITEMS} ports or ranges may be listed`, "InvalidParameterValue.Range");
  return items.map((item) => {
    const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(item.trim());
    if (!m) throw invalidValue(where, `\`${text.slice(0, 64)}\` is not a port (80), a range (8000-8010), a list of them (80,443) or ALL`, "InvalidParameterValue.Malformed");
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    for (const port of [from, to]) if (port < 1 || port > 65535) throw invalidValue(where, `port ${port} is out of range 1-65535`, "InvalidParameterValue.Range");
    if (from > to) throw invalidValue(where, `the range ${from}-${to} runs backwards`, "InvalidParameterValue.Range");
    return [from, to] as [number, number];
  });
}

/** An IPv4 CIDR or address, host bits cleared (`0.0.0.0/n` → `0.0.0.0/0`). */
export function parsePolicyCidr(text: string, where: string): string {
  const slash = text.indexOf("/");
  const ip = parseIp(slash < 0 ? text : text.slice(0, slash));
  const prefixText = slash < 0 ? "32" : text.slice(slash + 1);
  if (ip === null || !/^(0|[1-9][0-9]?)$/.test(prefixText) || Number(prefixText) > 32) {
    if (text === "MY_PUBLIC_IP") throw invalidValue(where, "MY_PUBLIC_IP has no meaning here: requests do not come from a public address of this network. Give the CIDR.", "InvalidParameterValue.Malformed");
    throw invalidValue(where, `\`${text.slice(0, 64)}\` is not an IPv4 CIDR block (10.0.0.0/16) or address`, "InvalidParameterValue.Malformed");
  }
  // Tencent: "0.0.0.0/n 都会映射为0.0.0.0/0".
  const prefix = ip === 0 && slash >= 0 ? 0 : Number(prefixText);
  const base = prefix === 0 ? 0 : ip - (ip % 2 ** (32 - prefix));
  return formatCidr({ base, prefix });
}

/**
 * One SecurityGroupPolicy as vpcpeer rules (without priority), checked as Tencent checks it and
 * then by the domain's validateRule, so the service is only asked for what it can take.
 */
export function parsePolicy(p: Params, direction: SgDirection, caller: string): ParsedPolicy {
  const where = p.name("").replace(/\.$/, "");
  const index = p.int("PolicyIndex", false, { min: 0, max: 100_000 });
  p.int("Priority", false);
  p.str("ModifyTime", false, { max: 64, min: 0 });
  noTemplate(p, "ServiceTemplate");
  noTemplate(p, "AddressTemplate");
  const protocolText = p.str("Protocol", true, { max: 16 });
  const protocol = protocolText.toUpperCase();
  if (protocol === "ICMPV6" || protocol === "GRE") throw invalidValue(p.name("Protocol"), `${protocolText} is not supported here: security groups filter IPv4 TCP, UDP and ICMP (or ALL).`);
  if (!["TCP", "UDP", "ICMP", "ALL"].includes(protocol)) throw invalidValue(p.name("Protocol"), `\`${protocolText.slice(0, 16)}\` is not one of TCP, UDP, ICMP, ALL.`);
  const portText = p.str("Port", false, { max: 256, min: 0 });
  let ports: [number, number][] | null = null;
  if (protocol === "TCP" || protocol === "UDP") ports = parsePorts(portText, p.name("Port"));
  else if (portText !== undefined && portText !== "" && portText.toUpperCase() !== "ALL") {
    throw invalidValue(p.name("Port"), `a port applies to TCP and UDP policies only, not ${protocol} (leave Port out or give ALL).`);
  }
  if (optText(p, "Ipv6CidrBlock", 64) !== undefined) throw invalidValue(p.name("Ipv6CidrBlock"), "IPv6 is not supported here: give an IPv4 CidrBlock.");
  const cidrText = optText(p, "CidrBlock", 64);
  const groupText = optText(p, "SecurityGroupId", 64);
  if (cidrText !== undefined && groupText !== undefined) {
    throw new TencentError("InvalidParameter.Coexist", `The parameters \`${p.name("CidrBlock")}\` and \`${p.name("SecurityGroupId")}\` cannot be specified at the same time.`);
  }
  let peer: SgRuleInput["peer"];
  if (cidrText !== undefined) peer = { cidr: parsePolicyCidr(cidrText, p.name("CidrBlock")) };
  else if (groupText !== undefined) {
    const cross = CROSS_ACCOUNT_SG.exec(groupText);
    if (cross) peer = { securityGroupId: cross[2]!, accountId: cross[1]! };
    else if (SG_ID.test(groupText)) peer = { securityGroupId: groupText };
    else throw invalidValue(p.name("SecurityGroupId"), `\`${groupText.slice(0, 64)}\` is not a security group id (sg-…, or <Uin>/sg-… for a peer account's group)`, "InvalidParameterValue.Malformed");
  } else throw missing(p.name("CidrBlock"));
  const actionText = p.str("Action", true, { max: 16 });
  const action = actionText.toUpperCase();
  if (action !== "ACCEPT" && action !== "DROP") throw invalidValue(p.name("Action"), `\`${actionText.slice(0, 16)}\` is not ACCEPT or DROP.`);
  const description = p.str("PolicyDescription", false, { max: DESCRIPTION_MAX, min: 0 }) ?? "";

  const base: RuleDraft = { direction, protocol: protocol.toLowerCase() as SgRuleInput["protocol"], peer, action: action === "ACCEPT" ? "accept" : "drop", description };
  const rules = ports === null ? [base] : ports.map(([fromPort, toPort]) => ({ ...base, fromPort, toPort }));
  for (const r of rules) checkDomain(r, where, caller);
  return { index, where, rules };
}

/** The domain's own validation, its message under the Tencent parameter's name. */
function checkDomain(r: RuleDraft, where: string, caller: string): void {
  try {
    validateRule({ ...r, priority: 1 }, where, caller);
  } catch (e) {
    if (e instanceof DomainError) throw new TencentError("InvalidParameterValue", e.message);
    throw e;
  }
}

/** The policies of one list of a SecurityGroupPolicySet. */
export function parseList(set: Params, list: "Ingress" | "Egress", caller: string): ParsedPolicy[] {
  const direction: SgDirection = list === "Ingress" ? "ingress" : "egress";
  return set.objects(list, POLICY_FIELDS, false, MAX_POLICIES).map((p) => parsePolicy(p, direction, caller));
}

/** SecurityGroupPolicySet.Version: digits; absent means "do not compare". */
export function parseVersion(set: Params): number | undefined {
  const v = set.str("Version", false, { number: true, max: 20, min: 0 });
  if (v === undefined || v === "") return undefined;
  if (!/^\d{1,15}$/.test(v)) throw invalidValue(set.name("Version"), `\`${v.slice(0, 20)}\` is not a version number`, "InvalidParameterValue.Malformed");
  return Number(v);
}

/** A stored rule back as a draft (its content, not its id or priority). */
export function draftOf(r: SecurityGroupRule): RuleDraft {
  return {
    direction: r.direction,
    protocol: r.protocol,
    fromPort: r.fromPort,
    toPort: r.toPort,
    icmpType: r.icmpType,
    icmpCode: r.icmpCode,
    peer: "cidr" in r.peer ? { cidr: r.peer.cidr } : { securityGroupId: r.peer.securityGroupId, accountId: r.peer.accountId },
    action: r.action,
    description: r.description,
  };
}

/** One direction's rules in Tencent order: the evaluation order (priority, then drop before accept). */
export function ordered(group: SecurityGroup, direction: SgDirection): SecurityGroupRule[] {
  return evaluationOrder(group.rules.filter((r) => r.direction === direction));
}

/** Drafts numbered by place: priority = index + 1. */
export const numbered = (drafts: readonly RuleDraft[]): SgRuleInput[] => drafts.map((d, i) => ({ ...d, priority: i + 1 }));

/** What makes two policies of a list the same policy for Tencent: everything but place and description. */
export function contentKey(d: RuleDraft, caller: string): string {
  return ruleKey({ ...validateRule({ ...d, priority: 1 }, "rule", caller), priority: 1, description: "" });
}

/** Refuses a list holding the same policy twice (UnsupportedOperation.DuplicatePolicy), naming where the second came from. */
export function checkNoDuplicates(list: readonly { draft: RuleDraft; where: string }[], caller: string): void {
  const seen = new Map<string, string>();
  for (const { draft, where } of list) {
    const key = contentKey(draft, caller);
    const first = seen.get(key);
    if (first !== undefined) {
      throw new TencentError("UnsupportedOperation.DuplicatePolicy", `\`${where}\` is the same policy as ${first}: a group's ${listOf(draft.direction)} list holds each policy once.`);
    }
    seen.set(key, where);
  }
}

/** A rule as Tencent shows it; `index` is its PolicyIndex. */
export function policyShape(r: SecurityGroupRule, index: number, caller: string) {
  const isTcpUdp = r.protocol === "tcp" || r.protocol === "udp";
  const port = !isTcpUdp || (r.fromPort === 1 && r.toPort === 65535) ? "ALL" : r.fromPort === r.toPort ? String(r.fromPort) : `${r.fromPort}-${r.toPort}`;
  const group = "securityGroupId" in r.peer ? (r.peer.accountId === caller ? r.peer.securityGroupId : `${r.peer.accountId}/${r.peer.securityGroupId}`) : "";
  return {
    PolicyIndex: index,
    Protocol: r.protocol.toUpperCase(),
    Port: port,
    ServiceTemplate: { ServiceId: "", ServiceGroupId: "" },
    CidrBlock: "cidr" in r.peer ? r.peer.cidr : "",
    Ipv6CidrBlock: "",
    SecurityGroupId: group,
    AddressTemplate: { AddressId: "", AddressGroupId: "" },
    Action: r.action === "accept" ? "ACCEPT" : "DROP",
    PolicyDescription: r.description,
    ModifyTime: tencentTime(r.createdAt),
    Priority: r.priority,
  };
}

/** The group's SecurityGroupPolicySet as DescribeSecurityGroupPolicies answers it. */
export function policySetShape(group: SecurityGroup, caller: string) {
  const ingress = ordered(group, "ingress");
  const egress = ordered(group, "egress");
  return {
    Version: String(group.rulesVersion),
    Egress: egress.map((r, i) => policyShape(r, i, caller)),
    Ingress: ingress.map((r, i) => policyShape(r, i, caller)),
    PolicyStatistics: { IngressIPv4TotalCount: ingress.length, IngressIPv6TotalCount: 0, EgressIPv4TotalCount: egress.length, EgressIPv6TotalCount: 0 },
  };
}
