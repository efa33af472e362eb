/**
 * The seed flows with real traffic: a server with the Linux data plane (its own namespace
 * prefix), two accounts, and probes through the API after every step.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listNamespaces } from "../../src/dataplane/kernel.ts";
import { isRoot, removeNamespaces, testPrefix } from "../support/netns.ts";
import { type ServerProcess, runCli, startServer, tempDir } from "../support/process.ts";

describe.skipIf(!isRoot)("data plane through the API", () => {
  const prefix = testPrefix();
  const data = tempDir("vpcpeer-dp-");
  const home = tempDir("vpcpeer-dp-home-");
  let server: ServerProcess;
  type Acct = { accountId: string; token: string };
  let alice: Acct;
  let bob: Acct;

  const call = async (a: Acct, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${a.token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json().catch(() => undefined)) as any };
  };
  const readyz = async () => (await (await fetch(`${server.url}/readyz`)).json()) as { dataplane: { passes: number; busy: boolean; lastPass: { errors: string[] } | null } };
  /** Runs `change`, then waits until the data plane has applied it. */
  async function applied<T>(change: () => Promise<T>): Promise<T> {
    const before = (await readyz()).dataplane.passes;
    const out = await change();
    for (let i = 0; i < 200; i++) {
      const d = (await readyz()).dataplane;
      if (d.passes > before && !d.busy) {
        expect(d.lastPass?.errors).toEqual([]);
        return out;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`the data plane did not apply the change in time: ${JSON.stringify((await readyz()).dataplane)} (before: ${before})`);
  }
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

  it("reports the data plane and its capabilities in /readyz", async () => {
    const d = (await readyz()).dataplane as unknown as Record<string, unknown>;
    expect(d).toMatchObject({ mode: "linux", netnsPrefix: prefix });
    expect(typeof d.netem).toBe("boolean");
  });

  it("Tencent's six steps: reachable exactly when both sides route and associate", async () => {
    const [a, b] = await applied(async () => [
      (await call(alice, "POST", "/api/v1/vpcs", { name: "a", region: "ap-guangzhou", cidr: "10.0.0.0/16" })).body,
      (await call(bob, "POST", "/api/v1/vpcs", { name: "b", region: "ap-guangzhou", cidr: "172.16.0.0/16" })).body,
    ]);
    const aSub = (await call(alice, "POST", "/api/v1/subnets", { vpcId: a.id, cidr: "10.0.1.0/24" })).body;
    const bSub = (await call(bob, "POST", "/api/v1/subnets", { vpcId: b.id, cidr: "172.16.1.0/24" })).body;
    const aIns = (await call(alice, "POST", "/api/v1/instances", { subnetId: aSub.id })).body;
    const bIns = await applied(async () => (await call(bob, "POST", "/api/v1/instances", { subnetId: bSub.id })).body);
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
    // A stranger cannot probe from someone else's instance.
    expect((await call(bob, "POST", "/api/v1/probes", { fromInstanceId: aIns.id, toIp: bIns.privateIp })).status).toBe(404);

    await applied(() => call(bob, "DELETE", `/api/v1/peerings/${p.id}`));
    expect(await reach(alice, aIns.id, bIns.privateIp)).toBe(false);
  });
});
