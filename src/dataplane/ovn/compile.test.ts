import { describe, expect, it } from "vitest";
import type { DesiredState } from "../plan.ts";
import { NO_TRANSIT_PRIORITY, compile } from "./compile.ts";
import { linkAddress } from "./nb-links.ts";
import { rowKey } from "./nb-names.ts";
import type { NbRow } from "./nb-plan.ts";
import { SG_ESTABLISHED_PRIORITY, aclPriority } from "./sg-acl.ts";

const A = "vpc-aaaaaaaaaaaa";
const B = "vpc-bbbbbbbbbbbb";
const V = "vbr-vvvvvvvvvvvv";
const P = "pcx-pppppppppppp";
const PV = "pcx-vvvvvvvvvvvv";
const fixture: DesiredState = {
  vpcs: [
    { id: A, cidr: "10.0.0.0/16" },
    { id: B, cidr: "172.16.0.0/16" },
  ],
  subnets: [
    { id: "subnet-aaaaaaaaaaa1", vpcId: A, cidr: "10.0.1.0/24", routeTableId: "rtb-aaaaaaaaaaa2" },
    { id: "subnet-aaaaaaaaaaa2", vpcId: A, cidr: "10.0.2.0/24", routeTableId: "rtb-aaaaaaaaaaa1" },
    { id: "subnet-bbbbbbbbbbb1", vpcId: B, cidr: "172.16.1.0/24", routeTableId: "rtb-bbbbbbbbbbb1" },
  ],
  routeTables: [
    { id: "rtb-aaaaaaaaaaa1", vpcId: A, routes: [{ destinationCidr: "10.9.0.0/16", peeringId: null, instanceId: "ins-aaaaaaaaaaa1" }] },
    { id: "rtb-aaaaaaaaaaa2", vpcId: A, routes: [{ destinationCidr: "172.16.0.0/16", peeringId: P }] },
    { id: "rtb-bbbbbbbbbbb1", vpcId: B, routes: [{ destinationCidr: "10.0.1.0/24", peeringId: P }, { destinationCidr: "192.168.0.0/24", peeringId: null }] },
  ],
  instances: [
    { id: "ins-aaaaaaaaaaa1", subnetId: "subnet-aaaaaaaaaaa1", privateIp: "10.0.1.2" },
    { id: "ins-bbbbbbbbbbb1", subnetId: "subnet-bbbbbbbbbbb1", privateIp: "172.16.1.2", host: "h2" },
  ],
  vbrs: [{ id: V, onPremisesCidrs: ["192.168.7.0/24", "192.168.8.0/24"], host: "h1" }],
  peerings: [
    { id: P, a: { routerType: "vpc", routerId: A, cidrs: ["10.0.0.0/16"] }, b: { routerType: "vpc", routerId: B, cidrs: ["172.16.0.0/16"] }, bandwidthMbps: 10, delayMs: null },
    { id: PV, a: { routerType: "vbr", routerId: V, cidrs: ["192.168.7.0/24", "192.168.8.0/24"] }, b: { routerType: "vpc", routerId: B, cidrs: ["172.16.0.0/16"] }, bandwidthMbps: null, delayMs: null },
  ],
};

