/** The benchmark steps shared by bench/run.ts and bench/profile.ts, and the table formatting. */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { openRuntime } from "../src/main.ts";
import { BENCH_REGION, benchConfig, benchMasterKey } from "./common.ts";
import { type LoadResult, getRequest, openConnections, postRequest, runLoad } from "./load.ts";
import { type ServerChild, cpuSecondsOf, memoryOf } from "./proc.ts";

export const MB = 1024 * 1024;

/** Creates the benchmark account in a store (a data dir, or a PostgreSQL URL); returns its bearer token. */
export async function createBenchAccount(where: string | { databaseUrl: string }): Promise<string> {
  const store = typeof where === "string" ? { dataDir: where } : where;
  const runtime = await openRuntime({ ...store, config: benchConfig(), masterKey: benchMasterKey() });
  try {
    return (await runtime.services.accounts.create("bench")).token;
  } finally {
    await runtime.close();
  }
}

/** Busy CPU time of the whole machine so far (all CPUs, everything but idle and iowait), in seconds. */
export function machineBusySeconds(): number {
  const fields = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user).
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return (user + nice + system + irq + softirq + steal) / 100;
}

/**
 * Waits (up to `maxMs`) until the rest of the machine has been quiet (< 0.15 cores busy) for a
 * whole second, so that a burst of someone else's work does not land in a measurement. Call it
 * while our own processes are idle. Returns how long it waited.
 */
export async function waitForQuiet(maxMs: number): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    const b0 = machineBusySeconds();
    await new Promise((r) => setTimeout(r, 1000));
    if (machineBusySeconds() - b0 < 0.15 || performance.now() - t0 >= maxMs) return performance.now() - t0 - 1000;
  }
}

export interface Figure extends LoadResult {
  name: string;
  server: ServerChild["kind"];
  /** CPU used during the recorded window, as a fraction of one core. */
  serverCpu: number;
  clientCpu: number;
  /** CPU used by everything else on the machine during the window (other processes, kernel). */
  otherCpu: number;
}

export interface MeasureOptions {
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  expectStatus?: number;
}

export async function measure(name: string, server: ServerChild, requests: Buffer[], opts: MeasureOptions): Promise<Figure> {
  let srv0 = 0;
  let cli0 = process.cpuUsage();
  let all0 = 0;
  let srvCpu = 0;
  let cliCpu = 0;
  let allCpu = 0;
  process.stderr.write(`  ${name} (c=${opts.concurrency}) …`);
  const r = await runLoad({
    host: server.host,
    port: server.port,
    requests,
    concurrency: opts.concurrency,
    warmupMs: opts.warmupMs,
    durationMs: opts.durationMs,
    expectStatus: opts.expectStatus ?? 200,
    onWindowStart: () => {
      srv0 = cpuSecondsOf(server.pid);
      cli0 = process.cpuUsage();
      all0 = machineBusySeconds();
    },
    onWindowEnd: () => {
      srvCpu = cpuSecondsOf(server.pid) - srv0;
      const d = process.cpuUsage(cli0);
      cliCpu = (d.user + d.system) / 1e6;
      allCpu = machineBusySeconds() - all0;
    },
  });
  process.stderr.write(` ${fmt(r.rps, 0)} req/s, p99 ${fmt(r.p99, 2)} ms${r.errors ? `, ${r.errors} ERRORS (${r.firstError})` : ""}\n`);
  return {
    name,
    server: server.kind,
    ...r,
    serverCpu: srvCpu / r.durationS,
    clientCpu: cliCpu / r.durationS,
    otherCpu: Math.max(0, allCpu - srvCpu - cliCpu) / r.durationS,
  };
}

export interface CreateResult {
  vpcs: number;
  concurrency: number;
  seconds: number;
  createsPerSec: number;
  requestsPerSec: number;
  /** Latency of one VPC+subnet pair (two sequential requests), ms. */
  pairP50: number;
  pairP99: number;
  /** Creates/s over the first and the last tenth of the creates: how the rate changes as the store fills. */
  firstTenthPerSec: number;
  lastTenthPerSec: number;
  serverCpu: number;
  otherCpu: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  peakRssMb: number;
  ids: string[];
}

/**
 * Creates `n` VPCs, each followed by one subnet, over `concurrency` keep-alive connections (each
 * connection does its VPC and then its subnet, then takes the next number).
 */
