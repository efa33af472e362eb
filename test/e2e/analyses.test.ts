/**
 * POST /api/v1/analyses on a real store: every reason code from a situation built through the
 * services (peerings requested, accepted, deactivated, suspended by the subscription clock;
 * routes, tables, associations, instances), the request's 4xx with the field named, and no
 * analysis showing a resource of another account. Then `vpcpeer explain` against a server.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config.ts";
import { REASON_CODES } from "../../src/dataplane/analyze.ts";
import type { Actor } from "../../src/service/context.ts";
import type { Services } from "../../src/service/index.ts";
import { TestClock } from "../support/clock.ts";
import { openRuntime } from "../../src/main.ts";
import { BACKENDS, type Harness, TEST_MASTER_KEY, type TestDb, freshDb, harness } from "../support/harness.ts";
import { type ServerProcess, runCli, startServer, tempDir } from "../support/process.ts";

type Acct = { id: string; token: string };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyBody = any;

const ID_TOKEN = /\b(?:vpc|subnet|rtb|rt|vbr|ins|pcx|ri|sg)-[a-z0-9]{12}\b/g;

describe.each(BACKENDS)("analyses on %s", (backend) => {
  let h: Harness;
  let s: Services;
  const clock = new TestClock();
  let alice: Acct;
  let bob: Acct;
  const A = () => ({ accountId: alice.id }) as Actor;
  const B = () => ({ accountId: bob.id }) as Actor;
  /** Every analysis answered in this file, with who asked: checked for other accounts' ids at the end. */
  const seen: { viewer: string; body: AnyBody }[] = [];
  const seenCodes = new Set<string>();
  const leaks: string[] = [];

  const explain = async (who: Acct, body: Record<string, unknown>) => {
    const r = await h.call(who.token, "POST", "/api/v1/analyses", body);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    seen.push({ viewer: who.id, body: r.body });
    // Who owns what now (a resource deleted later would no longer say).
    const rows = await s.deps.store.read.analysis.rows();
    for (const id of JSON.stringify(r.body).match(ID_TOKEN) ?? []) {
      const parties = id.startsWith("pcx-") ? rows.peerings.filter((p) => p.id === id).flatMap((p) => [p.a.accountId, p.b.accountId]) : [rows.owners.get(id)];
      if (!parties.includes(who.id)) leaks.push(`${id} shown to ${who.id}`);
    }
    for (const reason of r.body.reasons) seenCodes.add(reason.code);
    return r.body;
  };
  const codes = (a: AnyBody) => a.reasons.map((r: { code: string }) => r.code);

  let net: {
    a: { id: string; defaultRouteTableId: string };
    b: { id: string; defaultRouteTableId: string };
    e: { id: string; defaultRouteTableId: string };
    sa: string;
    sb: string;
    ia: { id: string; privateIp: string };
    ib: { id: string; privateIp: string };
    ie: { id: string; privateIp: string };
    pab: string;
  };

  beforeAll(async () => {
    h = await harness(backend, { config: defaultConfig(), clock });
    s = h.runtime.services;
    alice = await h.account();
    bob = await h.account();
    const a = await s.vpcs.create(A(), { name: "a", region: "cn-hangzhou", cidr: "10.0.0.0/16" });
    const b = await s.vpcs.create(B(), { name: "b", region: "cn-hangzhou", cidr: "172.16.0.0/16" });
    const e = await s.vpcs.create(B(), { name: "e", region: "cn-hangzhou", cidr: "192.168.0.0/16" });
    const sa = await s.subnets.create(A(), { vpcId: a.id, cidr: "10.0.1.0/24" });
    const sb = await s.subnets.create(B(), { vpcId: b.id, cidr: "172.16.1.0/24" });
    const se = await s.subnets.create(B(), { vpcId: e.id, cidr: "192.168.1.0/24" });
    const ia = await s.instances.create(A(), { subnetId: sa.id });
    const ib = await s.instances.create(B(), { subnetId: sb.id });
    const ie = await s.instances.create(B(), { subnetId: se.id });
    const pab = await s.peerings.create(A(), { vpcId: a.id, peerVpcId: b.id, peerAccountId: bob.id });
    net = { a, b, e, sa: sa.id, sb: sb.id, ia, ib, ie, pab: pab.id };
  });
  afterAll(() => h?.close());

  it("PEERING_NOT_ACTIVE while the request waits; RETURN_ROUTE_MISSING once accepted without Bob's route; reachable with it", async () => {
    const { a, b, ia, ib, pab } = net;
    const route = await s.routeTables.addRoute(A(), a.defaultRouteTableId, { destinationCidr: "172.16.0.0/16", target: { type: "peering", id: pab } });
    const pending = await explain(alice, { fromInstanceId: ia.id, toIp: ib.privateIp });
    expect(pending).toMatchObject({ reachable: false, reasons: [{ code: "PEERING_NOT_ACTIVE", resource: pab, severity: "error" }] });
    expect(pending.forward.at(-1)).toMatchObject({ type: "route-table", resourceId: a.defaultRouteTableId, route: { routeId: route.id, destinationCidr: "172.16.0.0/16" } });

    await s.peerings.accept(B(), pab);
    const oneWay = await explain(alice, { fromInstanceId: ia.id, toIp: ib.privateIp });
    expect(oneWay.reachable).toBe(false);
    expect(oneWay.reasons).toEqual([expect.objectContaining({ code: "RETURN_ROUTE_MISSING", resource: null })]);
    expect(oneWay.reasons[0].message).toContain("the peer's return path is not visible to you");
    expect(oneWay.forward.map((x: AnyBody) => x.type)).toEqual(["instance", "security-group", "subnet", "vpc-router", "route-table", "peering", "peer-network"]);
    // Bob, asking the other way, is told about his own table.
    const bobView = await explain(bob, { fromInstanceId: ib.id, toIp: ia.privateIp });
    expect(bobView.reasons).toEqual([expect.objectContaining({ code: "NO_ROUTE", resource: b.defaultRouteTableId })]);

    await s.routeTables.addRoute(B(), b.defaultRouteTableId, { destinationCidr: "10.0.0.0/16", target: { type: "peering", id: pab } });
    const ok = await explain(alice, { fromInstanceId: ia.id, toIp: ib.privateIp, port: 443 });
    expect(ok).toMatchObject({ reachable: true, reasons: [], protocol: "tcp", port: 443, source: { ip: ia.privateIp, resourceId: ia.id }, destination: { ip: ib.privateIp, resourceId: null } });
    expect(ok.return.map((x: AnyBody) => x.type)).toEqual(["peer-network", "peering", "vpc-router", "subnet", "instance"]);
  });

  it("PEERING_NOT_ACTIVE when deactivated, back when activated", async () => {
    const { ia, ib, pab } = net;
    await s.peerings.setActive(A(), pab, false);
    expect(codes(await explain(alice, { fromInstanceId: ia.id, toIp: ib.privateIp }))).toEqual(["PEERING_NOT_ACTIVE"]);
    await s.peerings.setActive(A(), pab, true);
    expect((await explain(alice, { fromInstanceId: ia.id, toIp: ib.privateIp })).reachable).toBe(true);
  });

  it("NO_TRANSIT cannot be built: a route through a peering must stay inside the peer's CIDRs (the analyzer's unit tests cover the walk)", async () => {
    const { a, b, e, pab } = net;
    const pbe = await s.peerings.create(B(), { vpcId: b.id, peerVpcId: e.id });
    if (pbe.state !== "active") await s.peerings.accept(B(), pbe.id);
    await expect(s.routeTables.addRoute(A(), a.defaultRouteTableId, { destinationCidr: "192.168.0.0/16", target: { type: "peering", id: pab } })).rejects.toMatchObject({ code: "InvalidRouteTarget" });
    // Bob's other VPC is nothing Alice knows of.
    const r = await explain(alice, { fromInstanceId: net.ia.id, toIp: net.ie.privateIp });
    expect(codes(r)).toEqual(["DESTINATION_NOT_IN_ANY_VPC"]);
    expect(JSON.stringify(r)).not.toContain(pbe.id);
  });

  it("SUBNET_NOT_ASSOCIATED, then NO_ROUTE, DESTINATION_NOT_IN_ANY_VPC and ADDRESS_NOT_ASSIGNED", async () => {
    const { a, ia, sa } = net;
    const c = await s.vpcs.create(A(), { name: "c", region: "cn-hangzhou", cidr: "10.9.0.0/16" });
    const sc = await s.subnets.create(A(), { vpcId: c.id, cidr: "10.9.1.0/24" });
    const ic = await s.instances.create(A(), { subnetId: sc.id });
    const pac = await s.peerings.create(A(), { vpcId: a.id, peerVpcId: c.id });
    if (pac.state !== "active") await s.peerings.accept(A(), pac.id);
    await s.routeTables.addRoute(A(), c.defaultRouteTableId, { destinationCidr: "10.0.0.0/16", target: { type: "peering", id: pac.id } });
    const other = await s.routeTables.create(A(), { vpcId: a.id, name: "to-c" });
    await s.routeTables.addRoute(A(), other.id, { destinationCidr: "10.9.0.0/16", target: { type: "peering", id: pac.id } });
    const r = await explain(alice, { fromInstanceId: ia.id, toIp: ic.privateIp });
    expect(r.reasons).toEqual([expect.objectContaining({ code: "SUBNET_NOT_ASSOCIATED", resource: sa })]);
    expect(r.reasons[0].message).toContain(other.id);
    await s.subnets.setRouteTable(A(), sa, other.id);
    const same = await explain(alice, { fromInstanceId: ia.id, toIp: ic.privateIp });
    expect(same.reachable).toBe(true);
    // The other table has no route to Bob, the main one has.
    expect(codes(await explain(alice, { fromInstanceId: ia.id, toIp: net.ib.privateIp }))).toEqual(["SUBNET_NOT_ASSOCIATED"]);
    expect(codes(await explain(alice, { fromInstanceId: ia.id, toIp: "10.9.1.200" }))).toEqual(["ADDRESS_NOT_ASSIGNED"]);
    await s.subnets.resetRouteTable(A(), sa);
    expect(codes(await explain(alice, { fromInstanceId: ia.id, toIp: "8.8.8.8" }))).toEqual(["DESTINATION_NOT_IN_ANY_VPC"]);
    expect(codes(await explain(alice, { fromInstanceId: ia.id, toIp: "172.16.1.200" }))).toEqual(["ADDRESS_NOT_ASSIGNED"]);
  });

  it("ROUTE_BLACKHOLE when the appliance a route goes through is gone; ROUTING_LOOP when it sends back to itself", async () => {
    const { a, ia } = net;
    const dmz = await s.subnets.create(A(), { vpcId: a.id, cidr: "10.0.9.0/24" });
    const fw = await s.instances.create(A(), { subnetId: dmz.id });
    const t = await s.routeTables.create(A(), { vpcId: a.id, name: "fw" });
    await s.subnets.setRouteTable(A(), dmz.id, t.id);
    const route = await s.routeTables.addRoute(A(), a.defaultRouteTableId, { destinationCidr: "100.64.0.0/16", target: { type: "instance", id: fw.id } });
    await s.routeTables.addRoute(A(), t.id, { destinationCidr: "100.64.0.0/16", target: { type: "instance", id: fw.id } });
    const loop = await explain(alice, { fromInstanceId: ia.id, toIp: "100.64.1.1" });
    expect(codes(loop)).toEqual(["ROUTING_LOOP"]);
    expect(loop.forward.filter((x: AnyBody) => x.type === "instance").map((x: AnyBody) => x.resourceId)).toEqual([ia.id, fw.id]);
    await s.instances.delete(A(), fw.id);
    const gone = await explain(alice, { fromInstanceId: ia.id, toIp: "100.64.1.1" });
    expect(gone.reasons).toEqual([expect.objectContaining({ code: "ROUTE_BLACKHOLE", resource: route.id })]);
  });

  it("PEERING_SUSPENDED when a subscription ends", async () => {
    const x = await s.vpcs.create(A(), { name: "x", region: "cn-hangzhou", cidr: "10.20.0.0/16" });
    const y = await s.vpcs.create(B(), { name: "y", region: "cn-shanghai", cidr: "172.20.0.0/16" });
    const ix = await s.instances.create(A(), { subnetId: (await s.subnets.create(A(), { vpcId: x.id, cidr: "10.20.1.0/24" })).id });
    const iy = await s.instances.create(B(), { subnetId: (await s.subnets.create(B(), { vpcId: y.id, cidr: "172.20.1.0/24" })).id });
    const p = await s.peerings.create(A(), { vpcId: x.id, peerVpcId: y.id, peerAccountId: bob.id, peerRegion: "cn-shanghai", bandwidthMbps: 10, chargeType: "subscription", period: 1 });
    await s.peerings.accept(B(), p.id);
    await s.routeTables.addRoute(A(), x.defaultRouteTableId, { destinationCidr: "172.20.0.0/16", target: { type: "peering", id: p.id } });
    await s.routeTables.addRoute(B(), y.defaultRouteTableId, { destinationCidr: "10.20.0.0/16", target: { type: "peering", id: p.id } });
    expect((await explain(alice, { fromInstanceId: ix.id, toIp: iy.privateIp })).reachable).toBe(true);
    clock.advanceDays(40);
    await s.peerings.sweep();
    expect((await s.peerings.get(A(), p.id)).state).toBe("suspended");
    const r = await explain(alice, { fromInstanceId: ix.id, toIp: iy.privateIp });
    expect(r.reasons).toEqual([expect.objectContaining({ code: "PEERING_SUSPENDED", resource: p.id })]);
  });

  it("from a VBR: its on-premises host over a connection to a VPC", async () => {
    const { a, ia } = net;
    const vbr = await s.vbrs.create(A(), { name: "idc", region: "cn-hangzhou", onPremisesCidrs: ["192.168.50.0/24"] });
    await s.routerInterfaces.create(A(), { role: "initiator", routerType: "vbr", routerId: vbr.id, spec: "Small.1", withAcceptor: true, opposite: { routerType: "vpc", routerId: a.id } });
    expect(codes(await explain(alice, { fromVbrId: vbr.id, toIp: ia.privateIp }))).toEqual(["RETURN_ROUTE_MISSING"]);
    await s.routeTables.addRoute(A(), a.defaultRouteTableId, { destinationCidr: "192.168.50.0/24", target: { type: "vbr", id: vbr.id } });
    const r = await explain(alice, { fromVbrId: vbr.id, toIp: ia.privateIp });
    expect(r.reachable).toBe(true);
    expect(r.forward[0]).toMatchObject({ type: "vbr-host", resourceId: vbr.id });
    expect((await explain(alice, { fromInstanceId: ia.id, toIp: "192.168.50.2" })).reachable).toBe(true);
  });

  it("SECURITY_GROUP_EGRESS_DENIED and SECURITY_GROUP_INGRESS_DENIED: the owner's groups and rules named, the peer's not", async () => {
    const x = await s.vpcs.create(A(), { name: "gx", region: "cn-hangzhou", cidr: "10.60.0.0/16" });
    const y = await s.vpcs.create(B(), { name: "gy", region: "cn-hangzhou", cidr: "172.30.0.0/16" });
    const ix = await s.instances.create(A(), { subnetId: (await s.subnets.create(A(), { vpcId: x.id, cidr: "10.60.1.0/24" })).id });
    const iy = await s.instances.create(B(), { subnetId: (await s.subnets.create(B(), { vpcId: y.id, cidr: "172.30.1.0/24" })).id });
    const p = await s.peerings.create(A(), { vpcId: x.id, peerVpcId: y.id, peerAccountId: bob.id });
    await s.peerings.accept(B(), p.id);
    await s.routeTables.addRoute(A(), x.defaultRouteTableId, { destinationCidr: "172.30.0.0/16", target: { type: "peering", id: p.id } });
    await s.routeTables.addRoute(B(), y.defaultRouteTableId, { destinationCidr: "10.60.0.0/16", target: { type: "peering", id: p.id } });
    // The open default groups let everything through, and say so.
    const open = await explain(alice, { fromInstanceId: ix.id, toIp: iy.privateIp, port: 22 });
    expect(open.reachable).toBe(true);
    expect(open.forward[1]).toMatchObject({ type: "security-group", resourceId: x.defaultSecurityGroupId, rule: { direction: "egress", action: "accept", instanceId: ix.id } });

    // Alice lets out only tcp/443 to Bob's VPC.
    const gx = await s.securityGroups.create(A(), { vpcId: x.id, name: "web-out", rules: [{ direction: "egress", protocol: "tcp", fromPort: 443, toPort: 443, peer: { cidr: "172.30.0.0/16" } }] });
    await s.securityGroups.setInstanceGroups(A(), ix.id, [gx.id]);
    const out = await explain(alice, { fromInstanceId: ix.id, toIp: iy.privateIp, port: 22 });
    expect(out).toMatchObject({ reachable: false, return: [] });
    expect(out.reasons).toEqual([{ code: "SECURITY_GROUP_EGRESS_DENIED", severity: "error", resource: ix.id, securityGroupIds: [gx.id], message: `no egress rule of ${gx.id} (the security groups of ${ix.id}) allows tcp/22 to ${iy.privateIp}` }]);
    const web = await explain(alice, { fromInstanceId: ix.id, toIp: iy.privateIp, port: 443 });
    expect(web.reachable).toBe(true);
    expect(web.forward[1]).toMatchObject({ type: "security-group", resourceId: gx.id, rule: { ruleId: gx.rules[0]!.id, direction: "egress", priority: 1 } });

    // Bob admits tcp/443 from the members of Alice's group (across the active peering), then drops her subnet first.
    const gy = await s.securityGroups.create(B(), {
      vpcId: y.id,
      name: "db",
      rules: [
        { direction: "ingress", protocol: "tcp", fromPort: 443, toPort: 443, peer: { securityGroupId: gx.id, accountId: alice.id }, priority: 2 },
        { direction: "egress", protocol: "all", peer: { cidr: "0.0.0.0/0" } },
      ],
    });
    await s.securityGroups.setInstanceGroups(B(), iy.id, [gy.id]);
    expect((await explain(alice, { fromInstanceId: ix.id, toIp: iy.privateIp, port: 443 })).reachable).toBe(true);
    await s.securityGroups.addRules(B(), gy.id, [{ direction: "ingress", protocol: "tcp", fromPort: 443, toPort: 443, peer: { cidr: "10.60.1.0/24" }, action: "drop", priority: 1 }]);
    const denied = await explain(alice, { fromInstanceId: ix.id, toIp: iy.privateIp, port: 443 });
    expect(denied.reasons).toEqual([
      { code: "SECURITY_GROUP_INGRESS_DENIED", severity: "error", resource: null, message: `the packets reach ${iy.privateIp}, but the security groups there (another account's) do not admit tcp/443 from ${ix.privateIp}: the peer's security group rules are not visible to you` },
    ]);
    // Bob's way to Alice: her group admits nothing; he is told as little.
    const bobView = await explain(bob, { fromInstanceId: iy.id, toIp: ix.privateIp, protocol: "icmp" });
    expect(bobView.reasons).toEqual([expect.objectContaining({ code: "SECURITY_GROUP_INGRESS_DENIED", resource: null })]);
    expect(JSON.stringify(bobView)).not.toContain(gx.id);
    // Within Bob's own VPC, the drop rule is named.
    const iy2 = await s.instances.create(B(), { subnetId: (await s.subnets.create(B(), { vpcId: y.id, cidr: "172.30.2.0/24" })).id });
    await s.securityGroups.addRules(B(), gy.id, [{ direction: "ingress", protocol: "tcp", fromPort: 1, toPort: 1000, peer: { cidr: "172.30.2.0/24" }, action: "drop", priority: 1 }]);
    const own = await explain(bob, { fromInstanceId: iy2.id, toIp: iy.privateIp, port: 443 });
    expect(own.reasons).toEqual([expect.objectContaining({ code: "SECURITY_GROUP_INGRESS_DENIED", resource: gy.id, securityGroupIds: [gy.id] })]);
    expect(own.reasons[0].message).toMatch(new RegExp(`^ingress rule sgr-[a-z0-9]{12} of ${gy.id} \\(priority 1: drop tcp 1-1000 from 172\\.30\\.2\\.0/24\\) drops tcp/443 from ${iy2.privateIp.replace(/\./g, "\\.")}$`));
  });

  it("DATAPLANE_NOT_CONVERGED: a warning while the data plane's report is behind the peering's change", async () => {
    const { a, b, ia, ib, pab } = net;
    const store = s.deps.store;
    const peering = await s.peerings.get(A(), pab);
    const report = (id: string, generation: number) => ({ resourceId: id, programmed: true, generation, error: null, note: null, counters: null, updatedAt: new Date().toISOString() });
    await store.transaction(async (r) => {
      await r.dataplane.beat(new Date().toISOString());
      await r.dataplane.writeStatus([report(a.id, 0), report(b.id, 0), report(ia.id, 0), report(ib.id, 0), report(pab, peering.generation - 1)]);
    });
    try {
      const r = await explain(alice, { fromInstanceId: ia.id, toIp: ib.privateIp });
      expect(r.reachable).toBe(true);
      expect(r.reasons).toEqual([expect.objectContaining({ code: "DATAPLANE_NOT_CONVERGED", severity: "warning", resource: pab })]);
      await store.transaction((r2) => r2.dataplane.writeStatus([report(pab, peering.generation)]));
      expect((await explain(alice, { fromInstanceId: ia.id, toIp: ib.privateIp })).reasons).toEqual([]);
    } finally {
      await store.transaction(async (r) => {
        await r.dataplane.beat(null);
        await r.dataplane.clearStatus();
      });
    }
  });

  it("answers bad requests with 4xx naming the field; verify without a data plane is refused as probes are", async () => {
    const { ia, ib } = net;
    const post = (who: Acct, body: unknown) => h.call(who.token, "POST", "/api/v1/analyses", body);
    const cases: [unknown, number, string, string][] = [
      [{ toIp: "10.0.0.1" }, 400, "InvalidRequest", "fromInstanceId"],
      [{ fromInstanceId: ia.id, fromVbrId: "vbr-000000000000", toIp: "10.0.0.1" }, 400, "InvalidRequest", "fromInstanceId"],
      [{ fromInstanceId: ia.id, toIp: "10.0.0.300" }, 400, "InvalidIpAddress", "toIp"],
      [{ fromInstanceId: ia.id }, 400, "InvalidRequest", "toIp"],
      [{ fromInstanceId: ia.id, toIp: "10.0.0.1", port: 0 }, 400, "InvalidRequest", "port"],
      [{ fromInstanceId: ia.id, toIp: "10.0.0.1", protocol: "icmp", port: 80 }, 400, "InvalidRequest", "port"],
      [{ fromInstanceId: ia.id, toIp: "10.0.0.1", protocol: "sctp" }, 400, "InvalidRequest", "protocol"],
      [{ fromInstanceId: ia.id, toIp: "10.0.0.1", bogus: 1 }, 400, "InvalidRequest", "bogus"],
      [{ fromInstanceId: "ins-000000000000", toIp: "10.0.0.1" }, 404, "ResourceNotFound", "fromInstanceId"],
      [{ fromInstanceId: ib.id, toIp: "10.0.0.1" }, 404, "ResourceNotFound", "fromInstanceId"], // Bob's instance, asked by Alice
      [{ fromVbrId: "vbr-000000000000", toIp: "10.0.0.1" }, 404, "ResourceNotFound", "fromVbrId"],
      [{ fromInstanceId: ia.id, toIp: ib.privateIp, verify: true }, 409, "DataplaneUnavailable", "verify"],
    ];
    for (const [body, status, code, field] of cases) {
      const r = await post(alice, body);
      expect({ body, status: r.status, code: r.body.error.code }).toEqual({ body, status, code });
      expect(r.body.error.details.field ?? r.body.error.message, JSON.stringify(body)).toContain(field);
    }
  });

  it("a change written by another process (another store handle on the same database) is seen at the next analysis", async () => {
    const { a, ia } = net;
    const other = await openRuntime({ ...h.db, config: defaultConfig(), masterKey: TEST_MASTER_KEY, settleMs: 0 });
    try {
      const x = await other.services.vpcs.create(A(), { name: "x2", region: "cn-hangzhou", cidr: "10.77.0.0/16" });
      const sx = await other.services.subnets.create(A(), { vpcId: x.id, cidr: "10.77.1.0/24" });
      const ix = await other.services.instances.create(A(), { subnetId: sx.id });
      const p = await other.services.peerings.create(A(), { vpcId: a.id, peerVpcId: x.id });
      if (p.state !== "active") await other.services.peerings.accept(A(), p.id);
      await other.services.routeTables.addRoute(A(), x.defaultRouteTableId, { destinationCidr: "10.0.0.0/16", target: { type: "peering", id: p.id } });
      // Warm: this server's index now holds all of the above, without the route out of Alice's VPC.
      expect(codes(await explain(alice, { fromInstanceId: ia.id, toIp: ix.privateIp }))).toEqual(["NO_ROUTE"]);
      const route = await other.services.routeTables.addRoute(A(), a.defaultRouteTableId, { destinationCidr: "10.77.0.0/16", target: { type: "peering", id: p.id } });
      expect(await explain(alice, { fromInstanceId: ia.id, toIp: ix.privateIp })).toMatchObject({ reachable: true });
      await other.services.routeTables.deleteRoute(A(), a.defaultRouteTableId, route.id);
      expect(codes(await explain(alice, { fromInstanceId: ia.id, toIp: ix.privateIp }))).toEqual(["NO_ROUTE"]);
    } finally {
      await other.close();
    }
  });

  it("every reason code was produced above but MODEL_DATAPLANE_MISMATCH (needs packets: dataplane-analyses.test.ts) and NO_TRANSIT (refused upstream)", () => {
    expect([...seenCodes].sort()).toEqual(REASON_CODES.filter((c) => c !== "MODEL_DATAPLANE_MISMATCH" && c !== "NO_TRANSIT").sort());
  });

  it("no analysis shows a resource of another account (peerings shown only to their parties)", async () => {
    expect(seen.length).toBeGreaterThan(15);
    expect(leaks).toEqual([]);
    // Alice's analyses did cross Bob's network: what she was shown of it is the peering and his CIDR.
    expect(seen.some(({ viewer, body }) => viewer === alice.id && body.forward.some((x: AnyBody) => x.type === "peer-network"))).toBe(true);
  });
});

