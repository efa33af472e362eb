/**
 * `npx tsx bench/analyze.ts` — the analyzer's two costs, in-process on one core (docs/benchmarks.md,
 * "Analyzer"):
 *
 * 1. Longest-prefix match over one route table of 10,000 routes (nested prefixes /8–/32 in the
 *    private ranges): lookups/s of src/dataplane/lpm.ts (binary search over disjoint ranges)
 *    beside a linear scan of the same routes (the in-run baseline); both answer the same on a
 *    sample, checked before timing. Goal ≥ 5 M lookups/s.
 * 2. One analysis over 1,000 VPCs and 5,000 active peerings (every side routed to the other, so
 *    the average table has ~11 routes; 100 accounts): indexModel once (what a request builds from
 *    the store), then analyze() on random instance pairs, p50/p99/max. Goal p99 < 1 ms.
 *
 * 3. With --store: the same network made through the services on a fresh SQLite store, then
 *    POST /api/v1/analyses through the app (in-process, no socket): what a request costs with the
 *    store read and the index built per request. Seeding takes a minute or two.
 *
 * Options: --routes N (10000), --lookups N (2000000), --vpcs N (1000), --peerings N (5000),
 * --analyses N (20000), --requests N (200), --store, --seed N (1).
 */
import { performance } from "node:perf_hooks";
import { buildApp } from "../src/api/app.ts";
import { openRuntime } from "../src/main.ts";
import { benchConfig, benchMasterKey } from "./common.ts";
import { cleanupSync, tempDir } from "./proc.ts";
import { parseArgs } from "node:util";
import { formatCidr } from "../src/domain/cidr.ts";
import { type AnalysisModel, type PeeringFact, analyze, indexModel } from "../src/dataplane/analyze.ts";
import { Lpm, linearLookup, linearTable } from "../src/dataplane/lpm.ts";
import type { DesiredState } from "../src/dataplane/plan.ts";

const { values: flags } = parseArgs({
  options: {
    routes: { type: "string", default: "10000" },
    lookups: { type: "string", default: "2000000" },
    vpcs: { type: "string", default: "1000" },
    peerings: { type: "string", default: "5000" },
    analyses: { type: "string", default: "20000" },
    seed: { type: "string", default: "1" },
    requests: { type: "string", default: "200" },
    store: { type: "boolean", default: false },
  },
});

