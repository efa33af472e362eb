/**
 * Hosts on OVN (#13 item 4), through the front doors: `vpcpeer lab up --data` (a 2-host lab that
 * starts one `vpcpeer agent --host hN` per host on the store), `vpcpeer serve --dataplane ovn
 * --lab D` on the same store, and the CLI. The agents register their hosts; instances created
 * without a host land one on each; each agent plugs its own (a namespace named as probes name it,
 * an OVS port bound to the instance's logical port); the ports come up in the NB, bound in the SB
 * to the instance's chassis; a probe and `vpcpeer instance exec` work across the two hosts; a
 * deleted instance is unplugged by its agent; a VBR is placed the same way (counted with the
 * instances) and its agent plugs and unplugs its on-premises host; `lab down` stops the agents and removes what they
 * plugged. Every wait is bounded; afterAll stops the server it started and brings the lab down
 * (by pid and exact name), then deletes any namespace left under this test's prefix.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listNamespaces, run } from "../../src/dataplane/kernel.ts";
import { optionalOf, stringMap, uuidOf } from "../../src/dataplane/ovn/atoms.ts";
import { type LabInfo, labDown } from "../../src/dataplane/ovn/lab/lab.ts";
import { missingTools } from "../../src/dataplane/ovn/lab/requirements.ts";
import { RESYNC_MS } from "../../src/dataplane/ovn/agent.ts";
import { OvsdbClient } from "../../src/dataplane/ovn/ovsdb.ts";
import { type Replica, replicate } from "../../src/dataplane/ovn/replica.ts";
import { isRoot, removeNamespaces, testPrefix } from "../support/netns.ts";
import { BIN, type CliResult, type ServerProcess, childEnv, runCli, startServer, tempDir } from "../support/process.ts";

const canRun = isRoot && missingTools().length === 0;

/** Whether a process runs (a zombie does not: nothing may reap it in a container). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

async function until<T>(what: string, f: () => Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(!canRun)("instances on OVN hosts, plugged by their agents", () => {
  const dir = tempDir("vph-");
  const data = tempDir("vph-data-");
  const home = tempDir("vph-home-");
  const tp = testPrefix();
  let lab: LabInfo;
  let server: ServerProcess;
  let token: string;
  let nb: OvsdbClient;
  let sb: OvsdbClient;
  let nbReplica: Replica;
  let sbReplica: Replica;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const instances: any[] = [];

  const cli = (args: string[]) => runCli(args, { XDG_CONFIG_HOME: home.path, VPCPEER_ENDPOINT: server.url, VPCPEER_TOKEN: token });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const json = (r: CliResult): any => {
    expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 0 });
    return JSON.parse(r.stdout);
  };

  const probe = async (body: Record<string, unknown>) => {
    const res = await fetch(`${server.url}/api/v1/probes`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    // The store first (with the test master key, which the agents inherit through lab up's environment).
    token = json(await runCli(["account", "create", "--name", "alice", "--data", data.path], { XDG_CONFIG_HOME: home.path })).token;
    lab = json(await runCli(["lab", "up", "--hosts", "2", "--dir", dir.path, "--data", data.path, "--netns-prefix", tp]));
    server = await startServer(["--data", data.path, "--dataplane", "ovn", "--lab", dir.path, "--netns-prefix", tp]);
    nb = await OvsdbClient.connect(lab.nb);
    sb = await OvsdbClient.connect(lab.sb);
    ({ replica: nbReplica } = await replicate(nb, "OVN_Northbound", { Logical_Switch_Port: { columns: ["name", "up", "options"] } }));
    ({ replica: sbReplica } = await replicate(sb, "OVN_Southbound", { Port_Binding: { columns: ["logical_port", "chassis"] }, Chassis: { columns: ["name"] } }));
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await nb?.close();
    await sb?.close();
    if (existsSync(join(dir.path, "lab.json"))) await labDown(dir.path);
    await removeNamespaces(tp);
    for (const d of [dir, data, home]) d.remove();
  }, 60_000);

  it("the agents register their hosts, and instances without a host land one on each", async () => {
    const hosts = await until("both agents to register", async () => {
      const r = json(await cli(["host", "list", "-o", "json"]));
      return r.items.length === 2 && r.items;
    });
    expect(hosts.map((h: { name: string; dataplane: string }) => [h.name, h.dataplane])).toEqual([["h1", "ovn"], ["h2", "ovn"]]);
    const vpc = json(await cli(["vpc", "create", "--name", "v", "--region", "cn-hangzhou", "--cidr", "10.60.0.0/16", "-o", "json"]));
    const subnet = json(await cli(["subnet", "create", "--vpc", vpc.id, "--cidr", "10.60.1.0/24", "-o", "json"]));
    for (let k = 0; k < 2; k++) instances.push(json(await cli(["instance", "create", "--subnet", subnet.id, "-o", "json"])));
    expect(instances.map((i) => i.host).sort()).toEqual(["h1", "h2"]);
    for (const i of instances) expect(i).toMatchObject({ interfaceId: `${tp}-i-${i.id.slice(4)}`, mac: expect.stringMatching(/^0a:00:0a:3c:01:/) });
    const table = await cli(["instance", "list"]);
    expect(table.stdout).toMatch(/HOST/);
    expect(table.stdout).toMatch(/h1/);
    expect(table.stdout).toMatch(/h2/);
    // A host the deployment does not have is refused, naming the known ones.
    const bad = await cli(["instance", "create", "--subnet", subnet.id, "--host", "h7"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('InvalidHost: host: "h7" is not a host of this deployment (known hosts: h1, h2)');
  }, 60_000);

  it("each agent plugs its own: the port is up and bound to the instance's chassis", async () => {
    for (const i of instances) {
      await until(`${i.id}'s port up and bound on ${i.host}`, async () => {
        const lsp = nbReplica.rows("Logical_Switch_Port").find((r) => r.name === i.interfaceId);
        const pb = sbReplica.rows("Port_Binding").find((r) => r.logical_port === i.interfaceId);
        const bound = pb ? optionalOf(pb.chassis) : undefined;
        const chassis = bound === undefined ? undefined : sbReplica.rows("Chassis").find((c) => c._uuid === uuidOf(bound));
        return lsp?.up === true && chassis?.name === i.host && lsp;
      }, 30_000).then((lsp) => expect(stringMap(lsp.options)["requested-chassis"]).toBe(i.host));
      // The namespace is named as probes and `instance exec` name it.
      expect(await listNamespaces(tp)).toContain(`${tp}-i-${i.id.slice(4)}`);
    }
  }, 60_000);

  it("a probe and instance exec work between instances on two hosts", async () => {
    const [a, b] = instances;
    const answered = await until("a probe across hosts to answer", async () => {
      const r = (await probe({ fromInstanceId: a.id, toIp: b.privateIp, port: 8080 })).body;
      return r?.reachable === true && r;
    });
    expect(answered.reachable).toBe(true);
    const exec = await new Promise<{ code: number | null; out: string }>((res) => {
      const p = spawn(process.execPath, [BIN, "instance", "exec", b.id, "--netns-prefix", tp, "--", "ping", "-c", "1", "-W", "2", a.privateIp], { env: childEnv(), stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      p.stdout!.on("data", (c: Buffer) => (out += c.toString()));
      p.on("exit", (code) => res({ code, out }));
    });
    expect(exec.out).toContain(`from ${a.privateIp}`);
    expect(exec.code).toBe(0);
  }, 60_000);

  it("an instance that a route goes through forwards, and stops once the route is gone", async () => {
    const [a] = instances;
    const ns = `${tp}-i-${a.id.slice(4)}`;
    const forwarding = async () => (await run("ip", ["netns", "exec", ns, "cat", "/proc/sys/net/ipv4/ip_forward"])).stdout.trim();
    expect(await forwarding()).toBe("0");
    const vpc = json(await cli(["vpc", "get", a.vpcId, "-o", "json"]));
    const route = json(await cli(["route", "add", vpc.defaultRouteTableId, "--destination", "10.99.0.0/16", "--instance", a.id, "-o", "json"]));
    await until("ip_forward on in the next hop", async () => (await forwarding()) === "1");
    expect((await cli(["route", "delete", vpc.defaultRouteTableId, route.id])).code).toBe(0);
    await until("ip_forward off again", async () => (await forwarding()) === "0");
  }, 60_000);

  it("an instance's namespace deleted by hand is made and plugged again within the agent's resync", async () => {
    const [a, b] = instances;
    const ns = `${tp}-i-${a.id.slice(4)}`;
    expect((await run("ip", ["netns", "del", ns])).code).toBe(0);
    const t0 = Date.now();
    // Within one resync, plus the pass itself: generous, since a pass inspects OVS and every namespace on a loaded 2-core machine.
    await until("the namespace back", async () => (await listNamespaces(tp)).includes(ns), 2 * RESYNC_MS + 5000);
    const answered = await until("a probe from it to answer again", async () => (await probe({ fromInstanceId: a.id, toIp: b.privateIp, port: 8080 })).body.reachable === true);
    expect(answered).toBe(true);
    expect(Date.now() - t0).toBeLessThan(2 * RESYNC_MS + 20_000);
  }, 90_000);

  it("an instance deleted is unplugged by its agent: its port and namespace go, the other stays", async () => {
    const [a, b] = instances;
    const ns = (i: { id: string }) => `${tp}-i-${i.id.slice(4)}`;
    expect((await cli(["instance", "delete", b.id])).code).toBe(0);
    await until("the namespace to go", async () => !(await listNamespaces(tp)).includes(ns(b)));
    const host = lab.hosts.find((h) => h.name === b.host)!;
    const ports = (await run("ovs-vsctl", [`--db=${host.ovs}`, "list-ports", "br-int"])).stdout;
    expect(ports).not.toContain(`i-${b.id.slice(4)}`);
    expect(await listNamespaces(tp)).toContain(ns(a));
  }, 60_000);

  it("a VBR is placed like an instance and its agent plugs its on-premises host, then unplugs it when the VBR goes", async () => {
    const [a] = instances;
    const other = a.host === "h1" ? "h2" : "h1";
    // The other host holds nothing now (b was deleted): the VBR lands there; then the two hosts hold
    // one thing each, and the next VBR goes by name — VBRs count with instances.
    const vbr = json(await cli(["vbr", "create", "--name", "idc", "--region", "cn-hangzhou", "--cidr", "192.168.61.0/24", "--cidr", "192.168.62.0/24", "-o", "json"]));
    expect(vbr.host).toBe(other);
    const second = json(await cli(["vbr", "create", "--name", "idc2", "--region", "cn-hangzhou", "--cidr", "192.168.63.0/24", "-o", "json"]));
    expect(second.host).toBe("h1");
    const table = await cli(["vbr", "list"]);
    expect(table.stdout).toMatch(/HOST/);
    expect(table.stdout).toContain(other);
    const bad = await cli(["vbr", "create", "--name", "x", "--region", "cn-hangzhou", "--cidr", "192.168.64.0/24", "--host", "h7"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('InvalidHost: host: "h7" is not a host of this deployment (known hosts: h1, h2)');

    const lspName = `${tp}-o-${vbr.id.slice(4)}`;
    const lsp = await until(`${vbr.id}'s host port up and bound on ${other}`, async () => {
      const l = nbReplica.rows("Logical_Switch_Port").find((r) => r.name === lspName);
      const pb = sbReplica.rows("Port_Binding").find((r) => r.logical_port === lspName);
      const bound = pb ? optionalOf(pb.chassis) : undefined;
      const chassis = bound === undefined ? undefined : sbReplica.rows("Chassis").find((c) => c._uuid === uuidOf(bound));
      return l?.up === true && chassis?.name === other && l;
    }, 30_000);
    expect(stringMap(lsp.options)["requested-chassis"]).toBe(other);
    // Named as the Linux data plane and probes name it, holding .2 of each network, default via the VBR's .1.
    const ns = `${tp}-h-${vbr.id.slice(4)}`;
    expect(await listNamespaces(tp)).toContain(ns);
    const addrs = (await run("ip", ["-n", ns, "-4", "-o", "addr", "show"])).stdout;
    expect(addrs).toContain("192.168.61.2/24");
    expect(addrs).toContain("192.168.62.2/24");
    expect((await run("ip", ["-n", ns, "route", "show", "default"])).stdout).toContain("via 192.168.61.1");
    const hostOf = (name: string) => lab.hosts.find((h) => h.name === name)!;
    expect((await run("ovs-vsctl", [`--db=${hostOf(other).ovs}`, "list-ports", "br-int"])).stdout).toContain(`o-${vbr.id.slice(4)}`);

    // Deleted: exactly its port and namespace go; the instance and the other VBR's host stay.
    expect((await cli(["vbr", "delete", vbr.id])).code).toBe(0);
    await until("the VBR host's namespace to go", async () => !(await listNamespaces(tp)).includes(ns));
    expect((await run("ovs-vsctl", [`--db=${hostOf(other).ovs}`, "list-ports", "br-int"])).stdout).not.toContain(`o-${vbr.id.slice(4)}`);
    const left = await listNamespaces(tp);
    expect(left).toContain(`${tp}-i-${a.id.slice(4)}`);
    await until("the second VBR's host plugged", async () => (await listNamespaces(tp)).includes(`${tp}-h-${second.id.slice(4)}`));
    expect((await cli(["vbr", "delete", second.id])).code).toBe(0);
    await until("the second VBR host's namespace to go", async () => !(await listNamespaces(tp)).includes(`${tp}-h-${second.id.slice(4)}`));
  }, 90_000);

  it("an agent with --no-plug registers its host and plugs nothing there (real VMs bind their ports)", async () => {
    const p = spawn(process.execPath, [BIN, "agent", "--host", "vm1", "--ovs-db", lab.hosts[0]!.ovs, "--no-plug", "--data", data.path, "--netns-prefix", tp], { env: childEnv(), stdio: "ignore" });
    try {
      await until("vm1 to register", async () => json(await cli(["host", "list", "-o", "json"])).items.some((h: { name: string }) => h.name === "vm1"));
      const vm = json(await cli(["instance", "create", "--subnet", instances[0].subnetId, "--host", "vm1", "-o", "json"]));
      expect(vm).toMatchObject({ host: "vm1", interfaceId: `${tp}-i-${vm.id.slice(4)}` });
      // Probes from it cannot run here (409, not a failure of the server); probes to it find nothing
      // listening (waiting out the probe's timeout: meanwhile, the agents' passes that must not plug it).
      const [from, to] = await Promise.all([
        probe({ fromInstanceId: vm.id, toIp: instances[0].privateIp, port: 8080 }),
        probe({ fromInstanceId: instances[0].id, toIp: vm.privateIp, port: 8080 }),
        new Promise((r) => setTimeout(r, 2000)), // four passes
      ]);
      expect(await listNamespaces(tp)).not.toContain(`${tp}-i-${vm.id.slice(4)}`);
      expect((await run("ovs-vsctl", [`--db=${lab.hosts[0]!.ovs}`, "list-ports", "br-int"])).stdout).not.toContain(`i-${vm.id.slice(4)}`);
      expect(from.status).toBe(409);
      expect(from.body.error).toMatchObject({ code: "DataplaneUnavailable", message: expect.stringContaining(`instance ${vm.id} is not on the network here yet`) });
      expect(to.status).toBe(200);
      expect(to.body.reachable).toBe(false);
    } finally {
      p.kill("SIGTERM");
    }
  }, 60_000);

  it("lab down stops the agents it started and removes what they plugged with the hosts", async () => {
    expect(lab.agents.map((a) => [a.host, a.pid !== null && running(a.pid)])).toEqual([["h1", true], ["h2", true]]);
    const down = json(await runCli(["lab", "down", "--dir", dir.path]));
    expect(down.stopped.map((s: { name: string }) => s.name)).toEqual(expect.arrayContaining(["h1/agent", "h2/agent"]));
    for (const a of lab.agents) expect(running(a.pid!)).toBe(false);
    expect(down.namespaces).toContain(`${tp}-i-${instances[0].id.slice(4)}`);
    expect(await listNamespaces(tp)).toEqual([]);
  }, 60_000);
});