export async function createVpcs(server: ServerChild, token: string, n: number, concurrency: number): Promise<CreateResult> {
  const { host, port } = server;
  const conns = await openConnections(host, port, concurrency);
  const ids: string[] = new Array<string>(n);
  const latencies: number[] = [];
  const finishedAt: number[] = [];
  const rssBefore = memoryOf(server.pid).rss;
  let next = 0;
  let done = 0;
  const pad = (i: number) => String(i).padStart(5, "0");
  const progress = setInterval(() => process.stderr.write(`  create: ${done}/${n}\n`), 10_000);
  const cpu0 = cpuSecondsOf(server.pid);
  const all0 = machineBusySeconds();
  const own0 = process.cpuUsage();
  const t0 = performance.now();
  try {
    await Promise.all(
      conns.map(async (conn) => {
        for (;;) {
          const i = next++;
          if (i >= n) return;
          const s = performance.now();
          const v = await conn.send(
            postRequest(host, port, "/api/v1/vpcs", { name: `bench-${pad(i)}`, region: BENCH_REGION, cidr: "10.0.0.0/16", tags: { bench: "1" } }, token),
          );
          if (v.status !== 201) throw new Error(`POST /api/v1/vpcs: HTTP ${v.status} ${v.body.toString("utf8", 0, 300)}`);
          const vpc = JSON.parse(v.body.toString("utf8")) as { id: string };
          const sn = await conn.send(postRequest(host, port, "/api/v1/subnets", { vpcId: vpc.id, cidr: "10.0.1.0/24", name: `bench-${pad(i)}-a` }, token));
          if (sn.status !== 201) throw new Error(`POST /api/v1/subnets: HTTP ${sn.status} ${sn.body.toString("utf8", 0, 300)}`);
          const end = performance.now();
          latencies.push(end - s);
          finishedAt.push(end);
          ids[i] = vpc.id;
          done++;
        }
      }),
    );
  } finally {
    clearInterval(progress);
    for (const c of conns) c.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSecondsOf(server.pid) - cpu0;
  const own = process.cpuUsage(own0);
  const other = machineBusySeconds() - all0 - cpu - (own.user + own.system) / 1e6;
  const mem = memoryOf(server.pid);
  const sorted = Float64Array.from(latencies).sort();
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
  const tenth = Math.max(1, Math.floor(n / 10));
  const rateBetween = (from: number, to: number) => (to - from) / ((finishedAt[to - 1]! - (from === 0 ? t0 : finishedAt[from - 1]!)) / 1000);
  return {
    vpcs: n,
    concurrency,
    seconds,
    firstTenthPerSec: rateBetween(0, tenth),
    lastTenthPerSec: rateBetween(n - tenth, n),
    createsPerSec: n / seconds,
    requestsPerSec: (2 * n) / seconds,
    pairP50: pct(50),
    pairP99: pct(99),
    serverCpu: cpu / seconds,
    otherCpu: Math.max(0, other) / seconds,
    rssBeforeMb: rssBefore / MB,
    rssAfterMb: mem.rss / MB,
    peakRssMb: mem.peak / MB,
    ids,
  };
}

/** Every page of GET /api/v1/vpcs?limit=100, walked once: the paths of the full pages, after checking all `expected` VPCs are listed. */
export async function listPages(server: ServerChild, token: string, expected: number): Promise<string[]> {
  const [conn] = await openConnections(server.host, server.port, 1);
  const paths: string[] = [];
  let seen = 0;
  let cursor: string | null = null;
  try {
    do {
      const path: string = `/api/v1/vpcs?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const res = await conn!.send(getRequest(server.host, server.port, path, token));
      if (res.status !== 200) throw new Error(`GET ${path}: HTTP ${res.status} ${res.body.toString("utf8", 0, 300)}`);
      const page = JSON.parse(res.body.toString("utf8")) as { items: unknown[]; nextCursor: string | null };
      if (page.items.length === 100) paths.push(path);
      seen += page.items.length;
      cursor = page.nextCursor;
    } while (cursor);
  } finally {
    conn!.close();
  }
  if (seen !== expected) throw new Error(`the list walked ${seen} VPCs, expected ${expected}`);
  return paths;
}

/** Sends one request and checks its status before a server is loaded with it; returns the parsed body. */
export async function check(server: ServerChild, request: Buffer, status: number, what: string): Promise<unknown> {
  const [conn] = await openConnections(server.host, server.port, 1);
  try {
    const res = await conn!.send(request);
    if (res.status !== status) throw new Error(`${what} on the ${server.kind} server: HTTP ${res.status} ${res.body.toString("utf8", 0, 300)}`);
    return JSON.parse(res.body.toString("utf8"));
  } finally {
    conn!.close();
  }
}

export function fmt(n: number, digits: number): string {
  if (!Number.isFinite(n)) return "-";
  return n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A plain-text table: first column left-aligned, the rest right-aligned (or all left). */
export function table(header: string[], rows: string[][], rightAlign = true): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 || !rightAlign ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}
