import { describe, expect, it } from "vitest";
import { DomainError } from "../../src/domain/errors.ts";
import { type SgRuleInput, validateRule } from "../../src/domain/security-groups.ts";
import { errorSentences } from "./messages.ts";
import { checkGroupRef, checkNumber, parseGroupRef, peerChoices, peerText, portsText, ruleFromValues, staleText, valuesFromRule } from "./sg-rules.ts";
import type { SecurityGroupRule } from "./sg-rules.ts";
import { peering, vpc } from "./topology/fixtures.ts";

const ME = "100000000001";
const BOB = "100000000002";
const mine = vpc(ME, "vpc-aaaaaaaaaaaa", "us-east-1", "10.1.0.0/16");
const other = vpc(ME, "vpc-cccccccccccc", "us-east-1", "10.3.0.0/16");
const bobs = vpc(BOB, "vpc-bbbbbbbbbbbb", "us-east-1", "10.2.0.0/16");
const far = vpc(BOB, "vpc-dddddddddddd", "eu-west-1", "10.4.0.0/16");

/** A stored rule from an input, through the domain's own validation. */
const stored = (input: SgRuleInput, more: Partial<SecurityGroupRule> = {}): SecurityGroupRule => ({
  ...validateRule(input, "rule", ME),
  id: "sgr-000000000001",
  securityGroupId: "sg-000000000001",
  stale: false,
  createdAt: "2026-01-01T00:00:00.000Z",
  ...more,
});

/** What the API answers for a refused rule, in the console's words. */
const refusal = (input: SgRuleInput, field = "rules[0]") => {
  try {
    validateRule(input, field, ME);
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    return errorSentences({ status: 400, code: e.code, message: e.message, details: e.details });
  }
  throw new Error("not refused");
};

