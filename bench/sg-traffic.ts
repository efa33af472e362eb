/**
 * What the security group traffic benchmarks share (bench/security-groups-linux.ts on the Linux
 * data plane, bench/security-groups-ovn-traffic.ts on OVN): the group of 100 ingress rules whose
 * allowing rule is evaluated last, and the measurement of TCP connection setups/s and one-stream
 * throughput from a client namespace to a server in that group beside a server without a group,
 * both measured in the same run, alternating.
 *
 *   connect     a tiny TCP server (port 7000) in each server namespace; 4 workers in the client's
 *               namespace alternate between the two servers (connect, read the reply, close), so
 *               both see the same machine load; per target, connections per second spent on it.
 *   throughput  one TCP stream (probe.ts's throughput(), port 7001) to each server in turn,
 *               rounds alternating which goes first.
 *
 * The verdicts are medians of the rounds' ratios (group ÷ no group). Goal ≥ 0.9 ×.
 */
import { type ChildProcess, spawn } from "node:child_process";
import type { ResolvedSgRule } from "../src/domain/security-groups.ts";
import { run } from "../src/dataplane/kernel.ts";
import { throughput } from "../src/dataplane/probe.ts";

export const CONNECT_PORT = 7000;
export const STREAM_PORT = 7001;

/**
 * 100 ingress rules of `group`: 99 that do not match the benchmark's connections (other ports,
 * other peers) at priorities 1…99, then at 100 the one that admits `clientCidr` to ports 7000-7001.
 */
export function hundredRules(group: string, clientCidr: string): ResolvedSgRule[] {
  return Array.from({ length: 100 }, (_, i) => ({
    id: `sgr-c${i.toString(16).padStart(11, "0")}`, securityGroupId: group, direction: "ingress", protocol: "tcp",
    fromPort: i === 99 ? CONNECT_PORT : 10000 + i, toPort: i === 99 ? STREAM_PORT : 10000 + i,
    icmpType: null, icmpCode: null, action: "accept", priority: i + 1,
    cidrs: i === 99 ? [clientCidr] : [`172.${16 + (i % 16)}.${i}.0/24`], peerGroupId: null, stale: false,
  }));
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = (s.length - 1) / 2;
  return (s[Math.floor(m)]! + s[Math.ceil(m)]!) / 2;
};

const SERVER = `require("net").createServer((c) => { c.on("error", () => {}); c.end("pong"); }).listen(${CONNECT_PORT}, "0.0.0.0", () => console.log("up"));`;
/**
 * Workers that each connect to the filtered server, then the unfiltered one, then again, for
 * `seconds`: both targets see the same machine load at the same moments. Per target: connections
 * made, attempts that failed (no reply within 1 s, an error), and the time spent on all of them
 * (connect until the reply's end, or the failure): a failure costs its target that time.
 */
const CLIENT = `
const [seconds, conc, ...ips] = process.argv.slice(1);
const net = require("net");
const end = performance.now() + Number(seconds) * 1000;
const stats = ips.map(() => ({ n: 0, ms: 0, failed: 0 }));
const one = (i) => new Promise((res) => {
  const t0 = performance.now();
  const s = net.connect({ host: ips[i], port: ${CONNECT_PORT} });
  const fail = () => { stats[i].failed++; stats[i].ms += performance.now() - t0; s.destroy(); res(); };
  s.setTimeout(1000, fail);
  s.on("data", () => {}); s.on("end", () => { stats[i].n++; stats[i].ms += performance.now() - t0; s.destroy(); res(); });
  s.on("error", fail);
});
(async () => {
  await Promise.all(Array.from({ length: Number(conc) }, async (_, w) => { for (let k = w; performance.now() < end; k++) await one(k % ips.length); }));
  console.log(JSON.stringify(stats));
})();`;

