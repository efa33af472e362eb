/**
 * Security groups on the Linux data plane (`npx tsx bench/security-groups-linux.ts [--quick]`, as
 * root): figures beside baselines measured in the same run.
 *
 *   1. program  1,000 rules over 200 instances (20 VPCs × 10 instances, each instance in its own
 *               group of 5 rules: two TCP ports from CIDRs, TCP from the members of a VPC-wide
 *               group, ICMP echo, all egress) programmed by LinuxDriver.passDesired (compile, diff
 *               against what it applied, one `nft -f -` transaction per instance namespace) on
 *               namespaces that exist without tables. Baseline: the very same nft scripts run raw,
 *               `nsenter --net=/run/netns/NS nft -f -` (how the driver enters), with the same
 *               parallelism (8); info: the same with `ip netns exec NS nft -f -`. The order
 *               alternates by round; between runs the tables are removed (untimed). Goal: ≤ 1.5 ×.
 *   2. connect  TCP connection setups/s from an unfiltered instance to one whose group holds 100
 *               ingress rules, the allowing one evaluated last (99 others first), beside a server
 *               of the same subnet with no group. 4 workers in the client's namespace alternate
 *               between the two servers (connect, read the reply, close), so both see the same
 *               machine load; per target, connections per second spent on it. Goal: ≥ 0.9 ×.
 *               Then one TCP stream to each server in turn (probe.ts's throughput()), rounds
 *               alternating which goes first. Goal: ≥ 0.9 ×. (bench/sg-traffic.ts, shared with
 *               bench/security-groups-ovn-traffic.ts.)
 *
 * Options: --quick (fewer, shorter rounds), --only program|connect.
 *
 * Every namespace is under a random prefix `bg<6 hex>` (checked unused) and deleted by exact name
 * at the end, on SIGINT/SIGTERM and on exit. Traffic only flows between this run's namespaces.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import type { ResolvedSgRule } from "../src/domain/security-groups.ts";
import { firewallScript } from "../src/dataplane/firewall.ts";
import { NETNS_DIR, run } from "../src/dataplane/kernel.ts";
import { LinuxDriver } from "../src/dataplane/linux/driver.ts";
import { type DesiredState, compile } from "../src/dataplane/plan.ts";
import { hundredRules, measureTraffic, median, trafficRows } from "./sg-traffic.ts";

const { values: flags } = parseArgs({ options: { quick: { type: "boolean", default: false }, only: { type: "string" } } });
const quick = flags.quick ?? false;
const ROUNDS = quick ? 2 : 3; // program: rounds of (driver, raw nsenter, raw ip netns exec)
const CONNECT_ROUNDS = quick ? 3 : 5;
const CONNECT_SECONDS = quick ? 1 : 2;
const POOL = 8;
if (process.getuid?.() !== 0) {
  console.error("bench/security-groups-linux.ts needs root (network namespaces)");
  process.exit(2);
}

// ---- namespaces of this run, and cleanup ---------------------------------------------------------

function listAll(): string[] {
  const out = execFileSync("ip", ["-j", "netns", "list"], { encoding: "utf8" }).trim();
  return out ? (JSON.parse(out) as { name: string }[]).map((n) => n.name) : [];
}
const P = (() => {
  const existing = listAll();
  for (;;) {
    const p = `bg${randomBytes(3).toString("hex")}`;
    if (!existing.some((n) => n.startsWith(p))) return p;
  }
})();
const ours = (name: string) => name.startsWith(`${P}-`) || name.startsWith(`${P}c-`);
function cleanupSync(): void {
  for (const n of listAll().filter(ours)) {
    try {
      execFileSync("ip", ["netns", "del", n], { stdio: "ignore" });
    } catch {
      /* already gone */
    }
  }
}
process.on("exit", cleanupSync);
for (const s of ["SIGINT", "SIGTERM"] as const) process.on(s, () => process.exit(130));

const log = (msg: string) => process.stderr.write(`${msg}\n`);
async function pool<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(POOL, items.length) }, async () => { while (next < items.length) await fn(items[next++]!); }));
}

// ---- 1. program ------------------------------------------------------------------------------------

const hex = (i: number, width = 12) => i.toString(16).padStart(width, "0");
const VPCS = 20;
const PER_VPC = 10;