describe("security group rules in the console", () => {
  it("say what traffic and which peer a rule is about", () => {
    expect(portsText(stored({ direction: "ingress", protocol: "tcp", fromPort: 80, toPort: 80, peer: { cidr: "0.0.0.0/0" } }))).toBe("tcp 80");
    expect(portsText(stored({ direction: "ingress", protocol: "udp", fromPort: 1000, toPort: 2000, peer: { cidr: "0.0.0.0/0" } }))).toBe("udp 1000–2000");
    expect(portsText(stored({ direction: "ingress", protocol: "tcp", peer: { cidr: "0.0.0.0/0" } }))).toBe("tcp (all ports)");
    expect(portsText(stored({ direction: "ingress", protocol: "icmp", icmpType: 8, icmpCode: 0, peer: { cidr: "0.0.0.0/0" } }))).toBe("icmp type 8 code 0");
    expect(portsText(stored({ direction: "ingress", protocol: "icmp", peer: { cidr: "0.0.0.0/0" } }))).toBe("icmp (any type)");
    expect(portsText(stored({ direction: "egress", protocol: "all", peer: { cidr: "0.0.0.0/0" } }))).toBe("all traffic");
    expect(peerText({ cidr: "10.0.0.0/8" }, ME)).toBe("10.0.0.0/8");
    expect(peerText({ securityGroupId: "sg-aaaaaaaaaaaa", accountId: ME }, ME)).toBe("group sg-aaaaaaaaaaaa");
    expect(peerText({ securityGroupId: "sg-aaaaaaaaaaaa", accountId: BOB }, ME)).toBe(`group sg-aaaaaaaaaaaa of account ${BOB}`);
  });

  it("offer as peer groups this VPC's and, per active same-region peering, the peer VPC's (typed)", () => {
    const active = peering("pcx-000000000001", mine, bobs);
    const pending = peering("pcx-000000000002", mine, other, { state: "pending-acceptance" });
    const cross = peering("pcx-000000000003", far, mine);
    const accepted = peering("pcx-000000000004", other, mine);
    const choices = peerChoices(mine.id, [active, pending, cross, accepted]);
    expect(choices.map((c) => c.value)).toEqual(["cidr", "group", "pcx:pcx-000000000001", "pcx:pcx-000000000004"]);
    expect(choices[2]).toMatchObject({ peerVpcId: bobs.id, peerAccountId: BOB, peeringId: "pcx-000000000001" });
    // Mine as the accepter: the other side is the requester.
    expect(choices[3]).toMatchObject({ peerVpcId: other.id, peerAccountId: ME });
  });

  it("turn the editor's values into the API's rule and back, for every kind of peer", () => {
    const choices = peerChoices(mine.id, [peering("pcx-000000000001", mine, bobs)]);
    const own = ["sg-000000000001", "sg-000000000002"];
    const inputs: SgRuleInput[] = [
      { direction: "ingress", protocol: "tcp", fromPort: 80, toPort: 443, peer: { cidr: "10.2.0.0/16" }, action: "accept", priority: 3, description: "web" },
      { direction: "egress", protocol: "icmp", icmpType: 8, peer: { securityGroupId: "sg-000000000002", accountId: ME }, action: "drop", priority: 1 },
      { direction: "ingress", protocol: "all", peer: { securityGroupId: "sg-bbbbbbbbbbbb", accountId: BOB }, action: "accept", priority: 10 },
    ];
    for (const input of inputs) {
      const rule = stored(input);
      const values = valuesFromRule(rule, own, choices);
      expect(validateRule(ruleFromValues(values, choices, ME), "rule", ME)).toEqual(validateRule(input, "rule", ME));
    }
    expect(valuesFromRule(stored(inputs[2]!), own, choices)).toMatchObject({ peerKind: "pcx:pcx-000000000001", peerGroupId: "sg-bbbbbbbbbbbb" });
    // A typed account/sg-… names its owner; a plain sg-… across a peering belongs to the peer's account.
    const typed = { direction: "ingress", protocol: "tcp", fromPort: "22", toPort: "", peerKind: "pcx:pcx-000000000001", action: "accept", priority: "", description: "" };
    expect(ruleFromValues({ ...typed, peerGroupId: `${ME}/sg-cccccccccccc` }, choices, ME)).toMatchObject({ fromPort: 22, toPort: 22, priority: 1, peer: { securityGroupId: "sg-cccccccccccc", accountId: ME } });
    expect(ruleFromValues({ ...typed, peerGroupId: "sg-cccccccccccc" }, choices, ME).peer).toEqual({ securityGroupId: "sg-cccccccccccc", accountId: BOB });
    // Ports of a protocol that has none are not sent.
    expect(ruleFromValues({ ...typed, protocol: "all", peerKind: "cidr", cidr: "0.0.0.0/0" }, choices, ME)).not.toHaveProperty("fromPort");
  });

  it("check typed ids and numbers before sending", () => {
    expect(parseGroupRef(" sg-abcdefabcdef ")).toEqual({ securityGroupId: "sg-abcdefabcdef" });
    expect(parseGroupRef(`${BOB}/sg-abcdefabcdef`)).toEqual({ securityGroupId: "sg-abcdefabcdef", accountId: BOB });
    expect(parseGroupRef("vpc-abcdefabcdef")).toBeUndefined();
    expect(checkGroupRef("sg-abcdefabcdef")).toBeUndefined();
    expect(checkGroupRef("")).toMatch(/Type the peer VPC's group ID/);
    expect(checkGroupRef("sg-abc")).toBe("After “sg-” come 12 letters and digits; this has 3.");
    expect(checkGroupRef("SG-1")).toMatch(/looks like sg-/);
    expect(checkNumber("", 0, 10, "A port")).toBeUndefined();
    expect(checkNumber("8x", 0, 10, "A port")).toBe("A port is a whole number from 0 to 10.");
  });

  it("say why a stale rule matches nothing, naming the peering", () => {
    const rule = stored({ direction: "ingress", protocol: "all", peer: { securityGroupId: "sg-bbbbbbbbbbbb", accountId: BOB } }, { stale: true });
    const old = peering("pcx-000000000001", mine, bobs, { state: "deleted", createdAt: "2026-01-01T00:00:00.000Z" });
    const newer = peering("pcx-000000000002", bobs, mine, { state: "inactive", createdAt: "2026-02-01T00:00:00.000Z" });
    expect(staleText(rule, mine.id, [old])).toBe("the peering pcx-000000000001 is not active (deleted); this rule matches nothing");
    expect(staleText(rule, mine.id, [old, newer])).toBe("the peering pcx-000000000002 is not active (inactive); this rule matches nothing");
    expect(staleText(rule, mine.id, [])).toMatch(/^no active peering joins this VPC to sg-bbbbbbbbbbbb's/);
    expect(staleText(rule, mine.id, [peering("pcx-000000000003", mine, { ...bobs, region: "eu-west-1" })])).toMatch(/crosses regions/);
  });

  it("word the API's rule refusals naming the field as the editor labels it", () => {
    expect(refusal({ direction: "ingress", protocol: "tcp", fromPort: 8080, toPort: 80, peer: { cidr: "0.0.0.0/0" } })).toEqual(["From port 8080 is above toPort 80."]);
    expect(refusal({ direction: "ingress", protocol: "tcp", fromPort: 70000, peer: { cidr: "0.0.0.0/0" } }, "rule")).toEqual(["From port must be a port from 1 to 65535 (you entered 70000)."]);
    expect(refusal({ direction: "ingress", protocol: "all", peer: { cidr: "10.0.0.1/8" } })).toEqual(["Peer CIDR 10.0.0.1/8 has host bits set; the network is 10.0.0.0/8."]);
    expect(refusal({ direction: "ingress", protocol: "icmp", icmpCode: 3, peer: { cidr: "0.0.0.0/0" } })[0]).toMatch(/^ICMP code needs an icmpType/);
    expect(refusal({ direction: "ingress", protocol: "tcp", priority: 0, peer: { cidr: "0.0.0.0/0" } })[0]).toMatch(/^Priority must be an integer from 1 to 10000/);
    // The service's duplicate (the rule as a whole).
    expect(errorSentences({ status: 409, code: "DuplicateSecurityGroupRule", message: "rules[0]: sg-aaaaaaaaaaaa already has this rule (sgr-bbbbbbbbbbbb)", details: { field: "rules[0]" } })).toEqual([
      "Rule: sg-aaaaaaaaaaaa already has this rule (sgr-bbbbbbbbbbbb).",
    ]);
    expect(refusal({ direction: "ingress", protocol: "tcp", peer: { securityGroupId: "sg-1" } })[0]).toMatch(/^Peer group ID must be a security group ID such as sg-/);
  });
});
