import { describe, expect, it } from "vitest";
import type { DesiredRows } from "../store/repos/dataplane.ts";
import { resolveDesired, resolveGroups } from "./desired.ts";

type Rule = DesiredRows["securityGroupRules"][number];
const rule = (id: string, group: string, peer: { cidr: string } | { group: string; account: string }): Rule => ({
  id,
  securityGroupId: group,
  direction: "ingress",
  protocol: "tcp",
  fromPort: 80,
  toPort: 80,
  icmpType: null,
  icmpCode: null,
  peerCidr: "cidr" in peer ? peer.cidr : null,
  peerGroupId: "group" in peer ? peer.group : null,
  peerAccountId: "group" in peer ? peer.account : null,
  action: "accept",
  priority: 1,
});
const side = (vpc: string, region: string) => ({ routerType: "vpc" as const, routerId: vpc, region, cidrs: [] });

function rows(peerings: DesiredRows["peerings"]): DesiredRows {
  return {
    fingerprint: "",
    vpcs: [],
    subnets: [],
    routeTables: [],
    routes: [],
    vbrs: [],
    activeInterfaces: [],
    peerings,
    instances: [
      { id: "ins-1", subnetId: "s", privateIp: "10.0.0.10", host: null, securityGroupIds: ["sg-a"] },
      { id: "ins-2", subnetId: "s", privateIp: "10.0.0.9", host: null, securityGroupIds: ["sg-a", "sg-b"] },
      { id: "ins-3", subnetId: "s", privateIp: "10.1.0.5", host: null, securityGroupIds: ["sg-peer"] },
      { id: "ins-4", subnetId: "s", privateIp: "10.2.0.5", host: null, securityGroupIds: ["sg-far"] },
    ],
    securityGroups: [
      { id: "sg-a", accountId: "1", vpcId: "vpc-a", region: "r1" },
      { id: "sg-b", accountId: "1", vpcId: "vpc-a", region: "r1" },
      { id: "sg-peer", accountId: "2", vpcId: "vpc-p", region: "r1" },
      { id: "sg-far", accountId: "1", vpcId: "vpc-f", region: "r2" },
    ],
    securityGroupRules: [
      rule("sgr-cidr", "sg-b", { cidr: "192.168.0.0/24" }),
      rule("sgr-same", "sg-b", { group: "sg-a", account: "1" }),
      rule("sgr-peer", "sg-b", { group: "sg-peer", account: "2" }),
      rule("sgr-owner", "sg-b", { group: "sg-peer", account: "1" }),
      rule("sgr-far", "sg-b", { group: "sg-far", account: "1" }),
      rule("sgr-gone", "sg-b", { group: "sg-gone", account: "1" }),
    ],
  };
}

describe("security groups in the desired state", () => {
  it("resolves group peers to their members' /32s in address order, across an active same-region peering only", () => {
    const peered = rows([
      { id: "pcx-1", generation: 1, a: side("vpc-a", "r1"), b: side("vpc-p", "r1"), bandwidthMbps: null },
      { id: "pcx-2", generation: 1, a: side("vpc-f", "r2"), b: side("vpc-a", "r1"), bandwidthMbps: null },
    ]);
    const b = resolveGroups(peered).find((g) => g.id === "sg-b")!;
    expect(b.vpcId).toBe("vpc-a");
    expect(b.rules.map((r) => [r.id, r.cidrs, r.stale])).toEqual([
      ["sgr-cidr", ["192.168.0.0/24"], false],
      ["sgr-same", ["10.0.0.9/32", "10.0.0.10/32"], false],
      ["sgr-peer", ["10.1.0.5/32"], false],
      // Named with another owner than the group's: nothing.
      ["sgr-owner", [], true],
      // Peered, but across regions.
      ["sgr-far", [], true],
      ["sgr-gone", [], true],
    ]);
    // Without the peering the peer's group is stale too; the instances keep their groups.
    const alone = resolveDesired(rows([]), { netem: false }, { defaultMs: 0, pairs: {} });
    expect(alone.securityGroups!.find((g) => g.id === "sg-b")!.rules.find((r) => r.id === "sgr-peer")).toMatchObject({ cidrs: [], stale: true, peerGroupId: "sg-peer" });
    expect(alone.instances.find((i) => i.id === "ins-2")!.securityGroupIds).toEqual(["sg-a", "sg-b"]);
    expect(alone.securityGroups!.map((g) => [g.id, g.rules.length])).toEqual([
      ["sg-a", 0],
      ["sg-b", 6],
      ["sg-peer", 0],
      ["sg-far", 0],
    ]);
  });
});
