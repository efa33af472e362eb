/** The AWS face's rule parameters and IpPermission shapes (security-groups.ts), without a server. */
import { describe, expect, it } from "vitest";
import type { SecurityGroup, SecurityGroupRule } from "../../../domain/security-groups.ts";
import { AwsError } from "../errors.ts";
import { describeRule, portsOf, protocolOf } from "./ip-permissions.ts";
import { permissions } from "./security-groups.ts";

const codeOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return e instanceof AwsError ? `${e.code}: ${e.message}` : String(e);
  }
  return "no error";
};

describe("protocolOf", () => {
  it("takes EC2's names and numbers, -1 and all; refuses IPv6 and other protocols naming the parameter", () => {
    expect(["tcp", "TCP", "6", "udp", "17", "icmp", "1", "-1", "all"].map((p) => protocolOf(p, "P"))).toEqual(["tcp", "tcp", "tcp", "udp", "udp", "icmp", "icmp", "all", "all"]);
    expect(codeOf(() => protocolOf("58", "IpPermissions.1.IpProtocol"))).toMatch(/^InvalidParameterValue: .*IpPermissions\.1\.IpProtocol.*IPv6/);
    expect(codeOf(() => protocolOf("47", "P"))).toMatch(/^InvalidParameterValue: .*protocol 47/i);
    expect(codeOf(() => protocolOf("gre", "P"))).toMatch(/^InvalidParameterValue: Invalid value 'gre' for IP protocol \(parameter P\)/);
  });
});

describe("portsOf", () => {
  it("tcp/udp need both ports, 0–65535 in order (0 is 1 here); -1/-1 is every port", () => {
    expect(portsOf("tcp", "22", "22", "")).toEqual({ protocol: "tcp", fromPort: 22, toPort: 22 });
    expect(portsOf("udp", "0", "65535", "")).toEqual({ protocol: "udp", fromPort: 1, toPort: 65535 });
    expect(portsOf("tcp", "-1", "-1", "")).toEqual({ protocol: "tcp", fromPort: null, toPort: null });
    expect(codeOf(() => portsOf("tcp", "22", undefined, "IpPermissions.2."))).toMatch(/Must specify both from and to ports.*IpPermissions\.2\.FromPort/);
    expect(codeOf(() => portsOf("tcp", "80", "22", ""))).toMatch(/^InvalidParameterValue: Invalid TCP\/UDP port range \(from 80 to 22/);
    expect(codeOf(() => portsOf("tcp", "1", "65536", ""))).toMatch(/port range/);
    expect(codeOf(() => portsOf("tcp", "0", "0", ""))).toMatch(/ToPort.*port 0/i);
    expect(codeOf(() => portsOf("tcp", "1.5", "2", "X."))).toMatch(/X\.FromPort.*integer/);
  });

  it("icmp: FromPort is the type and ToPort the code, -1 any; a code needs a type", () => {
    expect(portsOf("icmp", "-1", "-1", "")).toEqual({ protocol: "icmp", icmpType: null, icmpCode: null });
    expect(portsOf("icmp", "8", "0", "")).toEqual({ protocol: "icmp", icmpType: 8, icmpCode: 0 });
    expect(portsOf("1", undefined, undefined, "")).toEqual({ protocol: "icmp", icmpType: null, icmpCode: null });
    expect(codeOf(() => portsOf("icmp", "-1", "3", ""))).toMatch(/needs an ICMP type/);
    expect(codeOf(() => portsOf("icmp", "256", "-1", ""))).toMatch(/ICMP type/);
  });

  it("-1 ignores the ports (Terraform sends 0 and 0); a missing protocol is MissingParameter", () => {
    expect(portsOf("-1", "0", "0", "")).toEqual({ protocol: "all" });
    expect(codeOf(() => portsOf(undefined, "1", "2", "IpPermissions.1."))).toBe("MissingParameter: The request must contain the parameter IpPermissions.1.IpProtocol");
  });
});

describe("permissions", () => {
  const rule = (over: Partial<SecurityGroupRule>): SecurityGroupRule => ({
    id: "sgr-000000000001",
    securityGroupId: "sg-000000000001",
    direction: "ingress",
    protocol: "tcp",
    fromPort: 22,
    toPort: 22,
    icmpType: null,
    icmpCode: null,
    peer: { cidr: "10.0.0.0/8" },
    action: "accept",
    priority: 1,
    description: "",
    stale: false,
    createdAt: "2026-01-01T00:00:00.000Z",
    ...over,
  });
  const group = (rules: SecurityGroupRule[]): SecurityGroup =>
    ({ id: "sg-000000000001", accountId: "123456789012", vpcId: "vpc-1", region: "us-east-1", name: "g", description: "", isDefault: false, tags: {}, rules, rulesVersion: 1, createdAt: "", updatedAt: "" }) as SecurityGroup;

  it("groups the peers of one protocol and port range into one IpPermission, as AWS shows them; all ports as 0–65535", () => {
    const g = group([
      rule({ peer: { cidr: "10.0.0.0/8" }, description: "ssh" }),
      rule({ id: "sgr-000000000002", peer: { securityGroupId: "sg-000000000002", accountId: "210987654321" } }),
      rule({ id: "sgr-000000000003", fromPort: 1, toPort: 65535, peer: { cidr: "0.0.0.0/0" } }),
      rule({ id: "sgr-000000000004", protocol: "all", fromPort: null, toPort: null, direction: "egress", peer: { cidr: "0.0.0.0/0" } }),
    ]);
    expect(permissions(g, "ingress")).toEqual([
      { ipProtocol: "tcp", fromPort: 22, toPort: 22, ipRanges: [{ cidrIp: "10.0.0.0/8", description: "ssh" }], groups: [{ userId: "210987654321", groupId: "sg-000000000002", description: undefined }], ipv6Ranges: [], prefixListIds: [] },
      { ipProtocol: "tcp", fromPort: 0, toPort: 65535, ipRanges: [{ cidrIp: "0.0.0.0/0", description: undefined }], groups: [], ipv6Ranges: [], prefixListIds: [] },
    ]);
    expect(permissions(g, "egress")).toEqual([{ ipProtocol: "-1", fromPort: undefined, toPort: undefined, ipRanges: [{ cidrIp: "0.0.0.0/0", description: undefined }], groups: [], ipv6Ranges: [], prefixListIds: [] }]);
  });

  it("leaves out what AWS cannot say: drop rules and priorities other than 1", () => {
    expect(permissions(group([rule({ action: "drop" }), rule({ id: "sgr-000000000002", priority: 5 })]), "ingress")).toEqual([]);
  });
});

describe("describeRule", () => {
  it("writes a rule as EC2's InvalidPermission messages do", () => {
    expect(describeRule({ direction: "ingress", protocol: "tcp", fromPort: 22, toPort: 22, peer: { cidr: "10.0.0.0/8" } })).toBe("peer: 10.0.0.0/8, TCP, from port: 22, to port: 22, ALLOW");
    expect(describeRule({ direction: "egress", protocol: "all", peer: { securityGroupId: "sg-000000000001" } })).toBe("peer: sg-000000000001, ALL, ALLOW");
  });
});
