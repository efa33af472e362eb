/**
 * `npx tsx bench/layers.ts` — what each layer of GET /api/v1/vpcs/{id} and of the 100-item list
 * costs, measured in-process (no sockets, no load generator), in µs of CPU per call. Not part of
 * `npm run bench`; docs/benchmarks.md cites its output. Costs are CPU time per call (all threads of
 * this process, so GC helper threads count too).
 *
 * Seeds a fresh SQLite store with N VPCs (one tag and one subnet each, as the benchmarks make), then
 * times the shipped code path piece by piece beside the same statements run raw on a read-only
 * better-sqlite3 handle (what the store's direct reads cost without anything around them). src/ is
 * only imported, never changed.
 *
 * Options: --vpcs N (10000), --ms M (time per measurement batch, 150).
 */
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import Fastify from "fastify";
import { buildApp } from "../src/api/app.ts";
import { pageJson } from "../src/api/native/context.ts";
import { openRuntime } from "../src/main.ts";
import { decodeCursor } from "../src/store/repos/common.ts";
import { VIEWS, viewSql } from "../src/store/repos/views.ts";
import { BENCH_REGION, benchConfig, benchMasterKey, sampleVpc } from "./common.ts";
import { cleanupSync, tempDir } from "./proc.ts";
import { fmt, table } from "./scenario.ts";

const { values: flags } = parseArgs({ options: { vpcs: { type: "string", default: "10000" }, ms: { type: "string", default: "150" } } });
const N = Number(flags.vpcs);
const BATCH_MS = Number(flags.ms);

/**
 * µs of CPU per call: repeated batches of about BATCH_MS each after a calibration batch; the median
 * batch. CPU time (process.cpuUsage) rather than wall time, so that time the process spends
 * preempted by other processes on a shared machine does not count.
 */
async function time(fn: () => unknown): Promise<number> {
  const once = async () => {
    const r = fn();
    // Await promises and thenables (app.inject returns a thenable chain, not a Promise).
    if (r && typeof (r as PromiseLike<unknown>).then === "function") await r;
  };
  let n = 0;
  const c0 = performance.now();
  while (performance.now() - c0 < BATCH_MS) {
    await once();
    n++;
  }
  const batches: number[] = [];
  for (let b = 0; b < 5; b++) {
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < n; i++) await once();
    const d = process.cpuUsage(cpu0);
    batches.push((d.user + d.system) / n);
  }
  batches.sort((a, b) => a - b);
  return batches[2]!;
}

const rows: [string, string][] = [];
async function row(label: string, fn: () => unknown): Promise<number> {
  const us = await time(fn);
  rows.push([label, fmt(us, 1)]);
  process.stderr.write(".");
  return us;
}
const heading = (label: string) => rows.push([label, ""]);

