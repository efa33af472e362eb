import { describe, expect, it } from "vitest";
import { INBOUND_RULE_PREF, INBOUND_TABLE, type DesiredState, burstFor, compile, rulePrefs, tableIds } from "./plan.ts";

const A = "vpc-aaaaaaaaaaaa";
const B = "vpc-bbbbbbbbbbbb";
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
    { id: "rtb-aaaaaaaaaaa1", vpcId: A, routes: [] },
    { id: "rtb-aaaaaaaaaaa2", vpcId: A, routes: [{ destinationCidr: "172.16.0.0/16", peeringId: "pcx-pppppppppppp" }] },
    { id: "rtb-bbbbbbbbbbb1", vpcId: B, routes: [{ destinationCidr: "10.0.1.0/24", peeringId: "pcx-pppppppppppp" }, { destinationCidr: "192.168.0.0/24", peeringId: null }] },
  ],
  instances: [
    { id: "ins-aaaaaaaaaaa1", subnetId: "subnet-aaaaaaaaaaa1", privateIp: "10.0.1.2" },
    { id: "ins-bbbbbbbbbbb1", subnetId: "subnet-bbbbbbbbbbb1", privateIp: "172.16.1.2" },
  ],
  vbrs: [],
  peerings: [{ id: "pcx-pppppppppppp", a: { routerType: "vpc", routerId: A, cidrs: ["10.0.0.0/16"] }, b: { routerType: "vpc", routerId: B, cidrs: ["172.16.0.0/16"] }, bandwidthMbps: 10, delayMs: null }],
};

