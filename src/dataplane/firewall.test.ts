import { describe, expect, it } from "vitest";
import type { ResolvedSgRule } from "../domain/security-groups.ts";
import { twoRouters } from "../../test/support/dataplane.ts";
import { diff } from "./diff.ts";
import { acceptsEverything } from "../domain/security-groups.ts";
import { compileFirewall, firewallScript, observedOf, parseFirewall, ruleText, sameFirewall } from "./firewall.ts";
import { type HostState, observedFromPlan } from "./observed.ts";
import { type DesiredState, compile } from "./plan.ts";

let n = 0;
const r = (over: Partial<ResolvedSgRule>): ResolvedSgRule => ({
  id: `sgr-${String(++n).padStart(12, "0")}`,
  securityGroupId: "sg-aaaaaaaaaaa1",
  direction: "ingress",
  protocol: "tcp",
  fromPort: 80,
  toPort: 80,
  icmpType: null,
  icmpCode: null,
  action: "accept",
  priority: 1,
  cidrs: ["10.0.0.0/16"],
  peerGroupId: null,
  stale: false,
  ...over,
});

describe("ruleText", () => {
  it("writes peers, ports, ICMP and the action as nft reads them", () => {
    expect(ruleText(r({}), "ingress")).toBe("ip saddr 10.0.0.0/16 tcp dport 80 accept");
    expect(ruleText(r({ direction: "egress", protocol: "udp", fromPort: 53, toPort: 60, action: "drop" }), "egress")).toBe("ip daddr 10.0.0.0/16 udp dport 53-60 drop");
    expect(ruleText(r({ fromPort: 1, toPort: 65535 }), "ingress")).toBe("ip saddr 10.0.0.0/16 meta l4proto tcp accept");
    expect(ruleText(r({ protocol: "icmp", fromPort: null, toPort: null, icmpType: 8, icmpCode: 0 }), "ingress")).toBe("ip saddr 10.0.0.0/16 icmp type 8 icmp code 0 accept");
    expect(ruleText(r({ protocol: "icmp", fromPort: null, toPort: null }), "ingress")).toBe("ip saddr 10.0.0.0/16 meta l4proto icmp accept");
    expect(ruleText(r({ protocol: "all", fromPort: null, toPort: null, cidrs: ["0.0.0.0/0"] }), "ingress")).toBe("ip saddr 0.0.0.0/0 accept");
    // A group peer: its members' addresses as one anonymous set.
    expect(ruleText(r({ cidrs: ["10.0.1.2/32", "10.0.1.3/32", "10.0.1.2/32"], peerGroupId: "sg-bbbbbbbbbbb1" }), "ingress")).toBe("ip saddr { 10.0.1.2, 10.0.1.3 } tcp dport 80 accept");
  });

  it("emits nothing for a stale rule, a group without members, or the other direction", () => {
    expect(ruleText(r({ stale: true, cidrs: [] }), "ingress")).toBeNull();
    expect(ruleText(r({ cidrs: [], peerGroupId: "sg-bbbbbbbbbbb1" }), "ingress")).toBeNull();
    expect(ruleText(r({ direction: "egress" }), "ingress")).toBeNull();
  });
});