describe("compile to OVN northbound rows", () => {
  const plan = compile(fixture, { prefix: "t1", linkSlots: new Map([[P, 5]]) });
  const row = (table: NbRow["table"], kind: Parameters<typeof rowKey>[1], id: string, part?: string) => {
    const r = plan.rows.get(rowKey(table, kind, id, part));
    if (!r) throw new Error(`no ${table} for ${kind} ${id} ${part ?? ""}`);
    return r;
  };
  const childNames = (r: NbRow, col: string) => (r.children?.[col] ?? []).map((k) => plan.rows.get(k)!.columns.name).sort();

  it("tags every row with its owner, kind and id", () => {
    for (const r of plan.rows.values()) {
      expect(r.columns.external_ids).toMatchObject({ "vpcpeer-owner": "t1" });
      expect(r.key).toBe(rowKey(r.table, (r.columns.external_ids as Record<string, string>)["vpcpeer-kind"] as "vpc", (r.columns.external_ids as Record<string, string>)["vpcpeer-id"]!, (r.columns.external_ids as Record<string, string>)["vpcpeer-part"]));
    }
  });

  it("makes a router per VPC with a gateway port per subnet using the subnet's route table", () => {
    const lr = row("Logical_Router", "vpc", A);
    expect(lr.columns.name).toBe("t1-r-aaaaaaaaaaaa");
    expect(childNames(lr, "ports")).toEqual(["t1-pa-pppppppppppp", "t1-rs-aaaaaaaaaaa1", "t1-rs-aaaaaaaaaaa2"]);
    expect(row("Logical_Router_Port", "subnet", "subnet-aaaaaaaaaaa1").columns).toMatchObject({ mac: "0e:00:0a:00:01:01", networks: ["10.0.1.1/24"], options: { route_table: "rtb-aaaaaaaaaaa2" } });
    expect(row("Logical_Switch_Port", "subnet", "subnet-aaaaaaaaaaa1").columns).toMatchObject({ type: "router", addresses: ["router"], options: { "router-port": "t1-rs-aaaaaaaaaaa1" } });
    expect(childNames(row("Logical_Switch", "subnet", "subnet-aaaaaaaaaaa1"), "ports")).toEqual(["t1-i-aaaaaaaaaaa1", "t1-sr-aaaaaaaaaaa1"]);
  });

  it("gives instances addresses and port security; a next-hop instance keeps only its MAC", () => {
    expect(row("Logical_Switch_Port", "instance", "ins-bbbbbbbbbbb1").columns).toMatchObject({ name: "t1-i-bbbbbbbbbbb1", addresses: ["0a:00:ac:10:01:02 172.16.1.2"], port_security: ["0a:00:ac:10:01:02 172.16.1.2"] });
    expect(row("Logical_Switch_Port", "instance", "ins-aaaaaaaaaaa1").columns).toMatchObject({ addresses: ["0a:00:0a:00:01:02 10.0.1.2"], port_security: ["0a:00:0a:00:01:02"] });
  });

  it("pins an instance's port to its host's chassis (requested-chassis); one without a host binds anywhere", () => {
    expect(row("Logical_Switch_Port", "instance", "ins-bbbbbbbbbbb1").columns.options).toEqual({ "requested-chassis": "h2" });
    expect(row("Logical_Switch_Port", "instance", "ins-aaaaaaaaaaa1").columns.options).toEqual({});
  });

  it("pins a VBR's on-premises host port to its host's chassis; a VBR without a host binds anywhere", () => {
    expect(row("Logical_Switch_Port", "vbr", V, "host").columns.options).toEqual({ "requested-chassis": "h1" });
    const unplaced = compile({ ...fixture, vbrs: [{ ...fixture.vbrs[0]!, host: null }] }, { prefix: "t1" });
    expect(unplaced.rows.get(rowKey("Logical_Switch_Port", "vbr", V, "host"))!.columns.options).toEqual({});
  });

  it("links peered routers through a transit switch, keeps a held slot, and caps both directions", () => {
    const a = linkAddress(5, "a");
    const b = linkAddress(5, "b");
    expect(a.cidr).toBe("169.254.0.21/30");
    expect(row("Logical_Router_Port", "peering", P, "a").columns).toMatchObject({ name: "t1-pa-pppppppppppp", networks: [a.cidr], options: {} });
    expect(row("Logical_Router_Port", "peering", P, "b").columns).toMatchObject({ name: "t1-pb-pppppppppppp", networks: [b.cidr] });
    const ls = row("Logical_Switch", "peering", P);
    expect(childNames(ls, "ports")).toEqual(["t1-ta-pppppppppppp", "t1-tb-pppppppppppp"]);
    expect((ls.children!.qos_rules ?? []).map((k) => plan.rows.get(k)!.columns)).toEqual([
      expect.objectContaining({ direction: "from-lport", match: 'inport == "t1-ta-pppppppppppp"', bandwidth: { rate: 10000, burst: 5000 } }),
      expect.objectContaining({ direction: "from-lport", match: 'inport == "t1-tb-pppppppppppp"', bandwidth: { rate: 10000, burst: 5000 } }),
    ]);
    expect(row("Logical_Switch", "peering", PV).children!.qos_rules).toEqual([]);
  });

  it("drops what arrives over a peering for anything but the router's own networks", () => {
    expect(row("Logical_Router_Policy", "peering", P, "a").columns).toMatchObject({ priority: NO_TRANSIT_PRIORITY, action: "drop", match: 'inport == "t1-pa-pppppppppppp" && ip4.dst != 10.0.0.0/16' });
    expect(row("Logical_Router_Policy", "peering", PV, "a").columns).toMatchObject({ match: 'inport == "t1-pa-vvvvvvvvvvvv" && ip4.dst != {192.168.7.0/24, 192.168.8.0/24}' });
    expect(childNames(row("Logical_Router", "vpc", B), "ports")).toEqual(["t1-pb-pppppppppppp", "t1-pb-vvvvvvvvvvvv", "t1-rs-bbbbbbbbbbb1"]);
    expect(row("Logical_Router", "vpc", B).children!.policies).toHaveLength(2);
  });

  it("routes over the peering to the far side's link address, through an instance, or discards", () => {
    expect(row("Logical_Router_Static_Route", "route", "rtb-aaaaaaaaaaa2", "172.16.0.0/16").columns).toMatchObject({ route_table: "rtb-aaaaaaaaaaa2", nexthop: linkAddress(5, "b").ip, output_port: ["t1-pa-pppppppppppp"] });
    expect(row("Logical_Router_Static_Route", "route", "rtb-bbbbbbbbbbb1", "10.0.1.0/24").columns).toMatchObject({ nexthop: linkAddress(5, "a").ip, output_port: ["t1-pb-pppppppppppp"] });
    expect(row("Logical_Router_Static_Route", "route", "rtb-bbbbbbbbbbb1", "192.168.0.0/24").columns).toMatchObject({ nexthop: "discard", output_port: [] });
    expect(row("Logical_Router_Static_Route", "route", "rtb-aaaaaaaaaaa1", "10.9.0.0/16").columns).toMatchObject({ nexthop: "10.0.1.2", output_port: ["t1-rs-aaaaaaaaaaa1"] });
  });

  it("gives a VBR a host switch and routes the peer VPC from its host's table", () => {
    expect(row("Logical_Router_Port", "vbr", V).columns).toMatchObject({ name: "t1-bh-vvvvvvvvvvvv", networks: ["192.168.7.1/24", "192.168.8.1/24"], options: { route_table: V } });
    expect(row("Logical_Switch_Port", "vbr", V, "host").columns).toMatchObject({ name: "t1-o-vvvvvvvvvvvv", addresses: ["0a:00:c0:a8:07:02 192.168.7.2 192.168.8.2"] });
    const r = row("Logical_Router_Static_Route", "route", V, "172.16.0.0/16");
    expect(r.columns).toMatchObject({ route_table: V, output_port: ["t1-pa-vvvvvvvvvvvv"] });
    expect(childNames(row("Logical_Router", "vbr", V), "ports")).toEqual(["t1-bh-vvvvvvvvvvvv", "t1-pa-vvvvvvvvvvvv"]);
  });

  it("leaves out what has no router, and a peering is no link once it is not active", () => {
    const without = compile({ ...fixture, peerings: [] }, { prefix: "t1" });
    expect([...without.rows.keys()].filter((k) => k.includes(P))).toEqual([]);
    expect(without.rows.get(rowKey("Logical_Router_Static_Route", "route", "rtb-aaaaaaaaaaa2", "172.16.0.0/16"))!.columns).toMatchObject({ nexthop: "discard", output_port: [] });
    const orphan = compile({ ...fixture, vpcs: [fixture.vpcs[1]!] }, { prefix: "t1" });
    expect([...orphan.rows.keys()].some((k) => k.includes("aaaaaaaaaa"))).toBe(false);
  });
});

