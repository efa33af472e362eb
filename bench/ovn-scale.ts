/**
 * OVN data plane at scale (`npx tsx bench/ovn-scale.ts [--reps N]`, as root; ≈ 2 minutes): 200
 * VPCs (one subnet each), 400 peerings (VPC i with i+1 and i+2, ring), 4,000 routes (5 per
 * peering end, /20s of the peer's /16), written through the services into the store of a 2-host
 * lab. Then, alternately, N times each (default 3), on an NB holding none of it:
 *
 *   driver   `vpcpeer serve --dataplane ovn --lab D` started on that store: its first pass (read
 *            the store, compile, diff, one transaction, wait until hv_cfg reaches it, write the
 *            statuses) as /readyz lastPass.ms reports it; also from the spawn to that pass's end.
 *   nbctl    the very rows the driver wrote (read back from the NB) as one `ovn-nbctl --wait=hv`
 *            batch of `create` commands (children with --id=@…, then the routers and switches
 *            naming them): process start to hv_cfg reached. Also the same batch with --no-wait.
 *            The verdict: the median over the runs of driver ÷ the nbctl run that followed it.
 *
 * Where the time goes: NB_Global's nb_cfg_timestamp (northd took the transaction) and
 * hv_cfg_timestamp (every chassis had installed it), from each run's start.
 *
 * Between runs the rows are deleted (the routers and switches of the run's prefix; the NB
 * collects their children) and `ovn-nbctl --wait=hv sync` lets both chassis remove them. After
 * every run the rows per table are counted and must equal the driver's. Cleanup as in
 * bench/ovn-support.ts.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { run } from "../src/dataplane/kernel.ts";
import { type Row, type Value, map } from "../src/dataplane/ovn/atoms.ts";
import { MANAGED, NB_TABLES, type NbTable, REFS, ROOT_TABLES } from "../src/dataplane/ovn/nb-plan.ts";
import { OvsdbClient } from "../src/dataplane/ovn/ovsdb.ts";
import type { Condition } from "../src/dataplane/ovn/protocol.ts";
import { BENCH_REGION } from "./common.ts";
import { sleep } from "./load.ts";
import { type Bench, benchLab, commit, load, log, passDone } from "./ovn-support.ts";

const { values: flags } = parseArgs({ options: { reps: { type: "string" }, vpcs: { type: "string" } } });
const REPS = Number(flags.reps ?? 3);
const VPCS = Number(flags.vpcs ?? 200);
const NB = "OVN_Northbound";
const ROUTES_PER_END = 5;

async function seed(b: Bench): Promise<{ seconds: number; peerings: number; routes: number }> {
  const t0 = Date.now();
  const rt = await b.runtime();
  try {
    const s = rt.services;
    const A = { accountId: (await s.accounts.create("alice")).accountId };
    const vpcs = [];
    for (let i = 0; i < VPCS; i++) {
      const v = await s.vpcs.create(A, { name: `v${i}`, region: BENCH_REGION, cidr: `10.${i}.0.0/16` });
      await s.subnets.create(A, { vpcId: v.id, cidr: `10.${i}.1.0/24` });
      vpcs.push(v);
    }
    const ends: { peeringId: string; peer: number }[][] = vpcs.map(() => []);
    let peerings = 0;
    for (let i = 0; i < VPCS; i++) {
      for (const d of [1, 2]) {
        const j = (i + d) % VPCS;
        const p = await s.peerings.create(A, { vpcId: vpcs[i]!.id, peerVpcId: vpcs[j]!.id });
        ends[i]!.push({ peeringId: p.id, peer: j });
        ends[j]!.push({ peeringId: p.id, peer: i });
        peerings++;
      }
    }
    let routes = 0;
    for (let i = 0; i < VPCS; i++) {
      const add = ends[i]!.flatMap((e) =>
        Array.from({ length: ROUTES_PER_END }, (_, k) => ({ destinationCidr: `10.${e.peer}.${k * 16 + 32}.0/20`, target: { type: "peering" as const, id: e.peeringId } })),
      );
      routes += (await s.routeTables.changeRoutes(A, vpcs[i]!.defaultRouteTableId, { remove: [], add })).length;
    }
    return { seconds: (Date.now() - t0) / 1000, peerings, routes };
  } finally {
    await rt.close();
  }
}

const ownedBy = (prefix: string): Condition[] => [["external_ids", "includes", map({ "vpcpeer-owner": prefix })]];

/** Rows per table in the NB (the lab's NB holds only this run's). */
async function counts(nb: OvsdbClient): Promise<string> {
  const out: string[] = [];
  for (const t of NB_TABLES) out.push(`${t} ${(await nb.select(NB, t, [], ["_uuid"])).length}`);
  return out.join(", ");
}

