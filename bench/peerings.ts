/**
 * Peering benchmark (part of `npm run bench`): with 10,000 VPCs and 20,000 peerings stored,
 *
 *   1. create+accept   a cross-account peering request and its acceptance through HTTP, as one
 *                      operation: operations/s and latency
 *   2. list            GET /api/v1/peerings?limit=100 of one account (about 400 peerings visible
 *                      to it, as requester or accepter): requests/s and p99, beside the bare
 *                      Fastify list route of the same process kind (ratio)
 *
 * The store is seeded in this process through the same services the API uses (many creates per
 * transaction, to keep the seeding short), then served by a child process (bench/server.ts).
 *
 * Options: --quick (1,000 VPCs, 2,000 peerings), --duration S, --concurrency C, --json FILE.
 */
import { writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { openRuntime } from "../src/main.ts";
import { BENCH_REGION, benchConfig, benchMasterKey } from "./common.ts";
import { Connection, getRequest, postRequest } from "./load.ts";
import { cleanup, cleanupSync, memoryOf, startServer, tempDir } from "./proc.ts";
import { fmt, measure, table } from "./scenario.ts";

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    duration: { type: "string" },
    concurrency: { type: "string" },
    json: { type: "string" },
  },
});
const quick = flags.quick ?? false;
const VPCS = quick ? 1_000 : 10_000;
const ACCOUNTS = quick ? 10 : 100;
const durationMs = Number(flags.duration ?? (quick ? 2 : 5)) * 1000;
const concurrency = Number(flags.concurrency ?? 16);
/** Spare VPC pairs for the create+accept measurement (each operation uses a fresh pair). */
const SPARE_PAIRS = quick ? 1_000 : 4_000;

process.on("exit", cleanupSync);
process.on("SIGINT", () => void cleanup().then(() => process.exit(130)));

/** The k-th /24 inside 10.0.0.0/8, so that no two benchmark VPCs overlap. */
const net = (k: number) => `10.${(k >> 8) & 255}.${k & 255}.0/24`;

interface Seeded {
  dataDir: string;
  tokens: string[];
  accountIds: string[];
  /** Spare pairs [requesterIndex, vpcA, accepterIndex, vpcB] for create+accept. */
  spare: [number, string, number, string][];
  peerings: number;
  seconds: number;
}

async function seed(): Promise<Seeded> {
  const dataDir = tempDir("vpcpeer-bench-peer-");
  const config = benchConfig();
  config.limits.pendingPeeringsPerAccount = 1_000_000;
  const t0 = performance.now();
  const rt = await openRuntime({ dataDir, config, masterKey: benchMasterKey() });
  const s = rt.services;
  const tokens: string[] = [];
  const accountIds: string[] = [];
  for (let i = 0; i < ACCOUNTS; i++) {
    const c = await s.accounts.create(`bench${i}`);
    tokens.push(c.token);
    accountIds.push(c.accountId);
  }
  const vpcIds: string[] = [];
  const total = VPCS + 2 * SPARE_PAIRS;
  const BATCH = 250;
  for (let start = 0; start < total; start += BATCH) {
    await rt.store.transaction(async () => {
      for (let k = start; k < Math.min(total, start + BATCH); k++) {
        const v = await s.vpcs.create({ accountId: accountIds[k % ACCOUNTS]! }, { name: `v${k}`, region: BENCH_REGION, cidr: net(k) });
        vpcIds.push(v.id);
      }
    });
  }
  // Two peerings per VPC (k with k+1 and k+3): 2 × VPCS peerings, all across accounts.
  let peerings = 0;
  for (let start = 0; start < VPCS; start += BATCH) {
    await rt.store.transaction(async () => {
      for (let k = start; k < Math.min(VPCS, start + BATCH); k++) {
        for (const d of [1, 3]) {
          const j = (k + d) % VPCS;
          const p = await s.peerings.create({ accountId: accountIds[k % ACCOUNTS]! }, { vpcId: vpcIds[k]!, peerVpcId: vpcIds[j]!, peerAccountId: accountIds[j % ACCOUNTS]! });
          await s.peerings.accept({ accountId: accountIds[j % ACCOUNTS]! }, p.id);
          peerings++;
        }
      }
    });
  }
  const spare: Seeded["spare"] = [];
  for (let i = 0; i < SPARE_PAIRS; i++) {
    const a = VPCS + 2 * i;
    const b = a + 1;
    spare.push([a % ACCOUNTS, vpcIds[a]!, b % ACCOUNTS, vpcIds[b]!]);
  }
  await rt.close();
  return { dataDir, tokens, accountIds, spare, peerings, seconds: (performance.now() - t0) / 1000 };
}

