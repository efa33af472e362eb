/**
 * Paging benchmark (#17, part of `npm run bench`): the time of one page of a list when the account
 * owns 1,000 VPCs and when it owns 100,000, as a ratio measured in one run. Goal ≤ 1.3× for the
 * native list and one Describe call of each dialect (Tencent DescribeVpcs, Alibaba DescribeVpcs,
 * AWS DescribeVpcs): a page's cost must not grow with what the account owns.
 *
 * Two temporary SQLite stores, seeded through the store's own repositories in large transactions
 * (rows as the services write them, one tag each), are read in this process with the read cache
 * off, so that every call reads the store. Each call is the dialect's action as its router runs
 * it (parameters parsed and checked, the answer built), without the HTTP and signature layers,
 * which cost the same in both stores (bench/tencent.ts and bench/aws.ts measure them).
 *
 * Each VPC also has a peering with the next VPC and a router interface, each with one tag (#17's
 * last lists: Alibaba DescribeRouterInterfaces, ListVpcPeerConnections, ListTagResources, AWS
 * DescribeVpcPeeringConnections, DescribeTags).
 *
 * Options: --quick (fewer calls), --small N, --large N (VPCs per store), --only A,B (the calls
 * whose name contains one of them), --json FILE.
 */
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { routerInterfaceActions } from "../src/api/aliyun/actions/router-interface.ts";
import { vpcTagActions } from "../src/api/aliyun/actions/tags.ts";
import { vpcActions as aliyunVpcActions } from "../src/api/aliyun/actions/vpc.ts";
import { vpcPeerActions } from "../src/api/aliyun/actions/vpcpeer.ts";
import { Params as AliyunParams } from "../src/api/aliyun/params.ts";
import { EC2_ACTIONS } from "../src/api/aws/actions/index.ts";
import { Params as AwsParams, parseForm } from "../src/api/aws/query.ts";
import { vpcActions as tencentVpcActions } from "../src/api/tencent/actions/vpcs.ts";
import { openRuntime, type Runtime } from "../src/main.ts";
import { riRow, vpcRow } from "../test/support/store-rows.ts";
import { BENCH_REGION, benchConfig, benchMasterKey } from "./common.ts";
import { cleanup, cleanupSync, tempDir } from "./proc.ts";
import { fmt, table } from "./scenario.ts";

const { values: flags } = parseArgs({
  options: { quick: { type: "boolean", default: false }, small: { type: "string" }, large: { type: "string" }, json: { type: "string" }, only: { type: "string" } },
});
const SMALL = Number(flags.small ?? 1_000);
const LARGE = Number(flags.large ?? 100_000);
const CALLS = flags.quick ? 200 : 1_000;
const GOAL = 1.3;
/**
 * Calls outside the goal: a TotalCount of the matches of a filter counts the matches (here a
 * tenth of the account's VPCs), so it grows with them; shown for what it costs.
 */
const COUNTS_MATCHES = new Set(["Tencent DescribeVpcs tag:bench=3"]);
process.on("exit", cleanupSync);
process.on("SIGINT", () => void cleanup().then(() => process.exit(130)));

interface Seeded {
  rt: Runtime;
  accountId: string;
}

