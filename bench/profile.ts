/**
 * `npx tsx bench/profile.ts [--endpoint get|list|create]` — where the API server's CPU goes for
 * one endpoint under load. Not part of `npm run bench`; docs/benchmarks.md cites its output.
 *
 * Seeds a fresh store (a server without profiling), then restarts the API server with
 * `--cpu-prof`, loads it with the endpoint at a fixed concurrency, stops it and summarizes the
 * main thread's profile over the recorded window only: CPU per request by layer (inclusive,
 * overlapping), self time by package/file, and the top functions by self time.
 *
 * Options: --endpoint (get), --vpcs N (10000 for get/list; the number to create for create),
 * --duration S (5), --concurrency C (32; 16 for create), --interval µs (200, the sampling
 * interval), --keep DIR (keep the .cpuprofile there, e.g. for Chrome DevTools), --top N (25),
 * --postgres (the store on PostgreSQL at 127.0.0.1:5432, in a database of its own, dropped at the end).
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { benchDatabase } from "./pg-database.ts";
import { getRequest } from "./load.ts";
import { cleanup, cleanupSync, startServer, tempDir } from "./proc.ts";
import { type CpuProfile, summarize } from "./cpuprofile.ts";
import { createBenchAccount, createVpcs, fmt, listPages, measure } from "./scenario.ts";

const { values: flags } = parseArgs({
  options: {
    endpoint: { type: "string", default: "get" },
    vpcs: { type: "string" },
    duration: { type: "string", default: "5" },
    concurrency: { type: "string" },
    interval: { type: "string", default: "200" },
    keep: { type: "string" },
    top: { type: "string", default: "25" },
    postgres: { type: "boolean", default: false },
  },
});

/** With --postgres: the store in a database of its own. */
const db = benchDatabase("vpcpeer_prof");

async function main(): Promise<void> {
  const endpoint = flags.endpoint!;
  if (!["get", "list", "create"].includes(endpoint)) throw new Error("--endpoint must be get, list or create");
  const vpcs = Number(flags.vpcs ?? (endpoint === "create" ? 2000 : 10_000));
  const durationMs = Number(flags.duration) * 1000;
  const concurrency = Number(flags.concurrency ?? (endpoint === "create" ? 16 : 32));
  const dataDir = tempDir("vpcpeer-prof-data-");
  const profDir = tempDir("vpcpeer-prof-");
  let storeArgs = ["--data", dataDir];
  let token: string;
  if (flags.postgres) {
    await db.create();
    storeArgs = ["--database", db.url];
    token = await createBenchAccount({ databaseUrl: db.url });
  } else token = await createBenchAccount(dataDir);
  const profArgs = ["--cpu-prof", `--cpu-prof-dir=${profDir}`, `--cpu-prof-interval=${flags.interval}`];

  let requests: number;
  let windowEnd: number;
  let windowMs: number;
  let stoppedAt: number;
  if (endpoint === "create") {
    const api = await startServer("api", storeArgs, profArgs);
    console.error(`creating ${vpcs} VPCs + subnets (profiled) …`);
    const t0 = performance.now();
    const r = await createVpcs(api, token, vpcs, concurrency);
    windowEnd = performance.now();
    windowMs = windowEnd - t0;
    requests = 2 * vpcs;
    console.error(`  ${fmt(r.createsPerSec, 0)} creates/s (${fmt(r.requestsPerSec, 0)} HTTP requests/s)`);
    await api.stop();
    stoppedAt = performance.now();
  } else {
    console.error(`seeding ${vpcs} VPCs …`);
    const seeder = await startServer("api", storeArgs);
    const created = await createVpcs(seeder, token, vpcs, 16);
    const pages = await listPages(seeder, token, vpcs);
    await seeder.stop();
    const api = await startServer("api", storeArgs, profArgs);
    const reqs =
      endpoint === "get"
        ? created.ids.map((id) => getRequest(api.host, api.port, `/api/v1/vpcs/${id}`, token))
        : pages.map((p) => getRequest(api.host, api.port, p, token));
    const f = await measure(`api ${endpoint}`, api, reqs, { concurrency, warmupMs: 2000, durationMs });
    windowEnd = performance.now();
    windowMs = f.durationS * 1000;
    requests = f.requests;
    await api.stop();
    stoppedAt = performance.now();
  }

  const file = readdirSync(profDir)
    .filter((n) => n.endsWith(".cpuprofile"))
    // The main thread's profile (thread 0); tsx's loader thread writes another.
    .find((n) => /\.\d+\.0\.\d+\.cpuprofile$/.test(n));
  if (!file) throw new Error(`no main-thread profile in ${profDir}`);
  const path = join(profDir, file);
  if (flags.keep) {
    mkdirSync(resolve(flags.keep), { recursive: true });
    copyFileSync(path, join(resolve(flags.keep), `vpcpeer-${endpoint}.cpuprofile`));
    console.error(`profile kept as ${join(resolve(flags.keep), `vpcpeer-${endpoint}.cpuprofile`)}`);
  }
  const profile = JSON.parse(readFileSync(path, "utf8")) as CpuProfile;
  // The profile ends when the server exits; the recorded window ended (stoppedAt - windowEnd) before.
  const toUs = profile.endTime - (stoppedAt - windowEnd) * 1000;
  const fromUs = toUs - windowMs * 1000;
  console.log(`${flags.postgres ? "PostgreSQL" : "SQLite"}, endpoint ${endpoint}, ${vpcs.toLocaleString("en-US")} VPCs in the store, ${concurrency} connections, sampling every ${flags.interval} µs`);
  summarize(profile, fromUs, toUs, requests, Number(flags.top));
}

process.on("exit", cleanupSync);
try {
  await main();
} catch (e) {
  console.error(`profile failed: ${(e as Error).stack ?? String(e)}`);
  process.exitCode = 1;
} finally {
  await cleanup();
  await db.drop();
}
