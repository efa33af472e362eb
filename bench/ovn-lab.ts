/**
 * OVN lab benchmark (`npx tsx bench/ovn-lab.ts`, as root): what the emulated hosts of
 * `vpcpeer lab up` carry. A 2-host lab, one logical switch with three ports (two on h1, one on
 * h2, OVS internal ports moved into namespaces of this run), then:
 *
 *   setup       the switch and ports written with one transaction (nb_cfg bumped) → hv_cfg
 *               reached (both chassis installed it), and → the first cross-host ping answered
 *               (the instances' ARP retry time lowered to 20 ms, so a retry does not quantise it)
 *   RTT         50 pings 10 ms apart, same host and across the Geneve tunnel
 *   throughput  one TCP stream (src/dataplane/probe.ts throughput(), 3 s), same host and across
 *               hosts, beside a plain veth pair between two fresh namespaces
 *   idle CPU    of every lab daemon over 10 s with no traffic
 *
 * Namespaces of this run are `bo<6 hex>-…`, deleted by exact name; the lab is brought down at the end.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { run } from "../src/dataplane/kernel.ts";
import { map, namedUuid, set } from "../src/dataplane/ovn/atoms.ts";
import { labDown, labUp, readState } from "../src/dataplane/ovn/lab/lab.ts";
import { layout } from "../src/dataplane/ovn/lab/layout.ts";
import { transactWithCfg, waitForCfg } from "../src/dataplane/ovn/nb-sync.ts";
import { OvsdbClient } from "../src/dataplane/ovn/ovsdb.ts";
import { plugVif } from "../src/dataplane/ovn/vif.ts";
import { throughput } from "../src/dataplane/probe.ts";

const P = `bo${randomBytes(3).toString("hex")}`;
const TP_SECONDS = 3;
const ns = (n: string) => `${P}-${n}`;
const made: string[] = [];

async function sh(cmd: string, args: string[], input?: string): Promise<string> {
  const r = await run(cmd, args, input);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr.trim()}`);
  return r.stdout;
}

async function addNs(name: string): Promise<void> {
  made.push(name);
  await sh("ip", ["netns", "add", name]);
}

async function rtt(from: string, ip: string): Promise<number> {
  const out = await sh("ip", ["netns", "exec", from, "ping", "-q", "-c", "50", "-i", "0.01", "-W", "1", ip]);
  return Number(/= [\d.]+\/([\d.]+)\//.exec(out)?.[1]);
}

async function mbps(from: string, to: string, ip: string): Promise<number> {
  const r = await throughput(from, [to], ip, 5201, TP_SECONDS);
  if (r.throughputMbps === null) throw new Error(`throughput ${from} → ${ip}: ${r.error}`);
  return r.throughputMbps;
}

const ticks = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return Number(f[11]) + Number(f[12]); // utime + stime
};

const dir = mkdtempSync(`${tmpdir()}/vpl-bench-`);
const t = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
try {
  const lab = await labUp(dir, { hosts: 2 });
  const nb = await OvsdbClient.connect(lab.nb);
  const ports = [
    { n: 1, host: 0, ip: "10.9.0.11" },
    { n: 2, host: 0, ip: "10.9.0.12" },
    { n: 3, host: 1, ip: "10.9.0.13" },
  ];
  const mac = (n: number) => `0a:00:00:00:09:0${n}`;
  for (const p of ports) {
    await addNs(ns(`i${p.n}`));
    await plugVif(lab.hosts[p.host]!, { port: `${P}-t${p.n}`, iface: `${P}-p${p.n}`, netns: ns(`i${p.n}`), mac: mac(p.n), address: `${p.ip}/24` });
    // An ARP sent before the flows exist is retried after 1 s by default: that would be measured, not OVN.
    await sh("ip", ["netns", "exec", ns(`i${p.n}`), "sysctl", "-qw", `net.ipv4.neigh.${P}-t${p.n}.retrans_time_ms=20`]);
  }
  const t0 = process.hrtime.bigint();
  const { nbCfg } = await transactWithCfg(nb, [
    ...ports.map((p) => ({ op: "insert" as const, table: "Logical_Switch_Port", "uuid-name": `p${p.n}`, row: { name: `${P}-p${p.n}`, addresses: set([`${mac(p.n)} ${p.ip}`]) } })),
    { op: "insert", table: "Logical_Switch", row: { name: `${P}-ls`, ports: set(ports.map((p) => namedUuid(`p${p.n}`))), external_ids: map({ "vpcpeer:bench": P }) } },
  ]);
  const written = t(t0);
  const firstPing = (async () => {
    for (;;) {
      if ((await run("ip", ["netns", "exec", ns("i1"), "ping", "-c", "1", "-W", "0.2", "10.9.0.13"])).code === 0) return t(t0);
      if (t(t0) > 20_000) throw new Error("no cross-host ping in 20 s");
    }
  })();
  await waitForCfg(nb, "hv", nbCfg, 20_000);
  const hv = t(t0);
  const ping = await firstPing;

  const rttSame = await rtt(ns("i1"), "10.9.0.12");
  const rttCross = await rtt(ns("i1"), "10.9.0.13");
  const tpSame = await mbps(ns("i1"), ns("i2"), "10.9.0.12");
  const tpCross = await mbps(ns("i1"), ns("i3"), "10.9.0.13");
  await addNs(ns("va"));
  await addNs(ns("vb"));
  await sh("ip", ["-n", ns("va"), "-batch", "-"], `link set lo up\nlink add eth0 type veth peer name eth0 netns ${ns("vb")}\naddr add 10.255.0.1/24 dev eth0\nlink set eth0 up\n`);
  await sh("ip", ["-n", ns("vb"), "-batch", "-"], "link set lo up\naddr add 10.255.0.2/24 dev eth0\nlink set eth0 up\n");
  const tpVeth = await mbps(ns("va"), ns("vb"), "10.255.0.2");
  const rttVeth = await rtt(ns("va"), "10.255.0.2");
  await nb.close();

  const daemons = readState(layout(dir))!.daemons;
  const before = daemons.map((d) => ticks(d.pid));
  await new Promise((r) => setTimeout(r, 10_000));
  const hz = 100;
  const idle = daemons.map((d, i) => `${d.name} ${(((ticks(d.pid) - before[i]!) / hz / 10) * 100).toFixed(1)}%`);

  const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  console.log(`load average during the run: ${load}\n`);
  console.log("| figure | value |\n|---|---|");
  console.log(`| switch + 3 ports in one transaction: written / hv_cfg reached / first cross-host ping | ${written.toFixed(1)} / ${hv.toFixed(0)} / ${ping.toFixed(0)} ms |`);
  console.log(`| RTT same host / across Geneve / veth pair | ${rttSame.toFixed(3)} / ${rttCross.toFixed(3)} / ${rttVeth.toFixed(3)} ms |`);
  console.log(`| TCP same host / across Geneve / veth pair | ${(tpSame / 1000).toFixed(2)} / ${(tpCross / 1000).toFixed(2)} / ${(tpVeth / 1000).toFixed(2)} Gbit/s (${(tpSame / tpVeth).toFixed(2)}× / ${(tpCross / tpVeth).toFixed(2)}× the veth pair) |`);
  console.log(`| idle CPU over 10 s | ${idle.join(", ")} |`);
} finally {
  for (const n of made.reverse()) await run("ip", ["netns", "del", n]);
  await labDown(dir).catch((e: Error) => console.error(`lab down: ${e.message}`));
  rmSync(dir, { recursive: true, force: true });
}
