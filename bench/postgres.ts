/**
 * `npx tsx bench/postgres.ts` (the last part of `npm run bench`): the native API on PostgreSQL,
 * with one server and with two servers sharing the store (the scale-out mode). Figures, not tests;
 * #17's targets are printed (GET ≥ 0.5 × the bare route, ≥ 600 creates/s, one server and two).
 *
 *   1. creates: N/2 VPCs (+ one subnet each) through one server (16 connections), then N/2 more
 *      through two servers at once (8 connections each): creates/s of one and of two servers
 *   2. reads on one server: GET /api/v1/vpcs/{id} and the 100-item list, 32 and 1 connections,
 *      each beside a bare Fastify route (the same child kind as bench/run.ts)
 *   3. reads split over the two servers (16 connections each, at the same time)
 *
 * PostgreSQL at 127.0.0.1:5432 (trust auth; VPCPEER_BENCH_PG overrides the admin URL). The run
 * makes its own database, vpcpeer_bench_<random>, and drops it at the end, also on failure or
 * Ctrl-C. Options: --vpcs N (4,000), --duration S (5), --warmup S (2), --json FILE.
 */
import { availableParallelism } from "node:os";
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { benchDatabase } from "./pg-database.ts";
import { getRequest, runLoad } from "./load.ts";
import { CHILD_RUNTIME, type ServerChild, cleanup, cleanupSync, memoryOf, startServer } from "./proc.ts";
import { MB, type CreateResult, type Figure, check, createBenchAccount, createVpcs, fmt, listPages, measure, table } from "./scenario.ts";

const { values: flags } = parseArgs({ options: { vpcs: { type: "string" }, duration: { type: "string" }, warmup: { type: "string" }, json: { type: "string" } } });
const num = (v: string | undefined, d: number) => (v === undefined ? d : Number(v));
const settings = { vpcs: Math.floor(num(flags.vpcs, 4000) / 2) * 2, durationMs: num(flags.duration, 5) * 1000, warmupMs: num(flags.warmup, 2) * 1000 };
const db = benchDatabase("vpcpeer_bench");
const dbName = db.name;
const dbUrl = db.url;
const dropDb = () => db.drop();
for (const sig of ["SIGINT", "SIGTERM"] as const)
  process.once(sig, () => {
    void cleanup()
      .then(dropDb)
      .finally(() => process.exit(130));
  });
process.once("exit", cleanupSync);

/** Closed-loop load on several servers at once (same windows); requests/s summed, worst p99. */
async function split(servers: ServerChild[], requests: Buffer[][], concurrency: number): Promise<{ rps: number; p99: number; errors: number }> {
  const rs = await Promise.all(
    servers.map((s, i) => runLoad({ host: s.host, port: s.port, requests: requests[i]!, concurrency, warmupMs: settings.warmupMs, durationMs: settings.durationMs, expectStatus: 200 })),
  );
  return { rps: rs.reduce((a, r) => a + r.rps, 0), p99: Math.max(...rs.map((r) => r.p99)), errors: rs.reduce((a, r) => a + r.errors, 0) };
}