/** Deletes the run's routers and switches (their children go with them) and waits until both chassis have removed them. */
async function clear(b: Bench, nb: OvsdbClient): Promise<void> {
  await nb.transact(NB, [...ROOT_TABLES].map((table) => ({ op: "delete" as const, table, where: ownedBy(b.prefix) })));
  await nbctl(b, ["--wait=hv", "--timeout=60", "sync"]);
}

/**
 * Runs ovn-nbctl on the lab's NB socket. The arguments go through a file (NUL-separated) that bash
 * reads before raising its stack limit: the kernel caps a command line at a quarter of it.
 */
async function nbctl(b: Bench, args: string[]): Promise<number> {
  const file = join(b.labDir, "nbctl-args");
  writeFileSync(file, [`--db=${b.lab.nbSocket}`, ...args].map((a) => `${a}\0`).join(""));
  const script = `mapfile -d '' -t A < ${file} && ulimit -s unlimited && exec ovn-nbctl "\${A[@]}"`;
  const t0 = process.hrtime.bigint();
  const r = await run("bash", ["-c", script]);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.code !== 0) throw new Error(`ovn-nbctl ${args.slice(0, 3).join(" ")} …: ${r.stderr.trim().slice(0, 500)}`);
  return ms;
}

/** ovs-vsctl syntax for one atom; uuids as the @names of the batch. */
function atom(a: unknown, ids: Map<string, string>): string {
  if (Array.isArray(a) && a[0] === "uuid") {
    const id = ids.get(a[1] as string);
    if (!id) throw new Error(`a reference to a row outside the batch: ${String(a[1])}`);
    return id;
  }
  return typeof a === "string" ? JSON.stringify(a) : String(a);
}

function value(v: Value, ids: Map<string, string>): string | null {
  if (Array.isArray(v) && v[0] === "set") return v[1].length ? `[${v[1].map((x) => atom(x, ids)).join(",")}]` : null;
  if (Array.isArray(v) && v[0] === "map") return v[1].length ? `{${v[1].map(([k, x]) => `${atom(k, ids)}=${atom(x, ids)}`).join(",")}}` : null;
  return atom(v, ids);
}

/** The rows as one ovn-nbctl batch: every child created with an --id, then the roots that name them. */
function batch(rows: Map<NbTable, Row[]>): string[] {
  const ids = new Map<string, string>();
  let n = 0;
  for (const t of NB_TABLES) if (!ROOT_TABLES.has(t)) for (const r of rows.get(t)!) ids.set((r._uuid as [string, string])[1], `@r${n++}`);
  const args: string[] = [];
  for (const t of NB_TABLES) {
    for (const r of rows.get(t)!) {
      const cols = [...Object.keys(MANAGED[t]), ...Object.keys(REFS[t] ?? {})].flatMap((c) => {
        const v = r[c] === undefined ? null : value(r[c]!, ids);
        return v === null ? [] : [`${c}=${v}`];
      });
      const id = ids.get((r._uuid as [string, string])[1]);
      args.push("--", ...(id ? [`--id=${id}`] : []), "create", t, ...cols);
    }
  }
  return args;
}

async function dump(nb: OvsdbClient): Promise<Map<NbTable, Row[]>> {
  const rows = new Map<NbTable, Row[]>();
  for (const t of NB_TABLES) rows.set(t, await nb.select(NB, t, [], ["_uuid", ...Object.keys(MANAGED[t]), ...Object.keys(REFS[t] ?? {})]));
  return rows;
}