/** Closed loop of create+accept operations over fresh VPC pairs; each operation is two requests. */
async function createAccept(host: string, port: number, seeded: Seeded) {
  const conns = await Promise.all(Array.from({ length: concurrency }, () => Connection.open(host, port)));
  let next = 0;
  let stop = false;
  const latencies: number[] = [];
  let errors = 0;
  let firstError = "";
  const worker = async (c: Connection) => {
    while (!stop && next < seeded.spare.length) {
      const [ri, vpcA, ai, vpcB] = seeded.spare[next++]!;
      const t0 = performance.now();
      const created = await c.send(postRequest(host, port, "/api/v1/peerings", { vpcId: vpcA, peerVpcId: vpcB, peerAccountId: seeded.accountIds[ai] }, seeded.tokens[ri]));
      if (created.status !== 201) {
        errors++;
        firstError ||= `create: HTTP ${created.status} ${created.body.toString().slice(0, 200)}`;
        continue;
      }
      const id = (JSON.parse(created.body.toString()) as { id: string }).id;
      const accepted = await c.send(postRequest(host, port, `/api/v1/peerings/${id}/accept`, {}, seeded.tokens[ai]));
      if (accepted.status !== 200) {
        errors++;
        firstError ||= `accept: HTTP ${accepted.status} ${accepted.body.toString().slice(0, 200)}`;
        continue;
      }
      latencies.push(performance.now() - t0);
    }
  };
  const t0 = performance.now();
  const timer = setTimeout(() => (stop = true), durationMs);
  await Promise.all(conns.map(worker));
  clearTimeout(timer);
  const seconds = (performance.now() - t0) / 1000;
  for (const c of conns) c.close();
  const sorted = Float64Array.from(latencies).sort();
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
  return { ops: sorted.length, opsPerS: sorted.length / seconds, p50: pct(50), p99: pct(99), errors, firstError };
}

try {
  console.log(`seeding ${VPCS.toLocaleString()} VPCs and ${(2 * VPCS).toLocaleString()} peerings across ${ACCOUNTS} accounts…`);
  const seeded = await seed();
  console.log(`seeded ${seeded.peerings.toLocaleString()} peerings in ${seeded.seconds.toFixed(1)} s (${fmt((seeded.peerings) / seeded.seconds, 0)} create+accept/s in-process, 250 per transaction)`);
  const api = await startServer("api", ["--data", seeded.dataDir]);
  const bare = await startServer("bare", []);

  const listReq = [getRequest(api.host, api.port, "/api/v1/peerings?limit=100", seeded.tokens[0])];
  const list = await measure("list peerings (100)", api, listReq, { concurrency: 8, warmupMs: 1000, durationMs, expectStatus: 200 });
  const bareList = await measure("bare list (100)", bare, [getRequest(bare.host, bare.port, "/api/v1/vpcs", undefined)], { concurrency: 8, warmupMs: 1000, durationMs, expectStatus: 200 });
  const ops = await createAccept(api.host, api.port, seeded);
  const rss = memoryOf(api.pid).rss;

  console.log(
    "\n" +
      table(
        ["benchmark", "req/s or ops/s", "p50 ms", "p99 ms", "ratio to bare", "target"],
        [
          ["list an account's peerings (limit 100)", fmt(list.rps, 0), fmt(list.p50, 2), fmt(list.p99, 2), fmt(list.rps / bareList.rps, 2), "(none set)"],
          ["bare Fastify list route (100 items)", fmt(bareList.rps, 0), fmt(bareList.p50, 2), fmt(bareList.p99, 2), "1.00", ""],
          [`create+accept over HTTP (c=${concurrency})`, fmt(ops.opsPerS, 0), fmt(ops.p50, 2), fmt(ops.p99, 2), "", ""],
        ],
      ),
  );
  console.log(`server RSS after: ${(rss / 1024 / 1024).toFixed(0)} MB; create+accept errors: ${ops.errors}${ops.firstError ? ` (${ops.firstError})` : ""}`);
  if (flags.json) writeFileSync(flags.json, JSON.stringify({ seeded: { vpcs: VPCS, peerings: seeded.peerings, seconds: seeded.seconds }, list, bareList, createAccept: ops, rss }, null, 2));
} finally {
  await cleanup();
}