/** A store whose account owns `n` VPCs in BENCH_REGION, inserted through the store in batches of 5,000 rows. */
async function seed(n: number): Promise<Seeded> {
  const rt = await openRuntime({ dataDir: tempDir("vpcpeer-bench-pages-"), config: benchConfig(), masterKey: benchMasterKey(), readCacheMb: 0 });
  const { accountId } = await rt.services.accounts.create("pages-bench");
  const t0 = Date.parse("2026-01-01T00:00:00.000Z");
  for (let start = 0; start < n; start += 5_000) {
    await rt.store.transaction(async (r) => {
      for (let i = start; i < Math.min(n, start + 5_000); i++) {
        const at = new Date(t0 + i * 1000).toISOString();
        const suffix = i.toString(36).padStart(12, "0");
        await r.vpcs.insert(vpcRow(`vpc-${suffix}`, accountId, BENCH_REGION, { name: `bench-${i}`, cidr: `10.${(i >> 8) & 255}.${i & 255}.0/24`, created_at: at, updated_at: at }), { bench: String(i % 10) });
        // A peering of this VPC with the next one, and a router interface on it (#17's last lists).
        const next = (i + 1) % n;
        await r.peerings.insert(
          {
            id: `pcx-${suffix}`,
            origin: "peering",
            name: `bench-${i}`,
            description: "",
            requester_account_id: accountId,
            requester_router_type: "vpc",
            requester_router_id: `vpc-${suffix}`,
            requester_region: BENCH_REGION,
            requester_cidrs: JSON.stringify([`10.${(i >> 8) & 255}.${i & 255}.0/24`]),
            accepter_account_id: accountId,
            accepter_router_type: "vpc",
            accepter_router_id: `vpc-${next.toString(36).padStart(12, "0")}`,
            accepter_region: BENCH_REGION,
            accepter_cidrs: JSON.stringify([`10.${(next >> 8) & 255}.${next & 255}.0/24`]),
            state: "active",
            state_reason: null,
            live_pair: null,
            bandwidth_mbps: null,
            charge_type: "pay-as-you-go",
            period_months: null,
            auto_renew: 0,
            expires_at: null,
            term_ends_at: null,
            billed_until: at,
            generation: 1,
            requester_allow_remote_dns: 0,
            accepter_allow_remote_dns: 0,
            created_at: at,
            updated_at: at,
          },
          { accountId, tags: { bench: String(i % 10) } },
        );
        await r.routerInterfaces.insert(riRow(`ri-${suffix}`, accountId, BENCH_REGION, { name: `bench-${i}`, router_id: `vpc-${suffix}`, created_at: at, updated_at: at }), { bench: String(i % 10) });
      }
    });
  }
  return { rt, accountId };
}

/** The calls measured, each a page of up to 100 VPCs (Alibaba's PageSize is at most 50). */
function calls(s: Seeded): Record<string, () => Promise<number>> {
  const { rt, accountId } = s;
  const services = rt.services;
  const region = services.regions.list().find((r) => r.id === BENCH_REGION)!;
  const account = { id: accountId } as never;
  const aws = (body: string, action = "DescribeVpcs", set = "vpcSet") => async () => {
    const p = new AwsParams(parseForm(body, "request body"));
    const out = await EC2_ACTIONS[action]!.run({ services, actor: { accountId, region: BENCH_REGION }, account, region, p, action, requestId: randomUUID() });
    return (out[set] as unknown[]).length;
  };
  const ali = (run: (c: never) => Promise<Record<string, unknown>>, params: Record<string, string>, items: (out: Record<string, unknown>) => unknown[]) => async () =>
    items(await run({ services, actor: { accountId, region: BENCH_REGION }, p: new AliyunParams(Object.entries({ RegionId: BENCH_REGION, ...params })) } as never)).length;
  const tencent = (raw: Record<string, unknown>) => async () => {
    const out = await tencentVpcActions.DescribeVpcs!.handler({ services, actor: { accountId }, region: BENCH_REGION, action: "DescribeVpcs" }, raw);
    return (out.VpcSet as unknown[]).length;
  };
  const aliyun = (params: Record<string, string>) => async () => {
    const out = await aliyunVpcActions.DescribeVpcs!.run({ services, actor: { accountId }, p: new AliyunParams(Object.entries({ RegionId: BENCH_REGION, ...params })) });
    return (out.Vpcs as { Vpc: unknown[] }).Vpc.length;
  };
  return {
    "native list (limit 100)": async () => (await services.vpcs.listJson({ accountId }, {}, { limit: 100 })).items.length,
    "native list, tag filter bench=3": async () => (await services.vpcs.listJson({ accountId }, {}, { limit: 100, tags: [{ key: "bench", value: "3" }] })).items.length,
    "Tencent DescribeVpcs Limit=100": tencent({ Limit: 100 }),
    "Tencent DescribeVpcs Offset=900 Limit=100": tencent({ Offset: 900, Limit: 100 }),
    "Tencent DescribeVpcs tag:bench=3": tencent({ Limit: 100, Filters: [{ Name: "tag:bench", Values: ["3"] }] }),
    "Alibaba DescribeVpcs PageSize=50": aliyun({ PageSize: "50" }),
    "AWS DescribeVpcs MaxResults=100": aws("Action=DescribeVpcs&Version=2016-11-15&MaxResults=100"),
    "AWS DescribeVpcs tag:bench=3": aws("Action=DescribeVpcs&Version=2016-11-15&MaxResults=100&Filter.1.Name=tag%3Abench&Filter.1.Value.1=3"),
    "Alibaba DescribeRouterInterfaces PageSize=50": ali(routerInterfaceActions.DescribeRouterInterfaces!.run, { PageSize: "50" }, (o) => (o.RouterInterfaceSet as { RouterInterfaceType: unknown[] }).RouterInterfaceType),
    "Alibaba ListVpcPeerConnections MaxResults=100": ali(vpcPeerActions.ListVpcPeerConnections!.run, { MaxResults: "100" }, (o) => o.VpcPeerConnects as unknown[]),
    "Alibaba ListTagResources VPC Tag bench=3": ali(vpcTagActions.ListTagResources!.run, { ResourceType: "VPC", "Tag.1.Key": "bench", "Tag.1.Value": "3", MaxResults: "100" }, (o) => (o.TagResources as { TagResource: unknown[] }).TagResource),
    "AWS DescribeVpcPeeringConnections MaxResults=100": aws("Action=DescribeVpcPeeringConnections&Version=2016-11-15&MaxResults=100", "DescribeVpcPeeringConnections", "vpcPeeringConnectionSet"),
    "AWS DescribeTags MaxResults=100": aws("Action=DescribeTags&Version=2016-11-15&MaxResults=100", "DescribeTags", "tagSet"),
  };
}

