/**
 * `npx tsx bench/run.ts` (the first half of `npm run bench`) — the benchmarks of
 * docs/benchmarks.md: figures, not timed tests.
 *
 *   1. create   N VPCs, each with one subnet, through POST /api/v1/vpcs + POST /api/v1/subnets:
 *               creates/s, then the server's RSS (target < 200 MB at N = 10,000)
 *   2. get      GET /api/v1/vpcs/{id} over the N VPCs: requests/s and latency, and the ratio to a
 *               bare Fastify route served by the same kind of process (target ≥ 0.5)
 *   3. list     GET /api/v1/vpcs?limit=100 over all pages of the N VPCs (target p99 < 20 ms)
 *
 * The API server, the same API with its read cache off (uncached: every read runs its statement,
 * as it does after a write by the same account or on PostgreSQL), the bare baseline and a
 * yardstick (floor: see bench/server.ts) each run in their own child (`node dist/bench/server.js`,
 * the compiled JavaScript `npm start` runs; BENCH_RUNTIME=source runs them through tsx instead, see
 * bench/proc.ts); the closed-loop load generator (bench/load.ts) runs in this process and only
 * talks to 127.0.0.1.
 *
 * The targets are judged on paired rounds: each round measures the bare GET and the API GET back to
 * back (in alternating order) and the API list, and the verdicts use the median over the rounds of
 * the per-round ratio (and of the list's p99). On a shared 2-CPU machine the bare route alone moves
 * by up to 1.8× between runs a minute apart; a ratio of runs seconds apart cancels most of that.
 *
 * Options: --quick (1,000 VPCs, shorter runs), --vpcs N, --duration S, --warmup S,
 * --concurrency C, --create-concurrency C, --rounds R (5; 3 with --quick), --cpu-prof DIR (profile
 * the API server; written when it stops), --json FILE (also write the figures as JSON).
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, release } from "node:os";
import { performance } from "node:perf_hooks";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { VERSION } from "../src/main.ts";
import { BENCH_REGION } from "./common.ts";
import { getRequest, openConnections, postRequest } from "./load.ts";
import { CHILD_RUNTIME, PROJECT_ROOT, type ServerChild, cleanup, cleanupSync, memoryOf, startServer, tempDir } from "./proc.ts";
import { type Figure, MB, check, createBenchAccount, createVpcs, fmt, listPages, measure as measureNow, table, waitForQuiet } from "./scenario.ts";

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    vpcs: { type: "string" },
    duration: { type: "string" },
    warmup: { type: "string" },
    concurrency: { type: "string" },
    "create-concurrency": { type: "string" },
    rounds: { type: "string" },
    "cpu-prof": { type: "string" },
    json: { type: "string" },
  },
});

const num = (v: string | undefined, fallback: number) => {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`not a positive number: ${v}`);
  return n;
};

const quick = flags.quick ?? false;
const settings = {
  vpcs: Math.floor(num(flags.vpcs, quick ? 1_000 : 10_000)),
  durationMs: num(flags.duration, quick ? 2 : 5) * 1000,
  warmupMs: num(flags.warmup, quick ? 1 : 2) * 1000,
  /** Unloaded-latency runs (one connection) are shorter. */
  latencyDurationMs: quick ? 1000 : 3000,
  concurrency: Math.floor(num(flags.concurrency, 32)),
  createConcurrency: Math.floor(num(flags["create-concurrency"], 16)),
  rounds: Math.floor(num(flags.rounds, quick ? 3 : 5)),
  /** Each paired round's runs. */
  roundWarmupMs: 1000,
  roundDurationMs: quick ? 2000 : 3000,
};

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const TARGETS = { getRatio: 0.5, listP99Ms: 20, rssMb: 200 };

/** Seconds spent waiting for other processes to quiet down before runs. */
let waited = 0;
const QUIET_WAIT_MS = 5000;

/** A measurement, after waiting (briefly) for the rest of the machine to be idle. */
async function measure(...args: Parameters<typeof measureNow>): Promise<Figure> {
  waited += (await waitForQuiet(QUIET_WAIT_MS)) / 1000;
  return measureNow(...args);
}

const loaded = { concurrency: settings.concurrency, warmupMs: settings.warmupMs, durationMs: settings.durationMs };
const short = { warmupMs: Math.min(settings.warmupMs, 1000), durationMs: settings.latencyDurationMs };