function scaleState(withGroups: boolean): DesiredState {
  const d: DesiredState = { vpcs: [], subnets: [], routeTables: [], instances: [], securityGroups: [], vbrs: [], peerings: [] };
  let ruleNo = 0;
  const rule = (group: string, over: Partial<ResolvedSgRule>): ResolvedSgRule => ({
    id: `sgr-${hex(++ruleNo)}`, securityGroupId: group, direction: "ingress", protocol: "tcp", fromPort: 22, toPort: 22,
    icmpType: null, icmpCode: null, action: "accept", priority: 1, cidrs: ["10.0.0.0/8"], peerGroupId: null, stale: false, ...over,
  });
  for (let v = 0; v < VPCS; v++) {
    const vpc = `vpc-${hex(v)}`;
    const subnet = `subnet-${hex(v)}`;
    d.vpcs.push({ id: vpc, cidr: `10.${v}.0.0/16` });
    d.subnets.push({ id: subnet, vpcId: vpc, cidr: `10.${v}.1.0/24`, routeTableId: `rtb-${hex(v)}` });
    d.routeTables.push({ id: `rtb-${hex(v)}`, vpcId: vpc, routes: [] });
    const members = Array.from({ length: PER_VPC }, (_, k) => `10.${v}.1.${k + 10}/32`);
    for (let k = 0; k < PER_VPC; k++) {
      const ins = `ins-${hex(v * 100 + k)}`;
      const group = `sg-${hex(v * 100 + k)}`;
      d.instances.push({ id: ins, subnetId: subnet, privateIp: `10.${v}.1.${k + 10}`, ...(withGroups ? { securityGroupIds: [group] } : {}) });
      d.securityGroups!.push({
        id: group,
        vpcId: vpc,
        rules: [
          rule(group, { fromPort: 443, toPort: 443, cidrs: ["0.0.0.0/0"] }),
          rule(group, { fromPort: 8000, toPort: 8100, cidrs: ["192.168.0.0/16"], priority: 10 }),
          rule(group, { fromPort: 5432, toPort: 5432, cidrs: members, peerGroupId: `sg-${hex(v * 100 + 99)}` }),
          rule(group, { protocol: "icmp", fromPort: null, toPort: null, icmpType: 8, cidrs: [`10.${v}.0.0/16`] }),
          rule(group, { direction: "egress", protocol: "all", fromPort: null, toPort: null, cidrs: ["0.0.0.0/0"] }),
        ],
      });
    }
  }
  return d;
}

async function programBench() {
  const driver = new LinuxDriver(P, { netem: false }, { defaultMs: 0, pairs: {} });
  const bare = scaleState(false);
  const filtered = scaleState(true);
  const rules = filtered.securityGroups!.reduce((n, g) => n + g.rules.length, 0);
  log(`program: ${filtered.instances.length} instances, ${rules} rules; building namespaces…`);
  const built = await driver.passDesired(bare, false);
  if (built.errors.length) throw new Error(built.errors.join("\n"));
  // The raw baseline's input: the scripts the plan holds, per instance namespace.
  const scripts = [...compile(filtered, P).namespaces.values()].filter((ns) => ns.firewall).map((ns) => ({ ns: ns.name, script: firewallScript(ns.firewall!) }));
  const nftIn = async (ns: string, script: string, how: "nsenter" | "ip-netns-exec" = "nsenter") => {
    const r = how === "nsenter" ? await run("nsenter", [`--net=${NETNS_DIR}/${ns}`, "nft", "-f", "-"], script) : await run("ip", ["netns", "exec", ns, "nft", "-f", "-"], script);
    if (r.code !== 0) throw new Error(`${ns}: ${r.stderr}`);
  };
  const driverMs: number[] = [];
  const rawMs: number[] = [];
  const execMs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const which of round % 2 === 0 ? ["driver", "raw", "exec"] : ["exec", "raw", "driver"]) {
      const t0 = performance.now();
      if (which === "driver") {
        const r = await driver.passDesired(filtered, false);
        if (r.errors.length || r.commands !== scripts.length) throw new Error(`driver pass: ${r.commands} commands, ${r.errors.join("; ")}`);
        driverMs.push(performance.now() - t0);
        if (round === 0) {
          const check = await driver.passDesired(filtered, true);
          if (check.commands !== 0 || check.errors.length) throw new Error(`not converged: a full pass sent ${check.commands} commands`);
        }
        // Untimed: back to no tables (the driver removes them, so what it remembers stays true).
        await driver.passDesired(bare, false);
      } else {
        const how = which === "raw" ? "nsenter" : "ip-netns-exec";
        await pool(scripts, (s) => nftIn(s.ns, s.script, how));
        (which === "raw" ? rawMs : execMs).push(performance.now() - t0);
        await pool(scripts, (s) => nftIn(s.ns, firewallScript(null)));
      }
    }
    log(`  round ${round + 1}: driver ${driverMs.at(-1)!.toFixed(0)} ms, raw nsenter ${rawMs.at(-1)!.toFixed(0)} ms, raw ip netns exec ${execMs.at(-1)!.toFixed(0)} ms`);
  }
  await driver.passDesired({ vpcs: [], subnets: [], routeTables: [], instances: [], vbrs: [], peerings: [] }, false);
  const ratios = driverMs.map((d, i) => d / rawMs[i]!);
  return { instances: filtered.instances.length, rules, driverMs: median(driverMs), rawMs: median(rawMs), execMs: median(execMs), ratio: median(ratios), ratios, execRatio: median(driverMs.map((d, i) => d / execMs[i]!)) };
}