try {
  const dataDir = tempDir("vpcpeer-layers-");
  const runtime = await openRuntime({ dataDir, config: benchConfig(), masterKey: benchMasterKey() });
  const creds = await runtime.services.accounts.create("bench");
  const actor = { accountId: creds.accountId };
  process.stderr.write(`seeding ${N} VPCs, each with a subnet, in one transaction …\n`);
  let lastVpcId = "";
  await runtime.store.transaction(async () => {
    for (let i = 0; i < N; i++) {
      const vpc = await runtime.services.vpcs.create(actor, { name: `bench-${String(i).padStart(5, "0")}`, region: BENCH_REGION, cidr: "10.0.0.0/16", tags: { bench: "1" } });
      await runtime.services.subnets.create(actor, { vpcId: vpc.id, cidr: "10.0.1.0/24", name: `bench-${String(i).padStart(5, "0")}-a` });
      lastVpcId = vpc.id;
    }
  });
  const read = runtime.store.read;
  const all = await read.vpcs.all(creds.accountId, {});
  const id = all[Math.floor(N / 2)]!.id;
  // The cursor of the last full page: the deepest page the list benchmark reads.
  const cursors: string[] = [];
  for (let c: string | null = null; ; ) {
    const page = await read.vpcs.listJson(creds.accountId, {}, { limit: 100, cursor: c ?? undefined });
    if (c && page.items.length === 100) cursors.push(c);
    if (!page.nextCursor) break;
    c = page.nextCursor;
  }
  const deepCursor = cursors[cursors.length - 1];
  if (!deepCursor) throw new Error("--vpcs must be at least 200 (two full pages)");
  const { value: deepAt, id: deepId } = decodeCursor(deepCursor);

  // The statements the store runs for these reads, raw on a read-only handle of the same file.
  const raw = new Database(runtime.store.location, { readonly: true });
  const view = viewSql(VIEWS.vpcs, runtime.store.caps, "owner");
  const getSql = `select ${view} as "j" from "vpcs" as "t" where "t"."id" = ? and "t"."account_id" = ?`;
  const pageSql = (after: boolean) =>
    `select ${view} as "j" from "vpcs" as "t" where "t"."account_id" = ?${after ? ` and ("t"."created_at", "t"."id") > (?, ?)` : ""} order by "t"."created_at", "t"."id" limit ?`;
  const getStmt = raw.prepare(getSql).pluck();
  const firstStmt = raw.prepare(pageSql(false)).pluck();
  const deepStmt = raw.prepare(pageSql(true)).pluck();
  const quotaSql = `select count(*) as "n" from "vpcs" as "t" where "t"."account_id" = ? and "t"."region" = ?`;
  const siblingsSql = `select ${viewSql(VIEWS.subnets, runtime.store.caps, "owner")} as "j" from "subnets" as "t" where "t"."account_id" = ? and "t"."vpc_id" = ? order by "t"."created_at", "t"."id"`;
  const quotaStmt = raw.prepare(quotaSql);
  const siblingsStmt = raw.prepare(siblingsSql).pluck();
  const planOf = (sql: string, params: unknown[]) => (raw.prepare(`explain query plan ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail).join("; ");

  const app = await buildApp({ services: runtime.services });
  await app.ready();
  const bare = Fastify({ logger: false });
  const barePage = Array.from({ length: 100 }, (_, i) => sampleVpc(`vpc-${String(i).padStart(12, "0")}`));
  bare.get<{ Params: { id: string } }>("/api/v1/vpcs/:id", async (req) => sampleVpc(req.params.id));
  bare.get("/api/v1/vpcs", async () => ({ items: barePage, nextCursor: "x" }));
  await bare.ready();
  const auth = { authorization: `Bearer ${creds.token}` };
  await runtime.services.accounts.authenticate(creds.token);

  heading("GET /api/v1/vpcs/{id}");
  await row("  authentication, token cached (the onRequest hook's lookup)", () => runtime.services.accounts.cachedToken(creds.token));
  await row("  services.vpcs.getJson (shipped: service → repository → direct read)", () => runtime.services.vpcs.getJson(actor, id));
  await row("  its statement, raw, prepared once", () => getStmt.get(id, creds.accountId));
  await row("  services.vpcs.get (the same, parsed into a Vpc: what the dialects use)", () => runtime.services.vpcs.get(actor, id));
  await row("  full GET via app.inject (no sockets): the API", () => app.inject({ method: "GET", url: `/api/v1/vpcs/${id}`, headers: auth }));
  await row("  full GET via app.inject (no sockets): the bare route", () => bare.inject({ method: "GET", url: `/api/v1/vpcs/${id}`, headers: auth }));

  heading("GET /api/v1/vpcs?limit=100 (the list)");
  await row("  services.vpcs.listJson, first page (shipped)", () => runtime.services.vpcs.listJson(actor, {}, { limit: 100 }));
  await row("  services.vpcs.listJson, deepest page (shipped)", () => runtime.services.vpcs.listJson(actor, {}, { limit: 100, cursor: deepCursor }));
  await row("  its statement, raw, prepared once: first page", () => firstStmt.all(creds.accountId, 101));
  await row("  its statement, raw, prepared once: deepest page", () => deepStmt.all(creds.accountId, deepAt, deepId, 101));
  const page = await runtime.services.vpcs.listJson(actor, {}, { limit: 100 });
  await row("  the page's JSON text from its items (pageJson)", () => pageJson(page));
  await row("  JSON.stringify of the same page as objects, for comparison", () => JSON.stringify({ items: page.items.map((j) => JSON.parse(j) as unknown), nextCursor: page.nextCursor }));
  await row("  full list via app.inject, first page: the API", () => app.inject({ method: "GET", url: "/api/v1/vpcs?limit=100", headers: auth }));
  await row("  full list via app.inject: the bare 100-item route", () => bare.inject({ method: "GET", url: "/api/v1/vpcs?limit=100", headers: auth }));

  heading("POST /api/v1/vpcs and /api/v1/subnets: reads that grow with the account");
  await row("  VPC create: quota count of the region's VPCs (raw; the benchmarks raise the quota to 10^6)", () => quotaStmt.get(creds.accountId, BENCH_REGION));
  await row("  subnet create: the VPC's sibling subnets (raw)", () => siblingsStmt.all(creds.accountId, lastVpcId));
  process.stderr.write("\n");

  console.log(`In-process CPU time per call, ${N.toLocaleString("en-US")} VPCs in a SQLite store (median of 5 batches of ~${BATCH_MS} ms; node ${process.version})\n`);
  console.log(table(["layer", "µs CPU/call"], rows));
  console.log("\nstatements the store runs, and their query plans:");
  const plans: [string, string, unknown[]][] = [
    ["get", getSql, [id, creds.accountId]],
    ["list, deepest page", pageSql(true), [creds.accountId, deepAt, deepId, 101]],
    ["VPC create, quota", quotaSql, [creds.accountId, BENCH_REGION]],
    ["subnet create, siblings", siblingsSql, [creds.accountId, lastVpcId]],
  ];
  for (const [what, sql, params] of plans) console.log(`  ${what}: ${sql.length > 160 ? `${sql.slice(0, 160)}…` : sql}\n      plan: ${planOf(sql, params)}`);

  await app.close();
  await bare.close();
  raw.close();
  await runtime.close();
} catch (e) {
  console.error(`layers failed: ${(e as Error).stack ?? String(e)}`);
  process.exitCode = 1;
} finally {
  cleanupSync();
}
