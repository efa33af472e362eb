/**
 * OVN data plane through the API (`npx tsx bench/ovn-api.ts [--peerings N]`, as root; ≈ 2 minutes).
 * A 2-host lab (`lab up` with one `vpcpeer agent` per host on the benchmark's store) and
 * `vpcpeer serve --dataplane ovn --lab D` on that store. Seeded through the services: alice's VPC
 * with instances a0, a1 on h1 and a2 on h2; N VPCs of bob, each with one instance on h2, each
 * with a pending peering from alice's VPC and the routes on both sides (blackholes until active).
 *
 *   accept → first packet  for each peering in turn: a ping every 5 ms from a0 (h1) to bob's
 *                          instance (h2) runs from before the call (no reply may come before it);
 *                          the time from POST /api/v1/peerings/{id}/accept's response to the first
 *                          echo reply (ping -D's receive time, same clock); p50/p99 over N (50).
 *                          A reply can beat the response (negative): the pass starts at the commit.
 *   throughput             one TCP stream (iperf3, 3 s) a0 → a1 (same host) and a0 → a2 (across the
 *                          Geneve tunnel), beside a plain veth pair between two fresh namespaces.
 *   idle CPU               every lab daemon and agent, and the server, over 10 s with no traffic.
 *
 * Where the time goes: the passes' own durations (from the server's log) and NB_Global's
 * nb_cfg_timestamp (northd took the pass's transaction) and hv_cfg_timestamp (every chassis had
 * installed it), read after each trial.
 *
 * The agents plug the instances (namespaces `<prefix>-i-…`); lab down removes them with the lab;
 * the veth pair's namespaces are deleted by exact name; on failure too.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { parseArgs } from "node:util";
import { run } from "../src/dataplane/kernel.ts";
import { nsName } from "../src/dataplane/naming.ts";
import { readState } from "../src/dataplane/ovn/lab/lab.ts";
import { layout } from "../src/dataplane/ovn/lab/layout.ts";
import { OvsdbClient } from "../src/dataplane/ovn/ovsdb.ts";
import { BENCH_REGION } from "./common.ts";
import { sleep } from "./load.ts";
import { type Bench, benchLab, commit, hostsRegistered, load, log, passDone, pct, readyz } from "./ovn-support.ts";
import { cpuSecondsOf } from "./proc.ts";

const { values: flags } = parseArgs({ options: { peerings: { type: "string" } } });
const N = Number(flags.peerings ?? 50);
const TRIAL_TIMEOUT_MS = 10_000;

interface Seeded {
  bobToken: string;
  a: { id: string; ip: string }[];
  pairs: { peeringId: string; ip: string; interfaceId: string }[];
  interfaceIds: string[];
}

async function seed(b: Bench): Promise<Seeded> {
  const rt = await b.runtime();
  try {
    await hostsRegistered(rt);
    const s = rt.services;
    const alice = await s.accounts.create("alice");
    const bob = await s.accounts.create("bob");
    const A = { accountId: alice.accountId };
    const B = { accountId: bob.accountId };
    const va = await s.vpcs.create(A, { name: "hub", region: BENCH_REGION, cidr: "10.200.0.0/16" });
    const sa = await s.subnets.create(A, { vpcId: va.id, cidr: "10.200.1.0/24" });
    const a = [];
    for (const host of ["h1", "h1", "h2"]) a.push(await s.instances.create(A, { subnetId: sa.id, host }));
    const pairs = [];
    for (let k = 0; k < N; k++) {
      const vb = await s.vpcs.create(B, { name: `b${k}`, region: BENCH_REGION, cidr: `10.${k}.0.0/16` });
      const sb = await s.subnets.create(B, { vpcId: vb.id, cidr: `10.${k}.1.0/24` });
      const ib = await s.instances.create(B, { subnetId: sb.id, host: "h2" });
      const p = await s.peerings.create(A, { vpcId: va.id, peerVpcId: vb.id, peerAccountId: bob.accountId });
      await s.routeTables.addRoute(A, va.defaultRouteTableId, { destinationCidr: vb.cidr, target: { type: "peering", id: p.id } });
      await s.routeTables.addRoute(B, vb.defaultRouteTableId, { destinationCidr: va.cidr, target: { type: "peering", id: p.id } });
      pairs.push({ peeringId: p.id, ip: ib.privateIp, interfaceId: nsName(b.prefix, "instance", ib.id) });
    }
    const all = [...a.map((i) => nsName(b.prefix, "instance", i.id)), ...pairs.map((p) => p.interfaceId)];
    return { bobToken: bob.token, a: a.map((i) => ({ id: i.id, ip: i.privateIp })), pairs, interfaceIds: all };
  } finally {
    await rt.close();
  }
}

/** Waits until every instance's logical switch port is up (its agent plugged it and the chassis bound it). */
async function portsUp(nbEndpoint: string, names: string[], timeoutMs = 120_000): Promise<void> {
  const nb = await OvsdbClient.connect(nbEndpoint);
  try {
    for (const deadline = Date.now() + timeoutMs; ; await sleep(250)) {
      const up = new Set((await nb.select("OVN_Northbound", "Logical_Switch_Port", [["up", "==", true]], ["name"])).map((r) => r.name as string));
      const missing = names.filter((n) => !up.has(n));
      if (missing.length === 0) return;
      if (Date.now() > deadline) throw new Error(`${missing.length} instance ports not up after ${timeoutMs} ms`);
    }
  } finally {
    await nb.close();
  }
}