describe("compileFirewall", () => {
  it("orders each direction's rules by evaluationOrder between the fixed head and the final drop", () => {
    const a = r({ priority: 5 });
    const b = r({ priority: 5, action: "drop", fromPort: 22, toPort: 22 });
    const c = r({ priority: 1, protocol: "icmp", fromPort: null, toPort: null });
    const stale = r({ priority: 1, stale: true, cidrs: [] });
    const e = r({ direction: "egress", protocol: "all", fromPort: null, toPort: null, cidrs: ["0.0.0.0/0"] });
    const fw = compileFirewall([a, b, c, stale, e]);
    expect(fw.chains.map((ch) => [ch.name, ch.hook])).toEqual([
      ["ingress", "prerouting"],
      ["egress", "postrouting"],
    ]);
    expect(fw.chains[0]!.rules.map((x) => x.text)).toEqual([
      'iifname != "eth0" accept',
      "ct state established,related accept",
      "ip saddr 10.0.0.0/16 meta l4proto icmp accept",
      "ip saddr 10.0.0.0/16 tcp dport 22 drop",
      "ip saddr 10.0.0.0/16 tcp dport 80 accept",
      "drop",
    ]);
    expect(fw.chains[0]!.rules.map((x) => x.tag.split(" ")[0])).toEqual(["other-ports", "stateful", c.id, b.id, a.id, "no-match"]);
    expect(fw.chains[1]!.rules.map((x) => x.text)).toEqual(['oifname != "eth0" accept', "ct state established,related accept", "ip daddr 0.0.0.0/0 accept", "drop"]);
    // No rules at all: everything new is dropped both ways.
    expect(compileFirewall([]).chains.map((ch) => ch.rules.length)).toEqual([3, 3]);
  });

  it("writes one transaction that replaces the table, or only removes it", () => {
    const script = firewallScript(compileFirewall([r({ id: "sgr-aaaaaaaaaaaa" })]));
    const lines = script.split("\n");
    expect(lines.slice(0, 5)).toEqual(["table inet vpcpeer", "delete table inet vpcpeer", "table inet vpcpeer {", "  chain ingress {", "    type filter hook prerouting priority 0; policy accept;"]);
    expect(script).toMatch(/ {4}ip saddr 10\.0\.0\.0\/16 tcp dport 80 accept comment "sgr-aaaaaaaaaaaa [0-9a-f]{8}"\n/);
    expect(firewallScript(null)).toBe("table inet vpcpeer\ndelete table inet vpcpeer\n");
  });
});

/** `nft -j list table inet vpcpeer` of a table as firewallScript writes it, with one rule deleted by hand. */
function listing(tags: { ingress: string[]; egress: string[] }): string {
  const items: unknown[] = [{ metainfo: { version: "1.0.6", json_schema_version: 1 } }, { table: { family: "inet", name: "vpcpeer", handle: 3 } }];
  items.push({ chain: { family: "inet", table: "vpcpeer", name: "ingress", handle: 1, type: "filter", hook: "prerouting", prio: 0, policy: "accept" } });
  items.push({ chain: { family: "inet", table: "vpcpeer", name: "egress", handle: 2, type: "filter", hook: "postrouting", prio: 0, policy: "accept" } });
  let h = 3;
  for (const [chain, list] of Object.entries(tags)) for (const t of list) items.push({ rule: { family: "inet", table: "vpcpeer", chain, handle: h++, ...(t ? { comment: t } : {}), expr: [{ accept: null }] } });
  return JSON.stringify({ nftables: items });
}

describe("parseFirewall and sameFirewall", () => {
  const fw = compileFirewall([r({}), r({ direction: "egress", protocol: "all", fromPort: null, toPort: null, cidrs: ["0.0.0.0/0"] })]);
  const tags = { ingress: fw.chains[0]!.rules.map((x) => x.tag), egress: fw.chains[1]!.rules.map((x) => x.tag) };

  it("reads no output as no table, and the exact table as the plan", () => {
    expect(parseFirewall("")).toBeNull();
    expect(parseFirewall(listing(tags))).toEqual(observedOf(fw));
    expect(sameFirewall(fw, parseFirewall(listing(tags))!)).toBe(true);
  });

  it("sees a rule deleted, added (without our comment) or a chain's policy changed by hand", () => {
    expect(sameFirewall(fw, parseFirewall(listing({ ...tags, ingress: tags.ingress.filter((_, i) => i !== 2) }))!)).toBe(false);
    expect(sameFirewall(fw, parseFirewall(listing({ ...tags, egress: [...tags.egress.slice(0, 2), "", ...tags.egress.slice(2)] }))!)).toBe(false);
    const dropPolicy = listing(tags).replace('"hook":"postrouting","prio":0,"policy":"accept"', '"hook":"postrouting","prio":0,"policy":"drop"');
    expect(sameFirewall(fw, parseFirewall(dropPolicy)!)).toBe(false);
    // A rule whose content changed carries another hash.
    const changed = compileFirewall([r({ id: fw.chains[0]!.rules[2]!.tag.split(" ")[0]!, fromPort: 81, toPort: 81 })]);
    expect(changed.chains[0]!.rules[2]!.tag).not.toBe(fw.chains[0]!.rules[2]!.tag);
  });
});

