/**
 * Security groups on the Linux data plane: an nftables table in each filtered instance's namespace
 * (compiled here, pure), observed with `nft -j list table` (parsed here, pure) and replaced
 * atomically with one `nft -f -` transaction when it differs (diff.ts, kernel.ts).
 *
 * The table `inet vpcpeer` holds two base chains, both `policy accept` so that they only ever
 * judge the instance port's traffic (eth0 inside the namespace):
 *   ingress  (hook prerouting):  packets arriving through the port — the peer is their source;
 *   egress   (hook postrouting): packets leaving through the port — the peer is their destination.
 * Both hooks also see what an appliance instance forwards. Each chain lets other interfaces' packets
 * by, accepts `ct state established,related` (statefulness: conntrack runs before priority 0),
 * then the rules of all the instance's groups for that direction in evaluationOrder (first match
 * decides), then an explicit drop (no match = dropped). A stale rule, or a group rule whose group
 * has no members, emits nothing.
 *
 * Every rule carries a comment `<label> <hash of its text>`: observing compares the chains' hooks
 * and these comments in order, so a rule deleted, added or rewritten by hand is seen as drift.
 */
import { evaluationOrder, type ResolvedSgRule, type SgDirection } from "../domain/security-groups.ts";

export const FW_FAMILY = "inet";
export const FW_TABLE = "vpcpeer";
/** The instance's port inside its namespace. */
export const FW_PORT = "eth0";

export interface FwRule {
  /** The rule as nft reads it, without its comment. */
  text: string;
  /** Its comment: a label (the security group rule's id, or what the fixed rule does) and a hash of `text`. */
  tag: string;
}

export interface FwChain {
  name: SgDirection;
  hook: "prerouting" | "postrouting";
  rules: FwRule[];
}

/** An instance's firewall: the two chains of its table. */
export interface FirewallPlan {
  chains: FwChain[];
}

/** What `nft -j list table inet vpcpeer` shows, reduced to what a plan is compared on. */
export interface ObservedFirewall {
  chains: { name: string; type?: string; hook?: string; prio?: number; policy?: string; tags: string[] }[];
  /** Sets, maps and other objects in the table (we make none). */
  others: number;
}

/** 32-bit FNV-1a of a string, as 8 hex digits. */
export function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

const rule = (label: string, text: string): FwRule => ({ text, tag: `${label} ${fnv1a(text)}` });

/** The nft text of one security group rule for `direction`, or null when it matches nothing (stale, no peers). */
export function ruleText(r: ResolvedSgRule, direction: SgDirection): string | null {
  if (r.stale || r.direction !== direction) return null;
  const cidrs = [...new Set(r.cidrs.map((c) => (c.endsWith("/32") ? c.slice(0, -3) : c)))];
  if (cidrs.length === 0) return null;
  const parts = [`ip ${direction === "ingress" ? "saddr" : "daddr"} ${cidrs.length === 1 ? cidrs[0] : `{ ${cidrs.join(", ")} }`}`];
  if (r.protocol === "tcp" || r.protocol === "udp") {
    const from = r.fromPort ?? 1;
    const to = r.toPort ?? 65535;
    if (from <= 1 && to >= 65535) parts.push(`meta l4proto ${r.protocol}`);
    else parts.push(`${r.protocol} dport ${from === to ? from : `${from}-${to}`}`);
  } else if (r.protocol === "icmp") {
    if (r.icmpType === null) parts.push("meta l4proto icmp");
    else parts.push(`icmp type ${r.icmpType}${r.icmpCode !== null ? ` icmp code ${r.icmpCode}` : ""}`);
  }
  parts.push(r.action);
  return parts.join(" ");
}

/**
 * The firewall of an instance whose groups' rules are `rules` (the groups in the instance's order,
 * each group's rules in its order; evaluationOrder keeps that order among equals).
 */
export function compileFirewall(rules: readonly ResolvedSgRule[]): FirewallPlan {
  const chain = (name: SgDirection, hook: FwChain["hook"]): FwChain => {
    const dev = name === "ingress" ? "iifname" : "oifname";
    const out: FwRule[] = [rule("other-ports", `${dev} != "${FW_PORT}" accept`), rule("stateful", "ct state established,related accept")];
    for (const r of evaluationOrder(rules.filter((x) => x.direction === name))) {
      const text = ruleText(r, name);
      if (text !== null) out.push(rule(r.id, text));
    }
    out.push(rule("no-match", "drop"));
    return { name, hook, rules: out };
  };
  return { chains: [chain("ingress", "prerouting"), chain("egress", "postrouting")] };
}

const TABLE = `${FW_FAMILY} ${FW_TABLE}`;

/**
 * One nft transaction that replaces the table with `plan` (or only removes it): declaring the
 * table first makes the delete succeed when there is none, and nft applies the whole input
 * atomically, so packets see either the old ruleset or the new one.
 */
export function firewallScript(plan: FirewallPlan | null): string {
  const lines = [`table ${TABLE}`, `delete table ${TABLE}`];
  if (plan) {
    lines.push(`table ${TABLE} {`);
    for (const c of plan.chains) {
      lines.push(`  chain ${c.name} {`, `    type filter hook ${c.hook} priority 0; policy accept;`);
      for (const r of c.rules) lines.push(`    ${r.text} comment "${r.tag}"`);
      lines.push("  }");
    }
    lines.push("}");
  }
  return lines.join("\n") + "\n";
}

interface NftItem {
  table?: unknown;
  chain?: { name: string; type?: string; hook?: string; prio?: number; policy?: string };
  rule?: { chain: string; comment?: string };
  metainfo?: unknown;
}

/** Parses `nft -j list table inet vpcpeer`; null when there is no such table (empty output). */
export function parseFirewall(json: string): ObservedFirewall | null {
  const text = json.trim();
  if (!text) return null;
  let items: NftItem[];
  try {
    items = (JSON.parse(text) as { nftables?: NftItem[] }).nftables ?? [];
  } catch {
    return null;
  }
  if (!items.some((i) => i.table)) return null;
  const chains: ObservedFirewall["chains"] = [];
  let others = 0;
  for (const i of items) {
    if (i.chain) {
      const c = i.chain;
      chains.push({ name: c.name, tags: [], ...(c.type ? { type: c.type } : {}), ...(c.hook ? { hook: c.hook } : {}), ...(c.prio !== undefined ? { prio: c.prio } : {}), ...(c.policy ? { policy: c.policy } : {}) });
    } else if (i.rule) {
      const c = chains.find((x) => x.name === i.rule!.chain);
      if (c) c.tags.push(i.rule.comment ?? "");
      else others++;
    } else if (!i.table && !i.metainfo) {
      others++;
    }
  }
  return { chains, others };
}

/** What the kernel shows once `plan` is installed exactly. */
export function observedOf(plan: FirewallPlan): ObservedFirewall {
  return { chains: plan.chains.map((c) => ({ name: c.name, type: "filter", hook: c.hook, prio: 0, policy: "accept", tags: c.rules.map((r) => r.tag) })), others: 0 };
}

/** Whether the observed table is exactly `plan` (same chains and hooks, same rules in the same order). */
export function sameFirewall(plan: FirewallPlan, observed: ObservedFirewall): boolean {
  return JSON.stringify(observedOf(plan)) === JSON.stringify(normalise(observed));
}

const normalise = (o: ObservedFirewall): ObservedFirewall => ({
  chains: o.chains.map((c) => ({ name: c.name, type: c.type, hook: c.hook, prio: c.prio, policy: c.policy, tags: c.tags }) as ObservedFirewall["chains"][number]),
  others: o.others,
});