/** A ping every 5 ms from `ns` to `ip`, line-buffered, with receive timestamps (epoch seconds). */
function pinger(ns: string, ip: string): { proc: ChildProcess; replies: number[] } {
  const proc = spawn("ip", ["netns", "exec", ns, "stdbuf", "-oL", "ping", "-D", "-n", "-i", "0.005", ip], { stdio: ["ignore", "pipe", "ignore"] });
  const replies: number[] = [];
  let buf = "";
  proc.stdout!.on("data", (c: Buffer) => {
    buf += c.toString();
    let i: number;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const m = /^\[(\d+\.\d+)\] \d+ bytes from/.exec(line);
      if (m) replies.push(Number(m[1]) * 1000);
    }
  });
  return { proc, replies };
}

interface Trial {
  ms: number | null;
  fromCallMs: number | null;
  acceptMs: number;
  /** From the request: northd saw the pass's nb_cfg / every chassis had installed it (NB_Global timestamps). */
  northdMs: number;
  hvMs: number;
}

async function trial(url: string, nb: OvsdbClient, s: Seeded, from: string, k: number): Promise<Trial> {
  const pair = s.pairs[k]!;
  // The previous accept's pass (and anything it woke) is over.
  for (let d = await readyz(url); d.busy; d = await readyz(url)) await sleep(10);
  const p = pinger(from, pair.ip);
  try {
    await sleep(150);
    if (p.replies.length) throw new Error(`a0 reaches ${pair.ip} before the accept: the setup is wrong`);
    const t0 = Date.now();
    const res = await fetch(`${url}/api/v1/peerings/${pair.peeringId}/accept`, { method: "POST", headers: { authorization: `Bearer ${s.bobToken}` } });
    const body = await res.text();
    const t1 = Date.now();
    if (res.status !== 200) throw new Error(`accept ${pair.peeringId}: HTTP ${res.status} ${body.slice(0, 300)}`);
    for (const deadline = t1 + TRIAL_TIMEOUT_MS; Date.now() < deadline && p.replies.length === 0; ) await sleep(2);
    const first = p.replies[0];
    for (let d = await readyz(url); d.busy; d = await readyz(url)) await sleep(10);
    const g = (await nb.select("OVN_Northbound", "NB_Global", [], ["nb_cfg_timestamp", "hv_cfg_timestamp"]))[0]!;
    return {
      ms: first === undefined ? null : first - t1,
      fromCallMs: first === undefined ? null : first - t0,
      acceptMs: t1 - t0,
      northdMs: (g.nb_cfg_timestamp as number) - t0,
      hvMs: (g.hv_cfg_timestamp as number) - t0,
    };
  } finally {
    p.proc.kill("SIGKILL");
  }
}

/** One TCP stream for 3 s with iperf3 from `from` to a one-off server in `to`; Gbit/s received. */
async function iperf(from: string, to: string, ip: string): Promise<number> {
  const server = spawn("ip", ["netns", "exec", to, "iperf3", "-s", "-1", "-p", "5299"], { stdio: "ignore" });
  try {
    for (let attempt = 0; ; attempt++) {
      await sleep(300);
      const r = await run("ip", ["netns", "exec", from, "iperf3", "-c", ip, "-p", "5299", "-t", "3", "-J"]);
      if (r.code === 0) return (JSON.parse(r.stdout) as { end: { sum_received: { bits_per_second: number } } }).end.sum_received.bits_per_second / 1e9;
      if (attempt >= 5) throw new Error(`iperf3 ${from} → ${ip}: ${r.stdout.slice(0, 300)} ${r.stderr.trim()}`);
    }
  } finally {
    server.kill("SIGKILL");
  }
}