let state = Number(flags.seed) >>> 0;
/** mulberry32: the same tables on every run with the same seed. */
function rand(): number {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (n: number) => Math.floor(rand() * n);
const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

// ---- 1. LPM --------------------------------------------------------------------------------------

function lpmBench() {
  const n = Number(flags.routes);
  // Prefixes inside 10.0.0.0/8 and 172.16.0.0/12, lengths /12–/32 weighted towards /16–/28, so they nest.
  const bases = [0x0a000000, 0xac100000];
  const cidrs = new Set<string>();
  while (cidrs.size < n) {
    const len = 12 + Math.min(20, Math.floor(Math.abs(rand() + rand() + rand() - 1.5) * 10) + int(8));
    const base = bases[int(2)]! + int(2 ** 20) * 16;
    cidrs.add(formatCidr({ base: base - (base % 2 ** (32 - len)), prefix: len }));
  }
  const list = [...cidrs];
  const t0 = performance.now();
  const lpm = new Lpm(list);
  const buildMs = performance.now() - t0;
  const lin = linearTable(list);
  // Addresses: 3/4 inside the ranges the routes cover, 1/4 anywhere.
  const m = 1 << 20;
  const ips = new Uint32Array(m);
  for (let i = 0; i < m; i++) ips[i] = rand() < 0.75 ? bases[int(2)]! + int(2 ** 20) * 16 + int(16) : int(2 ** 32);
  for (let i = 0; i < 20_000; i++) {
    const ip = ips[i]!;
    if (lpm.lookup(ip) !== linearLookup(lin, ip)) throw new Error(`LPM disagrees with the linear scan at ${ip}`);
  }
  const lookups = Number(flags.lookups);
  const runs: number[] = [];
  let sink = 0;
  for (let r = 0; r < 7; r++) {
    const s = performance.now();
    for (let i = 0; i < lookups; i++) sink += lpm.lookup(ips[i & (m - 1)]!);
    runs.push(lookups / ((performance.now() - s) / 1000));
  }
  const linRuns: number[] = [];
  const linN = 3_000;
  for (let r = 0; r < 3; r++) {
    const s = performance.now();
    for (let i = 0; i < linN; i++) sink += linearLookup(lin, ips[i]!);
    linRuns.push(linN / ((performance.now() - s) / 1000));
  }
  runs.sort((a, b) => a - b);
  linRuns.sort((a, b) => a - b);
  const hits = Array.from({ length: 100_000 }, (_, i) => lpm.lookup(ips[i]!)).filter((x) => x >= 0).length;
  return { routes: n, ranges: lpm.ranges, buildMs, median: runs[3]!, min: runs[0]!, max: runs[6]!, linear: linRuns[1]!, hitRate: hits / 100_000, sink };
}

// ---- 2. One analysis over a large model -----------------------------------------------------------

function modelOf(nv: number, np: number): { model: AnalysisModel; instances: { id: string; ip: string; owner: string }[] } {
  const id = (p: string, n: number) => `${p}-${n.toString(36).padStart(12, "0")}`;
  const accounts = Array.from({ length: 100 }, (_, i) => String(100000000001 + i));
  const desired: DesiredState = { vpcs: [], subnets: [], routeTables: [], instances: [], vbrs: [], peerings: [] };
  const owners = new Map<string, string>();
  const routes = new Map<string, { id: string; targetType: string; targetId: string }[]>();
  const instances: { id: string; ip: string; owner: string }[] = [];
  // VPC k: a /20 of 10.0.0.0/8 (4,096 fit), one subnet, one instance, its main table.
  const cidrOf = (k: number) => `10.${k >> 4}.${(k & 15) << 4}.0/20`;
  for (let k = 0; k < nv; k++) {
    const owner = accounts[k % accounts.length]!;
    const [v, s, t, i] = [id("vpc", k), id("subnet", k), id("rtb", k), id("ins", k)];
    const ip = `10.${k >> 4}.${((k & 15) << 4) + 1}.2`;
    desired.vpcs.push({ id: v, cidr: cidrOf(k) });
    desired.subnets.push({ id: s, vpcId: v, cidr: `10.${k >> 4}.${((k & 15) << 4) + 1}.0/24`, routeTableId: t });
    desired.routeTables.push({ id: t, vpcId: v, routes: [] });
    desired.instances.push({ id: i, subnetId: s, privateIp: ip });
    for (const x of [v, s, t, i]) owners.set(x, owner);
    instances.push({ id: i, ip, owner });
  }
  const peerings: PeeringFact[] = [];
  const seen = new Set<string>();
  let r = 0;
  while (peerings.length < np) {
    const a = int(nv);
    const b = int(nv);
    const key = a < b ? `${a},${b}` : `${b},${a}`;
    if (a === b || seen.has(key)) continue;
    seen.add(key);
    const p = id("pcx", peerings.length);
    const side = (k: number) => ({ routerType: "vpc" as const, routerId: id("vpc", k), cidrs: [cidrOf(k)] });
    peerings.push({ id: p, state: "active", generation: 1, a: { accountId: owners.get(id("vpc", a))!, ...side(a) }, b: { accountId: owners.get(id("vpc", b))!, ...side(b) } });
    desired.peerings.push({ id: p, a: side(a), b: side(b), bandwidthMbps: null, delayMs: null });
    for (const [me, other] of [[a, b], [b, a]]) {
      const t = desired.routeTables[me!]!;
      t.routes.push({ destinationCidr: cidrOf(other!), peeringId: p });
      const rid = id("rt", r++);
      routes.set(t.id, [...(routes.get(t.id) ?? []), { id: rid, targetType: "peering", targetId: p }]);
      owners.set(rid, owners.get(t.id)!);
    }
  }
  return { model: { desired, routes, owners, peerings, interfacePeering: new Map(), dataplane: { running: false, status: new Map() } }, instances };
}

function analysisBench() {
  const nv = Number(flags.vpcs);
  const np = Number(flags.peerings);
  const { model, instances } = modelOf(nv, np);
  const builds: number[] = [];
  let ix = indexModel(model);
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    ix = indexModel(model);
    builds.push(performance.now() - t0);
  }
  builds.sort((a, b) => a - b);
  // Half the pairs across a peering of the source's VPC (the interesting walks), half random.
  const peersOf = new Map<string, string[]>();
  for (const p of model.peerings) {
    peersOf.set(p.a.routerId, [...(peersOf.get(p.a.routerId) ?? []), p.b.routerId]);
    peersOf.set(p.b.routerId, [...(peersOf.get(p.b.routerId) ?? []), p.a.routerId]);
  }
  const n = Number(flags.analyses);
  const times = new Float64Array(n);
  let reachable = 0;
  // Warm up the JIT on the same path first.
  for (let i = 0; i < 2_000; i++) analyze(ix, { viewer: instances[0]!.owner, from: { instanceId: instances[i % nv]!.id }, toIp: instances[(i * 7) % nv]!.ip });
  for (let i = 0; i < n; i++) {
    const src = instances[int(nv)]!;
    const vpc = `vpc-${src.id.slice(4)}`;
    const peers = peersOf.get(vpc) ?? [];
    const dst = rand() < 0.5 && peers.length > 0 ? instances[parseInt(peers[int(peers.length)]!.slice(4), 36)]! : instances[int(nv)]!;
    const t0 = performance.now();
    const a = analyze(ix, { viewer: src.owner, from: { instanceId: src.id }, toIp: dst.ip });
    times[i] = performance.now() - t0;
    if (a.reachable) reachable++;
  }
  times.sort();
  const q = (p: number) => times[Math.min(n - 1, Math.floor(p * n))]!;
  const routesTotal = model.desired.routeTables.reduce((s, t) => s + t.routes.length, 0);
  return { vpcs: nv, peerings: np, routes: routesTotal, indexMs: builds[2]!, n, reachable, p50: q(0.5), p99: q(0.99), max: times[n - 1]! };
}

