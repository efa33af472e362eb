/**
 * Security groups: stateful instance firewalls. Pure rules shared by the service (validation), the
 * data plane drivers (the order rules are evaluated in) and the analyzer (the verdict for a packet).
 *
 * Semantics (docs/concepts.md "Security groups"):
 * - An instance has 1–5 groups. For one direction, the rules of all its groups are evaluated
 *   together in `evaluationOrder`: by priority (1 first), a drop before an accept of the same
 *   priority; the first rule that matches decides. Nothing matches: dropped.
 *   (AWS: every rule accepts at priority 1, so the union of the allows. Alibaba: Priority 1–100,
 *   drop wins a tie. Tencent: the policy's position, its PolicyIndex, is its priority.)
 * - Stateful: packets of a connection an allowed packet opened (and their related ICMP) pass both
 *   ways without consulting the rules.
 * - Ingress filters packets that arrive at the instance through its port (the peer is their
 *   source); egress filters packets that leave through its port (the peer is their destination),
 *   whether the instance is their end or forwards them (an appliance).
 * - A rule's peer is a CIDR or a security group: the group's members' addresses. A group across a
 *   peering counts only while that peering is active and both VPCs are in one region; otherwise the
 *   rule is stale and matches nothing.
 */
import { parseCidr, formatCidr, parseIp, containsIp } from "./cidr.ts";
import { invalid, DomainError } from "./errors.ts";

export type SgDirection = "ingress" | "egress";
export type SgProtocol = "tcp" | "udp" | "icmp" | "all";
export type SgAction = "accept" | "drop";

export const SG_DIRECTIONS: readonly SgDirection[] = ["ingress", "egress"];
export const SG_PROTOCOLS: readonly SgProtocol[] = ["tcp", "udp", "icmp", "all"];
export const SG_ACTIONS: readonly SgAction[] = ["accept", "drop"];
/** Priorities run 1 (evaluated first) to SG_MAX_PRIORITY. */
export const SG_MAX_PRIORITY = 10000;

/** The other end of a rule's traffic: an IPv4 CIDR, or the members of a security group. */
export type SgPeer = { cidr: string } | { securityGroupId: string; accountId: string };

/** A rule as a caller gives it (before validation): absent fields take their defaults. */
export interface SgRuleInput {
  direction: SgDirection;
  protocol: SgProtocol;
  /** tcp/udp: the destination port range (both absent: every port). */
  fromPort?: number | null | undefined;
  toPort?: number | null | undefined;
  /** icmp: type and code (absent or null: any). */
  icmpType?: number | null | undefined;
  icmpCode?: number | null | undefined;
  /** A CIDR, or a group (accountId: the group's owner, default the caller). */
  peer: { cidr: string } | { securityGroupId: string; accountId?: string | undefined };
  /** Default accept. */
  action?: SgAction | undefined;
  /** Default 1. */
  priority?: number | undefined;
  description?: string | undefined;
}

/** A rule's content, validated and normalised (what makes two rules the same rule). */
export interface SgRuleSpec {
  direction: SgDirection;
  protocol: SgProtocol;
  /** tcp/udp: 1–65535 inclusive; other protocols: null. */
  fromPort: number | null;
  toPort: number | null;
  /** icmp only; null: any. */
  icmpType: number | null;
  icmpCode: number | null;
  peer: SgPeer;
  action: SgAction;
  priority: number;
  description: string;
}

export interface SecurityGroupRule extends SgRuleSpec {
  id: string;
  securityGroupId: string;
  /** A group peer whose peering is gone, not active, or crosses regions: it matches nothing. */
  stale: boolean;
  createdAt: string;
}

export interface SecurityGroup {
  id: string;
  accountId: string;
  vpcId: string;
  region: string;
  name: string;
  description: string;
  /** The VPC's default group: made with the VPC, given to instances that name no group, not deletable. */
  isDefault: boolean;
  tags: Record<string, string>;
  /** Ingress and egress, in evaluation order. */
  rules: SecurityGroupRule[];
  /** Counts every change of the rules (Tencent's SecurityGroupPolicySet.Version). */
  rulesVersion: number;
  createdAt: string;
  updatedAt: string;
}

/** What a new VPC's default group allows: `open` everything; `members-only` (AWS) ingress from its own members, all egress. */
export type DefaultGroupPreset = "open" | "members-only";
export const DEFAULT_GROUP_PRESETS: readonly DefaultGroupPreset[] = ["open", "members-only"];

export const MAX_GROUPS_PER_INSTANCE_HARD = 16;

/** The rules a default group starts with; `self` is the group's own id and account. */
export function presetRules(preset: DefaultGroupPreset, self: { securityGroupId: string; accountId: string }): SgRuleSpec[] {
  const all = (direction: SgDirection, peer: SgPeer): SgRuleSpec => ({
    direction,
    protocol: "all",
    fromPort: null,
    toPort: null,
    icmpType: null,
    icmpCode: null,
    peer,
    action: "accept",
    priority: 1,
    description: "",
  });
  if (preset === "open") return [all("ingress", { cidr: "0.0.0.0/0" }), all("egress", { cidr: "0.0.0.0/0" })];
  return [all("ingress", { ...self }), all("egress", { cidr: "0.0.0.0/0" })];
}

const isInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);

/**
 * Validates and normalises one rule. `field` prefixes error fields (e.g. `rules[2]`); `caller` is
 * the account a group peer defaults to. Errors: InvalidSecurityGroupRule naming the field.
 */
export function validateRule(input: SgRuleInput, field: string, caller: string): SgRuleSpec {
  const bad = (f: string, why: string, details: Record<string, unknown> = {}) => invalid("InvalidSecurityGroupRule", `${field}.${f}`, why, details);
  if (!SG_DIRECTIONS.includes(input.direction)) throw bad("direction", `must be one of ${SG_DIRECTIONS.join(", ")} (got ${JSON.stringify(input.direction)})`);
  if (!SG_PROTOCOLS.includes(input.protocol)) throw bad("protocol", `must be one of ${SG_PROTOCOLS.join(", ")} (got ${JSON.stringify(input.protocol)})`);
  const action = input.action ?? "accept";
  if (!SG_ACTIONS.includes(action)) throw bad("action", `must be accept or drop (got ${JSON.stringify(action)})`);
  const priority = input.priority ?? 1;
  if (!isInt(priority) || priority < 1 || priority > SG_MAX_PRIORITY) throw bad("priority", `must be an integer from 1 to ${SG_MAX_PRIORITY} (got ${JSON.stringify(priority)})`);
  const description = input.description ?? "";
  if (typeof description !== "string" || description.length > 255) throw bad("description", "must be text of at most 255 characters");

  let fromPort: number | null = null;
  let toPort: number | null = null;
  let icmpType: number | null = null;
  let icmpCode: number | null = null;
  const given = (v: unknown) => v !== undefined && v !== null;
  if (input.protocol === "tcp" || input.protocol === "udp") {
    if (given(input.icmpType) || given(input.icmpCode)) throw bad("icmpType", `applies to icmp rules only, not ${input.protocol}`);
    const f = input.fromPort ?? null;
    const t = input.toPort ?? null;
    if (f === null && t === null) {
      fromPort = 1;
      toPort = 65535;
    } else {
      const from = f ?? t;
      const to = t ?? f;
      if (!isInt(from) || from < 1 || from > 65535) throw bad("fromPort", `must be a port from 1 to 65535 (got ${JSON.stringify(f)})`);
      if (!isInt(to) || to < 1 || to > 65535) throw bad("toPort", `must be a port from 1 to 65535 (got ${JSON.stringify(t)})`);
      if (from > to) throw bad("fromPort", `${from} is above toPort ${to}`, { fromPort: from, toPort: to });
      fromPort = from;
      toPort = to;
    }
  } else {
    if (given(input.fromPort) || given(input.toPort)) throw bad("fromPort", `ports apply to tcp and udp rules only, not ${input.protocol}`);
    if (input.protocol === "icmp") {
      if (given(input.icmpType)) {
        if (!isInt(input.icmpType) || input.icmpType < 0 || input.icmpType > 255) throw bad("icmpType", `must be an ICMP type from 0 to 255 (got ${JSON.stringify(input.icmpType)})`);
        icmpType = input.icmpType;
      }
      if (given(input.icmpCode)) {
        if (icmpType === null) throw bad("icmpCode", "needs an icmpType");
        if (!isInt(input.icmpCode) || input.icmpCode < 0 || input.icmpCode > 255) throw bad("icmpCode", `must be an ICMP code from 0 to 255 (got ${JSON.stringify(input.icmpCode)})`);
        icmpCode = input.icmpCode;
      }
    } else if (given(input.icmpType) || given(input.icmpCode)) {
      throw bad("icmpType", "applies to icmp rules only, not all");
    }
  }

  let peer: SgPeer;
  const p = input.peer as Record<string, unknown> | undefined;
  if (p && typeof p === "object" && "cidr" in p && !("securityGroupId" in p)) {
    if (typeof p.cidr !== "string") throw bad("peer.cidr", "must be an IPv4 CIDR such as 10.0.0.0/16");
    let c;
    try {
      c = parseCidr(p.cidr, `${field}.peer.cidr`);
    } catch (e) {
      if (e instanceof DomainError && typeof e.details.suggestion === "string") {
        throw bad("peer.cidr", `${p.cidr} has host bits set; the network is ${e.details.suggestion}`, { cidr: p.cidr, network: e.details.suggestion });
      }
      if (e instanceof DomainError) throw bad("peer.cidr", `${JSON.stringify(p.cidr)} is not an IPv4 CIDR such as 10.0.0.0/16`);
      throw e;
    }
    const normal = formatCidr(c);
    if (normal !== p.cidr) throw bad("peer.cidr", `${p.cidr} has host bits set; the network is ${normal}`, { cidr: p.cidr, network: normal });
    peer = { cidr: normal };
  } else if (p && typeof p === "object" && "securityGroupId" in p && !("cidr" in p)) {
    if (typeof p.securityGroupId !== "string" || !/^sg-[a-z0-9]{12}$/.test(p.securityGroupId)) throw bad("peer.securityGroupId", `must be a security group id such as sg-0123456789ab (got ${JSON.stringify(p.securityGroupId)})`);
    const accountId = p.accountId ?? caller;
    if (typeof accountId !== "string" || !/^[1-9][0-9]{11,15}$/.test(accountId)) throw bad("peer.accountId", `must be an account id (got ${JSON.stringify(p.accountId)})`);
    peer = { securityGroupId: p.securityGroupId, accountId };
  } else {
    throw bad("peer", "give exactly one of cidr or securityGroupId");
  }
  return { direction: input.direction, protocol: input.protocol, fromPort, toPort, icmpType, icmpCode, peer, action, priority, description };
}

