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
 * interval), --keep DIR (keep the .cpuprofile there, e.g. for Chrome DevTools), --top N (25).
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { getRequest } from "./load.ts";
import { cleanup, cleanupSync, startServer, tempDir } from "./proc.ts";
import { createBenchAccount, createVpcs, fmt, listPages, measure, table } from "./scenario.ts";

const { values: flags } = parseArgs({
  options: {
    endpoint: { type: "string", default: "get" },
    vpcs: { type: "string" },
    duration: { type: "string", default: "5" },
    concurrency: { type: "string" },
    interval: { type: "string", default: "200" },
    keep: { type: "string" },
    top: { type: "string", default: "25" },
  },
});

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's code lives: an npm package, a project file, a node: module, or V8 itself. */
function origin(f: CallFrame): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f.url);
  if (pkg) return pkg[1]!;
  const src = /\/((?:src|bench)\/.*)$/.exec(f.url);
  if (src) return src[1]!;
  if (f.url.startsWith("node:")) return `node:${f.url.slice(5).split("/")[0]}`;
  if (f.url === "") return `(${f.functionName || "native"})`;
  return f.url;
}

/** Layers of a request worth pricing; a frame anywhere on the stack puts the sample in the layer. */
const LAYERS: [string, (f: CallFrame) => boolean][] = [
  ["auth hook: bearer token → account (src/api/native/index.ts)", (f) => f.url.endsWith("src/api/native/index.ts")],
  ["  of which sha256(token) (hashToken)", (f) => f.functionName === "hashToken"],
  ["  of which accounts.byTokenHash (query)", (f) => f.functionName === "byTokenHash"],
  ["route handler → service → repository", (f) => /src\/(service|store)\//.test(f.url) && !f.url.endsWith("accounts.ts")],
  ["  of which loadTags (second query)", (f) => f.functionName === "loadTags"],
  ["  of which row → domain mapping (mappers.ts)", (f) => f.url.endsWith("src/store/repos/mappers.ts")],
  ["Kysely, all of it (build, compile, driver, SQLite)", (f) => f.url.includes("node_modules/kysely/")],
  ["  of which query building (select/where/… builders)", (f) => /kysely\/dist\/esm\/(query-builder|parser|expression|operation-node)\//.test(f.url)],
  ["  of which compiling to SQL (query-compiler)", (f) => f.url.includes("kysely/dist/esm/query-compiler/")],
  ["  of which SQLite prepare, every query (better-sqlite3)", (f) => f.functionName === "prepare" && f.url.includes("better-sqlite3")],
  ["  of which the connection mutex / executor plumbing", (f) => /kysely\/dist\/esm\/(driver|query-executor)\//.test(f.url)],
  ["response serialization (fast-json-stringify)", (f) => f.url.includes("node_modules/fast-json-stringify/")],
  ["onResponse hook: metrics + debug check (src/api/app.ts)", (f) => f.url.endsWith("src/api/app.ts") && f.functionName !== "buildApp"],
  ["  of which prom-client histogram", (f) => f.url.includes("node_modules/prom-client/")],
  ["request validation (ajv-compiled code)", (f) => f.url.includes("node_modules/ajv") || f.functionName.startsWith("validate")],
  ["AsyncLocalStorage / async hooks", (f) => f.url === "node:async_hooks" || f.url.startsWith("node:internal/async_hooks")],
  ["fastify (routing, hooks, reply; inclusive of all above)", (f) => f.url.includes("node_modules/fastify/") || f.url.includes("node_modules/find-my-way/")],
  ["node http + net (parsing, writing sockets)", (f) => /^node:(_http_|net|internal\/(http|stream|net|streams))/.test(f.url) || f.functionName === "writev" || f.functionName === "parserOnHeadersComplete"],
  ["garbage collector", (f) => f.functionName === "(garbage collector)"],
];

function summarize(profile: CpuProfile, fromUs: number, toUs: number, requests: number, top: number): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const self = new Map<string, number>();
  const byOrigin = new Map<string, number>();
  const layer = new Array<number>(LAYERS.length).fill(0);
  let busy = 0;
  let idle = 0;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i]!;
    if (t < fromUs || t > toUs) continue;
    // The sample's weight: the time until the next sample (or the mean interval at the end).
    const dt = profile.timeDeltas[i + 1] ?? profile.timeDeltas[i]!;
    const node = byId.get(profile.samples[i]!)!;
    if (node.callFrame.functionName === "(idle)") {
      idle += dt;
      continue;
    }
    busy += dt;
    const key = `${node.callFrame.functionName || "(anonymous)"}  ${origin(node.callFrame)}:${node.callFrame.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + dt);
    const o = origin(node.callFrame);
    byOrigin.set(o, (byOrigin.get(o) ?? 0) + dt);
    const hit = new Array<boolean>(LAYERS.length).fill(false);
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id)!.callFrame;
      LAYERS.forEach(([, match], j) => {
        if (!hit[j] && match(f)) hit[j] = true;
      });
    }
    hit.forEach((h, j) => {
      if (h) layer[j]! += dt;
    });
  }
  const perReq = (us: number) => fmt(us / requests, 1);
  const share = (us: number) => `${fmt((us / busy) * 100, 1)}%`;
  console.log(`\nprofiled window: ${fmt((toUs - fromUs) / 1e6, 2)} s, main thread busy ${share(busy)} of it… i.e. ${fmt(busy / 1e6, 2)} s busy, ${fmt(idle / 1e6, 2)} s idle; ${requests.toLocaleString("en-US")} requests → ${perReq(busy)} µs of main-thread CPU per request\n`);
  console.log(table(["layer (inclusive; rows overlap)", "µs/request", "share of busy"], LAYERS.map(([label], j) => [label, perReq(layer[j]!), share(layer[j]!)])));
  console.log("\nself time by origin\n");
  const origins = [...byOrigin].sort((a, b) => b[1] - a[1]).slice(0, top);
  console.log(table(["origin", "µs/request", "share of busy"], origins.map(([k, v]) => [k, perReq(v), share(v)])));
  console.log("\ntop functions by self time\n");
  const fns = [...self].sort((a, b) => b[1] - a[1]).slice(0, top);
  console.log(table(["function  origin:line", "µs/request", "share of busy"], fns.map(([k, v]) => [k, perReq(v), share(v)])));
}

async function main(): Promise<void> {
  const endpoint = flags.endpoint!;
  if (!["get", "list", "create"].includes(endpoint)) throw new Error("--endpoint must be get, list or create");
  const vpcs = Number(flags.vpcs ?? (endpoint === "create" ? 2000 : 10_000));
  const durationMs = Number(flags.duration) * 1000;
  const concurrency = Number(flags.concurrency ?? (endpoint === "create" ? 16 : 32));
  const dataDir = tempDir("vpcpeer-prof-data-");
  const profDir = tempDir("vpcpeer-prof-");
  const token = await createBenchAccount(dataDir);
  const profArgs = ["--cpu-prof", `--cpu-prof-dir=${profDir}`, `--cpu-prof-interval=${flags.interval}`];

  let requests: number;
  let windowEnd: number;
  let windowMs: number;
  let stoppedAt: number;
  if (endpoint === "create") {
    const api = await startServer("api", ["--data", dataDir], profArgs);
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
    const seeder = await startServer("api", ["--data", dataDir]);
    const created = await createVpcs(seeder, token, vpcs, 16);
    const pages = await listPages(seeder, token, vpcs);
    await seeder.stop();
    const api = await startServer("api", ["--data", dataDir], profArgs);
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
  console.log(`endpoint ${endpoint}, ${vpcs.toLocaleString("en-US")} VPCs in the store, ${concurrency} connections, sampling every ${flags.interval} µs`);
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
}