describe("compile security groups to port groups, ACLs and address sets", () => {
  const G1 = "sg-aaaaaaaaaaa1";
  const G2 = "sg-aaaaaaaaaaa2";
  const GB = "sg-bbbbbbbbbbb1";
  const base = { fromPort: null, toPort: null, icmpType: null, icmpCode: null, peerGroupId: null, stale: false } as const;
  const state: DesiredState = {
    ...fixture,
    instances: [
      { ...fixture.instances[0]!, securityGroupIds: [G1, G2] },
      { ...fixture.instances[1]!, securityGroupIds: [GB] },
      { id: "ins-aaaaaaaaaaa9", subnetId: "subnet-aaaaaaaaaaa1", privateIp: "10.0.1.9" },
    ],
    securityGroups: [
      {
        id: G1,
        vpcId: A,
        rules: [
          { ...base, id: "sgr-aaaaaaaaaaa1", securityGroupId: G1, direction: "ingress", protocol: "tcp", fromPort: 80, toPort: 80, action: "accept", priority: 5, cidrs: ["0.0.0.0/0"] },
          { ...base, id: "sgr-aaaaaaaaaaa2", securityGroupId: G1, direction: "ingress", protocol: "all", action: "drop", priority: 5, cidrs: ["172.16.1.2/32"] },
          { ...base, id: "sgr-aaaaaaaaaaa3", securityGroupId: G1, direction: "egress", protocol: "all", action: "accept", priority: 1, cidrs: ["0.0.0.0/0"] },
        ],
      },
      { id: G2, vpcId: A, rules: [] },
      {
        id: GB,
        vpcId: B,
        rules: [
          { ...base, id: "sgr-bbbbbbbbbbb1", securityGroupId: GB, direction: "ingress", protocol: "tcp", fromPort: 5432, toPort: 5432, action: "accept", priority: 1, cidrs: ["10.0.1.2/32"], peerGroupId: G1 },
          { ...base, id: "sgr-bbbbbbbbbbb2", securityGroupId: GB, direction: "ingress", protocol: "icmp", icmpType: 8, action: "accept", priority: 1, cidrs: [], peerGroupId: "sg-cccccccccccc", stale: true },
        ],
      },
    ],
  };
  const plan = compile(state, { prefix: "t1" });
  const rowsOf = (table: NbRow["table"]) => [...plan.rows.values()].filter((r) => r.table === table);
  const pg = (id: string) => plan.rows.get(rowKey("Port_Group", "security-group", id))!;
  const acl = (id: string) => plan.rows.get(rowKey("ACL", "security-group-rule", id));

  it("makes a port group per group holding its members' ports; an instance without groups is in none", () => {
    expect(rowsOf("Port_Group").map((r) => r.columns.name).sort()).toEqual(["t1_pg_aaaaaaaaaaa1", "t1_pg_aaaaaaaaaaa2", "t1_pg_bbbbbbbbbbb1"]);
    const portName = (k: string) => plan.rows.get(k)!.columns.name;
    expect(pg(G1).children!.ports!.map(portName)).toEqual(["t1-i-aaaaaaaaaaa1"]);
    expect(pg(G2).children!.ports!.map(portName)).toEqual(["t1-i-aaaaaaaaaaa1"]);
    expect(pg(GB).children!.ports!.map(portName)).toEqual(["t1-i-bbbbbbbbbbb1"]);
    expect(rowsOf("Port_Group").some((r) => r.children!.ports!.map(portName).includes("t1-i-aaaaaaaaaaa9"))).toBe(false);
    expect(pg(G1).columns.external_ids).toEqual({ "vpcpeer-owner": "t1", "vpcpeer-kind": "security-group", "vpcpeer-id": G1 });
  });

  it("writes each rule as an ACL on its group, named and tagged after it, in evaluation order, above two default drops", () => {
    expect(acl("sgr-aaaaaaaaaaa1")!.columns).toEqual({
      name: ["sgr-aaaaaaaaaaa1"],
      priority: aclPriority(5, "accept"),
      direction: "to-lport",
      match: "outport == @t1_pg_aaaaaaaaaaa1 && ip4 && tcp && tcp.dst == 80",
      action: "allow-related",
      external_ids: { "vpcpeer-owner": "t1", "vpcpeer-kind": "security-group-rule", "vpcpeer-id": "sgr-aaaaaaaaaaa1", "vpcpeer-security-group": G1 },
    });
    expect(acl("sgr-aaaaaaaaaaa2")!.columns).toMatchObject({ action: "drop", priority: aclPriority(5, "accept") + 1, match: "outport == @t1_pg_aaaaaaaaaaa1 && ip4 && ip4.src == 172.16.1.2/32" });
    expect(acl("sgr-aaaaaaaaaaa3")!.columns).toMatchObject({ direction: "from-lport", match: "inport == @t1_pg_aaaaaaaaaaa1 && ip4", action: "allow-related" });
    const acls = pg(G1).children!.acls!.map((k) => plan.rows.get(k)!.columns);
    expect(acls.filter((c) => c.priority === 1000).map((c) => [c.direction, c.match, c.action])).toEqual([
      ["to-lport", "outport == @t1_pg_aaaaaaaaaaa1 && ip4", "drop"],
      ["from-lport", "inport == @t1_pg_aaaaaaaaaaa1 && ip4", "drop"],
    ]);
    // Established connections pass both ways above every rule: rule changes apply to new ones.
    expect(acls.filter((c) => c.priority === SG_ESTABLISHED_PRIORITY).map((c) => [c.direction, c.match, c.action])).toEqual([
      ["to-lport", "outport == @t1_pg_aaaaaaaaaaa1 && ip4 && ct.est", "allow-related"],
      ["from-lport", "inport == @t1_pg_aaaaaaaaaaa1 && ip4 && ct.est", "allow-related"],
    ]);
    expect(Math.max(...acls.filter((c) => c.priority !== SG_ESTABLISHED_PRIORITY).map((c) => c.priority as number))).toBeLessThan(SG_ESTABLISHED_PRIORITY);
    // A group without rules still drops everything but ARP for its members.
    expect(pg(G2).children!.acls).toHaveLength(4);
  });

  it("names a referenced group's members by an address set; a stale rule has no ACL", () => {
    expect(rowsOf("Address_Set").map((r) => r.columns)).toEqual([{ name: "t1_as_aaaaaaaaaaa1", addresses: ["10.0.1.2/32"], external_ids: { "vpcpeer-owner": "t1", "vpcpeer-kind": "security-group", "vpcpeer-id": G1 } }]);
    expect(acl("sgr-bbbbbbbbbbb1")!.columns.match).toBe("outport == @t1_pg_bbbbbbbbbbb1 && ip4 && ip4.src == $t1_as_aaaaaaaaaaa1 && tcp && tcp.dst == 5432");
    expect(acl("sgr-bbbbbbbbbbb2")).toBeUndefined();
    expect(pg(GB).children!.acls).toHaveLength(5);
  });

  it("writes no security group rows for a state without groups", () => {
    expect([...compile(fixture, { prefix: "t1" }).rows.values()].filter((r) => ["Port_Group", "ACL", "Address_Set"].includes(r.table))).toEqual([]);
  });
});
