/**
 * Security group rules as the console shows and edits them (web/src/pages/security-groups.tsx):
 * a rule in words, the rule editor's values to the API's rule input and back, the peer-group
 * picker's choices (the VPC's own groups, and the peer VPC of each active same-region peering),
 * and why a stale rule matches nothing. Pure, for unit tests.
 */
import type { SecurityGroupRule, SgRuleInput } from "../../src/domain/security-groups.ts";
import type { Peering } from "../../src/domain/resources.ts";

export type { SecurityGroup, SecurityGroupRule, SgRuleInput } from "../../src/domain/security-groups.ts";

type Values = Record<string, string | boolean>;
const str = (v: string | boolean | undefined): string => (typeof v === "string" ? v.trim() : "");

/** "tcp 80", "tcp 80–443", "udp (all ports)", "icmp type 8 code 0", "icmp (any type)", "all". */
export function portsText(r: Pick<SecurityGroupRule, "protocol" | "fromPort" | "toPort" | "icmpType" | "icmpCode">): string {
  if (r.protocol === "tcp" || r.protocol === "udp") {
    if (r.fromPort === null || (r.fromPort === 1 && r.toPort === 65535)) return `${r.protocol} (all ports)`;
    return r.fromPort === r.toPort ? `${r.protocol} ${r.fromPort}` : `${r.protocol} ${r.fromPort}–${r.toPort}`;
  }
  if (r.protocol === "icmp") {
    if (r.icmpType === null) return "icmp (any type)";
    return `icmp type ${r.icmpType}${r.icmpCode === null ? "" : ` code ${r.icmpCode}`}`;
  }
  return "all traffic";
}

/** "10.0.0.0/16", "group sg-… (this account)", "group sg-… of account 1234…". */
export function peerText(peer: SecurityGroupRule["peer"], me: string): string {
  if ("cidr" in peer) return peer.cidr;
  return peer.accountId === me ? `group ${peer.securityGroupId}` : `group ${peer.securityGroupId} of account ${peer.accountId}`;
}

/** The choices of the rule editor's Peer select: a CIDR, a group of this VPC, or one per active same-region peering. */
export interface PeerChoice {
  value: string;
  label: string;
  /** For a peering: its id, the peer VPC and its account (the group's owner). */
  peeringId?: string;
  peerVpcId?: string;
  peerAccountId?: string;
}

/** The side of a peering that is not `vpcId` (a peering between two VPCs of one account has both). */
export function otherSide(p: Peering, vpcId: string): Peering["requester"] {
  return p.requester.vpcId === vpcId ? p.accepter : p.requester;
}

/** Where a peer group may come from: this VPC, or across each ACTIVE peering within one region (AWS's rule; cross-region: use the CIDR). */
export function peerChoices(vpcId: string, peerings: readonly Peering[]): PeerChoice[] {
  const out: PeerChoice[] = [
    { value: "cidr", label: "a CIDR" },
    { value: "group", label: "a group of this VPC" },
  ];
  for (const p of peerings) {
    if (p.state !== "active" || p.crossRegion || p.origin === "router-interface") continue;
    const o = otherSide(p, vpcId);
    if (!o.vpcId) continue;
    out.push({ value: `pcx:${p.id}`, label: `a group of ${o.vpcId} (account ${o.accountId}) across ${p.id}`, peeringId: p.id, peerVpcId: o.vpcId, peerAccountId: o.accountId });
  }
  return out;
}

/** A typed peer group: "sg-…" or "123456789012/sg-…" (AWS's form). Undefined if neither. */
export function parseGroupRef(text: string): { securityGroupId: string; accountId?: string } | undefined {
  const m = /^(?:([0-9]+)\/)?(sg-[a-z0-9]+)$/.exec(text.trim());
  if (!m) return undefined;
  return m[1] ? { securityGroupId: m[2]!, accountId: m[1] } : { securityGroupId: m[2]! };
}

/** What is wrong with a typed peer group id before it is sent (the API checks it again). */
export function checkGroupRef(text: string): string | undefined {
  const t = text.trim();
  if (t === "") return "Type the peer VPC's group ID (sg-…).";
  if (!parseGroupRef(t)) return "A security group ID looks like sg-0123456789ab (or 123456789012/sg-… with its account).";
  const id = parseGroupRef(t)!.securityGroupId;
  if (id.length !== 15) return `After “sg-” come 12 letters and digits; this has ${id.length - 3}.`;
  return undefined;
}

/** What is wrong with a typed port or ICMP number (empty: any). The API decides the rest. */
export function checkNumber(text: string, min: number, max: number, what: string): string | undefined {
  const t = text.trim();
  if (t === "") return undefined;
  if (!/^\d+$/.test(t) || Number(t) < min || Number(t) > max) return `${what} is a whole number from ${min} to ${max}.`;
  return undefined;
}

