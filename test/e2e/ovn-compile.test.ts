/**
 * The OVN mapping against real OVN: a lab with two chassis (`vpcpeer lab up`), a desired state
 * compiled to northbound rows and applied as one transaction by the OVSDB client, instance ports
 * plugged as OVS internal ports moved into this test's namespaces, then pings: same VPC across
 * subnets and hosts, a peering with routes both ways, a one-sided route, no transit through a
 * middle VPC whatever routes exist, a VBR's on-premises host, a route blackholed once its peering
 * stops, and a second diff that is empty. Every wait is bounded; afterAll deletes the test's
 * namespaces by exact name and brings the lab down.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../src/dataplane/kernel.ts";
import { namedUuid, set, stringsOf, uuid, uuidsOf } from "../../src/dataplane/ovn/atoms.ts";
import { type LabInfo, labDown, labUp } from "../../src/dataplane/ovn/lab/lab.ts";
import { missingTools } from "../../src/dataplane/ovn/lab/requirements.ts";
import { compile } from "../../src/dataplane/ovn/compile.ts";
import { diffNb } from "../../src/dataplane/ovn/nb-diff.ts";
import { instanceMac, nbName } from "../../src/dataplane/ovn/nb-names.ts";
import { linkSlotsOf, nbMonitorRequests, observedOf } from "../../src/dataplane/ovn/nb-observed.ts";
import { transactWithCfg, waitForCfg } from "../../src/dataplane/ovn/nb-sync.ts";
import { OvsdbClient } from "../../src/dataplane/ovn/ovsdb.ts";
import { type Replica, replicate } from "../../src/dataplane/ovn/replica.ts";
import { plugVif } from "../../src/dataplane/ovn/vif.ts";
import type { DesiredRoute, DesiredState } from "../../src/dataplane/plan.ts";
import { isRoot, testPrefix } from "../support/netns.ts";
import { tempDir } from "../support/process.ts";

const canRun = isRoot && missingTools().length === 0;
const NB = "OVN_Northbound";

const id = (kind: string, tag: string) => `${kind}-${tag.padStart(12, "0")}`;
const VPC = { a: id("vpc", "a"), b: id("vpc", "b"), c: id("vpc", "c"), d: id("vpc", "d") };
const VBR = id("vbr", "e");
const PCX = { ab: id("pcx", "ab"), bc: id("pcx", "bc"), ad: id("pcx", "ad"), de: id("pcx", "de") };
const cidr = { a: "10.1.0.0/16", b: "10.2.0.0/16", c: "10.3.0.0/16", d: "10.4.0.0/16", e: "192.168.50.0/24" };
/** Instances: name → [vpc, subnet tag, ip, host index]. */
const INSTANCES = { a1: ["a", "a1", "10.1.1.10", 0], a2: ["a", "a2", "10.1.2.10", 1], b1: ["b", "b1", "10.2.1.10", 1], c1: ["c", "c1", "10.3.1.10", 0], d1: ["d", "d1", "10.4.1.10", 1] } as const;
const ON_PREM_IP = "192.168.50.2";
/** Routed through instance a2 (an appliance), which holds 10.77.0.1 itself. */
const APPLIANCE_NET = "10.77.0.0/16";
const APPLIANCE_IP = "10.77.0.1";

const route = (destinationCidr: string, peeringId: string | null): DesiredRoute => ({ destinationCidr, peeringId });
const ends = (x: keyof typeof VPC, y: keyof typeof VPC) => ({ a: { routerType: "vpc" as const, routerId: VPC[x], cidrs: [cidr[x]] }, b: { routerType: "vpc" as const, routerId: VPC[y], cidrs: [cidr[y]] } });

