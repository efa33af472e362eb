/**
 * Security group rules as OVN ACLs (pure): the ACL priority that gives an instance's rules, over
 * all its groups, the domain's evaluation order, and the match of one rule.
 *
 * Semantics (src/domain/security-groups.ts): for one direction, all rules of an instance's groups
 * are evaluated together, priority 1 first, a drop before an accept of the same priority; the first
 * match decides; nothing matches: dropped. Each group is a Port_Group, its rules ACLs on it:
 * ingress `to-lport` with `outport == @pg` (packets delivered to the instance's port), egress
 * `from-lport` with `inport == @pg` (packets leaving it, forwarded ones too). OVN evaluates the
 * ACLs that apply to a packet by descending priority, across port groups, so one global mapping
 * of (priority, action) to an ACL priority gives the order: 1 → 21000 (accept) / 21001 (drop) …
 * 10000 → 1002 / 1003. Below them, at 1000, each group drops the IPv4 its rules did not match
 * (ARP and IPv6 neighbour discovery pass). Accepts are `allow-related`: conntrack lets a
 * connection's replies and related ICMP through both ways without the rules. Above every rule, at
 * 21002, each group passes the packets of established connections in both directions: OVN would
 * otherwise evaluate a connection's further packets in its original direction against the rules
 * again, so removing the rule that admitted it (or adding a drop) would cut it. With this ACL,
 * rule changes apply to new connections only, as on the Linux driver and in the clouds.
 */
import type { ResolvedSgRule, SgAction } from "../../domain/security-groups.ts";

/** The ACL priority of a group's default drop: below every rule's. */
export const SG_DEFAULT_DROP_PRIORITY = 1000;
/** Priorities the rules take: SG_DEFAULT_DROP_PRIORITY + 2 … SG_DEFAULT_DROP_PRIORITY + 20001. */
export const SG_ACL_BASE = SG_DEFAULT_DROP_PRIORITY;
/** The ACL priority of a group's pass for established connections: above every rule's. */
export const SG_ESTABLISHED_PRIORITY = SG_ACL_BASE + 2 * 10001 + 2;

/** The ACL priority of a rule: lower rule priority numbers first; a drop before an accept of the same priority. */
export function aclPriority(priority: number, action: SgAction): number {
  return SG_ACL_BASE + 2 * (10001 - priority) + (action === "drop" ? 1 : 0);
}

/** The ACL action of a rule. */
export function aclAction(action: SgAction): "allow-related" | "drop" {
  return action === "accept" ? "allow-related" : "drop";
}

/** The ACL direction and the port side a group's ACLs of one direction match on. */
export function aclSide(direction: ResolvedSgRule["direction"], portGroup: string): { direction: "to-lport" | "from-lport"; port: string } {
  return direction === "ingress" ? { direction: "to-lport", port: `outport == @${portGroup}` } : { direction: "from-lport", port: `inport == @${portGroup}` };
}

/**
 * The match of one rule on its group's port group, or null when it matches nothing (stale, or a
 * CIDR rule with no CIDR). `addressSet`: the `$name` of the peer group's members, for a group rule.
 */
export function aclMatch(rule: ResolvedSgRule, portGroup: string, addressSet: string | null): string | null {
  if (rule.stale) return null;
  const peerField = rule.direction === "ingress" ? "ip4.src" : "ip4.dst";
  const parts = [aclSide(rule.direction, portGroup).port, "ip4"];
  if (rule.peerGroupId !== null) {
    if (addressSet === null) return null;
    parts.push(`${peerField} == $${addressSet}`);
  } else {
    const cidrs = [...new Set(rule.cidrs)].sort();
    if (cidrs.length === 0) return null;
    if (!cidrs.includes("0.0.0.0/0")) parts.push(cidrs.length === 1 ? `${peerField} == ${cidrs[0]}` : `${peerField} == {${cidrs.join(", ")}}`);
  }
  if (rule.protocol === "tcp" || rule.protocol === "udp") {
    parts.push(rule.protocol);
    const from = rule.fromPort ?? 1;
    const to = rule.toPort ?? 65535;
    const field = `${rule.protocol}.dst`;
    if (from === to) parts.push(`${field} == ${from}`);
    else if (from !== 1 || to !== 65535) parts.push(`${field} >= ${from} && ${field} <= ${to}`);
  } else if (rule.protocol === "icmp") {
    parts.push("icmp4");
    if (rule.icmpType !== null) parts.push(`icmp4.type == ${rule.icmpType}`);
    if (rule.icmpCode !== null) parts.push(`icmp4.code == ${rule.icmpCode}`);
  }
  return parts.join(" && ");
}

/** The match of a group's pass for established connections in one direction. */
export function establishedMatch(direction: ResolvedSgRule["direction"], portGroup: string): string {
  return `${aclSide(direction, portGroup).port} && ip4 && ct.est`;
}

/** The match of a group's default drop in one direction: any IPv4 on its ports. */
export function defaultDropMatch(direction: ResolvedSgRule["direction"], portGroup: string): string {
  return `${aclSide(direction, portGroup).port} && ip4`;
}