/** Server processes still running (killed on exit, whatever ends the run). */
const servers = new Set<ChildProcess>();
process.on("exit", () => {
  for (const c of servers) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

export interface Endpoint {
  ns: string;
  ip: string;
}

export interface TrafficResult {
  withGroup: number;
  without: number;
  ratio: number;
  ratios: number[];
  /** Connection attempts that failed, to the filtered server and to the other, over all rounds. */
  failed: [number, number];
  tpWith: number;
  tpWithout: number;
  tpRatio: number;
  tpRatios: number[];
}

/** Connection setups/s and throughput from `client` to `filtered` (in the group) and `open` (no group). */
export async function measureTraffic(o: { client: string; filtered: Endpoint; open: Endpoint; rounds: number; seconds: number; connectSeconds?: number; log: (s: string) => void }): Promise<TrafficResult> {
  const mine: ChildProcess[] = [];
  try {
    for (const t of [o.filtered, o.open]) {
      const srv = spawn("ip", ["netns", "exec", t.ns, process.execPath, "-e", SERVER], { stdio: ["ignore", "pipe", "inherit"] });
      servers.add(srv);
      mine.push(srv);
      await new Promise<void>((res, rej) => {
        srv.stdout!.once("data", () => res());
        srv.once("exit", (code) => rej(new Error(`the server in ${t.ns} exited (${code})`)));
      });
    }
    const withGroup: number[] = [];
    const without: number[] = [];
    const ratios: number[] = [];
    const failed: [number, number] = [0, 0];
    for (let round = 0; round < o.rounds; round++) {
      const r = await run("ip", ["netns", "exec", o.client, process.execPath, "-e", CLIENT, String(o.connectSeconds ?? o.seconds), "4", o.filtered.ip, o.open.ip]);
      const [g, b] = JSON.parse(r.stdout) as { n: number; ms: number; failed: number }[];
      // A loaded machine loses the odd SYN (retried after 1 s, past the timeout): counted, shown; none getting through is a failure.
      if (!g!.n || !b!.n) throw new Error(`no connection made: ${r.stdout || r.stderr}`);
      failed[0] += g!.failed;
      failed[1] += b!.failed;
      // Setups/s of one worker on that target: connections per second spent on it.
      withGroup.push((g!.n / g!.ms) * 1000);
      without.push((b!.n / b!.ms) * 1000);
      ratios.push(withGroup.at(-1)! / without.at(-1)!);
      o.log(`  connect round ${round + 1}: group of 100 ${withGroup.at(-1)!.toFixed(0)}/s, no group ${without.at(-1)!.toFixed(0)}/s (per worker; ${g!.n} + ${b!.n} connections, ${g!.failed} + ${b!.failed} failed)`);
    }
    const tpWith: number[] = [];
    const tpWithout: number[] = [];
    for (let round = 0; round < o.rounds; round++) {
      for (const t of round % 2 === 0 ? [o.filtered, o.open] : [o.open, o.filtered]) {
        const r = await throughput(o.client, [t.ns], t.ip, STREAM_PORT, o.seconds);
        if (r.throughputMbps === null) throw new Error(`throughput to ${t.ip}: ${r.error}`);
        (t === o.filtered ? tpWith : tpWithout).push(r.throughputMbps);
      }
      o.log(`  throughput round ${round + 1}: group of 100 ${tpWith.at(-1)!.toFixed(0)} Mbit/s, no group ${tpWithout.at(-1)!.toFixed(0)} Mbit/s`);
    }
    const tpRatios = tpWith.map((w, i) => w / tpWithout[i]!);
    return { withGroup: median(withGroup), without: median(without), ratio: median(ratios), ratios, failed, tpWith: median(tpWith), tpWithout: median(tpWithout), tpRatio: median(tpRatios), tpRatios };
  } finally {
    for (const c of mine) {
      if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
      servers.delete(c);
    }
  }
}

/** The two table rows of a result (columns: what | group | baseline | ratio (median; rounds) | goal). */
export function trafficRows(c: TrafficResult): string[] {
  const r3 = (x: number) => x.toFixed(3);
  return [
    `| TCP connection setups/s (per worker) through a group of 100 rules | ${c.withGroup.toFixed(0)}/s | ${c.without.toFixed(0)}/s no group | **${r3(c.ratio)} ×** (${c.ratios.map(r3).join(", ")})${c.failed[0] + c.failed[1] ? `; failed attempts ${c.failed[0]} + ${c.failed[1]}` : ""} | ≥ 0.9 × |`,
    `| TCP throughput, one stream, through a group of 100 rules | ${c.tpWith.toFixed(0)} Mbit/s | ${c.tpWithout.toFixed(0)} Mbit/s no group | **${r3(c.tpRatio)} ×** (${c.tpRatios.map(r3).join(", ")}) | ≥ 0.9 × |`,
  ];
}