/** The world: A–B and B–C peered with routes both ways plus leaky routes A→C and C→A via B; A–D with a route on A's side only; D–VBR. */
function desired(active: readonly string[]): DesiredState {
  const on = (p: string) => (active.includes(p) ? p : null);
  const peerings: DesiredState["peerings"] = [
    { id: PCX.ab, ...ends("a", "b"), bandwidthMbps: null, delayMs: null },
    { id: PCX.bc, ...ends("b", "c"), bandwidthMbps: 100, delayMs: null },
    { id: PCX.ad, ...ends("a", "d"), bandwidthMbps: null, delayMs: null },
    { id: PCX.de, a: { routerType: "vpc", routerId: VPC.d, cidrs: [cidr.d] }, b: { routerType: "vbr", routerId: VBR, cidrs: [cidr.e] }, bandwidthMbps: null, delayMs: null },
  ];
  return {
    vpcs: (Object.keys(VPC) as (keyof typeof VPC)[]).map((k) => ({ id: VPC[k], cidr: cidr[k] })),
    subnets: [
      { id: id("subnet", "a1"), vpcId: VPC.a, cidr: "10.1.1.0/24", routeTableId: id("rtb", "a") },
      { id: id("subnet", "a2"), vpcId: VPC.a, cidr: "10.1.2.0/24", routeTableId: id("rtb", "a") },
      { id: id("subnet", "b1"), vpcId: VPC.b, cidr: "10.2.1.0/24", routeTableId: id("rtb", "b") },
      { id: id("subnet", "c1"), vpcId: VPC.c, cidr: "10.3.1.0/24", routeTableId: id("rtb", "c") },
      { id: id("subnet", "d1"), vpcId: VPC.d, cidr: "10.4.1.0/24", routeTableId: id("rtb", "d") },
    ],
    routeTables: [
      { id: id("rtb", "a"), vpcId: VPC.a, routes: [route(cidr.b, on(PCX.ab)), route(cidr.c, on(PCX.ab)), route(cidr.d, on(PCX.ad)), { destinationCidr: APPLIANCE_NET, peeringId: null, instanceId: id("ins", "a2") }] },
      { id: id("rtb", "b"), vpcId: VPC.b, routes: [route(cidr.a, on(PCX.ab)), route(cidr.c, on(PCX.bc))] },
      { id: id("rtb", "c"), vpcId: VPC.c, routes: [route(cidr.b, on(PCX.bc)), route(cidr.a, on(PCX.bc))] },
      { id: id("rtb", "d"), vpcId: VPC.d, routes: [route(cidr.e, on(PCX.de))] },
    ],
    instances: Object.entries(INSTANCES).map(([n, [, s, ip]]) => ({ id: id("ins", n), subnetId: id("subnet", s), privateIp: ip })),
    vbrs: [{ id: VBR, onPremisesCidrs: [cidr.e] }],
    peerings: peerings.filter((p) => active.includes(p.id)),
  };
}

