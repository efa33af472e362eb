/**
 * `npx tsx bench/layers.ts` — what each layer of GET /api/v1/vpcs/{id} and of the 100-item list
 * costs, measured in-process (no sockets, no load generator), in µs per call. Not part of
 * `npm run bench`; docs/benchmarks.md cites its output. Costs are CPU time per call (all threads of
 * this process, so GC helper threads count too).
 *
 * Seeds a fresh SQLite store with N VPCs (one tag and one subnet each, as the benchmarks make), then times the
 * shipped code path piece by piece, plus a few alternatives built in this file only (the same
 * repositories over a Kysely whose database handle caches prepared statements; raw
 * better-sqlite3 statements prepared once; a row-value keyset predicate) to price the
 * suggestions. src/ is only imported, never changed.
 *
 * Options: --vpcs N (10000), --ms M (time per measurement batch, 150).
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import fastJson from "fast-json-stringify";
import Fastify from "fastify";
import { type CompiledQuery, Kysely, SqliteDialect } from "kysely";
import { buildApp } from "../src/api/app.ts";
import { SHARED_SCHEMAS, Vpc as VpcSchema, pageOf } from "../src/api/native/schemas.ts";
import type { Tags, Vpc } from "../src/domain/resources.ts";
import { openRuntime } from "../src/main.ts";
import { decodeCursor } from "../src/store/repos/common.ts";
import { Repos } from "../src/store/repos/index.ts";
import { vpcFromRow } from "../src/store/repos/mappers.ts";
import type { Database as Schema, VpcsTable } from "../src/store/schema.ts";
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
  // Calibrate how many calls fill a batch.
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

/** vpcFromRow without the object spread: the alternative the mapping rows compare against. */
const flatVpcFromRow = (r: VpcsTable, tags: Tags): Vpc => ({
  id: r.id,
  accountId: r.account_id,
  name: r.name,
  description: r.description,
  tags,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  region: r.region,
  cidr: r.cidr,
  state: r.state as Vpc["state"],
  defaultRouteTableId: r.default_route_table_id,
});

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
  const repos = runtime.store.repos;
  const all = await repos.vpcs.all(creds.accountId, {});
  const id = all[Math.floor(N / 2)]!.id;
  // The cursor of the last full page: the deepest page the list benchmark reads.
  const cursors: string[] = [];
  for (let c: string | null = null; ; ) {
    const page = await repos.vpcs.list(creds.accountId, {}, { limit: 100, cursor: c ?? undefined });
    if (c && page.items.length === 100) cursors.push(c);
    if (!page.nextCursor) break;
    c = page.nextCursor;
  }
  const deepCursor = cursors[cursors.length - 1];
  if (!deepCursor) throw new Error("--vpcs must be at least 200 (two full pages)");
  const [deepAt, deepId] = decodeCursor(deepCursor);

  // A second handle on the same file, read-only: raw statements, and Kysely with a statement cache.
  const raw = new Database(join(dataDir, "vpcpeer.db"), { readonly: true });
  const cache = new Map<string, Database.Statement>();
  const cachingDb = {
    prepare(sql: string) {
      let s = cache.get(sql);
      if (!s) cache.set(sql, (s = raw.prepare(sql)));
      return s;
    },
    close() {},
  };
  const cachedKysely = new Kysely<Schema>({ dialect: new SqliteDialect({ database: cachingDb }) });
  const cachedRepos = new Repos(cachedKysely, { dialect: "sqlite", rowLocks: false });
  const plainKysely = new Kysely<Schema>({ dialect: new SqliteDialect({ database: raw }) });

  // The exact statements the shipped repositories issue (captured through Kysely's log hook), to
  // price them prepared once instead of on every call.
  const captured: CompiledQuery[] = [];
  const loggingKysely = new Kysely<Schema>({
    dialect: new SqliteDialect({ database: cachingDb }),
    log: (event) => {
      if (event.level === "query") captured.push(event.query);
    },
  });
  const loggingRepos = new Repos(loggingKysely, { dialect: "sqlite", rowLocks: false });
  const capture = async (fn: () => Promise<unknown>) => {
    captured.length = 0;
    await fn();
    return captured.map((q) => ({ stmt: raw.prepare(q.sql), params: [...q.parameters], sql: q.sql }));
  };
  const getStatements = await capture(() => loggingRepos.vpcs.get(creds.accountId, id));
  const authStatements = await capture(() => loggingRepos.accounts.byTokenHash(createHash("sha256").update(creds.token).digest("hex")));
  const firstPageStatements = await capture(() => loggingRepos.vpcs.list(creds.accountId, {}, { limit: 100 }));
  const deepPageStatements = await capture(() => loggingRepos.vpcs.list(creds.accountId, {}, { limit: 100, cursor: deepCursor }));
  // Reads the create use cases make (src/service/vpcs.ts, subnets.ts): the per-region quota count
  // and the sibling subnets of the VPC.
  const quotaStatements = await capture(() => loggingRepos.vpcs.count(creds.accountId, { region: BENCH_REGION }));
  const siblingStatements = await capture(() => loggingRepos.subnets.all(creds.accountId, { vpc_id: lastVpcId }));
  // Query plans as the shipped store has them (no ANALYZE statistics), taken before anything below runs ANALYZE.
  const planOf = (db: Database.Database, sql: string, params: unknown[]) =>
    (db.prepare(`explain query plan ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail).join("; ");
  const plans = (
    [
      ["auth", authStatements],
      ["get", getStatements],
      ["list, deepest page", deepPageStatements],
      ["VPC create, quota", quotaStatements],
      ["subnet create, siblings", siblingStatements],
    ] as const
  ).flatMap(([what, list]) => list.map((q) => `  ${what}: ${q.sql.length > 160 ? `${q.sql.slice(0, 160)}…` : q.sql}\n      plan: ${planOf(raw, q.sql, q.params)}`));
  const runAll = (list: { stmt: Database.Statement; params: unknown[] }[]) => {
    for (const s of list) s.stmt.all(...s.params);
  };

  const app = await buildApp({ services: runtime.services });
  await app.ready();
  const bare = Fastify({ logger: false });
  const barePage = Array.from({ length: 100 }, (_, i) => sampleVpc(`vpc-${String(i).padStart(12, "0")}`));
  bare.get<{ Params: { id: string } }>("/api/v1/vpcs/:id", async (req) => sampleVpc(req.params.id));
  bare.get("/api/v1/vpcs", async () => ({ items: barePage, nextCursor: "x" }));
  await bare.ready();
  const auth = { authorization: `Bearer ${creds.token}` };

  // The response schemas as the routes declare them, compiled the way Fastify's serializer compiler does.
  type FjsSchema = Parameters<typeof fastJson>[0];
  const external = Object.fromEntries(SHARED_SCHEMAS.map((s) => [s.$id as string, s as unknown as FjsSchema]));
  const serializeVpc = fastJson({ $ref: "Vpc" } as FjsSchema, { schema: external });
  const serializePage = fastJson(pageOf(VpcSchema) as unknown as FjsSchema, { schema: external });
  const oneVpc: Vpc = (await repos.vpcs.get(creds.accountId, id))!;

  heading("GET /api/v1/vpcs/{id}: authentication (the onRequest hook)");
  await row("  sha256 of the bearer token", () => createHash("sha256").update(creds.token).digest("hex"));
  await row("  accounts.authenticate(token): sha256 + Kysely query (shipped)", () => runtime.services.accounts.authenticate(creds.token));
  await row(`  the same lookup, raw better-sqlite3, statement prepared once (${authStatements.length} query)`, () => runAll(authStatements));
  heading("GET: the read (route handler → service → repository)");
  await row(`  services.vpcs.get (shipped; ${getStatements.length} queries through Kysely)`, () => runtime.services.vpcs.get(actor, id));
  await row("  Kysely: build + compile the select only (no execution)", () =>
    plainKysely.selectFrom("vpcs as t").selectAll("t").where("t.id", "=", id).where("t.account_id", "=", creds.accountId).compile(),
  );
  await row("  better-sqlite3: prepare the select's SQL only", () => raw.prepare(`select "t".* from "vpcs" as "t" where "t"."id" = ? and "t"."account_id" = ?`));
  await row("  same repository code over Kysely with a statement cache", () => cachedRepos.vpcs.get(creds.accountId, id));
  await row("  the same queries, raw better-sqlite3, statements prepared once", () => runAll(getStatements));
  const vpcRow = getStatements[0]!.stmt.get(...getStatements[0]!.params) as VpcsTable;
  await row("  row → Vpc mapping (vpcFromRow, as written: { ...base(r, tags), … })", () => vpcFromRow(vpcRow, { bench: "1" }));
  await row("  the same mapping written as one flat object literal", () => flatVpcFromRow(vpcRow, { bench: "1" }));
  heading("GET: the response and the whole pipeline");
  await row("  serialize one Vpc (fast-json-stringify, the route's schema)", () => serializeVpc(oneVpc));
  await row("  full GET via app.inject (no sockets): the API", () => app.inject({ method: "GET", url: `/api/v1/vpcs/${id}`, headers: auth }));
  await row("  full GET via app.inject (no sockets): the bare route", () => bare.inject({ method: "GET", url: `/api/v1/vpcs/${id}`, headers: auth }));

  heading("GET /api/v1/vpcs?limit=100 (the list)");
  await row("  repos.vpcs.list, first page (shipped)", () => repos.vpcs.list(creds.accountId, {}, { limit: 100 }));
  await row("  repos.vpcs.list, deepest page (shipped)", () => repos.vpcs.list(creds.accountId, {}, { limit: 100, cursor: deepCursor }));
  const [firstPageQuery, firstTagsQuery] = firstPageStatements;
  const [deepPageQuery] = deepPageStatements;
  const rowValue = raw.prepare(
    `select "t".* from "vpcs" as "t" where "t"."account_id" = ? and ("t"."created_at", "t"."id") > (?, ?) order by "t"."created_at", "t"."id" limit ?`,
  );
  await row("  its page query, raw, prepared once: first page", () => firstPageQuery!.stmt.all(...firstPageQuery!.params));
  await row("  its page query, raw, prepared once: deepest page (cursor predicate as built today)", () => deepPageQuery!.stmt.all(...deepPageQuery!.params));
  await row("  deepest page with a row-value predicate (created_at, id) > (?, ?), raw", () => rowValue.all(creds.accountId, deepAt, deepId, 101));
  await row("  its tags query for 100 ids, raw, prepared once", () => firstTagsQuery!.stmt.all(...firstTagsQuery!.params));
  await row("  its tags query for 100 ids, better-sqlite3 prepare only", () => raw.prepare(firstTagsQuery!.sql));
  const pageRows = firstPageQuery!.stmt.all(...firstPageQuery!.params).slice(0, 100) as VpcsTable[];
  await row("  map 100 rows (vpcFromRow)", () => pageRows.map((r) => vpcFromRow(r, { bench: "1" })));
  await row("  map 100 rows, flat object literal", () => pageRows.map((r) => flatVpcFromRow(r, { bench: "1" })));
  const pageObj = await repos.vpcs.list(creds.accountId, {}, { limit: 100 });
  await row("  serialize a 100-item page (fast-json-stringify)", () => serializePage(pageObj));
  await row("  serialize a 100-item page (JSON.stringify, for comparison)", () => JSON.stringify(pageObj));
  await row("  full list via app.inject, first page: the API", () => app.inject({ method: "GET", url: "/api/v1/vpcs?limit=100", headers: auth }));
  await row("  full list via app.inject: the bare 100-item route", () => bare.inject({ method: "GET", url: "/api/v1/vpcs?limit=100", headers: auth }));

  heading(`POST /api/v1/vpcs and /api/v1/subnets: reads whose cost grows with the store`);
  await row("  VPC create: quota count of the region's VPCs, raw, prepared once", () => runAll(quotaStatements));
  await row("  subnet create: the VPC's sibling subnets (subnets.all), raw, prepared once", () => runAll(siblingStatements));
  // The same statement once SQLite has statistics (ANALYZE), on a writable handle of this temp store.
  const writable = new Database(join(dataDir, "vpcpeer.db"));
  writable.exec("analyze");
  const siblingsAnalyzed = siblingStatements.map((q) => ({ ...q, stmt: writable.prepare(q.sql) }));
  await row("  the sibling-subnets statement after ANALYZE", () => runAll(siblingsAnalyzed));
  process.stderr.write("\n");

  console.log(`In-process CPU time per call, ${N.toLocaleString("en-US")} VPCs in a SQLite store (median of 5 batches of ~${BATCH_MS} ms; node ${process.version})\n`);
  console.log(table(["layer", "µs CPU/call"], rows));
  console.log("\nstatements the shipped code issues, and their query plans:");
  for (const line of plans) console.log(line);
  console.log(`  list, alternative row-value cursor: ${rowValue.source}\n      plan: ${planOf(raw, rowValue.source, [creds.accountId, deepAt, deepId, 101])}`);
  console.log(`  subnet create, siblings after ANALYZE:\n      plan: ${planOf(writable, siblingStatements[0]!.sql, siblingStatements[0]!.params)}`);
  writable.close();

  await app.close();
  await bare.close();
  await cachedKysely.destroy();
  await loggingKysely.destroy();
  raw.close();
  await runtime.close();
} catch (e) {
  console.error(`layers failed: ${(e as Error).stack ?? String(e)}`);
  process.exitCode = 1;
} finally {
  cleanupSync();
}
