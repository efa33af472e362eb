import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ResolvedSgRule, type SgPacket, evaluate, ruleMatches } from "../../domain/security-groups.ts";
import { SG_DEFAULT_DROP_PRIORITY, aclAction, aclMatch, aclPriority, defaultDropMatch } from "./sg-acl.ts";

const rule = (over: Partial<ResolvedSgRule>): ResolvedSgRule => ({
  id: "sgr-000000000001",
  securityGroupId: "sg-000000000001",
  direction: "ingress",
  protocol: "all",
  fromPort: null,
  toPort: null,
  icmpType: null,
  icmpCode: null,
  action: "accept",
  priority: 1,
  cidrs: ["0.0.0.0/0"],
  peerGroupId: null,
  stale: false,
  ...over,
});

describe("security group rules as OVN ACLs", () => {
  it("writes the match of each kind of rule", () => {
    expect(aclMatch(rule({ protocol: "tcp", fromPort: 22, toPort: 22, cidrs: ["10.0.0.0/8"] }), "p_pg_a", null)).toBe("outport == @p_pg_a && ip4 && ip4.src == 10.0.0.0/8 && tcp && tcp.dst == 22");
    expect(aclMatch(rule({ direction: "egress", protocol: "udp", fromPort: 1000, toPort: 2000 }), "p_pg_a", null)).toBe("inport == @p_pg_a && ip4 && udp && udp.dst >= 1000 && udp.dst <= 2000");
    expect(aclMatch(rule({ protocol: "tcp", fromPort: 1, toPort: 65535, cidrs: ["10.1.0.0/16", "10.0.0.0/16"] }), "p_pg_a", null)).toBe("outport == @p_pg_a && ip4 && ip4.src == {10.0.0.0/16, 10.1.0.0/16} && tcp");
    expect(aclMatch(rule({ protocol: "icmp", icmpType: 8, icmpCode: 0 }), "p_pg_a", null)).toBe("outport == @p_pg_a && ip4 && icmp4 && icmp4.type == 8 && icmp4.code == 0");
    expect(aclMatch(rule({ protocol: "icmp" }), "p_pg_a", null)).toBe("outport == @p_pg_a && ip4 && icmp4");
    expect(aclMatch(rule({ direction: "egress" }), "p_pg_a", null)).toBe("inport == @p_pg_a && ip4");
    // A group peer: its members' address set, even while it is empty.
    expect(aclMatch(rule({ peerGroupId: "sg-000000000002", cidrs: ["10.0.1.5/32"] }), "p_pg_a", "p_as_b")).toBe("outport == @p_pg_a && ip4 && ip4.src == $p_as_b");
    expect(aclMatch(rule({ direction: "egress", peerGroupId: "sg-000000000002", cidrs: [] }), "p_pg_a", "p_as_b")).toBe("inport == @p_pg_a && ip4 && ip4.dst == $p_as_b");
    // Stale rules, and rules with no peer at all, match nothing: no ACL.
    expect(aclMatch(rule({ peerGroupId: "sg-000000000002", cidrs: [], stale: true }), "p_pg_a", "p_as_b")).toBeNull();
    expect(aclMatch(rule({ cidrs: [] }), "p_pg_a", null)).toBeNull();
    expect(defaultDropMatch("ingress", "p_pg_a")).toBe("outport == @p_pg_a && ip4");
    expect(defaultDropMatch("egress", "p_pg_a")).toBe("inport == @p_pg_a && ip4");
    expect([aclAction("accept"), aclAction("drop")]).toEqual(["allow-related", "drop"]);
  });

  it("maps priorities so the highest matching ACL is the rule evaluation order picks first, within OVN's range and above the default drop", () => {
    expect([aclPriority(1, "drop"), aclPriority(1, "accept"), aclPriority(10000, "drop"), aclPriority(10000, "accept")]).toEqual([21001, 21000, 1003, 1002]);
    const ip = fc.tuple(fc.constantFrom(10, 172), fc.nat(3), fc.nat(3)).map(([a, b, c]) => `${a}.${b}.${c}.1`);
    const cidr = fc.oneof(fc.constant("0.0.0.0/0"), ip.map((x) => `${x}/32`), ip.map((x) => `${x.split(".").slice(0, 2).join(".")}.0.0/16`));
    const ruleArb = fc.record({
      protocol: fc.constantFrom("tcp" as const, "udp" as const, "icmp" as const, "all" as const),
      port: fc.integer({ min: 20, max: 25 }),
      span: fc.nat(2),
      icmpType: fc.option(fc.constantFrom(0, 8)),
      action: fc.constantFrom("accept" as const, "drop" as const),
      priority: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.constant(10000)),
      cidrs: fc.array(cidr, { minLength: 0, maxLength: 2 }),
      stale: fc.boolean(),
      group: fc.nat(2),
    });
    const packetArb = fc.record({ protocol: fc.constantFrom("tcp" as const, "udp" as const, "icmp" as const), peerIp: ip, port: fc.integer({ min: 19, max: 26 }), icmpType: fc.constantFrom(0, 8) });
    fc.assert(
      fc.property(fc.array(ruleArb, { maxLength: 12 }), fc.array(packetArb, { minLength: 1, maxLength: 10 }), (specs, packets) => {
        const rules: ResolvedSgRule[] = specs.map((s, i) =>
          rule({
            id: `sgr-${String(i).padStart(12, "0")}`,
            securityGroupId: `sg-${String(s.group).padStart(12, "0")}`,
            protocol: s.protocol,
            fromPort: s.protocol === "tcp" || s.protocol === "udp" ? s.port : null,
            toPort: s.protocol === "tcp" || s.protocol === "udp" ? s.port + s.span : null,
            icmpType: s.protocol === "icmp" ? s.icmpType : null,
            action: s.action,
            priority: s.priority,
            cidrs: s.stale ? [] : s.cidrs,
            stale: s.stale,
          }),
        );
        // OVN: of the ACLs on the instance's port groups that match, the highest priority acts;
        // below all of them the groups' default drop.
        const acls = rules.filter((r) => aclMatch(r, "pg", null) !== null).map((r) => ({ priority: aclPriority(r.priority, r.action), action: r.action, r }));
        for (const a of acls) expect(a.priority).toBeGreaterThan(SG_DEFAULT_DROP_PRIORITY);
        for (const a of acls) expect(a.priority).toBeLessThanOrEqual(32767);
        for (const p of packets) {
          const packet: SgPacket = { direction: "ingress", protocol: p.protocol, peerIp: p.peerIp, ...(p.protocol === "icmp" ? { icmpType: p.icmpType, icmpCode: 0 } : { port: p.port }) };
          const matching = acls.filter((a) => ruleMatches(a.r, packet)).sort((x, y) => y.priority - x.priority);
          // Ties between equal ACL priorities only ever join rules of one action.
          if (matching.length > 1 && matching[0]!.priority === matching[1]!.priority) expect(matching[1]!.action).toBe(matching[0]!.action);
          expect(matching[0]?.action ?? "drop").toBe(evaluate(rules, packet).action);
        }
      }),
      { numRuns: 300 },
    );
  });
});
