/**
 * The seed flows with real traffic, shared by the data plane drivers (dataplane-flows.test.ts on
 * `linux`, dataplane-ovn.test.ts on `ovn` with a lab): the same API calls and probes, the same
 * expectations. A driver's target says how to reach its server and plugs what the API made where
 * a driver needs it (OVN: instance ports bound on a lab host; Linux: nothing).
 */
import { expect, it } from "vitest";
import { defaultConfig } from "../../src/config.ts";
import { openRuntime } from "../../src/main.ts";
import { TestClock } from "./clock.ts";
import { appliedAt, callAt } from "./dataplane-server.ts";
import { TEST_MASTER_KEY } from "./harness.ts";
import { runCli } from "./process.ts";

export type Acct = { accountId: string; token: string };

export interface FlowTarget {
  driver: "linux" | "ovn";
  /** The server's URL now (a test may restart it). */
  url(): string;
  prefix: string;
  /** A directory for the CLI's configuration. */
  home: string;
  alice: Acct;
  bob: Acct;
  /** Makes every instance and VBR host the API holds reachable by probes (OVN: binds their ports on lab hosts). */
  plug(): Promise<void>;
  /** The server's SQLite store directory (a test runtime on it plays the passing of time). */
  dataDir: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Call = (a: Acct, method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;

/**
 * Two VPCs of `a`, 10.X.0.0/16 and 10.Y.0.0/16 in `region`, a /24 subnet and an instance in each,
 * peered (`peering` adds fields to the request) with a route each way in the default tables;
 * resolves once the data plane at `url` has applied the last route.
 */
export async function peeredPair(call: Call, url: string, a: Acct, [x, y]: [number, number], region: string, peering: Record<string, unknown> = {}) {
  const side = async (o: number) => {
    const vpc = (await call(a, "POST", "/api/v1/vpcs", { name: `n${o}`, region, cidr: `10.${o}.0.0/16` })).body;
    const subnet = (await call(a, "POST", "/api/v1/subnets", { vpcId: vpc.id, cidr: `10.${o}.1.0/24` })).body;
    return { vpc, instance: (await call(a, "POST", "/api/v1/instances", { subnetId: subnet.id })).body };
  };
  const [u, v] = [await side(x), await side(y)];
  const p = (await call(a, "POST", "/api/v1/peerings", { vpcId: u.vpc.id, peerVpcId: v.vpc.id, ...peering })).body;
  await call(a, "POST", `/api/v1/route-tables/${u.vpc.defaultRouteTableId}/routes`, { destinationCidr: `10.${y}.0.0/16`, target: { type: "peering", id: p.id } });
  await appliedAt(url, () => call(a, "POST", `/api/v1/route-tables/${v.vpc.defaultRouteTableId}/routes`, { destinationCidr: `10.${x}.0.0/16`, target: { type: "peering", id: p.id } }));
  return { u: u.vpc, v: v.vpc, ui: u.instance, vi: v.instance, p };
}

/** Registers the shared flows; `t` is called inside each test (after beforeAll). */
export function sharedFlows(t: () => FlowTarget): void {
  const call: Call = callAt(() => t().url());
  /** Runs `change`, then waits until the data plane has applied it. */
  const applied = <T>(change: () => Promise<T>): Promise<T> => appliedAt(t().url(), change);
  const reach = async (a: Acct, from: string, ip: string) => (await call(a, "POST", "/api/v1/probes", { fromInstanceId: from, toIp: ip, port: 8080 })).body.reachable as boolean;

  // Concurrent: these three use VPCs, instances and probe targets of their own, and most of their
  // time is waiting (a pass, a probe's timeout for what must not pass), which overlaps. The two
  // after them run alone: one measures throughput (other tests' traffic and processes would take
  // from it), the other runs the store's timers (which would expire another test's pending request).
  it.concurrent("Tencent's six steps: reachable exactly when both sides route and associate", async ({ expect }) => {
    const { alice, bob } = t();
    const [a, b] = await applied(async () => [
      (await call(alice, "POST", "/api/v1/vpcs", { name: "a", region: "ap-guangzhou", cidr: "10.0.0.0/16" })).body,
      (await call(bob, "POST", "/api/v1/vpcs", { name: "b", region: "ap-guangzhou", cidr: "172.16.0.0/16" })).body,
    ]);
    const aSub = (await call(alice, "POST", "/api/v1/subnets", { vpcId: a.id, cidr: "10.0.1.0/24" })).body;
    const bSub = (await call(bob, "POST", "/api/v1/subnets", { vpcId: b.id, cidr: "172.16.1.0/24" })).body;
    const aIns = (await call(alice, "POST", "/api/v1/instances", { subnetId: aSub.id })).body;
    const bIns = await applied(async () => (await call(bob, "POST", "/api/v1/instances", { subnetId: bSub.id })).body);
    await t().plug();
    expect((await call(alice, "GET", `/api/v1/instances/${aIns.id}`)).body.dataplane).toMatchObject({ programmed: true, lastError: null });

    const p = await applied(async () => (await call(alice, "POST", "/api/v1/peerings", { vpcId: a.id, peerVpcId: b.id, peerAccountId: bob.accountId })).body);
    const aTable = (await call(alice, "POST", "/api/v1/route-tables", { vpcId: a.id, name: "to-b" })).body;
    await applied(() => call(alice, "POST", `/api/v1/route-tables/${aTable.id}/routes`, { destinationCidr: "172.16.0.0/16", target: { type: "peering", id: p.id } }));
    await applied(() => call(alice, "PUT", `/api/v1/subnets/${aSub.id}/route-table`, { routeTableId: aTable.id }));
    expect(await reach(alice, aIns.id, bIns.privateIp)).toBe(false); // (1) requested, not accepted

    await applied(() => call(bob, "POST", `/api/v1/peerings/${p.id}/accept`)); // (2)
    expect(await reach(alice, aIns.id, bIns.privateIp)).toBe(false); // routes on one side only
    const active = (await call(alice, "GET", `/api/v1/peerings/${p.id}`)).body;
    expect(active.dataplane).toMatchObject({ programmed: true, appliedGeneration: active.generation, lastError: null });

    const bTable = (await call(bob, "POST", "/api/v1/route-tables", { vpcId: b.id, name: "to-a" })).body;
    await applied(() => call(bob, "POST", `/api/v1/route-tables/${bTable.id}/routes`, { destinationCidr: "10.0.0.0/16", target: { type: "peering", id: p.id } })); // (5)
    expect(await reach(alice, aIns.id, bIns.privateIp)).toBe(false); // B's subnet still uses its default table
    await applied(() => call(bob, "PUT", `/api/v1/subnets/${bSub.id}/route-table`, { routeTableId: bTable.id })); // (6)
    expect(await reach(alice, aIns.id, bIns.privateIp)).toBe(true);
    expect(await reach(bob, bIns.id, aIns.privateIp)).toBe(true);
    const rtt = (await call(alice, "POST", "/api/v1/probes", { fromInstanceId: aIns.id, toIp: bIns.privateIp, port: 9000, protocol: "udp" })).body;
    expect(rtt).toMatchObject({ reachable: true });
    expect(rtt.rttMs).toBeGreaterThan(0);
    const ping = (await call(alice, "POST", "/api/v1/probes", { fromInstanceId: aIns.id, toIp: bIns.privateIp, protocol: "icmp" })).body;
    expect(ping).toMatchObject({ reachable: true });
    // The same through the CLI, and a command run inside the instance's namespace.
    const env = { XDG_CONFIG_HOME: t().home, VPCPEER_ENDPOINT: t().url(), VPCPEER_TOKEN: alice.token };
    const cli = await runCli(["probe", "--from", aIns.id, "--to", bIns.privateIp, "--port", "8080", "-o", "json"], env);
    expect(JSON.parse(cli.stdout)).toMatchObject({ reachable: true });
    const exec = await runCli(["instance", "exec", aIns.id, "--netns-prefix", t().prefix, "--", "ip", "-4", "-o", "addr", "show"], env);
    expect(exec.stdout).toContain(`inet ${aIns.privateIp}/24`);
    // A stranger cannot probe from someone else's instance.
    expect((await call(bob, "POST", "/api/v1/probes", { fromInstanceId: aIns.id, toIp: bIns.privateIp })).status).toBe(404);

    await applied(() => call(bob, "DELETE", `/api/v1/peerings/${p.id}`));
    expect(await reach(alice, aIns.id, bIns.privateIp)).toBe(false);
    expect((await call(alice, "POST", "/api/v1/probes", { fromInstanceId: aIns.id, toIp: bIns.privateIp, protocol: "icmp" })).body.reachable).toBe(false);
  });
  it.concurrent("Alibaba: same-account pair, deactivate/activate, and VBR-to-VPC with the on-premises host", async ({ expect }) => {
    const { alice, bob } = t();
    const x = (await call(alice, "POST", "/api/v1/vpcs", { name: "x", region: "cn-hangzhou", cidr: "10.10.0.0/16" })).body;
    const y = (await call(alice, "POST", "/api/v1/vpcs", { name: "y", region: "cn-hangzhou", cidr: "10.20.0.0/16" })).body;
    const xs = (await call(alice, "POST", "/api/v1/subnets", { vpcId: x.id, cidr: "10.10.1.0/24" })).body;
    const ys = (await call(alice, "POST", "/api/v1/subnets", { vpcId: y.id, cidr: "10.20.1.0/24" })).body;
    const xi = (await call(alice, "POST", "/api/v1/instances", { subnetId: xs.id })).body;
    const yi = (await call(alice, "POST", "/api/v1/instances", { subnetId: ys.id })).body;
    await t().plug();
    const init = await applied(
      async () => (await call(alice, "POST", "/api/v1/router-interfaces", { role: "initiator", routerType: "vpc", routerId: x.id, spec: "Large.1", withAcceptor: true, opposite: { routerType: "vpc", routerId: y.id } })).body,
    );
    await call(alice, "POST", `/api/v1/route-tables/${x.defaultRouteTableId}/routes`, { destinationCidr: "10.20.0.0/16", target: { type: "router-interface", id: init.id } });
    await applied(() => call(alice, "POST", `/api/v1/route-tables/${y.defaultRouteTableId}/routes`, { destinationCidr: "10.10.0.0/16", target: { type: "router-interface", id: init.opposite.interfaceId } }));
    expect(await reach(alice, xi.id, yi.privateIp)).toBe(true);
    await applied(() => call(alice, "POST", `/api/v1/router-interfaces/${init.id}/deactivate`));
    expect(await reach(alice, xi.id, yi.privateIp)).toBe(false);
    await applied(() => call(alice, "POST", `/api/v1/router-interfaces/${init.id}/activate`));
    expect(await reach(alice, xi.id, yi.privateIp)).toBe(true);

    // VBR-to-VPC across accounts: Bob's on-premises network reaches Alice's VPC x.
    const vbr = (await call(bob, "POST", "/api/v1/vbrs", { name: "idc", region: "cn-hangzhou", onPremisesCidrs: ["192.168.50.0/24"] })).body;
    const vi = (await call(bob, "POST", "/api/v1/router-interfaces", { role: "initiator", routerType: "vbr", routerId: vbr.id, spec: "Small.1", opposite: { accountId: alice.accountId, routerType: "vpc", routerId: x.id } })).body;
    const va = (await call(alice, "POST", "/api/v1/router-interfaces", { role: "acceptor", routerType: "vpc", routerId: x.id, opposite: { accountId: bob.accountId, routerType: "vbr", routerId: vbr.id, interfaceId: vi.id } })).body;
    await call(bob, "PATCH", `/api/v1/router-interfaces/${vi.id}`, { opposite: { interfaceId: va.id } });
    await applied(() => call(bob, "POST", `/api/v1/router-interfaces/${vi.id}/connect`));
    await t().plug();
    await applied(() => call(alice, "POST", `/api/v1/route-tables/${x.defaultRouteTableId}/routes`, { destinationCidr: "192.168.50.0/24", target: { type: "router-interface", id: va.id } }));
    // The VPC instance reaches the on-premises host (.2 of the on-premises network) and not beyond.
    expect(await reach(alice, xi.id, "192.168.50.2")).toBe(true);
    // No edge-to-edge: VPC y (peered with x) cannot reach the on-premises network through x.
    await applied(() => call(alice, "POST", `/api/v1/route-tables/${y.defaultRouteTableId}/routes`, { destinationCidr: "192.168.50.0/24", target: { type: "router-interface", id: init.opposite.interfaceId } }).catch(() => undefined));
    expect(await reach(alice, yi.id, "192.168.50.2")).toBe(false);
  });
  it.concurrent("no transit through a middle VPC: A–B and B–C peered, B routes to both, A never reaches C", async ({ expect }) => {
    const { alice } = t();
    const { u: a, v: b, ui: ai, vi: bi, p: ab } = await peeredPair(call, t().url(), alice, [171, 172], "cn-hangzhou");
    const c = (await call(alice, "POST", "/api/v1/vpcs", { name: "n173", region: "cn-hangzhou", cidr: "10.173.0.0/16" })).body;
    const cs = (await call(alice, "POST", "/api/v1/subnets", { vpcId: c.id, cidr: "10.173.1.0/24" })).body;
    const ci = (await call(alice, "POST", "/api/v1/instances", { subnetId: cs.id })).body;
    const bc = (await call(alice, "POST", "/api/v1/peerings", { vpcId: b.id, peerVpcId: c.id })).body;
    const route = (table: string, destinationCidr: string, peering: string) => call(alice, "POST", `/api/v1/route-tables/${table}/routes`, { destinationCidr, target: { type: "peering", id: peering } });
    expect((await route(b.defaultRouteTableId, "10.173.0.0/16", bc.id)).status).toBe(201);
    await applied(async () => expect((await route(c.defaultRouteTableId, "10.172.0.0/16", bc.id)).status).toBe(201));
    // The routes a transit would need are refused: a peering carries only its peer's networks.
    expect((await route(a.defaultRouteTableId, "10.173.0.0/16", ab.id)).body.error.message).toMatch(/peer's CIDRs/);
    expect((await route(c.defaultRouteTableId, "10.171.0.0/16", bc.id)).body.error.message).toMatch(/peer's CIDRs/);
    await t().plug();
    expect(await reach(alice, ai.id, bi.privateIp)).toBe(true);
    expect(await reach(alice, ci.id, bi.privateIp)).toBe(true);
    expect(await reach(alice, ai.id, ci.privateIp)).toBe(false);
    expect(await reach(alice, ci.id, ai.privateIp)).toBe(false);
  });

  it("caps bandwidth in both directions within 15% of the configured rate", async () => {
    const { alice } = t();
    const { ui: mi, vi: ni, p } = await peeredPair(call, t().url(), alice, [30, 40], "ap-singapore", { bandwidthMbps: 10 });
    await t().plug();
    // OVN's meter lets a burst of 0.5 s of the rate through first (what TCP needs to reach the rate):
    // over 2 s that alone reads up to 12% high, so OVN is measured over 4 s.
    const seconds = t().driver === "ovn" ? 4 : 2;
    const measure = async (from: string, to: string) => (await call(alice, "POST", "/api/v1/probes", { fromInstanceId: from, toIp: to, port: 5201, throughputSeconds: seconds })).body.throughputMbps as number;
    for (const rate of [10, 50]) {
      if (rate !== 10) await applied(() => call(alice, "PATCH", `/api/v1/peerings/${p.id}`, { bandwidthMbps: rate }));
      for (const [from, to] of [[mi.id, ni.privateIp], [ni.id, mi.privateIp]] as const) {
        const got = await measure(from, to);
        expect({ rate, got, within15: got > rate * 0.85 && got < rate * 1.15 }).toEqual({ rate, got, within15: true });
      }
    }
    const metrics = await (await fetch(`${t().url()}/metrics`)).text();
    expect(metrics).toMatch(/vpcpeer_dataplane_passes_total [1-9]/);
    if (t().driver === "ovn") {
      // OVN keeps no per-peering counters we read: said on the peering, and no series is made up.
      expect((await call(alice, "GET", `/api/v1/peerings/${p.id}`)).body.dataplane.note).toMatch(/counters are not collected on OVN/);
      expect(metrics).not.toContain(`vpcpeer_peering_bytes{peering="${p.id}"`);
      return;
    }
    // Per-peering counters come from the kernel on full passes (every 10 s). A pass that ran while
    // the probes were still sending read part of the traffic, so wait for the first pass after them:
    // its reading holds every probe's bytes (well over 1 MB: 2 s at 10 and at 50 Mbit/s each way).
    let carried = 0;
    for (let i = 0; i < 120 && carried <= 1_000_000; i++) {
      const dp = (await call(alice, "GET", `/api/v1/peerings/${p.id}`)).body.dataplane;
      carried = dp?.counters?.txBytes ?? 0;
      if (carried <= 1_000_000) await new Promise((r) => setTimeout(r, 250));
    }
    expect(carried).toBeGreaterThan(1_000_000);
    expect(await (await fetch(`${t().url()}/metrics`)).text()).toMatch(new RegExp(`vpcpeer_peering_bytes\\{peering="${p.id}",direction="requester_to_accepter"\\} [1-9]`));
  });

  it("a subscription that ends without auto renew is suspended and its traffic stops", async () => {
    const { alice } = t();
    const { ui: ei, vi: fi, p } = await peeredPair(call, t().url(), alice, [130, 140], "cn-shanghai", { chargeType: "subscription", period: 1, autoRenew: false });
    expect(p).toMatchObject({ state: "active", chargeType: "subscription" });
    await t().plug();
    expect(await reach(alice, ei.id, fi.privateIp)).toBe(true);
    // Time passes beyond the term: the server's timers would suspend it; a runtime on the same store with a clock past the end does it now.
    const rt = await openRuntime({ dataDir: t().dataDir, config: defaultConfig(), masterKey: TEST_MASTER_KEY, clock: new TestClock(Date.parse(p.termEndsAt) + 60_000) });
    try {
      expect(await rt.services.peerings.sweep()).toBeGreaterThan(0);
    } finally {
      await rt.close();
    }
    // Another process's change reaches the data plane by its poll of the store: once a pass has
    // taken the suspended peering away, its status row is gone.
    let after: { state: string; dataplane: unknown };
    for (const deadline = Date.now() + 20_000; ; await new Promise((r) => setTimeout(r, 100))) {
      after = (await call(alice, "GET", `/api/v1/peerings/${p.id}`)).body;
      if (after.dataplane === null || Date.now() > deadline) break;
    }
    expect(after).toMatchObject({ state: "suspended", dataplane: null });
    expect(await reach(alice, ei.id, fi.privateIp)).toBe(false);
    expect(await reach(alice, fi.id, ei.privateIp)).toBe(false);
  });
}