/** V8 heap and external memory of the API server, from its own /metrics (prom-client default metrics). */
async function heapOf(server: ServerChild): Promise<{ heapUsedMb: number; heapTotalMb: number; externalMb: number } | null> {
  try {
    const [conn] = await openConnections(server.host, server.port, 1);
    const res = await conn!.send(getRequest(server.host, server.port, "/metrics"));
    conn!.close();
    const text = res.body.toString("utf8");
    const metric = (name: string) => Number(new RegExp(`^\\w*${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, "m").exec(text)?.[1] ?? NaN) / MB;
    return { heapUsedMb: metric("nodejs_heap_size_used_bytes"), heapTotalMb: metric("nodejs_heap_size_total_bytes"), externalMb: metric("nodejs_external_memory_bytes") };
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// The run

/** The commit measured, and whether src/ had uncommitted changes (figures are for the working tree). */
function revision(): string {
  try {
    const git = (...args: string[]) => execFileSync("git", args, { cwd: PROJECT_ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const head = git("rev-parse", "--short", "HEAD");
    const dirty = git("status", "--porcelain", "--", "src").split("\n").filter(Boolean).length;
    return dirty ? `${head} + uncommitted changes to ${dirty} path(s) under src/` : head;
  } catch {
    return "unknown (not a git checkout)";
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const cpuModel = cpus()[0]?.model ?? "unknown CPU";
  const rev = revision();
  console.log(`vpcpeer ${VERSION} benchmarks — ${new Date().toISOString()} — revision ${rev}`);
  console.log(`machine: ${availableParallelism()} CPUs (${cpuModel}), Linux ${release()}, node ${process.version}, load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  console.log(
    `settings: ${settings.vpcs.toLocaleString("en-US")} VPCs, ${settings.concurrency} connections, ${settings.warmupMs / 1000} s warm-up + ${settings.durationMs / 1000} s per run, store SQLite, server children ${CHILD_RUNTIME === "compiled" ? "compiled JS (dist/)" : "from source (tsx)"}${quick ? " (--quick)" : ""}\n`,
  );

  // The API server over a fresh SQLite store with one account, and the bare baseline.
  const dataDir = tempDir("vpcpeer-bench-");
  const token = await createBenchAccount(dataDir);
  const profDir = flags["cpu-prof"] ? resolve(flags["cpu-prof"]) : undefined;
  const api = await startServer("api", ["--data", dataDir, "--ephemeral"], profDir ? ["--cpu-prof", `--cpu-prof-dir=${profDir}`] : []);
  const bare = await startServer("bare", []);
  const bareRss = memoryOf(bare.pid).rss / MB;

  // 1. Creates (which also seed the store for the reads).
  process.stderr.write(`create: ${settings.vpcs} VPCs + subnets, ${settings.createConcurrency} connections\n`);
  waited += (await waitForQuiet(QUIET_WAIT_MS)) / 1000;
  const created = await createVpcs(api, token, settings.vpcs, settings.createConcurrency);
  process.stderr.write(`  ${fmt(created.createsPerSec, 0)} creates/s, RSS after ${fmt(created.rssAfterMb, 1)} MB\n`);
  const heapAfterCreates = await heapOf(api);
  const pages = await listPages(api, token, settings.vpcs);
  // The yardsticks (see bench/server.ts): the API's GET reads, on its store, without the framework around them.
  const floor = await startServer("floor", ["--data", dataDir]);
  // The same service with its read cache off: what every read costs when it runs its statement
  // (as after a write by the same account, or on PostgreSQL).
  const uncached = await startServer("api", ["--data", dataDir, "--read-cache-mb", "0"]);

  const getApi = created.ids.map((id) => getRequest(api.host, api.port, `/api/v1/vpcs/${id}`, token));
  const getFloor = created.ids.map((id) => getRequest(floor.host, floor.port, `/api/v1/vpcs/${id}`, token));
  const getUncached = created.ids.map((id) => getRequest(uncached.host, uncached.port, `/api/v1/vpcs/${id}`, token));
  const listUncached = pages.map((p) => getRequest(uncached.host, uncached.port, p, token));
  const getBare = created.ids.slice(0, 1000).map((id) => getRequest(bare.host, bare.port, `/api/v1/vpcs/${id}`, token));
  const listApi = pages.map((p) => getRequest(api.host, api.port, p, token));
  const listBare = [getRequest(bare.host, bare.port, "/api/v1/vpcs?limit=100", token)];
  const postBare = Array.from({ length: 100 }, (_, i) =>
    postRequest(bare.host, bare.port, "/api/v1/vpcs", { name: `bench-${i}`, region: BENCH_REGION, cidr: "10.0.0.0/16", tags: { bench: "1" } }, token),
  );

  // Same shapes on both sides, checked once.
  const apiBytes = JSON.stringify(await check(api, getApi[0]!, 200, "GET /api/v1/vpcs/{id}")).length;
  const bareBytes = JSON.stringify(await check(bare, getBare[0]!, 200, "GET /api/v1/vpcs/{id}")).length;
  const floorBytes = JSON.stringify(await check(floor, getFloor[0]!, 200, "GET /api/v1/vpcs/{id}")).length;
  const apiList = (await check(api, listApi[0]!, 200, "GET /api/v1/vpcs?limit=100")) as { items: unknown[] };
  const bareList = (await check(bare, listBare[0]!, 200, "GET /api/v1/vpcs?limit=100")) as { items: unknown[] };
  if (apiList.items.length !== 100 || bareList.items.length !== 100) throw new Error("a list page did not have 100 items");
  const apiListBytes = JSON.stringify(apiList).length;
  const bareListBytes = JSON.stringify(bareList).length;

  // 2 and 3. Reads; the bare GET baseline runs first and last, to expose drift.
  process.stderr.write("reads:\n");
  const bareGet1 = await measure("bare GET /vpcs/{id} [1]", bare, getBare, loaded);
  const apiGet = await measure("api  GET /vpcs/{id}", api, getApi, loaded);
  const floorGet = await measure("floor GET /vpcs/{id}", floor, getFloor, loaded);
  const uncachedGet = await measure("uncached api GET /vpcs/{id}", uncached, getUncached, loaded);
  const bareListF = await measure("bare GET /vpcs?limit=100", bare, listBare, loaded);
  const apiListF = await measure("api  GET /vpcs?limit=100", api, listApi, loaded);
  const uncachedList = await measure("uncached api GET /vpcs?limit=100", uncached, listUncached, loaded);
  const apiGet1 = await measure("api  GET /vpcs/{id}", api, getApi, { ...short, concurrency: 1 });
  const apiList1 = await measure("api  GET /vpcs?limit=100", api, listApi, { ...short, concurrency: 1 });
  const barePost = await measure("bare POST /vpcs", bare, postBare, { ...short, concurrency: settings.createConcurrency, expectStatus: 201 });
  const bareGet2 = await measure("bare GET /vpcs/{id} [2]", bare, getBare, loaded);
  const endMem = memoryOf(api.pid);

  // Paired rounds: what the targets are judged on (see the header).
  process.stderr.write(`paired rounds (${settings.rounds}):\n`);
  const round = { concurrency: settings.concurrency, warmupMs: settings.roundWarmupMs, durationMs: settings.roundDurationMs };
  const rounds: { bareGet: Figure; apiGet: Figure; floorGet: Figure; apiList: Figure; uncachedGet: Figure; uncachedList: Figure }[] = [];
  for (let i = 0; i < settings.rounds; i++) {
    const bareFirst = i % 2 === 0;
    const first = await measure(`round ${i + 1}: ${bareFirst ? "bare" : "api "} GET`, bareFirst ? bare : api, bareFirst ? getBare : getApi, round);
    const second = await measure(`round ${i + 1}: ${bareFirst ? "api " : "bare"} GET`, bareFirst ? api : bare, bareFirst ? getApi : getBare, round);
    const floorGet = await measure(`round ${i + 1}: floor GET`, floor, getFloor, round);
    const apiList = await measure(`round ${i + 1}: api  list`, api, listApi, round);
    const uncachedGet = await measure(`round ${i + 1}: uncached GET`, uncached, getUncached, round);
    const uncachedList = await measure(`round ${i + 1}: uncached list`, uncached, listUncached, round);
    rounds.push({ bareGet: bareFirst ? first : second, apiGet: bareFirst ? second : first, floorGet, apiList, uncachedGet, uncachedList });
  }
  const roundRatios = rounds.map((r) => r.apiGet.rps / r.bareGet.rps);
  const floorRatios = rounds.map((r) => r.floorGet.rps / r.bareGet.rps);
  const roundListP99 = rounds.map((r) => r.apiList.p99);
  const pairedRatio = median(roundRatios);
  const pairedListP99 = median(roundListP99);
  const uncachedRatios = rounds.map((r) => r.uncachedGet.rps / r.bareGet.rps);
  const uncachedListP99 = rounds.map((r) => r.uncachedList.p99);

  // The yardstick reads the API's store: stop it before the API server deletes it.
  await floor.stop();
  await uncached.stop();
  await api.stop();
  await bare.stop();
  if (profDir) process.stderr.write(`CPU profile of the API server written to ${profDir}\n`);

  const figures: Figure[] = [bareGet1, apiGet, uncachedGet, floorGet, bareListF, apiListF, uncachedList, apiGet1, apiList1, barePost, bareGet2];
  const roundFigures = rounds.flatMap((r) => [r.bareGet, r.apiGet, r.floorGet, r.apiList, r.uncachedGet, r.uncachedList]);
  // The better of the two runs: other processes can only slow a run down, and a slowed-down
  // baseline would flatter every ratio.
  const bareGetRps = Math.max(bareGet1.rps, bareGet2.rps);
  const bareGetDrift = Math.abs(bareGet1.rps - bareGet2.rps) / bareGetRps;
  const bytesOf = new Map<Figure, number>([
    [bareGet1, bareBytes],
    [bareGet2, bareBytes],
    [apiGet, apiBytes],
    [apiGet1, apiBytes],
    [floorGet, floorBytes],
    [uncachedGet, apiBytes],
    [uncachedList, apiListBytes],
    [bareListF, bareListBytes],
    [apiListF, apiListBytes],
    [apiList1, apiListBytes],
  ]);
  const ratios = new Map<Figure, string>([
    [bareGet1, "baseline"],
    [bareGet2, "baseline"],
    [apiGet, fmt(apiGet.rps / bareGetRps, 3)],
    [floorGet, fmt(floorGet.rps / bareGetRps, 3)],
    [uncachedGet, fmt(uncachedGet.rps / bareGetRps, 3)],
    [uncachedList, fmt(uncachedList.rps / bareGetRps, 3)],
    [apiListF, fmt(apiListF.rps / bareGetRps, 3)],
    [apiGet1, fmt(apiGet1.rps / bareGetRps, 3)],
    [apiList1, fmt(apiList1.rps / bareGetRps, 3)],
    [bareListF, fmt(bareListF.rps / bareGetRps, 3)],
  ]);
  const errorsTotal = [...figures, ...roundFigures].reduce((a, f) => a + f.errors, 0);

  console.log(
    "\nReads (closed loop on keep-alive connections; latency in ms; 'µs CPU/req' is the server's CPU time per request; the CPU columns are in cores, 1.00 = one core busy)\n",
  );
  console.log(
    table(
      ["run", "conns", "req/s", "p50", "p90", "p99", "max", "÷ bare GET", "µs CPU/req", "server CPU", "client CPU", "other CPU", "body bytes", "errors"],
      figures.map((f) => [
        f.name,
        String(f.concurrency),
        fmt(f.rps, 0),
        fmt(f.p50, 2),
        fmt(f.p90, 2),
        fmt(f.p99, 2),
        fmt(f.max, 1),
        ratios.get(f) ?? "",
        fmt((f.serverCpu / f.rps) * 1e6, 0),
        fmt(f.serverCpu, 2),
        fmt(f.clientCpu, 2),
        fmt(f.otherCpu, 2),
        String(bytesOf.get(f) ?? ""),
        String(f.errors),
      ]),
    ),
  );
  const usPerReq = (f: Figure) => fmt((f.serverCpu / f.rps) * 1e6, 0);
  // Server CPU per request is less sensitive to other processes than req/s; its ratio is a cross-check.
  const cpuRatio = Math.min(bareGet1.serverCpu / bareGet1.rps, bareGet2.serverCpu / bareGet2.rps) / (apiGet.serverCpu / apiGet.rps);
  console.log(
    `\nbare GET baseline: ${fmt(bareGetRps, 0)} req/s, the better of runs [1] and [2] (they differ by ${fmt(bareGetDrift * 100, 1)}%).` +
      `\ncross-check, by server CPU per request: the API GET costs ${fmt(1 / cpuRatio, 1)}× the bare route's CPU (ratio ${fmt(cpuRatio, 3)}).` +
      `\napi list ÷ bare list (a fixed 100-item page of the same size, no store): ${fmt(apiListF.rps / bareListF.rps, 3)}.` +
      `\nserver CPU per request (loaded runs): get ${usPerReq(apiGet)} µs vs bare ${usPerReq(bareGet1)} µs; list ${usPerReq(apiListF)} µs vs bare ${usPerReq(bareListF)} µs.` +
      `\nfloor: a yardstick, not the product (see bench/server.ts): a bare route doing the GET's one statement, token lookup remembered: ${usPerReq(floorGet)} µs per request.`,
  );

  console.log(`\nPaired rounds (${settings.concurrency} connections; ${settings.roundWarmupMs / 1000} s warm-up + ${settings.roundDurationMs / 1000} s each; the bare and API GET of a round run back to back)\n`);
  console.log(
    table(
      ["round", "bare GET req/s", "api GET req/s", "÷ bare", "uncached ÷ bare", "floor ÷ bare", "µs CPU/req: bare", "api", "uncached", "floor", "api list req/s", "list p50", "list p99", "uncached list p99", "other CPU (max)"],
      rounds.map((r, i) => [
        String(i + 1),
        fmt(r.bareGet.rps, 0),
        fmt(r.apiGet.rps, 0),
        fmt(roundRatios[i]!, 3),
        fmt(uncachedRatios[i]!, 3),
        fmt(floorRatios[i]!, 3),
        fmt((r.bareGet.serverCpu / r.bareGet.rps) * 1e6, 0),
        fmt((r.apiGet.serverCpu / r.apiGet.rps) * 1e6, 0),
        fmt((r.uncachedGet.serverCpu / r.uncachedGet.rps) * 1e6, 0),
        fmt((r.floorGet.serverCpu / r.floorGet.rps) * 1e6, 0),
        fmt(r.apiList.rps, 0),
        fmt(r.apiList.p50, 2),
        fmt(r.apiList.p99, 2),
        fmt(r.uncachedList.p99, 2),
        fmt(Math.max(r.bareGet.otherCpu, r.apiGet.otherCpu, r.floorGet.otherCpu, r.apiList.otherCpu, r.uncachedGet.otherCpu, r.uncachedList.otherCpu), 2),
      ]),
    ),
  );
  console.log(
    `\nmedian over the rounds: GET ratio ${fmt(pairedRatio, 3)} (range ${fmt(Math.min(...roundRatios), 3)}–${fmt(Math.max(...roundRatios), 3)}); the floor yardstick ${fmt(median(floorRatios), 3)}; list p99 ${fmt(pairedListP99, 2)} ms (worst ${fmt(Math.max(...roundListP99), 2)} ms).` +
      `\nwith the read cache off (every read runs its statement): GET ratio ${fmt(median(uncachedRatios), 3)}, list p99 ${fmt(median(uncachedListP99), 2)} ms.`,
  );

  console.log("\nCreates (a VPC, then one subnet in it, per create; through the API; 'first/last 10%' are creates/s over the first and last tenth)\n");
  console.log(
    table(
      ["VPCs", "conns", "seconds", "creates/s", "first 10%", "last 10%", "HTTP req/s", "÷ bare POST", "pair p50", "pair p99", "server CPU", "other CPU", "RSS before", "RSS after", "peak RSS"],
      [
        [
          created.vpcs.toLocaleString("en-US"),
          String(created.concurrency),
          fmt(created.seconds, 1),
          fmt(created.createsPerSec, 0),
          fmt(created.firstTenthPerSec, 0),
          fmt(created.lastTenthPerSec, 0),
          fmt(created.requestsPerSec, 0),
          fmt(created.requestsPerSec / barePost.rps, 3),
          fmt(created.pairP50, 2),
          fmt(created.pairP99, 2),
          fmt(created.serverCpu, 2),
          fmt(created.otherCpu, 2),
          `${fmt(created.rssBeforeMb, 1)} MB`,
          `${fmt(created.rssAfterMb, 1)} MB`,
          `${fmt(created.peakRssMb, 1)} MB`,
        ],
      ],
    ),
  );
  const heapText = heapAfterCreates
    ? `V8 heap after the creates: ${fmt(heapAfterCreates.heapUsedMb, 1)} MB used of ${fmt(heapAfterCreates.heapTotalMb, 1)} MB, external ${fmt(heapAfterCreates.externalMb, 1)} MB. `
    : "";
  console.log(
    `\n${heapText}RSS of the API server at the end of the reads: ${fmt(endMem.rss / MB, 1)} MB (peak ${fmt(endMem.peak / MB, 1)} MB); of the idle bare server: ${fmt(bareRss, 1)} MB.`,
  );

  // Targets (stated for 10,000 VPCs on SQLite).
  const getRatio = apiGet.rps / bareGetRps;
  const verdict = (ok: boolean) => (ok ? "MET" : "MISSED");
  const scaleNote = settings.vpcs === 10_000 ? "" : ` (NB: ${settings.vpcs.toLocaleString("en-US")} VPCs; the targets are stated for 10,000)`;
  console.log(`\nTargets${scaleNote}\n`);
  console.log(
    table(
      ["target", "measured", "verdict"],
      [
        [`GET /vpcs/{id} req/s ≥ ${TARGETS.getRatio} × bare route (${settings.concurrency} conns; median of ${settings.rounds} paired rounds)`, `${fmt(pairedRatio, 3)} ×`, verdict(pairedRatio >= TARGETS.getRatio)],
        [`  the same, single runs: API ÷ the better of the two bare runs`, `${fmt(getRatio, 3)} × (${fmt(apiGet.rps, 0)} vs ${fmt(bareGetRps, 0)} req/s)`, "(info)"],
        [`list p99 < ${TARGETS.listP99Ms} ms, loaded (${settings.concurrency} conns; median of ${settings.rounds} rounds)`, `${fmt(pairedListP99, 2)} ms (worst round ${fmt(Math.max(...roundListP99), 2)} ms)`, verdict(pairedListP99 < TARGETS.listP99Ms)],
        [`  the same, the single loaded list run`, `${fmt(apiListF.p99, 2)} ms`, "(info)"],
        [`list p99 < ${TARGETS.listP99Ms} ms, unloaded (1 conn)`, `${fmt(apiList1.p99, 2)} ms`, verdict(apiList1.p99 < TARGETS.listP99Ms)],
        [`server RSS after the creates < ${TARGETS.rssMb} MB`, `${fmt(created.rssAfterMb, 1)} MB`, verdict(created.rssAfterMb < TARGETS.rssMb)],
        [`  with the read cache off: GET ratio; list p99 (medians of the rounds)`, `${fmt(median(uncachedRatios), 3)} ×; ${fmt(median(uncachedListP99), 2)} ms`, "(info)"],
      ],
      false,
    ),
  );
  if (errorsTotal > 0) console.log(`\nWARNING: ${errorsTotal} requests got an unexpected status; the figures above are not valid.`);
  const clientBound = figures.filter((f) => f.clientCpu > 0.9);
  if (clientBound.length) console.log(`\nNOTE: the load generator used > 90% of a core in: ${clientBound.map((f) => `${f.name.replace(/\s+/g, " ")} (${f.concurrency} conns)`).join("; ")}; those figures may be client-bound.`);
  const noisy = [...figures, ...roundFigures, created].filter((f) => f.otherCpu > 0.15);
  if (noisy.length) {
    const label = (f: Figure | typeof created) => ("name" in f ? `${f.name.replace(/\s+/g, " ")} (${f.concurrency} conns)` : "create");
    console.log(`\nNOTE: other processes used > 0.15 cores during: ${noisy.map(label).join("; ")}; those figures are disturbed.`);
  }
  console.log(`\ntotal time ${fmt((performance.now() - started) / 1000, 0)} s (of which ${fmt(waited, 0)} s waiting for other processes to go quiet)`);

  if (flags.json) {
    const { ids: _ids, ...createFigures } = created;
    writeFileSync(
      flags.json,
      JSON.stringify(
        {
          date: new Date().toISOString(),
          revision: rev,
          machine: { cpus: availableParallelism(), cpuModel, kernel: release(), node: process.version },
          settings,
          serverRuntime: CHILD_RUNTIME,
          reads: figures,
          rounds: rounds.map((r, i) => ({ ...r, getRatio: roundRatios[i], floorRatio: floorRatios[i], uncachedRatio: uncachedRatios[i] })),
          baseline: { bareGetRps, bareGetDrift, getCpuRatio: cpuRatio },
          creates: createFigures,
          apiRssAtEndMb: endMem.rss / MB,
          heapAfterCreates,
          bareRssMb: bareRss,
          targets: { getRatio: pairedRatio, getRatioSingleRuns: getRatio, listP99Ms: pairedListP99, listP99MsSingleRun: apiListF.p99, listP99MsOneConnection: apiList1.p99, rssAfterCreatesMb: created.rssAfterMb },
          bodyBytes: { get: { api: apiBytes, bare: bareBytes, floor: floorBytes }, list: { api: apiListBytes, bare: bareListBytes } },
        },
        null,
        2,
      ) + "\n",
    );
  }
}

process.on("exit", cleanupSync);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    void cleanup().finally(() => process.exit(130));
  });
}

try {
  await main();
} catch (e) {
  console.error(`\nbenchmark failed: ${(e as Error).stack ?? String(e)}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
