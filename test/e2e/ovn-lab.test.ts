/**
 * `vpcpeer lab up/down` through the CLI: two emulated chassis register in the southbound
 * database, a logical switch with one port bound on each host passes a ping across the Geneve
 * tunnel, and `lab down` leaves no process, namespace or link behind. The test's instance
 * namespaces carry its own prefix and are deleted by exact name; afterAll brings the lab down
 * whatever happened.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { map, namedUuid, set, stringOf, uuidOf } from "../../src/dataplane/ovn/atoms.ts";
import { isOurs } from "../../src/dataplane/ovn/lab/daemons.ts";
import type { LabDownReport, LabInfo, LabState } from "../../src/dataplane/ovn/lab/lab.ts";
import { layout } from "../../src/dataplane/ovn/lab/layout.ts";
import { listAllNamespaces } from "../../src/dataplane/ovn/lab/netns.ts";
import { missingTools } from "../../src/dataplane/ovn/lab/requirements.ts";
import { transactWithCfg, waitForCfg } from "../../src/dataplane/ovn/nb-sync.ts";
import { OvsdbClient } from "../../src/dataplane/ovn/ovsdb.ts";
import { replicate } from "../../src/dataplane/ovn/replica.ts";
import { plugVif } from "../../src/dataplane/ovn/vif.ts";
import { run } from "../../src/dataplane/kernel.ts";
import { isRoot, testPrefix } from "../support/netns.ts";
import { runCli, tempDir } from "../support/process.ts";

const canRun = isRoot && missingTools().length === 0;

async function rootLinks(): Promise<Set<string>> {
  const r = await run("ip", ["-j", "link", "show"]);
  return new Set((JSON.parse(r.stdout) as { ifname: string }[]).map((l) => l.ifname));
}

describe.skipIf(!canRun)("vpcpeer lab (OVN central + 2 chassis over Geneve)", () => {
  const dir = tempDir("vpl-");
  const tp = testPrefix();
  const instances = [`${tp}-i1`, `${tp}-i2`];
  const clients: OvsdbClient[] = [];
  let lab: LabInfo;
  let state: LabState;
  let linksBefore: Set<string>;

  beforeAll(async () => {
    linksBefore = await rootLinks();
    const up = await runCli(["lab", "up", "--hosts", "2", "--dir", dir.path]);
    expect(up.stderr).toBe("");
    expect(up.code).toBe(0);
    lab = JSON.parse(up.stdout) as LabInfo;
    state = JSON.parse(readFileSync(join(lab.dir, "lab.json"), "utf8")) as LabState;
  });

  afterAll(async () => {
    for (const c of clients) await c.close();
    for (const ns of instances) await run("ip", ["netns", "del", ns]);
    if (existsSync(join(dir.path, "lab.json"))) await runCli(["lab", "down", "--dir", dir.path]);
    dir.remove();
  });

  it("prints the connection strings and hosts, and both chassis register with their Geneve endpoints", async () => {
    expect(lab.nb).toMatch(/^tcp:127\.0\.0\.1:\d+$/);
    expect(lab.sb).toMatch(/^tcp:127\.0\.0\.1:\d+$/);
    expect(lab.hosts.map((h) => [h.name, h.namespace, h.chassis])).toEqual([
      ["h1", `${lab.prefix}-h1`, "h1"],
      ["h2", `${lab.prefix}-h2`, "h2"],
    ]);
    const sb = await OvsdbClient.connect(lab.sb);
    clients.push(sb);
    const chassis = await sb.select("OVN_Southbound", "Chassis", [], ["name", "encaps"]);
    const encaps = await sb.select("OVN_Southbound", "Encap", [], ["_uuid", "chassis_name", "type", "ip"]);
    expect(chassis.map((c) => c.name).sort()).toEqual(["h1", "h2"]);
    for (const h of lab.hosts) {
      const e = encaps.find((x) => x.chassis_name === h.chassis);
      expect(e && [e.type, e.ip]).toEqual(["geneve", h.encapIp]);
    }
  });

  it("a logical switch with one port on each host passes a ping across the Geneve tunnel", async () => {
    const nb = await OvsdbClient.connect(lab.nb);
    clients.push(nb);
    const lsp = (i: number) => `${tp}-p${i}`;
    const mac = (i: number) => `0a:00:00:00:00:0${i}`;
    const ip = (i: number) => `10.9.0.${i + 1}`;
    const { nbCfg } = await transactWithCfg(nb, [
      ...[1, 2].map((i) => ({ op: "insert" as const, table: "Logical_Switch_Port", "uuid-name": `p${i}`, row: { name: lsp(i), addresses: set([`${mac(i)} ${ip(i)}`]) } })),
      { op: "insert", table: "Logical_Switch", row: { name: `${tp}-ls`, ports: set([namedUuid("p1"), namedUuid("p2")]), external_ids: map({ "vpcpeer:test": tp }) } },
    ]);
    const { replica } = await replicate(nb, "OVN_Northbound", { Logical_Switch_Port: { columns: ["name", "up"] } });

    for (const [k, ns] of instances.entries()) {
      const i = k + 1;
      await run("ip", ["netns", "add", ns]);
      await plugVif(lab.hosts[k]!, { port: `${tp}-t${i}`, iface: lsp(i), netns: ns, mac: mac(i), address: `${ip(i)}/24` });
    }
    // ovn-controller binds each port on its own host and northd reports it up; both chassis
    // have installed the switch (hv_cfg, what `ovn-nbctl --wait=hv` waits for).
    await replica.until((r) => [1, 2].every((i) => r.rows("Logical_Switch_Port").some((p) => p.name === lsp(i) && p.up === true)), 15_000, "both ports up");
    expect(await waitForCfg(nb, "hv", nbCfg, 10_000)).toBeGreaterThanOrEqual(nbCfg);
    const sb = clients[0]!;
    const bindings = await sb.select("OVN_Southbound", "Port_Binding", [["logical_port", "includes", lsp(1)]], ["chassis"]);
    const h1 = await sb.select("OVN_Southbound", "Chassis", [["name", "==", "h1"]], ["_uuid"]);
    expect(uuidOf(bindings[0]!.chassis)).toBe(uuidOf(h1[0]!._uuid));

    let ok = false;
    const deadline = Date.now() + 10_000;
    while (!ok && Date.now() < deadline) ok = (await run("ip", ["netns", "exec", instances[0]!, "ping", "-c", "1", "-W", "1", ip(2)])).code === 0;
    expect(ok).toBe(true);
    // It crosses the underlay as Geneve: after the first packets (handled in ovs-vswitchd), h1's
    // datapath flow that encapsulates (tnl_push with a Geneve header) counts the next ones.
    expect((await run("ip", ["netns", "exec", instances[0]!, "ping", "-c", "3", "-i", "0.05", "-W", "1", ip(2)])).code).toBe(0);
    const flows = await run("ovs-appctl", ["-t", join(lab.hosts[0]!.dir, "ovs-vswitchd.ctl"), "dpctl/dump-flows"]);
    const pushed = flows.stdout.split("\n").filter((l) => /tnl_push\(.*geneve/.test(l)).map((l) => Number(/packets:(\d+)/.exec(l)?.[1] ?? 0));
    expect(pushed.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    const b2 = await sb.select("OVN_Southbound", "Port_Binding", [["logical_port", "includes", lsp(2)]], ["chassis"]);
    const h2 = await sb.select("OVN_Southbound", "Chassis", [["name", "==", "h2"]], ["_uuid"]);
    expect(uuidOf(b2[0]!.chassis)).toBe(uuidOf(h2[0]!._uuid));
    expect(stringOf((await nb.select("OVN_Northbound", "Logical_Switch", [["name", "==", `${tp}-ls`]], ["name"]))[0]!.name)).toBe(`${tp}-ls`);
  });

  it("refuses a second lab up on a running lab's directory, a bad host count, and a namespace it does not own", async () => {
    // A namespace under another directory's prefix that no lab records: refused, left alone.
    const other = tempDir("vpl-");
    const squatter = `${layout(other.path).prefix}-h1`;
    await run("ip", ["netns", "add", squatter]);
    try {
      // The three refusals at once (each a CLI process of its own, on its own directory).
      const [again, bad, refused] = await Promise.all([
        runCli(["lab", "up", "--hosts", "1", "--dir", dir.path]),
        runCli(["lab", "up", "--hosts", "0", "--dir", join(dir.path, "other")]),
        runCli(["lab", "up", "--hosts", "1", "--dir", other.path]),
      ]);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/a lab is already running in .*lab down --dir/);
      expect(state.daemons.every(isOurs)).toBe(true);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/'--hosts <n>' argument '0' is invalid\. It must be a whole number of hosts from 1 to 64/);
      expect(existsSync(join(dir.path, "other"))).toBe(false);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`namespaces ${squatter} exist but no lab in`);
      expect(await listAllNamespaces()).toContain(squatter);
      expect(existsSync(join(other.path, "lab.json"))).toBe(false);
    } finally {
      await run("ip", ["netns", "del", squatter]);
      other.remove();
    }
  });

  it("lab down stops every recorded process and removes every namespace and link it made; a second down says there is none", async () => {
    for (const ns of instances) await run("ip", ["netns", "del", ns]);
    const down = await runCli(["lab", "down", "--dir", dir.path]);
    expect(down.code).toBe(0);
    const report = JSON.parse(down.stdout) as LabDownReport;
    expect(report.stopped.map((d) => d.pid).sort()).toEqual(state.daemons.map((d) => d.pid).sort());
    expect(state.daemons.filter(isOurs)).toEqual([]);
    const namespaces = new Set(await listAllNamespaces());
    expect(state.namespaces.filter((n) => namespaces.has(n))).toEqual([]);
    expect(state.namespaces).toEqual([`${lab.prefix}-ul`, `${lab.prefix}-h1`, `${lab.prefix}-h2`]);
    // Links lived in those namespaces; none surfaced in this one (OVS's taps are not moved here).
    const after = await rootLinks();
    const ours = [...state.links.map((l) => l.name), "br-int", "br-phy", "ovs-netdev", "genev_sys_6081", `${tp}-t1`, `${tp}-t2`];
    expect([...after].filter((l) => !linksBefore.has(l) && (ours.includes(l) || /^dev\d+$/.test(l)))).toEqual([]);

    const again = await runCli(["lab", "down", "--dir", dir.path]);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/no lab in .*nothing to stop/);
  });
});
