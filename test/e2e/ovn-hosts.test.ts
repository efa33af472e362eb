/**
 * Hosts on OVN (#13 item 4), through the front doors: a 2-host lab, `vpcpeer serve --dataplane
 * ovn --lab D` and one `vpcpeer agent --host hN --lab D` per host on the same store. The agents
 * register their hosts; instances created without a host land one on each; each agent plugs its
 * own (a namespace named as probes name it, an OVS port bound to the instance's logical port);
 * the ports come up in the NB, bound in the SB to the instance's chassis; a probe and `vpcpeer
 * instance exec` work across the two hosts; a deleted instance is unplugged by its agent. Every
 * wait is bounded; afterAll stops the processes it started (by their pid), deletes this test's
 * namespaces by exact name and brings the lab down.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listNamespaces, run } from "../../src/dataplane/kernel.ts";
import { optionalOf, stringMap, uuidOf } from "../../src/dataplane/ovn/atoms.ts";
import { type LabInfo, labDown, labUp } from "../../src/dataplane/ovn/lab/lab.ts";
import { missingTools } from "../../src/dataplane/ovn/lab/requirements.ts";
import { OvsdbClient } from "../../src/dataplane/ovn/ovsdb.ts";
import { type Replica, replicate } from "../../src/dataplane/ovn/replica.ts";
import { isRoot, removeNamespaces, testPrefix } from "../support/netns.ts";
import { BIN, childEnv } from "../support/process.ts";
import { tempDir } from "../support/process.ts";
import { type TwoTenants, twoTenants } from "../support/tenants.ts";

const canRun = isRoot && missingTools().length === 0;

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
  const tp = testPrefix();
  let lab: LabInfo;
  let t: TwoTenants;
  const agents: ChildProcess[] = [];
  const agentLog: string[] = [];
  let nb: OvsdbClient;
  let sb: OvsdbClient;
  let nbReplica: Replica;
  let sbReplica: Replica;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const instances: any[] = [];

  beforeAll(async () => {
    lab = await labUp(dir.path, { hosts: 2 });
    t = await twoTenants("vph", ["--dataplane", "ovn", "--lab", dir.path, "--netns-prefix", tp]);
    for (const h of lab.hosts) {
      const p = spawn(process.execPath, [BIN, "agent", "--host", h.name, "--lab", dir.path, "--data", t.data, "--netns-prefix", tp], { env: childEnv(), stdio: ["ignore", "pipe", "pipe"] });
      p.stdout!.on("data", (c: Buffer) => agentLog.push(c.toString()));
      p.stderr!.on("data", (c: Buffer) => agentLog.push(c.toString()));
      agents.push(p);
    }
    nb = await OvsdbClient.connect(lab.nb);
    sb = await OvsdbClient.connect(lab.sb);
    ({ replica: nbReplica } = await replicate(nb, "OVN_Northbound", { Logical_Switch_Port: { columns: ["name", "up", "options"] } }));
    ({ replica: sbReplica } = await replicate(sb, "OVN_Southbound", { Port_Binding: { columns: ["logical_port", "chassis"] }, Chassis: { columns: ["name"] } }));
  }, 120_000);

  afterAll(async () => {
    for (const p of agents) {
      if (p.exitCode === null && p.signalCode === null) {
        const gone = new Promise((r) => p.once("exit", r));
        p.kill("SIGTERM");
        await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
        if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
      }
    }
    await t?.close();
    await nb?.close();
    await sb?.close();
    await removeNamespaces(tp);
    if (existsSync(join(dir.path, "lab.json"))) await labDown(dir.path);
    dir.remove();
  }, 60_000);

  it("the agents register their hosts, and instances without a host land one on each", async () => {
    const hosts = await until("both agents to register", async () => {
      const r = t.json(await t.cli(t.alice, ["host", "list", "-o", "json"]));
      return r.items.length === 2 && r.items;
    });
    expect(hosts.map((h: { name: string; dataplane: string }) => [h.name, h.dataplane])).toEqual([["h1", "ovn"], ["h2", "ovn"]]);
    const vpc = t.json(await t.cli(t.alice, ["vpc", "create", "--name", "v", "--region", "cn-hangzhou", "--cidr", "10.60.0.0/16", "-o", "json"]));
    const subnet = t.json(await t.cli(t.alice, ["subnet", "create", "--vpc", vpc.id, "--cidr", "10.60.1.0/24", "-o", "json"]));
    for (let k = 0; k < 2; k++) instances.push(t.json(await t.cli(t.alice, ["instance", "create", "--subnet", subnet.id, "-o", "json"])));
    expect(instances.map((i) => i.host).sort()).toEqual(["h1", "h2"]);
    for (const i of instances) expect(i).toMatchObject({ interfaceId: `${tp}-i-${i.id.slice(4)}`, mac: expect.stringMatching(/^0a:00:0a:3c:01:/) });
    const table = await t.cli(t.alice, ["instance", "list"]);
    expect(table.stdout).toMatch(/HOST/);
    expect(table.stdout).toMatch(/h1/);
    expect(table.stdout).toMatch(/h2/);
    // A host the deployment does not have is refused, naming the known ones.
    const bad = await t.cli(t.alice, ["instance", "create", "--subnet", subnet.id, "--host", "h7"]);
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
    const probe = await until("a probe across hosts to answer", async () => {
      const r = await t.api(t.alice, "POST", "/api/v1/probes", { fromInstanceId: a.id, toIp: b.privateIp, port: 8080 });
      return r?.reachable === true && r;
    });
    expect(probe.reachable).toBe(true);
    const exec = await new Promise<{ code: number | null; out: string }>((res) => {
      const p = spawn(process.execPath, [BIN, "instance", "exec", b.id, "--netns-prefix", tp, "--", "ping", "-c", "1", "-W", "2", a.privateIp], { env: childEnv(), stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      p.stdout!.on("data", (c: Buffer) => (out += c.toString()));
      p.on("exit", (code) => res({ code, out }));
    });
    expect(exec.out).toContain(`from ${a.privateIp}`);
    expect(exec.code).toBe(0);
  }, 60_000);

  it("an instance deleted is unplugged by its agent: its port and namespace go, the other stays", async () => {
    const [a, b] = instances;
    const ns = (i: { id: string }) => `${tp}-i-${i.id.slice(4)}`;
    expect((await t.cli(t.alice, ["instance", "delete", b.id])).code).toBe(0);
    await until("the namespace to go", async () => !(await listNamespaces(tp)).includes(ns(b)));
    const host = lab.hosts.find((h) => h.name === b.host)!;
    const ports = (await run("ovs-vsctl", [`--db=${host.ovs}`, "list-ports", "br-int"])).stdout;
    expect(ports).not.toContain(`i-${b.id.slice(4)}`);
    expect(await listNamespaces(tp)).toContain(ns(a));
    expect(agentLog.join("")).not.toMatch(/"level":50/);
  }, 60_000);
});
