/**
 * Security groups on OVN, traffic (`npx tsx bench/security-groups-ovn-traffic.ts [--quick]`, root):
 * TCP connection setups/s and one-stream throughput through a group of 100 ingress rules (the
 * allowing one evaluated last: ACL priorities put the 99 others first) beside an instance with no
 * group, in one run (bench/sg-traffic.ts: the same measurement as bench/security-groups-linux.ts).
 *
 * Setup: a 1-host lab (NB, SB, ovn-northd, one ovn-controller, OVS on this machine's datapath) and
 * the driver (OvnDriver.passDesired) with one VPC, one subnet and three instances on that host: 01
 * the client (no group), 02 a server in the group of 100 rules, 03 a server without a group (an
 * instance without groups is left unfiltered, as one whose groups accept everything). The three
 * instance ports are plugged as the host agent does (OVS internal ports moved into namespaces of
 * this run). Before measuring: the ACLs on the northbound are the plan's, and the group is enforced
 * (a port its rules do not admit is refused on 02 and answered on 03).
 *
 * Connection rounds last 0.5 s (rounds of 2 s for throughput): OVS 3.1.0's userspace conntrack
 * (this machine's datapath) aborts after a few thousand short connections through the switch
 * ("conntrack.c:1063: assertion conn->conn_type == CT_CONN_TYPE_DEFAULT failed in
 * conn_update_state()", after ~4,000 connections here; whether the group's ACLs are needed to
 * trigger it was not established), so the run stays well below that, and fails
 * if ovs-vswitchd was restarted while measuring.
 *
 * Note: a switch with stateful ACLs sends all its IP traffic through conntrack (OVN's pre-ACL
 * stage), so the baseline's packets go through conntrack too; the ratio is the ACL evaluation's cost.
 *
 * Namespaces are `bt<6 hex>-i-…`, deleted by exact name at the end (also on failure and Ctrl-C);
 * the lab is brought down. Traffic only flows between this run's namespaces.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { gatewayIp } from "../src/domain/addressing.ts";
import { parseCidr } from "../src/domain/cidr.ts";
import { run } from "../src/dataplane/kernel.ts";
import { nsName, suffixOf } from "../src/dataplane/naming.ts";
import { compile } from "../src/dataplane/ovn/compile.ts";
import { OvnDriver } from "../src/dataplane/ovn/driver.ts";
import { labDown, labUp } from "../src/dataplane/ovn/lab/lab.ts";
import { instanceMac, nbName } from "../src/dataplane/ovn/nb-names.ts";
import { transactWithCfg, waitForCfg } from "../src/dataplane/ovn/nb-sync.ts";
import { OvsdbClient } from "../src/dataplane/ovn/ovsdb.ts";
import { replicate } from "../src/dataplane/ovn/replica.ts";
import { plugVif } from "../src/dataplane/ovn/vif.ts";
import { probe } from "../src/dataplane/probe.ts";
import type { DesiredState } from "../src/dataplane/plan.ts";
import { tempDir } from "../test/support/process.ts";
import { commit, load, log, runPrefix } from "./ovn-support.ts";
import { hundredRules, measureTraffic, trafficRows } from "./sg-traffic.ts";

const { values: flags } = parseArgs({ options: { quick: { type: "boolean", default: false } } });
const quick = flags.quick ?? false;
const ROUNDS = quick ? 3 : 5;
const SECONDS = quick ? 1 : 2;
const CONNECT_SECONDS = 0.5;
if (process.getuid?.() !== 0) {
  console.error("bench/security-groups-ovn-traffic.ts needs root (network namespaces, OVS)");
  process.exit(2);
}

const NB = "OVN_Northbound";
const CIDR = "10.200.1.0/24";
const vpc = "vpc-cccccccccccc";
const subnetId = "subnet-cccccccccccc";
const group = "sg-cccccccccccc";
const ins = [
  { id: "ins-cccccccccc01", ip: "10.200.1.10", groups: [] as string[] },
  { id: "ins-cccccccccc02", ip: "10.200.1.11", groups: [group] },
  { id: "ins-cccccccccc03", ip: "10.200.1.12", groups: [] as string[] },
];

const prefix = runPrefix("t");
const labDir = tempDir("vpcpeer-sgtraffic-lab-");
const made: string[] = [];
let driver: OvnDriver | undefined;
let client: OvsdbClient | undefined;
let cleaning: Promise<void> | undefined;
const cleanup = () =>
  (cleaning ??= (async () => {
    await client?.close().catch(() => {});
    await driver?.close().catch(() => {});
    for (const n of made.reverse()) await run("ip", ["netns", "del", n]);
    if (existsSync(join(labDir.path, "lab.json"))) await labDown(labDir.path).catch((e: Error) => log(`lab down: ${e.message}`));
    labDir.remove();
  })());
for (const s of ["SIGINT", "SIGTERM"] as const) process.once(s, () => void cleanup().finally(() => process.exit(130)));

try {
  const loadBefore = load();
  log(`lab up (load ${loadBefore})`);
  const lab = await labUp(labDir.path, { hosts: 1 });
  const host = lab.hosts[0]!;
  driver = await OvnDriver.open({ nb: lab.nb, prefix, hvTimeoutMs: 60_000 });
  client = await OvsdbClient.connect(lab.nb);
  const state: DesiredState = {
    vpcs: [{ id: vpc, cidr: "10.200.0.0/16" }],
    subnets: [{ id: subnetId, vpcId: vpc, cidr: CIDR, routeTableId: "rtb-cccccccccccc" }],
    routeTables: [{ id: "rtb-cccccccccccc", vpcId: vpc, routes: [] }],
    instances: ins.map((i) => ({ id: i.id, subnetId, privateIp: i.ip, host: host.name, ...(i.groups.length ? { securityGroupIds: i.groups } : {}) })),
    securityGroups: [{ id: group, vpcId: vpc, rules: hundredRules(group, CIDR) }],
    vbrs: [],
    peerings: [],
  };
  const pass = await driver.passDesired(state);
  if (pass.errors.length) throw new Error(pass.errors.join("; "));
  const wantAcls = [...compile(state, { prefix }).rows.values()].filter((r) => r.table === "ACL").length;
  const acls = (await client.select(NB, "ACL", [], ["_uuid", "external_ids"])).filter((x) => JSON.stringify(x.external_ids).includes(`"vpcpeer-owner","${prefix}"`)).length;
  if (acls !== wantAcls || acls < 100) throw new Error(`${acls} ACLs of this run on the northbound, the plan has ${wantAcls}`);

  // Plug the three instances as the host agent would.
  const c = parseCidr(CIDR, "cidr");
  const ns = (i: (typeof ins)[number]) => nsName(prefix, "instance", i.id);
  for (const i of ins) {
    made.push(ns(i));
    await run("ip", ["netns", "add", ns(i)]);
    await plugVif(host, { port: `i-${suffixOf(i.id)}`, iface: nbName(prefix, "i", i.id), netns: ns(i), mac: instanceMac(i.ip), address: `${i.ip}/${c.prefix}`, gateway: gatewayIp(c) });
  }
  const { replica, cancel } = await replicate(client, NB, { Logical_Switch_Port: { columns: ["name", "up"] } });
  const lsps = ins.map((i) => nbName(prefix, "i", i.id));
  await replica.until((r) => lsps.every((p) => r.rows("Logical_Switch_Port").some((x) => x.name === p && x.up === true)), 30_000, "the instance ports up");
  await cancel();
  const { nbCfg } = await transactWithCfg(client, []);
  await waitForCfg(client, "hv", nbCfg, 30_000);

  // The group is enforced: a port its rules do not admit is refused on 02, answered on 03.
  const [cl, filtered, open] = ins.map((i) => ({ ns: ns(i), ip: i.ip })) as [{ ns: string; ip: string }, { ns: string; ip: string }, { ns: string; ip: string }];
  const denied = await probe(cl.ns, [filtered.ns], filtered.ip, "tcp", 7002, 1000);
  const allowed = await probe(cl.ns, [open.ns], open.ip, "tcp", 7002, 2000);
  if (denied.reachable || !allowed.reachable) throw new Error(`group not enforced as expected: 02:7002 ${JSON.stringify(denied)}, 03:7002 ${JSON.stringify(allowed)}`);
  log(`${acls} ACLs of this run (100 rules and the group's own), ports bound; 02:7002 refused, 03:7002 answered; measuring…`);

  const vswitchd = () => readFileSync(join(host.dir, "ovs-vswitchd.pid"), "utf8").trim();
  const pid = vswitchd();
  const result = await measureTraffic({ client: cl.ns, filtered, open, rounds: ROUNDS, seconds: SECONDS, connectSeconds: CONNECT_SECONDS, log });
  if (vswitchd() !== pid) throw new Error(`ovs-vswitchd was restarted while measuring (see ${host.dir}/ovs-vswitchd.log): the figures are void`);
  console.log(`
security groups on OVN, traffic, ${new Date().toISOString().slice(0, 10)}, commit ${await commit()}, load ${loadBefore} before / ${load()} after; 1-host lab, ${ROUNDS} rounds (connect ${CONNECT_SECONDS} s, throughput ${SECONDS} s)
| security groups, ovn (bench/security-groups-ovn-traffic.ts${quick ? " --quick" : ""}) | group | baseline | ratio (median; rounds) | goal |
| --- | --: | --: | --: | --- |`);
  for (const row of trafficRows(result)) console.log(row);
} finally {
  await cleanup();
}