describe.skipIf(!canRun)("OVN mapping on a real OVN (lab with two chassis)", () => {
  const dir = tempDir("vpo-");
  const tp = testPrefix();
  const ns = (n: string) => `${tp}-${n}`;
  const namespaces = [...Object.keys(INSTANCES), "e"].map(ns);
  let lab: LabInfo;
  let nb: OvsdbClient;
  let replica: Replica;

  const observed = () => observedOf(replica.tables);
  /** compile → diff → one transaction; returns the operations it sent. */
  async function converge(state: DesiredState) {
    const plan = compile(state, { prefix: tp, linkSlots: linkSlotsOf(observed(), tp) });
    const ops = diffNb(plan, observed());
    if (ops.length) await nb.transact(NB, ops);
    await replica.until((r) => diffNb(plan, observedOf(r.tables)).length === 0, 5000, "the monitor to show the transaction");
    return { plan, ops };
  }
  /** Waits (bounded) until every chassis has installed what the database holds now. */
  async function syncHosts() {
    const { nbCfg } = await transactWithCfg(nb, []);
    await waitForCfg(nb, "hv", nbCfg, 15_000);
  }
  const ping = async (from: string, ip: string) => (await run("ip", ["netns", "exec", ns(from), "ping", "-c", "1", "-W", "1", ip])).code === 0;
  async function reaches(from: string, ip: string, timeoutMs = 10_000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) if (await ping(from, ip)) return true;
    return false;
  }
  /**
   * A path that must not work, after the network has settled (the chassis have installed the
   * flows, and a positive check of the same setup passed): two echo requests 0.2 s apart, neither
   * answered within 1 s.
   */
  const blocked = async (from: string, ip: string) => (await run("ip", ["netns", "exec", ns(from), "ping", "-c", "2", "-i", "0.2", "-W", "1", ip])).code !== 0;
  /** Paths that must not work, checked at once (each waits out its timeout): which of them are not blocked. */
  const leaks = async (...paths: [string, string][]) => (await Promise.all(paths.map(async ([from, ip]) => ((await blocked(from, ip)) ? [] : [`${from} → ${ip}`])))).flat();

  beforeAll(async () => {
    lab = await labUp(dir.path, { hosts: 2 });
    nb = await OvsdbClient.connect(lab.nb);
    ({ replica } = await replicate(nb, NB, nbMonitorRequests({ Logical_Switch_Port: ["up"] })));
  }, 120_000);

  afterAll(async () => {
    await nb?.close();
    for (const n of namespaces) await run("ip", ["netns", "del", n]);
    if (existsSync(join(dir.path, "lab.json"))) await labDown(dir.path);
    dir.remove();
  }, 60_000);

  it("applies the compiled state in one transaction, touching nothing else, and a second diff is empty", async () => {
    // A row that is not ours, on the same database: it must come through untouched.
    await nb.transact(NB, [{ op: "insert", table: "Logical_Switch", row: { name: `${tp}-foreign` } }]);
    const { ops } = await converge(desired(Object.values(PCX)));
    expect(ops.length).toBeGreaterThan(0);
    expect(ops.every((o) => o.op === "insert")).toBe(true);
    expect(diffNb(compile(desired(Object.values(PCX)), { prefix: tp, linkSlots: linkSlotsOf(observed(), tp) }), observed())).toEqual([]);
    expect(replica.rows("Logical_Switch").filter((r) => r.name === `${tp}-foreign`)).toHaveLength(1);

    for (const [n, [, , ip, host]] of Object.entries(INSTANCES)) {
      await run("ip", ["netns", "add", ns(n)]);
      await plugVif(lab.hosts[host]!, { port: ns(n), iface: nbName(tp, "i", id("ins", n)), netns: ns(n), mac: instanceMac(ip), address: `${ip}/24`, gateway: ip.replace(/\.\d+$/, ".1") });
    }
    await run("ip", ["-n", ns("a2"), "addr", "add", `${APPLIANCE_IP}/32`, "dev", "lo"]);
    await run("ip", ["netns", "add", ns("e")]);
    await plugVif(lab.hosts[0]!, { port: ns("e"), iface: nbName(tp, "o", VBR), netns: ns("e"), mac: instanceMac(ON_PREM_IP), address: `${ON_PREM_IP}/24`, gateway: "192.168.50.1" });
    const ports = [...Object.keys(INSTANCES).map((n) => nbName(tp, "i", id("ins", n))), nbName(tp, "o", VBR)];
    await replica.until((r) => ports.every((p) => r.rows("Logical_Switch_Port").some((x) => x.name === p && x.up === true)), 20_000, "every instance port up");
    await syncHosts();
  }, 60_000);

  it("reaches within a VPC across subnets and hosts, across a peering with routes both ways, and through an instance", async () => {
    expect(await reaches("a1", INSTANCES.a2[2])).toBe(true);
    expect(await reaches("a1", INSTANCES.b1[2])).toBe(true);
    expect(await reaches("b1", INSTANCES.c1[2])).toBe(true);
    expect(await reaches("c1", INSTANCES.b1[2])).toBe(true);
    expect(await reaches("d1", ON_PREM_IP)).toBe(true);
    expect(await reaches("e", INSTANCES.d1[2])).toBe(true);
    // Through an instance next hop: its port security holds only its MAC, so it takes (and answers
    // from) an address that is not its own.
    expect(await reaches("a1", APPLIANCE_IP)).toBe(true);
  }, 60_000);

  it("fails with a route on one side only, and never transits a middle VPC or a VBR, leaky routes or not", async () => {
    expect(await leaks(["a1", INSTANCES.d1[2]], ["a1", INSTANCES.c1[2]], ["c1", INSTANCES.a1[2]], ["e", INSTANCES.a1[2]])).toEqual([]);
  }, 60_000);

  it("drops transit by policy even with routes someone added by hand to the middle router; a deleted policy is put back", async () => {
    const lrB = replica.rows("Logical_Router").find((r) => r.name === nbName(tp, "r", VPC.b))!;
    const addr = (port: string) => stringsOf(replica.rows("Logical_Router_Port").find((r) => r.name === port)!.networks!)[0]!.split("/")[0]!;
    // Main-table routes (what a peering port looks up) on B, towards C and towards A: a leak.
    await nb.transact(NB, [
      { op: "insert", table: "Logical_Router_Static_Route", "uuid-name": "toC", row: { ip_prefix: cidr.c, nexthop: addr(nbName(tp, "pb", PCX.bc)) } },
      { op: "insert", table: "Logical_Router_Static_Route", "uuid-name": "toA", row: { ip_prefix: cidr.a, nexthop: addr(nbName(tp, "pa", PCX.ab)) } },
      { op: "mutate", table: "Logical_Router", where: [["_uuid", "==", uuid(lrB._uuid)]], mutations: [["static_routes", "insert", set([namedUuid("toC"), namedUuid("toA")])]] },
    ]);
    await syncHosts();
    expect(await leaks(["a1", INSTANCES.c1[2]], ["c1", INSTANCES.a1[2]])).toEqual([]);
    // Without B's no-transit policies the leak carries traffic: they are what stops it.
    const policies = uuidsOf(replica.rows("Logical_Router").find((r) => r.name === nbName(tp, "r", VPC.b))!.policies!);
    expect(policies).toHaveLength(2);
    await nb.transact(NB, [{ op: "mutate", table: "Logical_Router", where: [["_uuid", "==", uuid(lrB._uuid)]], mutations: [["policies", "delete", set(policies.map(uuid))]] }]);
    await syncHosts();
    expect(await reaches("a1", INSTANCES.c1[2])).toBe(true);
    const { ops } = await converge(desired(Object.values(PCX)));
    expect(ops.map((o) => o.op).sort()).toEqual(["insert", "insert", "mutate"]);
    await syncHosts();
    expect(await blocked("a1", INSTANCES.c1[2])).toBe(true);
    // The hand-made routes are not ours: they are still there.
    expect(replica.rows("Logical_Router_Static_Route").filter((r) => !JSON.stringify(r.external_ids).includes("vpcpeer-owner"))).toHaveLength(2);
  }, 60_000);

  it("caps a peering's bandwidth in both directions (OVN QoS meters, ±15%)", async () => {
    /** Steady-state TCP goodput b1 → c1 (or c1 → b1 with `reverse`) as the receiver counts it, Mbit/s (the first second, the burst, omitted). */
    const goodput = async (port: number, reverse: boolean) => {
      const server = spawn("ip", ["netns", "exec", ns("c1"), "iperf3", "-s", "-1", "-p", String(port)], { stdio: "ignore" });
      try {
        // The server may take longer than a moment to listen on a loaded machine: a client that found
        // no listener (no JSON, or an error report) tries again; the one-off server still waits.
        for (let attempt = 1; ; attempt++) {
          await new Promise((r) => setTimeout(r, 300 * attempt));
          const r = await run("ip", ["netns", "exec", ns("b1"), "timeout", "15", "iperf3", "-c", INSTANCES.c1[2], "-p", String(port), "-t", "3", "-O", "1", "-J", ...(reverse ? ["-R"] : [])]);
          type Report = { error?: string; end?: { sum_received?: { bits_per_second: number } } };
          let report: Report | null = null;
          try {
            report = JSON.parse(r.stdout) as Report;
          } catch {
            report = null;
          }
          const bps = report?.end?.sum_received?.bits_per_second;
          if (bps !== undefined && !report?.error) return bps / 1e6;
          if (attempt >= 4) throw new Error(`iperf3 gave no measurement after ${attempt} attempts: ${r.stdout.slice(0, 300)}`);
        }
      } finally {
        server.kill("SIGKILL");
      }
    };
    const measured = [await goodput(5301, false), await goodput(5302, true)];
    expect(measured.map((x) => x >= 85 && x <= 115), `measured ${measured.map((x) => x.toFixed(1)).join(" / ")} Mbit/s for 100`).toEqual([true, true]);
  }, 60_000);

  it("blackholes the routes of a peering that stops, in one transaction, and a second diff is empty", async () => {
    const { ops, plan } = await converge(desired([PCX.bc, PCX.ad, PCX.de]));
    expect(ops.some((o) => o.op === "delete" && o.table === "Logical_Switch")).toBe(true);
    const discards = replica.rows("Logical_Router_Static_Route").filter((r) => r.nexthop === "discard" && r.route_table === id("rtb", "a"));
    expect(discards.map((r) => r.ip_prefix).sort()).toEqual([cidr.b, cidr.c]);
    expect(diffNb(plan, observed())).toEqual([]);
    await syncHosts();
    expect(await leaks(["a1", INSTANCES.b1[2]], ["b1", INSTANCES.a1[2]])).toEqual([]);
    expect(await reaches("b1", INSTANCES.c1[2])).toBe(true);
    // Active again: the same rows come back and traffic flows.
    await converge(desired(Object.values(PCX)));
    await syncHosts();
    expect(await reaches("a1", INSTANCES.b1[2])).toBe(true);
  }, 60_000);

  it("removes every row of ours when nothing is desired, leaving the foreign row", async () => {
    await converge({ vpcs: [], subnets: [], routeTables: [], instances: [], vbrs: [], peerings: [] });
    const ours = (t: string) => replica.rows(t).filter((r) => JSON.stringify(r.external_ids ?? []).includes(`"vpcpeer-owner","${tp}"`));
    for (const t of Object.keys(nbMonitorRequests())) expect(ours(t)).toEqual([]);
    expect(replica.rows("Logical_Switch").filter((r) => r.name === `${tp}-foreign`)).toHaveLength(1);
  }, 30_000);
});