const l = lpmBench();
console.log(`LPM over ${fmt(l.routes)} routes (${fmt(l.ranges)} ranges, built in ${fmt(l.buildMs, 1)} ms; ${fmt(l.hitRate * 100)}% of lookups match a route):`);
console.log(`  range table + binary search: ${fmt(l.median / 1e6, 1)} M lookups/s (median of 7; min ${fmt(l.min / 1e6, 1)}, max ${fmt(l.max / 1e6, 1)})`);
console.log(`  linear scan (baseline):      ${fmt(l.linear / 1e3, 1)} k lookups/s  → ${fmt(l.median / l.linear)}× faster`);
const a = analysisBench();
console.log(`Analysis over ${fmt(a.vpcs)} VPCs, ${fmt(a.peerings)} peerings, ${fmt(a.routes)} routes:`);
console.log(`  indexModel (rebuilt by the service after a change): ${fmt(a.indexMs, 1)} ms (median of 5)`);
console.log(`  analyze() × ${fmt(a.n)} (${fmt((a.reachable / a.n) * 100)}% reachable): p50 ${fmt(a.p50 * 1000, 1)} µs, p99 ${fmt(a.p99 * 1000, 1)} µs, max ${fmt(a.max * 1000, 1)} µs`);
console.log(JSON.stringify({ lpm: { ...l, sink: undefined }, analysis: a }));

// ---- 3. Through the API on a real store ------------------------------------------------------------

