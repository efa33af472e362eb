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
 *
 * --layers instead measures, in this process (no sockets), the CPU time of one create at each
 * layer, C creates at a time so that they share commits as under load: the bare statement, the
 * service's create (checks, rows, event, group commit) and the whole request through app.inject.
 */
import { writeFileSync } from "node:fs";
import { availableParallelism, cpus, release, tmpdir } from "node:os";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { BENCH_REGION, benchConfig, benchMasterKey } from "./common.ts";
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
    layers: { type: "boolean", default: false },
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

/** µs of this process's CPU per create, made `concurrency` at a time; the median of 5 batches. */
async function cpuPerCreate(create: (i: number) => Promise<unknown>, batches = 5, perBatch = 20): Promise<number> {
  const results: number[] = [];
  let i = 0;
  for (let b = 0; b <= batches; b++) {
    const c0 = process.cpuUsage();
    for (let k = 0; k < perBatch; k++) await Promise.all(Array.from({ length: concurrency }, () => create(i++)));
    const d = process.cpuUsage(c0);
    if (b > 0) results.push((d.user + d.system) / (perBatch * concurrency)); // the first batch warms up
  }
  return median(results);
}

/** --layers: what a create costs at each layer, in process. */
async function layers(): Promise<void> {
  const { default: Database } = await import("better-sqlite3");
  const { openRuntime } = await import("../src/main.ts");
  const { buildApp } = await import("../src/api/app.ts");
  const dataDir = tempDir("vpcpeer-create-layers-");
  const runtime = await openRuntime({ dataDir, config: benchConfig(), masterKey: benchMasterKey() });
  const creds = await runtime.services.accounts.create("bench");
  const actor = { accountId: creds.accountId };
  const app = await buildApp({ services: runtime.services });
  await app.ready();
  const bare = new Database(`${dataDir}/bare.db`);
  bare.pragma("journal_mode = WAL");
  bare.pragma("synchronous = FULL");
  bare.exec("create table vpcs (id text primary key, name text not null, region text not null, cidr text not null, tags text not null, created_at text not null)");
  const insert = bare.prepare("insert into vpcs values (?, ?, ?, ?, ?, ?)");
  const body = (i: number) => ({ name: `bench-${i}`, region: BENCH_REGION, cidr: "10.0.0.0/16", tags: { bench: "1" } });
  const rows: string[][] = [];
  const row = async (label: string, fn: (i: number) => Promise<unknown>) => {
    rows.push([label, fmt(await cpuPerCreate(fn), 0)]);
    process.stderr.write(".");
  };
  await row("bare: one autocommit INSERT (WAL, synchronous=FULL: its own fsync)", async (i) => insert.run(`vpc-${i}`, `bench-${i}`, BENCH_REGION, "10.0.0.0/16", '{"bench":"1"}', new Date().toISOString()));
  await row("store: an empty transaction (savepoint, shared COMMIT)", () => runtime.store.transaction(async () => null));
  await row("service: services.vpcs.create (quota, VPC, tags, route table, event)", (i) => runtime.services.vpcs.create(actor, body(i)));
  const auth = { authorization: `Bearer ${creds.token}`, "content-type": "application/json" };
  const { default: Fastify } = await import("fastify");
  const empty = Fastify({ logger: false });
  empty.post("/api/v1/vpcs", async (_req, reply) => reply.code(201).send({ id: "vpc-000000000000" }));
  await empty.ready();
  await row("Fastify: an empty POST route via inject (the floor of the row below)", () => empty.inject({ method: "POST", url: "/api/v1/vpcs", headers: { "content-type": "application/json" }, payload: body(0) }));
  await row("API: POST /api/v1/vpcs via app.inject (no sockets)", (i) => app.inject({ method: "POST", url: "/api/v1/vpcs", headers: auth, payload: body(i) }).then((r) => {
    if (r.statusCode !== 201) throw new Error(`POST /api/v1/vpcs: ${r.statusCode} ${r.body}`);
  }));
  process.stderr.write("\n");
  console.log(`In-process CPU per create, ${concurrency} at a time (median of 5 batches of ${20 * concurrency}; node ${process.version})\n`);
  console.log(table(["layer", "µs CPU/create"], rows));
  const stats = runtime.store.groupCommitStats();
  if (stats) console.log(`\ngroup commit: ${stats.transactions} transactions in ${stats.commits} commits (largest batch ${stats.largest})`);
  await app.close();
  await empty.close();
  bare.close();
  await runtime.close();
}

process.on("exit", cleanupSync);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void cleanup().finally(() => process.exit(130)));
try {
  await (flags.layers ? layers() : main());
} catch (e) {
  console.error(`create benchmark failed: ${(e as Error).stack ?? String(e)}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
