import { describe, expect, it } from "vitest";
import type { SecurityGroup, SecurityGroupRule } from "../../domain/security-groups.ts";
import { DomainError } from "../../domain/errors.ts";
import { TencentError, toTencentError } from "./errors.ts";
import { Params } from "./params.ts";
import { POLICY_FIELDS, contentKey, numbered, parsePolicy, parsePolicyCidr, parsePorts, policySetShape } from "./policies.ts";

const CALLER = "100000000001";
const policy = (o: Record<string, unknown>, direction: "ingress" | "egress" = "ingress") => parsePolicy(Params.of(o, POLICY_FIELDS, "SecurityGroupPolicySet.Ingress.0."), direction, CALLER);
const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (e instanceof TencentError) return `${e.code}: ${e.message}`;
    throw e;
  }
  throw new Error("expected a refusal");
};

describe("Tencent policy ports", () => {
  it("reads one port, a range, ALL and a discrete list", () => {
    expect(parsePorts("80", "Port")).toEqual([[80, 80]]);
    expect(parsePorts("8000-8010", "Port")).toEqual([[8000, 8010]]);
    expect(parsePorts("ALL", "Port")).toBeNull();
    expect(parsePorts("all", "Port")).toBeNull();
    expect(parsePorts(undefined, "Port")).toBeNull();
    expect(parsePorts("80,443,8000-8010", "Port")).toEqual([[80, 80], [443, 443], [8000, 8010]]);
  });
  it("refuses what is not a port, naming the parameter", () => {
    expect(codeOf(() => parsePorts("0", "X.Port"))).toMatch(/^InvalidParameterValue.Range: .*`X.Port`.*port 0/);
    expect(codeOf(() => parsePorts("65536", "X.Port"))).toMatch(/^InvalidParameterValue.Range/);
    expect(codeOf(() => parsePorts("90-80", "X.Port"))).toMatch(/^InvalidParameterValue.Range: .*backwards/);
    for (const bad of ["80-", "-1", "a", "80;443", "80,,443", "1e3", " "]) expect(codeOf(() => parsePorts(bad, "X.Port"))).toMatch(/^InvalidParameterValue.Malformed/);
    expect(codeOf(() => parsePorts(Array.from({ length: 16 }, (_, i) => String(i + 1)).join(","), "X.Port"))).toMatch(/^InvalidParameterValue.Range: .*at most 15/);
  });
});

describe("Tencent policy CIDRs", () => {
  it("takes a CIDR or an address, clearing host bits as 0.0.0.0/n → 0.0.0.0/0", () => {
    expect(parsePolicyCidr("10.0.0.0/16", "C")).toBe("10.0.0.0/16");
    expect(parsePolicyCidr("10.0.0.7", "C")).toBe("10.0.0.7/32");
    expect(parsePolicyCidr("0.0.0.0/8", "C")).toBe("0.0.0.0/0");
    expect(parsePolicyCidr("0.0.0.0/0", "C")).toBe("0.0.0.0/0");
    expect(parsePolicyCidr("10.1.2.3/24", "C")).toBe("10.1.2.0/24");
  });
  it("refuses other text", () => {
    for (const bad of ["10.0.0.0/33", "10.0.0/8", "::/0", "MY_PUBLIC_IP", "10.0.0.0/08", "x"]) expect(codeOf(() => parsePolicyCidr(bad, "C"))).toMatch(/^InvalidParameterValue.Malformed/);
  });
});