async function main(): Promise<void> {
  const t0 = Date.now();
  await db.create();
  process.stdout.write(
    `vpcpeer PostgreSQL benchmark — ${new Date().toISOString()}\nsettings: ${settings.vpcs.toLocaleString("en-US")} VPCs, ${settings.warmupMs / 1000} s warm-up + ${settings.durationMs / 1000} s per run, database ${dbName}, server children ${CHILD_RUNTIME === "compiled" ? "compiled JS (dist/)" : "from source (tsx)"}\n\n`,
  );
  const token = await createBenchAccount({ databaseUrl: dbUrl });
  const bare = await startServer("bare", []);
  const api1 = await startServer("api", ["--database", dbUrl]);
  const api2 = await startServer("api", ["--database", dbUrl]);

  process.stderr.write(`creates: ${settings.vpcs / 2} through one server, then ${settings.vpcs / 2} through two\n`);
  const one = await createVpcs(api1, token, settings.vpcs / 2, 16);
  const t2 = Date.now();
  const [a, b] = await Promise.all([createVpcs(api1, token, settings.vpcs / 4, 8), createVpcs(api2, token, settings.vpcs / 4, 8)]);
  const twoSeconds = (Date.now() - t2) / 1000;
  const two = { createsPerSec: (a!.vpcs + b!.vpcs) / twoSeconds, pairP99: Math.max(a!.pairP99, b!.pairP99) };
  const ids = [...one.ids, ...a!.ids, ...b!.ids];

  const gets = (s: ServerChild, from = 0) => ids.map((_, i) => getRequest(s.host, s.port, `/api/v1/vpcs/${ids[(i + from) % ids.length]}`, token));
  const pages = await listPages(api1, token, ids.length);
  const lists = (s: ServerChild) => pages.map((p) => getRequest(s.host, s.port, p, token));
  await check(api1, gets(api1)[0]!, 200, "GET /api/v1/vpcs/{id}");
  const o32 = { concurrency: 32, warmupMs: settings.warmupMs, durationMs: settings.durationMs };
  const o1 = { ...o32, concurrency: 1 };
  process.stderr.write("reads on one server:\n");
  const figures: Figure[] = [
    await measure("bare GET /vpcs/{id} [1]", bare, [getRequest(bare.host, bare.port, `/api/v1/vpcs/${ids[0]}`)], o32),
    await measure("api  GET /vpcs/{id}", api1, gets(api1), o32),
    await measure("bare GET /vpcs?limit=100", bare, [getRequest(bare.host, bare.port, "/api/v1/vpcs?limit=100")], o32),
    await measure("api  GET /vpcs?limit=100", api1, lists(api1), o32),
    await measure("api  GET /vpcs/{id}", api1, gets(api1), o1),
    await measure("api  GET /vpcs?limit=100", api1, lists(api1), o1),
    await measure("bare GET /vpcs/{id} [2]", bare, [getRequest(bare.host, bare.port, `/api/v1/vpcs/${ids[0]}`)], o32),
  ];
  process.stderr.write("reads split over two servers (16 connections each):\n");
  const splitGet = await split([api1, api2], [gets(api1), gets(api2, ids.length >> 1)], 16);
  const splitList = await split([api1, api2], [lists(api1), lists(api2)], 16);
  const bareGet = Math.max(figures[0]!.rps, figures[6]!.rps);
  const rss = [memoryOf(api1.pid).rss / MB, memoryOf(api2.pid).rss / MB];

  const rows = figures.map((f) => [f.name, String(f.concurrency), fmt(f.rps, 0), fmt(f.p50, 2), fmt(f.p99, 2), f.server === "bare" ? "baseline" : fmt(f.rps / bareGet, 3), fmt(f.otherCpu, 2), String(f.errors)]);
  process.stdout.write(`Reads on one server (PostgreSQL; latency in ms)\n\n${table(["run", "conns", "req/s", "p50", "p99", "÷ bare GET", "other CPU", "errors"], rows)}\n\n`);
  process.stdout.write(
    `${table(
      ["two servers, one store", "conns", "req/s", "p99", "÷ one server", "errors"],
      [
        ["GET /vpcs/{id}", "2 × 16", fmt(splitGet.rps, 0), fmt(splitGet.p99, 2), fmt(splitGet.rps / figures[1]!.rps, 2), String(splitGet.errors)],
        ["GET /vpcs?limit=100", "2 × 16", fmt(splitList.rps, 0), fmt(splitList.p99, 2), fmt(splitList.rps / figures[3]!.rps, 2), String(splitList.errors)],
      ],
    )}\n\n`,
  );
  const c = (r: Pick<CreateResult, "createsPerSec" | "pairP99">) => [fmt(r.createsPerSec, 0), fmt(r.pairP99, 2)];
  process.stdout.write(
    `${table(
      ["creates (VPC + subnet)", "conns", "creates/s", "pair p99"],
      [
        ["one server", "16", ...c(one)],
        ["two servers at once", "2 × 8", ...c(two)],
      ],
    )}\n\nRSS of the two API servers at the end: ${fmt(rss[0]!, 1)} MB, ${fmt(rss[1]!, 1)} MB. The machine has ${availableParallelism()} CPUs shared by the driver, both servers and PostgreSQL, so a second server adds processes, not cores.\n`,
  );
  process.stdout.write(
    `#17's targets: GET ÷ bare ${fmt(figures[1]!.rps / bareGet, 3)} on one server, ${fmt(splitGet.rps / bareGet, 3)} on two (≥ 0.5); creates/s ${fmt(one.createsPerSec, 0)} on one server, ${fmt(two.createsPerSec, 0)} on two (≥ 600)\n`,
  );
  process.stdout.write(
    `(info, #2's SQLite targets applied to PostgreSQL) GET ÷ bare ${fmt(figures[1]!.rps / bareGet, 3)} (≥ 0.5 on SQLite); list p99 ${fmt(figures[3]!.p99, 2)} ms at 32 connections, ${fmt(figures[5]!.p99, 2)} ms at 1 (< 20 ms on SQLite)\ntotal time ${fmt((Date.now() - t0) / 1000, 0)} s\n`,
  );
  if (flags.json) writeFileSync(flags.json, `${JSON.stringify({ date: new Date().toISOString(), settings, figures, splitGet, splitList, creates: { one: { createsPerSec: one.createsPerSec, pairP99: one.pairP99 }, two }, rssMb: rss }, null, 2)}\n`);
}

try {
  await main();
} finally {
  await cleanup();
  await dropDb();
}