/** The text that makes two rules of one group the same rule (description excluded): DuplicateSecurityGroupRule compares it. */
export function ruleKey(r: SgRuleSpec): string {
  const peer = "cidr" in r.peer ? `cidr:${r.peer.cidr}` : `sg:${r.peer.accountId}/${r.peer.securityGroupId}`;
  return [r.direction, r.protocol, r.fromPort ?? "", r.toPort ?? "", r.icmpType ?? "", r.icmpCode ?? "", peer, r.action, r.priority].join("|");
}

/** Sorts rules into evaluation order: priority ascending, drop before accept; stable otherwise. */
export function evaluationOrder<T extends Pick<SgRuleSpec, "priority" | "action">>(rules: readonly T[]): T[] {
  return rules
    .map((r, i) => ({ r, i }))
    .sort((x, y) => x.r.priority - y.r.priority || (x.r.action === y.r.action ? 0 : x.r.action === "drop" ? -1 : 1) || x.i - y.i)
    .map((x) => x.r);
}

/** One packet as a security group sees it, from the instance's side. */
export interface SgPacket {
  direction: SgDirection;
  protocol: "tcp" | "udp" | "icmp";
  /** Ingress: the source address; egress: the destination address. */
  peerIp: string;
  /** tcp/udp: the destination port. */
  port?: number | undefined;
  icmpType?: number | undefined;
  icmpCode?: number | undefined;
}

/**
 * A rule as the data plane and analyzer use it: its group peer resolved to the member addresses
 * (empty when the rule is stale).
 */
export interface ResolvedSgRule {
  id: string;
  securityGroupId: string;
  direction: SgDirection;
  protocol: SgProtocol;
  fromPort: number | null;
  toPort: number | null;
  icmpType: number | null;
  icmpCode: number | null;
  action: SgAction;
  priority: number;
  /** The peer: CIDRs (a CIDR rule: one; a group rule: the members' /32s; stale: none). */
  cidrs: string[];
  /** Set for a group rule: the referenced group (OVN names an address set after it). */
  peerGroupId: string | null;
  stale: boolean;
}

export function ruleMatches(r: ResolvedSgRule, p: SgPacket): boolean {
  if (r.direction !== p.direction || r.stale) return false;
  if (r.protocol !== "all" && r.protocol !== p.protocol) return false;
  if (r.protocol === "tcp" || r.protocol === "udp") {
    if (p.port === undefined || p.port < (r.fromPort ?? 1) || p.port > (r.toPort ?? 65535)) return false;
  }
  if (r.protocol === "icmp") {
    if (r.icmpType !== null && r.icmpType !== p.icmpType) return false;
    if (r.icmpCode !== null && r.icmpCode !== p.icmpCode) return false;
  }
  const ip = parseIp(p.peerIp);
  if (ip === null) return false;
  return r.cidrs.some((c) => containsIp(parseCidr(c, "cidr"), ip));
}

/** The verdict of an instance's groups on a new connection's first packet: the deciding rule, or none (dropped by default). */
export function evaluate(rules: readonly ResolvedSgRule[], p: SgPacket): { action: SgAction; rule: ResolvedSgRule | null } {
  for (const r of evaluationOrder(rules.filter((x) => x.direction === p.direction))) {
    if (ruleMatches(r, p)) return { action: r.action, rule: r };
  }
  return { action: "drop", rule: null };
}

/**
 * Whether an instance whose groups hold `rules` lets every packet through both ways: in each
 * direction the first rule that can match anything (not stale, with peers) accepts all protocols
 * from/to 0.0.0.0/0. The drivers leave such an instance (an open default group) unfiltered: the
 * same verdicts without a ruleset or conntrack on its port.
 */
export function acceptsEverything(rules: readonly ResolvedSgRule[]): boolean {
  return SG_DIRECTIONS.every((d) => {
    const first = evaluationOrder(rules.filter((x) => x.direction === d && !x.stale && x.cidrs.length > 0))[0];
    return first !== undefined && first.action === "accept" && first.protocol === "all" && first.cidrs.includes("0.0.0.0/0");
  });
}