describe("Tencent policies as rules", () => {
  it("maps Protocol, Port, peer, Action and description, any case", () => {
    const p = policy({ Protocol: "tcp", Port: "80,443", CidrBlock: "10.0.0.0/8", Action: "accept", PolicyDescription: "web", PolicyIndex: 2 });
    expect(p.index).toBe(2);
    expect(p.where).toBe("SecurityGroupPolicySet.Ingress.0");
    expect(p.rules).toEqual([
      { direction: "ingress", protocol: "tcp", fromPort: 80, toPort: 80, peer: { cidr: "10.0.0.0/8" }, action: "accept", description: "web" },
      { direction: "ingress", protocol: "tcp", fromPort: 443, toPort: 443, peer: { cidr: "10.0.0.0/8" }, action: "accept", description: "web" },
    ]);
    expect(policy({ Protocol: "ALL", Port: "ALL", SecurityGroupId: "sg-0123456789ab", Action: "DROP" }, "egress").rules).toEqual([
      { direction: "egress", protocol: "all", peer: { securityGroupId: "sg-0123456789ab" }, action: "drop", description: "" },
    ]);
    expect(policy({ Protocol: "ICMP", CidrBlock: "1.2.3.4", Action: "ACCEPT" }).rules[0]!.peer).toEqual({ cidr: "1.2.3.4/32" });
    expect(policy({ Protocol: "TCP", SecurityGroupId: "123456789012/sg-0123456789ab", Action: "ACCEPT" }).rules[0]!.peer).toEqual({ securityGroupId: "sg-0123456789ab", accountId: "123456789012" });
  });
  it("accepts a Describe output as input (empty unused fields, output-only fields)", () => {
    const out = { PolicyIndex: 0, Protocol: "UDP", Port: "53", ServiceTemplate: { ServiceId: "", ServiceGroupId: "" }, CidrBlock: "10.0.0.0/8", Ipv6CidrBlock: "", SecurityGroupId: "", AddressTemplate: { AddressId: "", AddressGroupId: "" }, Action: "ACCEPT", PolicyDescription: "", ModifyTime: "2026-01-01 00:00:00", Priority: 1 };
    expect(policy(out).rules).toEqual([{ direction: "ingress", protocol: "udp", fromPort: 53, toPort: 53, peer: { cidr: "10.0.0.0/8" }, action: "accept", description: "" }]);
  });
  it("refuses malformed policies with Tencent's codes, naming the parameter", () => {
    const at = "SecurityGroupPolicySet.Ingress.0";
    expect(codeOf(() => policy({ Port: "80", CidrBlock: "10.0.0.0/8", Action: "ACCEPT" }))).toBe(`MissingParameter: The request is missing a required parameter \`${at}.Protocol\`.`);
    expect(codeOf(() => policy({ Protocol: "SCTP", CidrBlock: "10.0.0.0/8", Action: "ACCEPT" }))).toMatch(/^InvalidParameterValue: .*Protocol/);
    expect(codeOf(() => policy({ Protocol: "GRE", CidrBlock: "10.0.0.0/8", Action: "ACCEPT" }))).toMatch(/^InvalidParameterValue: .*not supported/);
    expect(codeOf(() => policy({ Protocol: "ICMP", Port: "80", CidrBlock: "10.0.0.0/8", Action: "ACCEPT" }))).toMatch(/^InvalidParameterValue: .*Port.*TCP and UDP/);
    expect(codeOf(() => policy({ Protocol: "TCP", CidrBlock: "10.0.0.0/8", SecurityGroupId: "sg-0123456789ab", Action: "ACCEPT" }))).toMatch(/^InvalidParameter.Coexist/);
    expect(codeOf(() => policy({ Protocol: "TCP", Action: "ACCEPT" }))).toMatch(/^MissingParameter: .*CidrBlock/);
    expect(codeOf(() => policy({ Protocol: "TCP", CidrBlock: "10.0.0.0/8" }))).toMatch(/^MissingParameter: .*Action/);
    expect(codeOf(() => policy({ Protocol: "TCP", CidrBlock: "10.0.0.0/8", Action: "ALLOW" }))).toMatch(/^InvalidParameterValue: .*ACCEPT or DROP/);
    expect(codeOf(() => policy({ Protocol: "TCP", CidrBlock: "10.0.0.0/8", Action: "ACCEPT", Ipv6CidrBlock: "::/0" }))).toMatch(/^InvalidParameterValue: .*IPv6/);
    expect(codeOf(() => policy({ Protocol: "TCP", SecurityGroupId: "sg_bad", Action: "ACCEPT" }))).toMatch(/^InvalidParameterValue.Malformed/);
    expect(codeOf(() => policy({ Protocol: "TCP", CidrBlock: "10.0.0.0/8", Action: "ACCEPT", ServiceTemplate: { ServiceId: "ppm-1", ServiceGroupId: "" } }))).toMatch(/^ResourceNotFound: .*ServiceTemplate.ServiceId/);
    expect(codeOf(() => policy({ Protocol: "TCP", CidrBlock: "10.0.0.0/8", Action: "ACCEPT", PolicyIndex: -1 }))).toMatch(/^InvalidParameterValue.Range/);
    expect(codeOf(() => policy({ Protocol: "TCP", CidrBlock: "10.0.0.0/8", Action: "ACCEPT", Extra: 1 }))).toMatch(/^UnknownParameter: .*Ingress.0.Extra/);
    expect(codeOf(() => policy({ Protocol: "TCP", CidrBlock: "10.0.0.0/8", Action: "ACCEPT", PolicyDescription: "x".repeat(101) }))).toMatch(/^InvalidParameterValue.TooLong/);
    expect(codeOf(() => policy({ Protocol: 6, CidrBlock: "10.0.0.0/8", Action: "ACCEPT" }))).toMatch(/^InvalidParameter: .*Protocol/);
  });
  it("numbers drafts by place and keys them by content alone", () => {
    const [a, b] = policy({ Protocol: "TCP", Port: "80,443", CidrBlock: "10.0.0.0/8", Action: "ACCEPT" }).rules;
    expect(numbered([a!, b!]).map((r) => r.priority)).toEqual([1, 2]);
    expect(contentKey({ ...a!, description: "other" }, CALLER)).toBe(contentKey(a!, CALLER));
    expect(contentKey(a!, CALLER)).not.toBe(contentKey(b!, CALLER));
  });
});