async function storeBench() {
  const nv = Number(flags.vpcs);
  const np = Number(flags.peerings);
  const config = benchConfig();
  config.limits.peeringsPerVpc = 1_000;
  config.limits.pendingPeeringsPerAccount = 1_000_000;
  config.limits.routesPerTable = 1_000;
  const dataDir = tempDir("vpcpeer-bench-analyze-");
  const runtime = await openRuntime({ dataDir, config, masterKey: benchMasterKey(), settleMs: 0 });
  try {
    const s = runtime.services;
    const accounts = await Promise.all(Array.from({ length: 10 }, (_, i) => s.accounts.create(`bench-an-${i}`)));
    const t0 = performance.now();
    const vpcs: { id: string; rtb: string; cidr: string; actor: { accountId: string }; ins: { id: string; privateIp: string } }[] = [];
    await runtime.store.transaction(async () => {
      for (let k = 0; k < nv; k++) {
        const actor = { accountId: accounts[k % accounts.length]!.accountId };
        const cidr = `10.${k >> 4}.${(k & 15) << 4}.0/20`;
        const v = await s.vpcs.create(actor, { name: `v${k}`, region: "cn-hangzhou", cidr });
        const sub = await s.subnets.create(actor, { vpcId: v.id, cidr: `10.${k >> 4}.${((k & 15) << 4) + 1}.0/24` });
        const ins = await s.instances.create(actor, { subnetId: sub.id });
        vpcs.push({ id: v.id, rtb: v.defaultRouteTableId, cidr, actor, ins });
      }
    });
    const seen = new Set<string>();
    const pairs: [number, number][] = [];
    while (pairs.length < np) {
      const a = int(nv);
      const b = int(nv);
      const key = a < b ? `${a},${b}` : `${b},${a}`;
      if (a === b || seen.has(key)) continue;
      seen.add(key);
      pairs.push([a, b]);
    }
    for (let i = 0; i < pairs.length; i += 250) {
      await runtime.store.transaction(async () => {
        for (const [a, b] of pairs.slice(i, i + 250)) {
          const x = vpcs[a]!;
          const y = vpcs[b]!;
          const cross = x.actor.accountId !== y.actor.accountId;
          const p = await s.peerings.create(x.actor, { vpcId: x.id, peerVpcId: y.id, ...(cross ? { peerAccountId: y.actor.accountId } : {}) });
          if (p.state !== "active") await s.peerings.accept(y.actor, p.id);
          await s.routeTables.addRoute(x.actor, x.rtb, { destinationCidr: y.cidr, target: { type: "peering", id: p.id } });
          await s.routeTables.addRoute(y.actor, y.rtb, { destinationCidr: x.cidr, target: { type: "peering", id: p.id } });
        }
      });
    }
    const seedMs = performance.now() - t0;
    const app = await buildApp({ services: s });
    const tokens = new Map(accounts.map((a) => [a.accountId, a.token]));
    const n = Number(flags.requests);
    const times: number[] = [];
    let reachable = 0;
    for (let i = 0; i < n + 10; i++) {
      const [a, b] = rand() < 0.5 ? pairs[int(pairs.length)]! : [int(nv), int(nv)];
      const x = vpcs[a]!;
      const t = performance.now();
      const res = await app.inject({ method: "POST", url: "/api/v1/analyses", headers: { authorization: `Bearer ${tokens.get(x.actor.accountId)}`, "content-type": "application/json" }, payload: JSON.stringify({ fromInstanceId: x.ins.id, toIp: vpcs[b]!.ins.privateIp }) });
      if (res.statusCode !== 200) throw new Error(`analysis answered ${res.statusCode}: ${res.body}`);
      if (i >= 10) {
        times.push(performance.now() - t);
        if ((JSON.parse(res.body) as { reachable: boolean }).reachable) reachable++;
      }
    }
    // After a change (any commit in this process drops the index): the first analysis rebuilds it.
    const cold: number[] = [];
    for (let i = 0; i < 20; i++) {
      const x = vpcs[int(nv)]!;
      await s.vpcs.update(x.actor, x.id, { name: `v-renamed-${i}` });
      const t = performance.now();
      const res = await app.inject({ method: "POST", url: "/api/v1/analyses", headers: { authorization: `Bearer ${tokens.get(x.actor.accountId)}`, "content-type": "application/json" }, payload: JSON.stringify({ fromInstanceId: x.ins.id, toIp: vpcs[int(nv)]!.ins.privateIp }) });
      if (res.statusCode !== 200) throw new Error(`analysis answered ${res.statusCode}: ${res.body}`);
      cold.push(performance.now() - t);
    }
    await app.close();
    times.sort((p, q) => p - q);
    cold.sort((p, q) => p - q);
    return { seedMs, n, reachable, p50: times[Math.floor(n * 0.5)]!, p99: times[Math.min(n - 1, Math.floor(n * 0.99))]!, max: times[n - 1]!, coldP50: cold[10]!, coldMax: cold[19]! };
  } finally {
    await runtime.close();
    cleanupSync();
  }
}

if (flags.store) {
  const r = await storeBench();
  console.log(`POST /api/v1/analyses on a SQLite store of ${fmt(Number(flags.vpcs))} VPCs / ${fmt(Number(flags.peerings))} peerings (seeded in ${fmt(r.seedMs / 1000, 1)} s):`);
  console.log(`  ${fmt(r.n)} requests, nothing changed between them (${fmt((r.reachable / r.n) * 100)}% reachable): p50 ${fmt(r.p50, 1)} ms, p99 ${fmt(r.p99, 1)} ms, max ${fmt(r.max, 1)} ms (fingerprint + cached index + walk)`);
  console.log(`  20 requests, each after a change: p50 ${fmt(r.coldP50, 1)} ms, max ${fmt(r.coldMax, 1)} ms (store read + index rebuilt + walk)`);
  console.log(JSON.stringify({ store: r }));
}