/** Recomputes and incremental computes per engine node of northd and each ovn-controller (`inc-engine/show-stats`). */
async function engineStats(labDir: string): Promise<Map<string, { recompute: number; compute: number }>> {
  const out = new Map<string, { recompute: number; compute: number }>();
  const ctls = (await run("find", [labDir, "-name", "northd.ctl", "-o", "-name", "ovn-controller.*.ctl"])).stdout.trim().split("\n").filter(Boolean);
  for (const ctl of ctls) {
    const who = ctl.endsWith("/northd.ctl") ? "northd" : `${/hosts\/([^/]+)\//.exec(ctl)?.[1] ?? "?"}/ovn-controller`;
    let node = "";
    for (const line of (await run("ovn-appctl", ["-t", ctl, "inc-engine/show-stats"])).stdout.split("\n")) {
      const n = /^Node: (\S+)/.exec(line);
      if (n) node = `${who} ${n[1]}`;
      const c = /^\s*- (recompute|compute)\s*:\s*(\d+)/.exec(line);
      if (c && node) out.set(node, { ...(out.get(node) ?? { recompute: 0, compute: 0 }), [c[1]!]: Number(c[2]) });
    }
  }
  return out;
}

async function vethPair(b: Bench): Promise<[string, string]> {
  const va = `${b.prefix}-va`;
  const vb = `${b.prefix}-vb`;
  for (const n of [va, vb]) {
    b.made.push(n);
    if ((await run("ip", ["netns", "add", n])).code !== 0) throw new Error(`ip netns add ${n} failed`);
  }
  const ok = async (ns: string, script: string) => {
    const r = await run("ip", ["-n", ns, "-batch", "-"], script);
    if (r.code !== 0) throw new Error(`ip -n ${ns} -batch: ${r.stderr.trim()}`);
  };
  await ok(va, `link set lo up\nlink add eth0 type veth peer name eth0 netns ${vb}\naddr add 10.255.0.1/24 dev eth0\nlink set eth0 up\n`);
  await ok(vb, "link set lo up\naddr add 10.255.0.2/24 dev eth0\nlink set eth0 up\n");
  return [va, vb];
}

