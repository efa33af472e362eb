/**
 * `npx tsx bench/create.ts` (part of `npm run bench`) — durable creates on the SQLite store
 * against a bare route that makes each insert durable on its own, measured in the same run.
 *
 *   api   POST /api/v1/vpcs through the real service (serve() over a SQLite store: validation,
 *         authentication, quota check, the VPC, its default route table, tags and the event row,
 *         acknowledged once committed with synchronous=FULL)
 *   bare  a bare Fastify POST /api/v1/vpcs doing one autocommit INSERT per request into a WAL,
 *         synchronous=FULL SQLite file (bench/server.ts --kind insert): one fsync per request
 *
 * Target (issue #17): api ÷ bare ≥ 1.0 at 32 connections. Judged on paired rounds (the two run
 * back to back, order alternating; the median of the per-round ratios), as bench/run.ts judges the
 * GET. Both servers are compiled children (bench/proc.ts) and their stores live in one temporary
 * directory, so both write to the same disk.
 *
 * Options: --concurrency C (32), --rounds R (5), --duration S (3, per run), --warmup S (1),
 * --cpu-prof DIR (profile the API server; written when it stops), --json FILE.
 */
import { writeFileSync } from "node:fs";
import { availableParallelism, cpus, release, tmpdir } from "node:os";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { BENCH_REGION } from "./common.ts";
import { postRequest } from "./load.ts";
import { cleanup, cleanupSync, startServer, tempDir } from "./proc.ts";
import { type Figure, createBenchAccount, fmt, measure, table, waitForQuiet } from "./scenario.ts";

const { values: flags } = parseArgs({
  options: {
    concurrency: { type: "string", default: "32" },
    rounds: { type: "string", default: "5" },
    duration: { type: "string", default: "3" },
    warmup: { type: "string", default: "1" },
    "cpu-prof": { type: "string" },
    json: { type: "string" },
  },
});

const positive = (v: string | undefined, name: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name}: not a positive number: ${v}`);
  return n;
};
const concurrency = Math.floor(positive(flags.concurrency, "concurrency"));
const rounds = Math.floor(positive(flags.rounds, "rounds"));
const run = { concurrency, durationMs: positive(flags.duration, "duration") * 1000, warmupMs: positive(flags.warmup, "warmup") * 1000, expectStatus: 201 };
const TARGET = 1.0;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const usPerReq = (f: Figure) => fmt((f.serverCpu / f.rps) * 1e6, 0);

async function main(): Promise<void> {
  console.log(`vpcpeer create benchmark — ${new Date().toISOString()}`);
  console.log(`machine: ${availableParallelism()} CPUs (${cpus()[0]?.model ?? "unknown CPU"}), Linux ${release()}, node ${process.version}`);
  console.log(`settings: ${concurrency} connections, ${rounds} paired rounds of ${run.warmupMs / 1000} s warm-up + ${run.durationMs / 1000} s, both SQLite stores (WAL, synchronous=FULL) under ${tmpdir()}\n`);

  const dataDir = tempDir("vpcpeer-create-");
  const bareDir = tempDir("vpcpeer-create-bare-");
  const token = await createBenchAccount(dataDir);
  const profDir = flags["cpu-prof"] ? resolve(flags["cpu-prof"]) : undefined;
  const api = await startServer("api", ["--data", dataDir, "--ephemeral"], profDir ? ["--cpu-prof", `--cpu-prof-dir=${profDir}`] : []);
  const bare = await startServer("insert", ["--data", bareDir]);
  // 200 distinct bodies per server, cycled (names need not be unique; the quota is raised to 10^6).
  const bodies = (host: string, port: number) =>
    Array.from({ length: 200 }, (_, i) => postRequest(host, port, "/api/v1/vpcs", { name: `bench-${String(i).padStart(5, "0")}`, region: BENCH_REGION, cidr: "10.0.0.0/16", tags: { bench: "1" } }, token));
  const apiReqs = bodies(api.host, api.port);
  const bareReqs = bodies(bare.host, bare.port);

  const results: { bare: Figure; api: Figure }[] = [];
  for (let i = 0; i < rounds; i++) {
    await waitForQuiet(5000);
    const bareFirst = i % 2 === 0;
    const first = await measure(`round ${i + 1}: ${bareFirst ? "bare insert" : "api create"}`, bareFirst ? bare : api, bareFirst ? bareReqs : apiReqs, run);
    const second = await measure(`round ${i + 1}: ${bareFirst ? "api create" : "bare insert"}`, bareFirst ? api : bare, bareFirst ? apiReqs : bareReqs, run);
    results.push(bareFirst ? { bare: first, api: second } : { bare: second, api: first });
  }
  await api.stop();
  await bare.stop();
  if (profDir) process.stderr.write(`CPU profile of the API server written to ${profDir}\n`);

  const ratios = results.map((r) => r.api.rps / r.bare.rps);
  const ratio = median(ratios);
  console.log(`\nPOST /api/v1/vpcs, ${concurrency} connections (latency in ms; 'µs CPU/req' is the server's CPU per request; CPU columns in cores)\n`);
  console.log(
    table(
      ["round", "bare insert/s", "api creates/s", "api ÷ bare", "bare p50", "bare p99", "api p50", "api p99", "µs CPU/req: bare", "api", "server CPU: bare", "api", "other CPU (max)", "errors"],
      results.map((r, i) => [
        String(i + 1),
        fmt(r.bare.rps, 0),
        fmt(r.api.rps, 0),
        fmt(ratios[i]!, 3),
        fmt(r.bare.p50, 2),
        fmt(r.bare.p99, 2),
        fmt(r.api.p50, 2),
        fmt(r.api.p99, 2),
        usPerReq(r.bare),
        usPerReq(r.api),
        fmt(r.bare.serverCpu, 2),
        fmt(r.api.serverCpu, 2),
        fmt(Math.max(r.bare.otherCpu, r.api.otherCpu), 2),
        String(r.bare.errors + r.api.errors),
      ]),
    ),
  );
  const errors = results.reduce((n, r) => n + r.bare.errors + r.api.errors, 0);
  console.log(
    `\nmedian over the rounds: api ÷ bare ${fmt(ratio, 3)} (range ${fmt(Math.min(...ratios), 3)}–${fmt(Math.max(...ratios), 3)}); api ${fmt(median(results.map((r) => r.api.rps)), 0)} creates/s, bare ${fmt(median(results.map((r) => r.bare.rps)), 0)} inserts/s`,
  );
  console.log(`target: native create ≥ ${TARGET} × the bare durable insert (${concurrency} conns): ${ratio >= TARGET ? "MET" : "MISSED"}`);
  if (errors > 0) console.log(`\nWARNING: ${errors} requests got an unexpected status; the figures above are not valid.`);
  if (flags.json) writeFileSync(flags.json, JSON.stringify({ date: new Date().toISOString(), concurrency, rounds: results.map((r, i) => ({ ...r, ratio: ratios[i] })), ratio }, null, 2));
}

process.on("exit", cleanupSync);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void cleanup().finally(() => process.exit(130)));
try {
  await main();
} catch (e) {
  console.error(`create benchmark failed: ${(e as Error).stack ?? String(e)}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