describe("the SecurityGroupPolicySet shown", () => {
  const rule = (o: Partial<SecurityGroupRule>): SecurityGroupRule => ({
    id: "sgr-x",
    securityGroupId: "sg-0123456789ab",
    direction: "ingress",
    protocol: "tcp",
    fromPort: 80,
    toPort: 80,
    icmpType: null,
    icmpCode: null,
    peer: { cidr: "10.0.0.0/8" },
    action: "accept",
    priority: 1,
    description: "",
    stale: false,
    createdAt: "2026-01-02T03:04:05.000Z",
    ...o,
  });
  it("lists each direction in evaluation order with PolicyIndex from 0, the Version and the counts", () => {
    const g = {
      rulesVersion: 7,
      rules: [
        rule({ id: "a", priority: 5, fromPort: 1, toPort: 65535 }),
        rule({ id: "b", priority: 2, action: "drop", protocol: "all", fromPort: null, toPort: null, peer: { securityGroupId: "sg-aaaaaaaaaaaa", accountId: "222222222222" } }),
        rule({ id: "c", direction: "egress", protocol: "icmp", fromPort: null, toPort: null, peer: { securityGroupId: "sg-bbbbbbbbbbbb", accountId: CALLER } }),
      ],
    } as unknown as SecurityGroup;
    const set = policySetShape(g, CALLER);
    expect(set.Version).toBe("7");
    expect(set.Ingress.map((p) => [p.PolicyIndex, p.Protocol, p.Port, p.Action, p.SecurityGroupId, p.CidrBlock])).toEqual([
      [0, "ALL", "ALL", "DROP", "222222222222/sg-aaaaaaaaaaaa", ""],
      [1, "TCP", "ALL", "ACCEPT", "", "10.0.0.0/8"],
    ]);
    expect(set.Egress.map((p) => [p.PolicyIndex, p.Protocol, p.Port, p.SecurityGroupId])).toEqual([[0, "ICMP", "ALL", "sg-bbbbbbbbbbbb"]]);
    expect(set.PolicyStatistics).toEqual({ IngressIPv4TotalCount: 2, IngressIPv6TotalCount: 0, EgressIPv4TotalCount: 1, EgressIPv6TotalCount: 0 });
    expect(set.Ingress[0]!.ModifyTime).toBe("2026-01-02 03:04:05");
  });
});

describe("security group errors in Tencent codes", () => {
  const map = (e: DomainError, action = "CreateSecurityGroupPolicies") => toTencentError(e, action);
  it("maps the domain's codes as the Go SDK lists them for the policy actions", () => {
    expect(map(new DomainError("DuplicateSecurityGroupRule", "rules[1]: same rule", { field: "rules[1]" })).code).toBe("UnsupportedOperation.DuplicatePolicy");
    expect(map(new DomainError("SecurityGroupVersionMismatch", "expectedVersion: at 3", { reason: "version-mismatch", version: 3 })).code).toBe("UnsupportedOperation.VersionMismatch");
    expect(map(new DomainError("LimitExceeded", "too many", { quota: "rulesPerSecurityGroup" })).code).toBe("LimitExceeded.SecurityGroupPolicySet");
    expect(map(new DomainError("LimitExceeded", "too many", { quota: "securityGroupsPerVpc" }), "CreateSecurityGroup").code).toBe("LimitExceeded");
    expect(map(new DomainError("DefaultSecurityGroupImmutable", "default", {}), "DeleteSecurityGroup").code).toBe("UnsupportedOperation");
    expect(map(new DomainError("DependencyViolation", "in use", {}), "DeleteSecurityGroup").code).toBe("ResourceInUse");
    expect(map(new DomainError("SecurityGroupRuleNotFound", "gone", {})).code).toBe("ResourceNotFound");
    const missingPeer = map(new DomainError("InvalidSecurityGroupReference", "rules[0].peer: security group sg-0123456789ab does not exist", { reason: "not-found" }));
    expect(missingPeer).toMatchObject({ code: "ResourceNotFound", message: "SecurityGroupPolicySet: security group sg-0123456789ab does not exist", internal: false });
    expect(map(new DomainError("InvalidSecurityGroupReference", "rules[0]: across regions", { reason: "cross-region" })).code).toBe("InvalidParameterValue");
    expect(map(new DomainError("InvalidSecurityGroupRule", "rules[0].fromPort: bad", {})).code).toBe("InvalidParameterValue");
  });
});