const numOrNull = (v: string | boolean | undefined): number | null => (str(v) === "" ? null : Number(str(v)));

/**
 * The API's rule input from the editor's values. Fields the protocol does not use are left out;
 * numbers go as typed (a bad one is the API's to refuse, naming the field).
 */
export function ruleFromValues(v: Values, choices: readonly PeerChoice[], me: string): SgRuleInput {
  const protocol = str(v.protocol) as SgRuleInput["protocol"];
  const rule: SgRuleInput = { direction: str(v.direction) as SgRuleInput["direction"], protocol, peer: { cidr: str(v.cidr) } };
  if (protocol === "tcp" || protocol === "udp") {
    const from = numOrNull(v.fromPort);
    const to = numOrNull(v.toPort);
    if (from !== null) rule.fromPort = from;
    if (to !== null || from !== null) rule.toPort = to ?? from;
  } else if (protocol === "icmp") {
    const type = numOrNull(v.icmpType);
    const code = numOrNull(v.icmpCode);
    if (type !== null) rule.icmpType = type;
    if (code !== null) rule.icmpCode = code;
  }
  const peerKind = str(v.peerKind) || "cidr";
  if (peerKind === "group") rule.peer = { securityGroupId: str(v.peerGroup), accountId: me };
  else if (peerKind.startsWith("pcx:")) {
    const choice = choices.find((c) => c.value === peerKind);
    const typed = parseGroupRef(str(v.peerGroupId));
    rule.peer = { securityGroupId: typed?.securityGroupId ?? str(v.peerGroupId), accountId: typed?.accountId ?? choice?.peerAccountId ?? me };
  }
  rule.action = (str(v.action) || "accept") as SgRuleInput["action"];
  const priority = str(v.priority);
  rule.priority = priority === "" ? 1 : Number(priority);
  const description = str(v.description);
  if (description !== "") rule.description = description;
  return rule;
}

/**
 * The editor's values for an existing rule (Edit). A group peer of this VPC's groups is "group";
 * another account's (or another VPC's) is put under the peering that joins them, if one is offered,
 * else typed under the first peering (or, with none, left as a group of this VPC: the API refuses).
 */
export function valuesFromRule(r: SecurityGroupRule, ownGroupIds: readonly string[], choices: readonly PeerChoice[]): Values {
  const v: Values = {
    direction: r.direction,
    protocol: r.protocol,
    fromPort: r.fromPort === null ? "" : String(r.fromPort),
    toPort: r.toPort === null ? "" : String(r.toPort),
    icmpType: r.icmpType === null ? "" : String(r.icmpType),
    icmpCode: r.icmpCode === null ? "" : String(r.icmpCode),
    action: r.action,
    priority: String(r.priority),
    description: r.description,
    cidr: "",
    peerKind: "cidr",
    peerGroup: "",
    peerGroupId: "",
  };
  if ("cidr" in r.peer) v.cidr = r.peer.cidr;
  else if (ownGroupIds.includes(r.peer.securityGroupId)) {
    v.peerKind = "group";
    v.peerGroup = r.peer.securityGroupId;
  } else {
    const peer = r.peer;
    const across = choices.find((c) => c.peerAccountId === peer.accountId) ?? choices.find((c) => c.peeringId);
    v.peerKind = across ? across.value : "group";
    v.peerGroupId = across?.peerAccountId === peer.accountId ? peer.securityGroupId : `${peer.accountId}/${peer.securityGroupId}`;
  }
  return v;
}

/**
 * Why a stale rule matches nothing, naming the peering when it can be told: the newest of the VPC's
 * peerings with the peer group's side (its account, and for one's own group its VPC) that is not
 * active within one region.
 */
export function staleText(r: SecurityGroupRule, vpcId: string, peerings: readonly Peering[], peerGroupVpc?: string): string {
  if ("cidr" in r.peer) return "";
  const peer = r.peer;
  const candidates = peerings
    .filter((p) => {
      const o = otherSide(p, vpcId);
      return o.accountId === peer.accountId && (peerGroupVpc === undefined || o.vpcId === peerGroupVpc);
    })
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const p = candidates[0];
  if (!p) return `no active peering joins this VPC to ${peer.securityGroupId}'s; this rule matches nothing`;
  if (p.state === "active" && p.crossRegion) return `the peering ${p.id} crosses regions (use the peer's CIDR); this rule matches nothing`;
  return `the peering ${p.id} is not active (${p.state}); this rule matches nothing`;
}