const b = await benchLab("o");
try {
  const rev = await commit();
  log(`lab up (${b.prefix}); seeding ${N} peerings …`);
  const s = await seed(b);
  const server = await b.serve();
  // What each pass did, from the server's log (to split an accept's time into the pass and the rest).
  const passes: { time: number; ms: number; commands: number }[] = [];
  let out = "";
  server.proc.stdout!.on("data", (c: Buffer) => {
    out += c.toString();
    let i: number;
    while ((i = out.indexOf("\n")) >= 0) {
      const line = out.slice(0, i);
      out = out.slice(i + 1);
      if (line.includes('"data plane applied"')) passes.push(JSON.parse(line) as { time: number; ms: number; commands: number });
    }
  });
  await passDone(server.url, 0, 60_000);
  log("waiting for the agents to plug every instance …");
  await portsUp(b.lab.nb, s.interfaceIds);
  await passDone(server.url, (await readyz(server.url)).passes, 30_000);
  const loads: string[] = [load()];

  log(`accept → first packet × ${N} …`);
  const trials: Trial[] = [];
  const passesBefore = passes.length;
  const nb = await OvsdbClient.connect(b.lab.nb);
  const statsBefore = await engineStats(b.labDir);
  const from = nsName(b.prefix, "instance", s.a[0]!.id);
  for (let k = 0; k < N; k++) trials.push(await trial(server.url, nb, s, from, k));
  await nb.close();
  const statsAfter = await engineStats(b.labDir);
  const recomputes = [...statsAfter].flatMap(([node, a]) => {
    const r = a.recompute - (statsBefore.get(node)?.recompute ?? 0);
    const c = a.compute - (statsBefore.get(node)?.compute ?? 0);
    return r > 0 && / (northd|lflow|logical_flow_output|physical_flow_output)$/.test(node) ? [`${node} ${r} recomputes, ${c} incremental`] : [];
  });
  const acceptPasses = passes.slice(passesBefore);
  loads.push(load());
  const ok = trials.flatMap((t) => (t.ms === null ? [] : [t.ms]));
  const lost = trials.length - ok.length;
  const after = await readyz(server.url);
  if (after.lastPass?.errors.length) throw new Error(`data plane errors: ${after.lastPass.errors.join("; ")}`);

  log("throughput …");
  const [a0, a1, a2] = s.a.map((i) => nsName(b.prefix, "instance", i.id));
  const same = await iperf(a0!, a1!, s.a[1]!.ip);
  const cross = await iperf(a0!, a2!, s.a[2]!.ip);
  const [va, vb] = await vethPair(b);
  const veth = await iperf(va, vb, "10.255.0.2");
  loads.push(load());

  log("idle CPU over 10 s …");
  await sleep(2000);
  const procs = [...readState(layout(b.labDir))!.daemons.map((d) => ({ name: d.name, pid: d.pid })), { name: "vpcpeer serve", pid: server.proc.pid! }];
  const before = procs.map((p) => cpuSecondsOf(p.pid));
  const w0 = Date.now();
  await sleep(10_000);
  const secs = (Date.now() - w0) / 1000;
  const cpu = procs.map((p, i) => ({ name: p.name, pct: ((cpuSecondsOf(p.pid) - before[i]!) / secs) * 100 }));
  loads.push(load());
  const labCpu = cpu.filter((c) => c.name !== "vpcpeer serve").reduce((a, c) => a + c.pct, 0);

  const f = (x: number, d = 1) => x.toFixed(d);
  console.log(`commit ${rev}; load average (1/5/15 min) at start, after the accepts, after throughput, after idle: ${loads.join(" | ")}\n`);
  console.log("| figure | measured | baseline (same run) | ratio | goal | met |\n|---|---|---|---|---|---|");
  console.log(`| accept → first packet across hosts, p50 (${ok.length} of ${N} answered) | ${f(pct(ok, 50))} ms | | | | |`);
  console.log(`| accept → first packet across hosts, p99 | ${f(pct(ok, 99))} ms (max ${f(Math.max(...ok))}) | | | < 500 ms | ${lost === 0 && pct(ok, 99) < 500 ? "yes" : "no"} |`);
  const fromCall = trials.flatMap((t) => (t.fromCallMs === null ? [] : [t.fromCallMs]));
  console.log(`| ↳ from the accept call's request instead, p50 / p99 | ${f(pct(fromCall, 50))} / ${f(pct(fromCall, 99))} ms | | | | |`);
  const pm = acceptPasses.map((p) => p.ms);
  console.log(`| ↳ the data plane passes that applied them (${pm.length}; store read, compile, diff, one transaction, hv_cfg wait, statuses), p50 / p99 | ${f(pct(pm, 50))} / ${f(pct(pm, 99))} ms | | | | |`);
  const p50 = (xs: number[]) => f(pct(xs, 50));
  console.log(`| ↳ from the request, p50: response / northd sees the pass's nb_cfg / every chassis installed it (hv_cfg) / first reply | ${p50(trials.map((t) => t.acceptMs))} / ${p50(trials.map((t) => t.northdMs))} / ${p50(trials.map((t) => t.hvMs))} / ${p50(fromCall)} ms | | | | |`);
  console.log(`| ↳ engine nodes fully recomputed during the ${N} accepts | ${recomputes.join("; ") || "none"} | | | | |`);
  console.log(`| ↳ the accept call itself, p50 / p99 | ${f(pct(trials.map((t) => t.acceptMs), 50))} / ${f(pct(trials.map((t) => t.acceptMs), 99))} ms | | | | |`);
  console.log(`| TCP, one stream, same host (iperf3 3 s) | ${f(same, 2)} Gbit/s | veth pair ${f(veth, 2)} Gbit/s | ${f(same / veth, 2)} × | | |`);
  console.log(`| TCP, one stream, across hosts (Geneve) | ${f(cross, 2)} Gbit/s | veth pair ${f(veth, 2)} Gbit/s | ${f(cross / veth, 2)} × | | |`);
  console.log(`| idle CPU of the lab (${cpu.length - 1} processes, ${f(secs)} s) | ${f(labCpu, 2)} % of a core | | | | |`);
  console.log(`| ↳ per process | ${cpu.map((c) => `${c.name} ${f(c.pct)}%`).join(", ")} | | | | |`);
  const slow = trials.flatMap((t, k) => (t.ms === null || t.ms > 400 ? [`#${k + 1}: response ${t.acceptMs} / northd ${t.northdMs} / hv_cfg ${t.hvMs} / first reply ${t.fromCallMs === null ? "none" : f(t.fromCallMs, 0)}`] : []));
  if (slow.length) console.log(`\ntrials over 400 ms (ms from the request): ${slow.join("; ")}`);
  console.log(`\nfirst-packet times (ms, in trial order): ${trials.map((t) => (t.ms === null ? "lost" : f(t.ms, 0))).join(" ")}`);
} finally {
  await b.cleanup();
}