/** From `start` (epoch ms): northd took the last nb_cfg / every chassis had installed it (NB_Global's timestamps). */
async function stages(nb: OvsdbClient, start: number): Promise<{ northd: number; hv: number }> {
  const g = (await nb.select(NB, "NB_Global", [], ["nb_cfg_timestamp", "hv_cfg_timestamp"]))[0]!;
  return { northd: (g.nb_cfg_timestamp as number) - start, hv: (g.hv_cfg_timestamp as number) - start };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const b = await benchLab("s");
try {
  const rev = await commit();
  log(`lab up (${b.prefix}); seeding ${VPCS} VPCs …`);
  const seeded = await seed(b);
  log(`seeded in ${seeded.seconds.toFixed(1)} s: ${seeded.peerings} peerings, ${seeded.routes} routes`);
  const nb = await OvsdbClient.connect(b.lab.nb);
  const loads = [load()];
  const driver: { passMs: number; wallMs: number; commands: number; northd: number; hv: number }[] = [];
  const hv: number[] = [];
  const hvStages: { northd: number; hv: number }[] = [];
  const noWait: number[] = [];
  let expected = "";
  let args: string[] = [];
  try {
    for (let rep = 0; rep < REPS; rep++) {
      log(`run ${rep + 1}/${REPS}: driver …`);
      const t0 = Date.now();
      const server = await b.serve();
      let out = server.startLog;
      server.proc.stdout!.on("data", (c: Buffer) => (out += c.toString()));
      // The programming pass usually ends before the server listens: its log line says what it did.
      const applied = () => out.split("\n").flatMap((l) => (l.includes('"data plane applied"') ? [JSON.parse(l) as { time: number; ms: number; commands: number }] : []));
      for (const deadline = Date.now() + 120_000; applied().length === 0; await sleep(20)) if (Date.now() > deadline) throw new Error("the driver applied nothing in 120 s");
      const d = await passDone(server.url, 0, 120_000);
      if (d.lastPass?.errors.length) throw new Error(`the driver's pass failed: ${d.lastPass.errors.join("; ")}`);
      const passes = applied();
      if (passes.length !== 1) log(`  note: ${passes.length} passes applied something: ${passes.map((p) => `${p.commands} commands in ${p.ms} ms`).join(", ")}`);
      const last = passes.at(-1)!;
      const st = await stages(nb, last.time - last.ms);
      driver.push({ passMs: passes.reduce((a, p) => a + p.ms, 0), wallMs: last.time - t0, commands: passes.reduce((a, p) => a + p.commands, 0), ...st });
      await server.stop();
      b.server = null;
      const got = await counts(nb);
      if (rep === 0) {
        expected = got;
        args = batch(await dump(nb));
      } else if (got !== expected) throw new Error(`the driver wrote ${got}, before ${expected}`);
      await clear(b, nb);

      log(`run ${rep + 1}/${REPS}: ovn-nbctl --wait=hv …`);
      const n0 = Date.now();
      hv.push(await nbctl(b, ["--wait=hv", "--timeout=120", ...args]));
      hvStages.push(await stages(nb, n0));
      if ((await counts(nb)) !== expected) throw new Error(`ovn-nbctl wrote ${await counts(nb)}, the driver ${expected}`);
      await clear(b, nb);
      noWait.push(await nbctl(b, ["--no-wait", ...args]));
      await clear(b, nb);
      loads.push(load());
    }
  } finally {
    await nb.close();
  }
  const f = (x: number, d = 0) => x.toFixed(d);
  const dp = median(driver.map((x) => x.passMs));
  const raw = median(hv);
  // Each driver run beside the nbctl run right after it; the verdict takes the median of those ratios.
  const ratios = driver.map((x, i) => x.passMs / hv[i]!);
  const ratio = median(ratios);
  const bytes = args.reduce((a, x) => a + x.length + 1, 0);
  console.log(`commit ${rev}; load average (1/5/15 min) before and after each run: ${loads.join(" | ")}`);
  console.log(`seeded through the services in ${f(seeded.seconds, 1)} s: ${VPCS} VPCs, ${seeded.peerings} peerings, ${seeded.routes} routes; NB rows: ${expected}\n`);
  console.log("| figure | measured (median) | baseline (same run) | ratio | goal | met |\n|---|---|---|---|---|---|");
  console.log(`| program from the store until hv_cfg: the driver's first pass | ${f(dp)} ms (runs ${driver.map((x) => f(x.passMs)).join(", ")}; ${driver[0]!.commands} rows/operations) | one ovn-nbctl --wait=hv batch of the same rows (${args.filter((a) => a === "create").length} creates, ${f(bytes / 1e6, 2)} MB of arguments): ${f(raw)} ms (runs ${hv.map((x) => f(x)).join(", ")}) | ${ratio.toFixed(2)} × (per run: ${ratios.map((r) => r.toFixed(2)).join(", ")}) | ≤ 1.5 × | ${ratio <= 1.5 ? "yes" : "no"} |`);
  const m = (xs: number[]) => f(median(xs));
  console.log(`| ↳ from the start, medians: northd takes the transaction's nb_cfg / every chassis installed it (hv_cfg) / end | driver ${m(driver.map((x) => x.northd))} / ${m(driver.map((x) => x.hv))} / ${f(dp)} ms | nbctl ${m(hvStages.map((x) => x.northd))} / ${m(hvStages.map((x) => x.hv))} / ${f(raw)} ms | | | |`);
  console.log(`| ↳ from spawning the server to that pass's end | ${f(median(driver.map((x) => x.wallMs)))} ms | | | | |`);
  console.log(`| ↳ the batch written without waiting for the chassis (--no-wait) | ${f(median(noWait))} ms | | | | |`);
} finally {
  await b.cleanup();
}
