import { describe, expect, it } from "vitest";
import type { SecurityGroupRule } from "../../domain/security-groups.ts";
import { AliyunError } from "./errors.ts";
import { Params } from "./params.ts";
import { innerAccessRule, isImplicit, parsePermissions, permissionView } from "./permissions.ts";

const SELF = "sg-aaaaaaaaaaaa";
const parse = (pairs: Record<string, string | undefined>, direction: "ingress" | "egress" = "ingress") =>
  parsePermissions(new Params(Object.entries(pairs).filter((e): e is [string, string] => e[1] !== undefined)), direction, SELF);
function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof AliyunError) return e.code;
    throw e;
  }
  return "no error";
}

describe("ECS permissions", () => {
  it("reads the top-level form and Permissions.N, in Alibaba's words", () => {
    expect(parse({ IpProtocol: "TCP", PortRange: "22/22", SourceCidrIp: "10.0.0.0/8" })).toEqual([
      { at: "", rule: { direction: "ingress", protocol: "tcp", fromPort: 22, toPort: 22, peer: { cidr: "10.0.0.0/8" }, action: "accept", priority: 1 } },
    ]);
    const two = parse({
      "Permissions.1.IpProtocol": "all",
      "Permissions.1.PortRange": "-1/-1",
      "Permissions.1.DestCidrIp": "192.168.1.7",
      "Permissions.1.Policy": "drop",
      "Permissions.1.Priority": "100",
      "Permissions.2.IpProtocol": "udp",
      "Permissions.2.PortRange": "53/60",
      "Permissions.2.DestGroupId": "sg-bbbbbbbbbbbb",
      "Permissions.2.DestGroupOwnerAccount": "123456789012",
      "Permissions.2.Description": "dns",
    }, "egress");
    expect(two.map((p) => p.rule)).toEqual([
      { direction: "egress", protocol: "all", peer: { cidr: "192.168.1.7/32" }, action: "drop", priority: 100 },
      { direction: "egress", protocol: "udp", fromPort: 53, toPort: 60, peer: { securityGroupId: "sg-bbbbbbbbbbbb" }, action: "accept", priority: 1, description: "dns" },
    ]);
    expect(two[1]).toMatchObject({ at: "Permissions.2.", owner: { account: "123456789012" } });
    // A CIDR wins over a group, as the cloud documents; ICMP defaults to -1/-1.
    expect(parse({ IpProtocol: "icmp", SourceCidrIp: "0.0.0.0/0", SourceGroupId: "sg-bbbbbbbbbbbb" })[0]!.rule.peer).toEqual({ cidr: "0.0.0.0/0" });
  });

  it("refuses malformed permissions with the action's error codes", () => {
    const base = { IpProtocol: "tcp", PortRange: "80/80", SourceCidrIp: "10.0.0.0/8" };
    expect(codeOf(() => parse({ ...base, IpProtocol: "sctp" }))).toBe("InvalidIpProtocol.ValueNotSupported");
    expect(codeOf(() => parse({ ...base, IpProtocol: "gre" }))).toBe("InvalidIpProtocol.ValueNotSupported");
    expect(codeOf(() => parse({ ...base, IpProtocol: "" }))).toBe("MissingParameter");
    expect(codeOf(() => parse({ ...base, PortRange: "80" }))).toBe("InvalidParam.PortRange");
    expect(codeOf(() => parse({ ...base, PortRange: "90/80" }))).toBe("InvalidPortRange.Malformed");
    expect(codeOf(() => parse({ ...base, PortRange: "0/80" }))).toBe("InvalidPortRange.Malformed");
    expect(codeOf(() => parse({ ...base, PortRange: "-1/-1" }))).toBe("InvalidIpProtocol.Malformed");
    expect(codeOf(() => parse({ ...base, IpProtocol: "all", PortRange: "1/65535" }))).toBe("InvalidIpProtocol.Malformed");
    expect(codeOf(() => parse({ ...base, PortRange: undefined }))).toBe("InvalidPortRange.Malformed");
    expect(codeOf(() => parse({ ...base, Policy: "allow" }))).toBe("InvalidPolicy.Malformed");
    expect(codeOf(() => parse({ ...base, Priority: "0" }))).toBe("InvalidPriority.ValueNotSupported");
    expect(codeOf(() => parse({ ...base, Priority: "101" }))).toBe("InvalidPriority.ValueNotSupported");
    expect(codeOf(() => parse({ ...base, Priority: "one" }))).toBe("InvalidPriority.Malformed");
    expect(codeOf(() => parse({ ...base, SourceCidrIp: "10.0.0.1/8" }))).toBe("InvalidSourceCidrIp.Malformed");
    expect(codeOf(() => parse({ ...base, SourceCidrIp: "10.0.0/8" }))).toBe("InvalidSourceCidrIp.Malformed");
    expect(codeOf(() => parse({ IpProtocol: "tcp", PortRange: "80/80", DestCidrIp: "nope" }, "egress"))).toBe("InvalidDestCidrIp.Malformed");
    expect(codeOf(() => parse({ IpProtocol: "tcp", PortRange: "80/80" }))).toBe("MissingParameter.Source");
    expect(codeOf(() => parse({ IpProtocol: "tcp", PortRange: "80/80" }, "egress"))).toBe("MissingParameter.Dest");
    expect(codeOf(() => parse({ ...base, SourceCidrIp: undefined, SourceGroupId: SELF }))).toBe("InvalidParamter.Conflict");
    expect(codeOf(() => parse({ ...base, "Permissions.1.IpProtocol": "tcp" }))).toBe("InvalidParam.Permissions");
    expect(codeOf(() => parse({ "Permissions.1.IpProtocol": "tcp", "Permissions.1.Bogus": "x" }))).toBe("InvalidParameter");
    expect(codeOf(() => parse({ ...base, Ipv6SourceCidrIp: "::/0" }))).toBe("InvalidParameter");
    expect(codeOf(() => parse({ ...base, SourcePortRange: "1000/2000" }))).toBe("InvalidParameter");
    expect(codeOf(() => parse({ ...base, NicType: "wifi" }))).toBe("InvalidNicType.ValueNotSupported");
    expect(codeOf(() => parse({ ...base, Description: "x".repeat(256) }))).toBe("InvalidSecurityGroupDiscription.Malformed");
  });

  it("shows rules as Permission items and hides the basic group's implicit ones", () => {
    const rule: SecurityGroupRule = {
      id: "sgr-000000000001", securityGroupId: SELF, direction: "ingress", protocol: "tcp", fromPort: 22, toPort: 22, icmpType: null, icmpCode: null,
      peer: { securityGroupId: "sg-bbbbbbbbbbbb", accountId: "123456789012" }, action: "drop", priority: 5, description: "", stale: false, createdAt: "2026-01-01T00:00:00.000Z",
    };
    expect(permissionView(rule, "2026-01-01T00:00:00Z")).toMatchObject({ Direction: "ingress", IpProtocol: "TCP", PortRange: "22/22", Policy: "Drop", Priority: "5", SourceGroupId: "sg-bbbbbbbbbbbb", SourceGroupOwnerAccount: "123456789012", SourceCidrIp: "" });
    expect(isImplicit(rule)).toBe(false);
    const inner = innerAccessRule(SELF, "123456789012");
    expect(isImplicit({ ...rule, ...inner, fromPort: null, toPort: null, peer: { securityGroupId: SELF, accountId: "123456789012" }, action: "accept", priority: inner.priority!, description: "" })).toBe(true);
  });
});