describe("compile", () => {
  const plan = compile(fixture, "t1");
  const ra = plan.namespaces.get("t1-r-aaaaaaaaaaaa")!;
  const rb = plan.namespaces.get("t1-r-bbbbbbbbbbbb")!;
  const tablesA = tableIds(["rtb-aaaaaaaaaaa1", "rtb-aaaaaaaaaaa2"]);

  it("makes one namespace per VPC router and per instance", () => {
    expect([...plan.namespaces.keys()].sort()).toEqual(["t1-i-aaaaaaaaaaa1", "t1-i-bbbbbbbbbbb1", "t1-r-aaaaaaaaaaaa", "t1-r-bbbbbbbbbbbb"]);
    expect(ra.sysctls["net.ipv4.ip_forward"]).toBe("1");
  });

  it("puts each subnet's gateway on a bridge and each instance on a port of it", () => {
    expect(ra.links.find((l) => l.name === "s-aaaaaaaaaaa1")).toEqual({ name: "s-aaaaaaaaaaa1", kind: "bridge", addrs: ["10.0.1.1/24"] });
    expect(ra.links.find((l) => l.name === "i-aaaaaaaaaaa1")).toMatchObject({ kind: "veth", master: "s-aaaaaaaaaaa1", peer: { ns: "t1-i-aaaaaaaaaaa1", name: "eth0" } });
    const ins = plan.namespaces.get("t1-i-aaaaaaaaaaa1")!;
    expect(ins.links).toEqual([{ name: "eth0", kind: "veth", addrs: ["10.0.1.2/24"] }]);
    expect(ins.routes).toEqual([{ table: 254, dst: "default", type: "unicast", via: "10.0.1.1", dev: "eth0" }]);
  });

  it("routes each subnet through its associated table; everything else through the inbound table", () => {
    const t2 = tablesA.get("rtb-aaaaaaaaaaa2")!;
    const prefs = rulePrefs(["subnet-aaaaaaaaaaa1", "subnet-aaaaaaaaaaa2"]);
    expect(ra.rules).toEqual(
      expect.arrayContaining([
        { pref: INBOUND_RULE_PREF, table: INBOUND_TABLE },
        { pref: prefs.get("subnet-aaaaaaaaaaa1")!, iif: "s-aaaaaaaaaaa1", table: t2 },
        { pref: prefs.get("subnet-aaaaaaaaaaa2")!, iif: "s-aaaaaaaaaaa2", table: tablesA.get("rtb-aaaaaaaaaaa1")! },
      ]),
    );
    expect(ra.rules).toHaveLength(3);
    expect(ra.routes.filter((r) => r.table === t2)).toEqual([
      { table: t2, dst: "10.0.0.0/16", type: "throw" },
      { table: t2, dst: "172.16.0.0/16", type: "unicast", dev: "p-pppppppppppp" },
      { table: t2, dst: "default", type: "unreachable" },
    ]);
    expect(ra.routes.filter((r) => r.table === INBOUND_TABLE)).toEqual([
      { table: INBOUND_TABLE, dst: "10.0.0.0/16", type: "throw" },
      { table: INBOUND_TABLE, dst: "default", type: "unreachable" },
    ]);
  });

  it("links peered routers with a shaped veth at both ends, and blackholes routes without a live peering", () => {
    expect(ra.links.find((l) => l.name === "p-pppppppppppp")).toMatchObject({ peer: { ns: "t1-r-bbbbbbbbbbbb", name: "p-pppppppppppp" } });
    expect(rb.links.find((l) => l.name === "p-pppppppppppp")).toEqual({ name: "p-pppppppppppp", kind: "veth", addrs: [] });
    expect(ra.qdiscs).toEqual([{ dev: "p-pppppppppppp", rateMbit: 10, burstBytes: burstFor(10), delayMs: null }]);
    expect(rb.qdiscs).toHaveLength(1);
    expect(rb.routes).toEqual(expect.arrayContaining([expect.objectContaining({ dst: "192.168.0.0/24", type: "blackhole" })]));
    const down = compile({ ...fixture, peerings: [] }, "t1");
    const ra2 = down.namespaces.get("t1-r-aaaaaaaaaaaa")!;
    expect(ra2.links.some((l) => l.name.startsWith("p-"))).toBe(false);
    expect(ra2.routes).toEqual(expect.arrayContaining([expect.objectContaining({ dst: "172.16.0.0/16", type: "blackhole" })]));
  });

  it("keeps subnet rule priorities stable when subnets come and go", () => {
    const before = rulePrefs(["subnet-bbbbbbbbbbbb", "subnet-cccccccccccc"]);
    const after = rulePrefs(["subnet-000000000000", "subnet-bbbbbbbbbbbb", "subnet-cccccccccccc"]);
    expect(after.get("subnet-bbbbbbbbbbbb")).toBe(before.get("subnet-bbbbbbbbbbbb"));
    expect(after.get("subnet-cccccccccccc")).toBe(before.get("subnet-cccccccccccc"));
    for (const p of after.values()) expect(p >= 1000 && p < INBOUND_RULE_PREF).toBe(true);
  });

  it("keeps table ids stable when tables come and go", () => {
    const before = tableIds(["rtb-aaaaaaaaaaa1", "rtb-aaaaaaaaaaa2"]);
    const after = tableIds(["rtb-aaaaaaaaaaa1", "rtb-aaaaaaaaaaa2", "rtb-000000000000"]);
    expect(after.get("rtb-aaaaaaaaaaa1")).toBe(before.get("rtb-aaaaaaaaaaa1"));
    expect(new Set(after.values()).size).toBe(3);
  });

  it("scales the burst with the rate", () => {
    expect(burstFor(10)).toBe(32 * 1024);
    expect(burstFor(5000)).toBe(1_250_000);
  });

  it("sends a route through an instance of the table's VPC (an appliance) and lets only that instance forward", () => {
    const appliance = { id: "ins-aaaaaaaaaaa2", subnetId: "subnet-aaaaaaaaaaa2", privateIp: "10.0.2.5" };
    const via = (instanceId: string) => ({
      ...fixture,
      instances: [...fixture.instances, appliance],
      routeTables: fixture.routeTables.map((t) => (t.id === "rtb-aaaaaaaaaaa2" ? { ...t, routes: [{ destinationCidr: "172.16.0.0/16", peeringId: null, instanceId }] } : t)),
    });
    const p = compile(via(appliance.id), "t1");
    const t2 = tablesA.get("rtb-aaaaaaaaaaa2")!;
    expect(p.namespaces.get("t1-r-aaaaaaaaaaaa")!.routes.filter((r) => r.table === t2 && r.dst === "172.16.0.0/16")).toEqual([
      { table: t2, dst: "172.16.0.0/16", type: "unicast", via: "10.0.2.5", dev: "s-aaaaaaaaaaa2" },
    ]);
    expect(p.namespaces.get("t1-i-aaaaaaaaaaa2")!.sysctls).toEqual({ "net.ipv4.ip_forward": "1" });
    expect(p.namespaces.get("t1-i-aaaaaaaaaaa1")!.sysctls).toEqual({ "net.ipv4.ip_forward": "0" });
    // An instance of another VPC, or one that is gone, carries nothing: blackhole, and no forwarding.
    for (const other of [compile(via("ins-bbbbbbbbbbb1"), "t1"), compile({ ...via(appliance.id), instances: fixture.instances }, "t1")]) {
      expect(other.namespaces.get("t1-r-aaaaaaaaaaaa")!.routes.filter((r) => r.table === t2 && r.dst === "172.16.0.0/16")).toEqual([{ table: t2, dst: "172.16.0.0/16", type: "blackhole" }]);
      expect(other.namespaces.get("t1-i-bbbbbbbbbbb1")!.sysctls).toEqual({ "net.ipv4.ip_forward": "0" });
    }
  });

  it("gives a VBR a router, an on-premises host, and routes back over its connections", () => {
    const vbr = "vbr-vvvvvvvvvvvv";
    const p = compile(
      {
        ...fixture,
        vbrs: [{ id: vbr, onPremisesCidrs: ["192.168.10.0/24", "192.168.20.0/24"] }],
        peerings: [{ id: "pcx-vvvvvvvvvvv1", a: { routerType: "vbr", routerId: vbr, cidrs: ["192.168.10.0/24", "192.168.20.0/24"] }, b: { routerType: "vpc", routerId: A, cidrs: ["10.0.0.0/16"] }, bandwidthMbps: null, delayMs: null }],
      },
      "t1",
    );
    const r = p.namespaces.get("t1-b-vvvvvvvvvvvv")!;
    const h = p.namespaces.get("t1-h-vvvvvvvvvvvv")!;
    expect(r.links[0]).toMatchObject({ name: "h-vvvvvvvvvvvv", addrs: ["192.168.10.1/24", "192.168.20.1/24"], peer: { name: "eth0" } });
    expect(h.links[0]!.addrs).toEqual(["192.168.10.2/24", "192.168.20.2/24"]);
    expect(r.routes).toEqual(expect.arrayContaining([{ table: 999, dst: "10.0.0.0/16", type: "unicast", dev: "p-vvvvvvvvvvv1" }]));
  });
});