describe("plan and diff of security group tables", () => {
  const base = twoRouters({ peered: false });
  const ins = "t-i-aaaaaaaaaaa1";
  const filtered = (rules: ResolvedSgRule[]): DesiredState => ({
    ...base,
    instances: base.instances.map((i) => ({ ...i, securityGroupIds: ["sg-aaaaaaaaaaa1", "sg-missingmissi"] })),
    securityGroups: [{ id: "sg-aaaaaaaaaaa1", vpcId: base.vpcs[0]!.id, rules }],
  });
  const converged = (d: DesiredState): HostState => ({ namespaces: new Map([...compile(d, "t").namespaces].map(([k, v]) => [k, observedFromPlan(v)])) });
  const nftBatches = (d: DesiredState, state: HostState) => diff(compile(d, "t"), state).batches.filter((b) => b.tool === "nft");

  it("gives a table only to instances with groups", () => {
    expect(compile(base, "t").namespaces.get(ins)!.firewall).toBeUndefined();
    const plan = compile(filtered([r({})]), "t");
    expect(plan.namespaces.get(ins)!.firewall!.chains[0]!.rules).toHaveLength(4);
    expect([...plan.namespaces.values()].filter((ns) => ns.firewall).map((ns) => ns.name)).toEqual([ins]);
  });

  it("gives no table to an instance whose groups accept everything both ways (an open default group)", () => {
    const open = [r({ protocol: "all", fromPort: null, toPort: null, cidrs: ["0.0.0.0/0"] }), r({ direction: "egress", protocol: "all", fromPort: null, toPort: null, cidrs: ["0.0.0.0/0"] })];
    expect(acceptsEverything(open)).toBe(true);
    expect(compile(filtered(open), "t").namespaces.get(ins)!.firewall).toBeUndefined();
    // A drop rule evaluated first, a narrower first rule, or a direction without any rule: filtered.
    expect(acceptsEverything([...open, r({ action: "drop", priority: 1 })])).toBe(false);
    expect(acceptsEverything([r({ protocol: "all", fromPort: null, toPort: null, cidrs: ["0.0.0.0/0"], priority: 2 }), r({ priority: 1 }), open[1]!])).toBe(false);
    expect(acceptsEverything([open[0]!])).toBe(false);
    expect(compile(filtered([open[0]!]), "t").namespaces.get(ins)!.firewall).toBeDefined();
  });

  it("installs the table in a new namespace, leaves an equal one alone, replaces a changed one, removes an unwanted one", () => {
    const d = filtered([r({})]);
    const fresh = nftBatches(d, { namespaces: new Map() });
    expect(fresh.map((b) => [b.ns, b.phase, b.cmd.split("\n")[0]])).toEqual([[ins, 5, "table inet vpcpeer"]]);
    expect(nftBatches(d, converged(d))).toEqual([]);
    const changed = nftBatches(filtered([r({ fromPort: 443, toPort: 443 })]), converged(d));
    expect(changed).toHaveLength(1);
    expect(changed[0]!.cmd).toContain("tcp dport 443 accept");
    expect(nftBatches(base, converged(d)).map((b) => b.cmd)).toEqual([firewallScript(null)]);
    expect(nftBatches(base, converged(base))).toEqual([]);
    // An instance namespace observed without reading its table: left alone.
    const unread = converged(d);
    delete unread.namespaces.get(ins)!.firewall;
    expect(nftBatches(filtered([r({ fromPort: 443, toPort: 443 })]), unread)).toEqual([]);
  });
});