// ---- 2. connect ------------------------------------------------------------------------------------

async function connectBench() {
  const prefix = `${P}c`;
  const driver = new LinuxDriver(prefix, { netem: false }, { defaultMs: 0, pairs: {} });
  const vpc = "vpc-cccccccccccc";
  const group = "sg-cccccccccccc";
  const rules = hundredRules(group, "10.200.1.0/24");
  const subnetId = "subnet-cccccccccccc";
  const state = (instances: DesiredState["instances"]): DesiredState => ({
    vpcs: [{ id: vpc, cidr: "10.200.0.0/16" }],
    subnets: [{ id: subnetId, vpcId: vpc, cidr: "10.200.1.0/24", routeTableId: "rtb-cccccccccccc" }],
    routeTables: [{ id: "rtb-cccccccccccc", vpcId: vpc, routes: [] }],
    instances,
    securityGroups: [{ id: group, vpcId: vpc, rules }],
    vbrs: [],
    peerings: [],
  });
  const must = async (d: DesiredState) => {
    const r = await driver.passDesired(d, false);
    if (r.errors.length) throw new Error(r.errors.join("\n"));
  };
  // 01 the client (no group), 02 a server in the group of 100 rules, 03 the same server without a group.
  await must(state([
    { id: "ins-cccccccccc01", subnetId, privateIp: "10.200.1.10" },
    { id: "ins-cccccccccc02", subnetId, privateIp: "10.200.1.11", securityGroupIds: [group] },
    { id: "ins-cccccccccc03", subnetId, privateIp: "10.200.1.12" },
  ]));
  const rulesIn02 = (await run("ip", ["netns", "exec", `${prefix}-i-cccccccccc02`, "nft", "list", "chain", "inet", "vpcpeer", "ingress"])).stdout.split("\n").filter((l) => l.includes("comment")).length;
  if (rulesIn02 !== 103) throw new Error(`expected 103 rules in the filtered server's ingress chain, found ${rulesIn02}`);
  const i = (n: string) => `${prefix}-i-cccccccccc${n}`;
  const result = await measureTraffic({ client: i("01"), filtered: { ns: i("02"), ip: "10.200.1.11" }, open: { ns: i("03"), ip: "10.200.1.12" }, rounds: CONNECT_ROUNDS, seconds: CONNECT_SECONDS, log });
  await must(state([]));
  await driver.passDesired({ vpcs: [], subnets: [], routeTables: [], instances: [], vbrs: [], peerings: [] }, false);
  return result;
}

const skip = { program: flags.only === "connect", connect: flags.only === "program" };
const program = skip.program ? null : await programBench();
if (!skip.connect) log("connect: a client, a server in a group of 100 ingress rules (the match last), a server without a group…");
const connect = skip.connect ? null : await connectBench();
const r3 = (x: number) => x.toFixed(3);
console.log(`
| security groups, linux (bench/security-groups-linux.ts${quick ? " --quick" : ""}) | driver / group | baseline | ratio (median; rounds) | goal |
| --- | --: | --: | --: | --- |`);
if (program) {
  console.log(`| program ${program.rules} rules over ${program.instances} instances | ${program.driverMs.toFixed(0)} ms | ${program.rawMs.toFixed(0)} ms raw \`nsenter --net=… nft -f -\` | **${r3(program.ratio)} ×** (${program.ratios.map(r3).join(", ")}) | ≤ 1.5 × |`);
  console.log(`| ↳ the same, baseline \`ip netns exec … nft -f -\` | | ${program.execMs.toFixed(0)} ms | ${r3(program.execRatio)} × | info |`);
}
if (connect) for (const row of trafficRows(connect)) console.log(row);
cleanupSync();