describe("vpcpeer explain", () => {
  const home = tempDir("vpcpeer-explain-home-");
  let db: TestDb;
  let server: ServerProcess;
  let alice: { accountId: string; token: string };
  const as = (args: string[]) => runCli(args, { XDG_CONFIG_HOME: home.path, VPCPEER_ENDPOINT: server.url, VPCPEER_TOKEN: alice.token });
  const json = async (args: string[]) => {
    const r = await as([...args, "-o", "json"]);
    expect(r.stderr).toBe("");
    return JSON.parse(r.stdout);
  };

  beforeAll(async () => {
    db = await freshDb("sqlite");
    server = await startServer(["--data", db.dataDir!]);
    alice = JSON.parse((await runCli(["account", "create", "--name", "alice", "--data", db.dataDir!], { XDG_CONFIG_HOME: home.path })).stdout);
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
    home.remove();
  });

  it("prints the hop table and the reasons; exit code 2 when not reachable, 0 when it is; JSON with -o json", async () => {
    const a = await json(["vpc", "create", "--name", "a", "--region", "cn-hangzhou", "--cidr", "10.0.0.0/16"]);
    const b = await json(["vpc", "create", "--name", "b", "--region", "cn-hangzhou", "--cidr", "172.16.0.0/16"]);
    const sa = await json(["subnet", "create", "--vpc", a.id, "--cidr", "10.0.1.0/24", "--name", "sa"]);
    const sb = await json(["subnet", "create", "--vpc", b.id, "--cidr", "172.16.1.0/24", "--name", "sb"]);
    const ia = await json(["instance", "create", "--subnet", sa.id]);
    const ib = await json(["instance", "create", "--subnet", sb.id]);
    const p = await json(["peering", "create", "--vpc", a.id, "--peer-vpc", b.id, "--no-wait"]);
    if (p.state !== "active") await json(["peering", "accept", p.id]);
    await json(["route", "add", a.defaultRouteTableId, "--destination", "172.16.0.0/16", "--peering", p.id]);

    const missing = await as(["explain", "--from", ia.id, "--to", ib.privateIp, "--port", "80"]);
    expect(missing.code).toBe(2);
    expect(missing.stdout).toContain(`NOT REACHABLE: ${ia.id} (${ia.privateIp}) → ${ib.privateIp} tcp/80`);
    expect(missing.stdout).toMatch(/Forward path:\n#\s+HOP\s+RESOURCE\s+ROUTE\s+DETAIL/);
    expect(missing.stdout).toContain(`172.16.0.0/16 → peering ${p.id}`);
    expect(missing.stdout).toMatch(/Return path:\n#\s+HOP/);
    expect(missing.stdout).toContain(`Reasons:\n  RETURN_ROUTE_MISSING [${b.defaultRouteTableId}]: the way there works but replies from ${ib.privateIp} to ${ia.privateIp} do not come back`);

    await json(["route", "add", b.defaultRouteTableId, "--destination", "10.0.0.0/16", "--peering", p.id]);
    const ok = await as(["explain", "--from", ia.id, "--to", ib.privateIp]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("REACHABLE:");
    expect(ok.stdout).not.toContain("Reasons:");
    const j = await as(["explain", "--from", ia.id, "--to", ib.privateIp, "-o", "json"]);
    expect(JSON.parse(j.stdout)).toMatchObject({ reachable: true, reasons: [], forward: expect.any(Array), return: expect.any(Array) });

    const bad = await as(["explain", "--from", ia.id, "--to", "300.1.1.1"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("toIp");
    const noDp = await as(["explain", "--from", ia.id, "--to", ib.privateIp, "--verify"]);
    expect(noDp.code).toBe(1);
    expect(noDp.stderr).toContain("DataplaneUnavailable");
  });
});
