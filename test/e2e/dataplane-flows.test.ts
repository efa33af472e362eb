/**
 * The seed flows with real traffic: a server with the Linux data plane (its own namespace
 * prefix), two accounts, and probes through the API after every step. The flows both drivers
 * share are in test/support/dataplane-scenarios.ts (run on OVN by dataplane-ovn.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listNamespaces } from "../../src/dataplane/kernel.ts";
import { isRoot, removeNamespaces, testPrefix } from "../support/netns.ts";
import { appliedAt, callAt } from "../support/dataplane-server.ts";
import { peeredPair, sharedFlows } from "../support/dataplane-scenarios.ts";
import { type ServerProcess, runCli, startServer, tempDir } from "../support/process.ts";

describe.skipIf(!isRoot)("data plane through the API", () => {
  const prefix = testPrefix();
  const data = tempDir("vpcpeer-dp-");
  const home = tempDir("vpcpeer-dp-home-");
  let server: ServerProcess;
  type Acct = { accountId: string; token: string };
  let alice: Acct;
  let bob: Acct;

  const call = callAt(() => server.url);
  const readyz = async () => (await (await fetch(`${server.url}/readyz`)).json()) as { dataplane: { passes: number; busy: boolean; lastPass: { errors: string[] } | null } };
  /** Runs `change`, then waits until the data plane has applied it. */
  const applied = <T>(change: () => Promise<T>): Promise<T> => appliedAt(server.url, change);
  const reach = async (a: Acct, from: string, ip: string) => (await call(a, "POST", "/api/v1/probes", { fromInstanceId: from, toIp: ip, port: 8080 })).body.reachable as boolean;

  beforeAll(async () => {
    const mk = async (name: string) => JSON.parse((await runCli(["account", "create", "--name", name, "--data", data.path], { XDG_CONFIG_HOME: home.path })).stdout) as Acct;
    alice = await mk("alice");
    bob = await mk("bob");
    server = await startServer(["--data", data.path, "--dataplane", "linux", "--netns-prefix", prefix]);
  });
  afterAll(async () => {
    await server?.stop();
    await removeNamespaces(prefix);
    expect(await listNamespaces(prefix)).toEqual([]);
    data.remove();
    home.remove();
  });

  // Concurrent with the first shared flows (sharedFlows): VPCs and probes of its own.
  it.concurrent("reports the data plane and its capabilities in /readyz; cross-region latency only where netem exists", async ({ expect }) => {
    const d = (await readyz()).dataplane as unknown as Record<string, unknown>;
    expect(d).toMatchObject({ mode: "linux", netnsPrefix: prefix });
    const x = (await call(alice, "POST", "/api/v1/vpcs", { name: "lat-x", region: "cn-hangzhou", cidr: "10.90.0.0/16" })).body;
    const y = (await call(alice, "POST", "/api/v1/vpcs", { name: "lat-y", region: "ap-singapore", cidr: "10.91.0.0/16" })).body;
    const cross = await applied(async () => (await call(alice, "POST", "/api/v1/peerings", { vpcId: x.id, peerVpcId: y.id, peerRegion: "ap-singapore", bandwidthMbps: 100 })).body);
    const status = (await call(alice, "GET", `/api/v1/peerings/${cross.id}`)).body.dataplane;
    if (!d.netem) {
      // This kernel has no sch_netem: the capability is reported missing instead of pretended.
      expect(d.netemNote).toMatch(/sch_netem is not available/);
      expect(status).toMatchObject({ programmed: true, note: expect.stringMatching(/no sch_netem/) });
      console.info("netem capability missing on this kernel: cross-region latency is not emulated (reported in /readyz and on the peering)");
      return;
    }
    expect(status.note).toBeNull();
    const a = (await call(alice, "POST", "/api/v1/vpcs", { name: "lat-a", region: "cn-hangzhou", cidr: "10.70.0.0/16" })).body;
    const b = (await call(alice, "POST", "/api/v1/vpcs", { name: "lat-b", region: "ap-singapore", cidr: "10.80.0.0/16" })).body;
    const as = (await call(alice, "POST", "/api/v1/subnets", { vpcId: a.id, cidr: "10.70.1.0/24" })).body;
    const bs = (await call(alice, "POST", "/api/v1/subnets", { vpcId: b.id, cidr: "10.80.1.0/24" })).body;
    const ai = (await call(alice, "POST", "/api/v1/instances", { subnetId: as.id })).body;
    const bi = (await call(alice, "POST", "/api/v1/instances", { subnetId: bs.id })).body;
    const p = (await call(alice, "POST", "/api/v1/peerings", { vpcId: a.id, peerVpcId: b.id, peerRegion: "ap-singapore", bandwidthMbps: 100 })).body;
    await call(alice, "POST", `/api/v1/route-tables/${a.defaultRouteTableId}/routes`, { destinationCidr: "10.80.0.0/16", target: { type: "peering", id: p.id } });
    await applied(() => call(alice, "POST", `/api/v1/route-tables/${b.defaultRouteTableId}/routes`, { destinationCidr: "10.70.0.0/16", target: { type: "peering", id: p.id } }));
    const rtt = (await call(alice, "POST", "/api/v1/probes", { fromInstanceId: ai.id, toIp: bi.privateIp, protocol: "icmp" })).body;
    expect(rtt.rttMs).toBeGreaterThanOrEqual(55); // 30 ms each way by default
  });

  sharedFlows(() => ({ dataDir: data.path, driver: "linux", url: () => server.url, prefix, home: home.path, alice, bob, plug: async () => {} }));

  it("repairs drift while running, and converges after kill -9 without touching healthy links", async () => {
    const { run } = await import("../../src/dataplane/kernel.ts");
    const { u, v, ui, vi, p } = await peeredPair(call, server.url, alice, [50, 60], "cn-beijing");
    expect(await reach(alice, ui.id, vi.privateIp)).toBe(true);
    const routerU = `${prefix}-r-${u.id.slice(4)}`;
    const link = `p-${p.id.slice(4)}`;

    // Drift while running: the peering link deleted by hand is back after the periodic resync.
    await run("ip", ["-n", routerU, "link", "del", link]);
    expect(await reach(alice, ui.id, vi.privateIp)).toBe(false);
    let back = false;
    for (let i = 0; i < 60 && !back; i++) {
      await new Promise((r) => setTimeout(r, 250));
      back = (await run("ip", ["-n", routerU, "link", "show", link])).code === 0;
    }
    expect(back).toBe(true);
    await applied(async () => undefined).catch(() => undefined);
    expect(await reach(alice, ui.id, vi.privateIp)).toBe(true);

    // kill -9, then a route removed by hand while no one watches: the restart repairs it and
    // leaves the healthy peering link alone (same interface index).
    const ifindex = async () => (JSON.parse((await run("ip", ["-j", "-n", routerU, "link", "show", link])).stdout) as { ifindex: number }[])[0]!.ifindex;
    const before = await ifindex();
    await server.kill();
    const table = JSON.parse((await run("ip", ["-j", "-n", routerU, "route", "show", "table", "all"])).stdout) as { dst: string; table: string }[];
    const peerRoute = table.find((r) => r.dst === "10.60.0.0/16")!;
    await run("ip", ["-n", routerU, "route", "del", "10.60.0.0/16", "table", String(peerRoute.table)]);
    server = await startServer(["--data", data.path, "--dataplane", "linux", "--netns-prefix", prefix]);
    let repaired = false;
    for (let i = 0; i < 60 && !repaired; i++) {
      await new Promise((r) => setTimeout(r, 100));
      repaired = (await run("ip", ["-n", routerU, "route", "show", "10.60.0.0/16", "table", String(peerRoute.table)])).stdout.includes(link);
    }
    expect(repaired).toBe(true);
    expect(await ifindex()).toBe(before);
    expect(await reach(alice, ui.id, vi.privateIp)).toBe(true);
  });

  it("runs as a separate `vpcpeer agent` beside a server without a data plane", async () => {
    const { spawn } = await import("node:child_process");
    const { BIN, childEnv } = await import("../support/process.ts");
    const agentPrefix = testPrefix();
    const plain = await startServer(["--data", data.path]); // --dataplane none
    const agent = spawn(process.execPath, [BIN, "agent", "--data", data.path, "--netns-prefix", agentPrefix], { env: childEnv({ XDG_CONFIG_HOME: home.path }), stdio: "ignore" });
    try {
      const res = await fetch(`${plain.url}/api/v1/vpcs`, {
        method: "POST",
        headers: { authorization: `Bearer ${alice.token}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "by-agent", region: "cn-shenzhen", cidr: "10.99.0.0/16" }),
      });
      const vpc = (await res.json()) as { id: string };
      // The agent notices another process's write by polling the store, and builds the router.
      let seen = false;
      for (let i = 0; i < 100 && !seen; i++) {
        await new Promise((r) => setTimeout(r, 100));
        seen = (await listNamespaces(agentPrefix)).includes(`${agentPrefix}-r-${vpc.id.slice(4)}`);
      }
      expect(seen).toBe(true);
    } finally {
      agent.kill("SIGTERM");
      await new Promise((r) => agent.once("exit", r));
      await plain.stop();
      await removeNamespaces(agentPrefix);
    }
    expect(await listNamespaces(agentPrefix)).toEqual([]);
  });
});