/** Microseconds per call, the median of five runs of CALLS / 5 calls after a warm-up. */
async function timeUs(f: () => Promise<number>): Promise<number> {
  for (let i = 0; i < 50; i++) await f();
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    for (let i = 0; i < CALLS / 5; i++) await f();
    runs.push(((performance.now() - t0) * 1000) / (CALLS / 5));
  }
  return runs.sort((a, b) => a - b)[2]!;
}

try {
  const t0 = performance.now();
  const small = await seed(SMALL);
  const large = await seed(LARGE);
  console.log(`seeded ${SMALL} and ${LARGE} VPCs in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const a = calls(small);
  const b = calls(large);
  const rows: string[][] = [];
  const results: { name: string; smallUs: number; largeUs: number; ratio: number; items: number }[] = [];
  // --only A,B: the calls whose name contains A or B.
  for (const name of Object.keys(a).filter((n) => flags.only === undefined || flags.only.split(",").some((o) => n.includes(o)))) {
    const items = await a[name]!();
    if (items !== (await b[name]!())) throw new Error(`${name}: the two stores answer pages of different sizes`);
    // Alternate the stores, so that a slower moment of the machine does not fall on one of them.
    const s1 = await timeUs(a[name]!);
    const l1 = await timeUs(b[name]!);
    const s2 = await timeUs(a[name]!);
    const l2 = await timeUs(b[name]!);
    const smallUs = Math.min(s1, s2);
    const largeUs = Math.min(l1, l2);
    const ratio = largeUs / smallUs;
    results.push({ name, smallUs, largeUs, ratio, items });
    rows.push([name, String(items), fmt(smallUs, 0), fmt(largeUs, 0), `${ratio.toFixed(2)}×`, COUNTS_MATCHES.has(name) ? "(counts matches)" : ratio <= GOAL ? "ok" : "OVER"]);
  }
  console.log(table(["call", "items", `µs @ ${SMALL}`, `µs @ ${LARGE}`, "ratio", `≤ ${GOAL}×`], rows));
  if (flags.json) writeFileSync(flags.json, JSON.stringify({ small: SMALL, large: LARGE, calls: CALLS, results }, null, 2));
  await small.rt.close();
  await large.rt.close();
  await cleanup();
  if (results.some((r) => r.ratio > GOAL && !COUNTS_MATCHES.has(r.name))) process.exitCode = 1;
} catch (e) {
  console.error(e);
  await cleanup();
  process.exit(1);
}
