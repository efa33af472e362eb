/**
 * Data plane benchmark (`npx tsx bench/dataplane.ts [--quick]`, as root): figures of the Linux data
 * plane, each beside a baseline measured in the same run.
 *
 *   1. convergence  a cross-account peering accepted through POST /api/v1/peerings/{id}/accept
 *                   (routes already on both sides, subnets associated, instances present) until the
 *                   first successful TCP connect between the two instances: p50 and p99 over N
 *                   peerings. Baseline: the same kernel change (the veth between the two routers,
 *                   proxy_delay 0 on both ends and the two routes: the very lines diff() emits)
 *                   done directly with 2 `ip -batch` runs on a router pair of the same shape (put
 *                   back after each trial). Info: the same raw change without proxy_delay 0 (the
 *                   kernel's default ARP proxy delay), and the kernel half of a reconciler pass
 *                   (observe the four namespaces, diff, apply() from src/dataplane). The first connect is seen by a poller in the
 *                   source instance's namespace that starts a TCP connect every 2 ms to a responder
 *                   in the target's; both print times on the same clock (timeOrigin + now()).
 *   2. scale        200 VPCs (one subnet each), 400 peerings (half with a bandwidth cap), 4,000
 *                   routes: compile() + diff() against nothing + apply() from empty, beside the
 *                   same command lines run raw (`ip`/`tc -batch` per namespace, the same rounds
 *                   and parallelism as apply()); a no-change pass (observe + diff) beside the same reads done raw;
 *                   teardown.
 *   3. throughput   one TCP stream through an uncapped peering (instance → router → peering →
 *                   router → instance) beside a plain veth pair between two fresh namespaces, both
 *                   with probe.ts's throughput() (the same sender and receiver scripts).
 *
 * They run in the order 1, 3, 2 (the scale rounds leave the kernel tearing hundreds of namespaces
 * down, asynchronously). The API server runs in this process (serve() with --dataplane linux semantics) over a temporary
 * SQLite store. Every namespace is created under a random prefix `bd<6 hex>` (checked unused
 * first) and deleted by exact name at the end, on SIGINT/SIGTERM and, as a last resort, on exit.
 * Traffic only flows between namespaces this run created.
 *
 * Options: --quick (fewer peerings, a smaller scale set, shorter runs: under a minute),
 * --peerings N, --json FILE.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { type Actions, diff, isEmpty } from "../src/dataplane/diff.ts";
import { apply, observe } from "../src/dataplane/kernel.ts";
import { rounds, runsOf } from "../src/dataplane/schedule.ts";
import { nsName, links } from "../src/dataplane/naming.ts";
import type { HostState } from "../src/dataplane/observed.ts";
import { type DesiredState, type HostPlan, compile } from "../src/dataplane/plan.ts";
import { throughput } from "../src/dataplane/probe.ts";
import { Reconciler } from "../src/dataplane/reconciler.ts";
import { type Server, openRuntime, serve } from "../src/main.ts";
import { BENCH_REGION, benchConfig, benchMasterKey } from "./common.ts";
import { cleanup as cleanupProc, cleanupSync as cleanupProcSync, tempDir } from "./proc.ts";
import { fmt, machineBusySeconds, table } from "./scenario.ts";

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    peerings: { type: "string" },
    json: { type: "string" },
  },
});
const quick = flags.quick ?? false;
const PEERINGS = Number(flags.peerings ?? (quick ? 6 : 50));
const SCALE = quick ? { vpcs: 100, peerOffsets: [1, 2], routesPerSide: 5 } : { vpcs: 200, peerOffsets: [1, 2], routesPerSide: 5 };
const SCALE_ROUNDS = quick ? ["apply", "raw"] : ["apply", "raw", "raw", "apply"];
const TP_SECONDS = quick ? 2 : 3;
const TP_ROUNDS = quick ? 1 : 3;
const POOL = 8; // kernel.ts apply()/observe() run up to 8 processes at a time; the raw runs do the same.
if (!Number.isInteger(PEERINGS) || PEERINGS < 1 || PEERINGS > 120) throw new Error("--peerings: 1-120");
if (process.getuid?.() !== 0) {
  console.error("bench/dataplane.ts needs root (network namespaces)");
  process.exit(2);
}

// ---- namespaces of this run, and cleanup ---------------------------------------------------------

const nowMs = () => performance.timeOrigin + performance.now();

function listAllNamespaces(): string[] {
  const out = execFileSync("ip", ["-j", "netns", "list"], { encoding: "utf8" }).trim();
  return out ? (JSON.parse(out) as { name: string }[]).map((n) => n.name) : [];
}

/** A prefix no namespace on this host starts with: every name of this run starts with it. */
function freshPrefix(): string {
  const existing = listAllNamespaces();
  for (;;) {
    const p = `bd${randomBytes(3).toString("hex")}`;
    if (!existing.some((n) => n.startsWith(p))) return p;
  }
}
const P = freshPrefix();
/** Prefixes: the API server's and the convergence baselines' router pairs. */
const PREFIX = { server: P, raw: `${P}c` };
/** One prefix per round of the scale benchmark. */
const scalePrefix = (round: number) => `${P}s${round}`;
const VETH_A = `${P}-va`;
const VETH_B = `${P}-vb`;

const ours = (name: string) =>
  name === VETH_A || name === VETH_B || [PREFIX.server, PREFIX.raw].some((p) => name.startsWith(`${p}-`)) || new RegExp(`^${P}s\\d+-`).test(name);

/** Deletes every namespace of this run, each by its exact name. Returns how many. */
function deleteOurNamespacesSync(): number {
  const names = listAllNamespaces().filter(ours);
  if (names.length > 0) {
    try {
      execFileSync("ip", ["-force", "-batch", "-"], { input: names.map((n) => `netns del ${n}\n`).join(""), stdio: ["pipe", "ignore", "ignore"] });
    } catch {
      for (const n of names) {
        try {
          execFileSync("ip", ["netns", "del", n], { stdio: "ignore" });
        } catch {
          /* already gone */
        }
      }
    }
  }
  return names.length;
}

const children = new Set<ChildProcess>();
let server: Server | null = null;

function killChildren(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  children.clear();
}

let cleanedUp = false;
async function cleanupAll(): Promise<void> {
  if (cleanedUp) return;
  cleanedUp = true;
  killChildren();
  // The reconciler stops first, or it would re-create what is deleted below.
  const s = server;
  server = null;
  if (s) await Promise.race([s.close().catch(() => undefined), new Promise((r) => setTimeout(r, 10_000))]);
  deleteOurNamespacesSync();
  await cleanupProc();
}

process.on("exit", () => {
  killChildren();
  deleteOurNamespacesSync();
  cleanupProcSync();
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    process.stderr.write(`\n${signal}: cleaning up\n`);
    // The exit handler deletes once more: an `ip` run started before the signal may still add a namespace.
    void cleanupAll()
      .then(() => sleep(500))
      .finally(() => process.exit(130));
  });
}

// ---- small helpers ---------------------------------------------------------------------------------

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a process (stdin = input), tracked for cleanup. */
function sh(cmd: string, args: string[], input = ""): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
    children.add(p);
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    p.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    p.on("error", reject);
    p.stdin.on("error", () => {});
    p.on("close", (code) => {
      children.delete(p);
      resolve({ code: code ?? 1, stdout, stderr });
    });
    p.stdin.end(input);
  });
}

async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

const median = (xs: number[]) => pct(xs, 50);
function pct(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
const T0 = performance.now();
const log = (msg: string) => process.stderr.write(`[${((performance.now() - T0) / 1000).toFixed(0).padStart(3)} s] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Kernel workers running the netns workqueue (namespace teardown is asynchronous) that are not idle. */
function netnsWorkersBusy(): number {
  let busy = 0;
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue;
    }
    const close = stat.lastIndexOf(")");
    if (!stat.slice(0, close).includes("-netns")) continue;
    if (stat[close + 2] !== "I" && stat[close + 2] !== "S") busy++;
  }
  return busy;
}

/**
 * Waits (at most maxMs) until the kernel has finished tearing namespaces down and the machine has
 * been calm (< 0.3 cores busy) for 0.5 s. Other users of the machine may keep it from being calm.
 */
async function settle(maxMs: number): Promise<void> {
  const t0 = performance.now();
  while (performance.now() - t0 < maxMs) {
    const b0 = machineBusySeconds();
    await sleep(500);
    if (netnsWorkersBusy() === 0 && machineBusySeconds() - b0 < 0.15) return;
  }
}

/** A 12-character id suffix: tag + number in base 36. */
const sid = (tag: string, n: number) => `${tag}${n.toString(36).padStart(12 - tag.length, "0")}`;

// ---- traffic: responder and first-connect poller -------------------------------------------------

const RESPONDER = `
require("net").createServer((c) => { c.on("error", () => {}); c.end("pong"); }).listen(Number(process.argv[1]), "0.0.0.0", () => console.log("ready"));
setTimeout(() => process.exit(0), Number(process.argv[2]));
`;

/**
 * Starts a TCP connect to ip:port every `interval` ms (each attempt abandoned after 300 ms) and
 * prints "ok <epoch ms> <attempts>" at the first one that connects. "ready" after 40 ms of
 * attempts; the clock is performance.timeOrigin + now(), the same as the driver's.
 */
const POLLER = `
const net = require("net");
const [ip, port, interval] = process.argv.slice(1);
let attempts = 0, done = false;
const attempt = () => {
  if (done) return;
  attempts++;
  const s = net.connect({ host: ip, port: Number(port) });
  const t = setTimeout(() => s.destroy(), 300);
  s.on("connect", () => {
    if (done) return;
    done = true;
    const at = performance.timeOrigin + performance.now();
    process.stdout.write("ok " + at + " " + attempts + "\\n", () => process.exit(0));
  });
  s.on("error", () => { clearTimeout(t); s.destroy(); });
};
setInterval(attempt, Number(interval));
setTimeout(() => process.stdout.write("ready\\n"), 40);
setTimeout(() => { process.stdout.write("timeout\\n"); process.exit(2); }, 8000);
`;

function nodeIn(ns: string, script: string, args: string[]): ChildProcess {
  const p = spawn("ip", ["netns", "exec", ns, process.execPath, "-e", script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  children.add(p);
  p.once("exit", () => children.delete(p));
  return p;
}

async function startResponder(ns: string, port: number, ttlMs = 60_000): Promise<ChildProcess> {
  const p = nodeIn(ns, RESPONDER, [String(port), String(ttlMs)]);
  await new Promise<void>((resolve, reject) => {
    let err = "";
    p.stderr!.on("data", (c: Buffer) => (err += c.toString()));
    p.stdout!.once("data", () => resolve());
    p.once("exit", (code) => reject(new Error(`responder in ${ns} exited (${code}): ${err.trim()}`)));
  });
  return p;
}

interface Poller {
  proc: ChildProcess;
  /** True once something connected (before the change, that is a broken setup). */
  connected(): boolean;
  /** Epoch ms of the first successful connect, or null on timeout. */
  result: Promise<number | null>;
}

async function startPoller(ns: string, ip: string, port: number): Promise<Poller> {
  const p = nodeIn(ns, POLLER, [ip, String(port), "2"]);
  let buf = "";
  let ok: number | null = null;
  const result = new Promise<number | null>((resolve) => {
    p.stdout!.on("data", (c: Buffer) => {
      buf += c.toString();
      const m = /ok ([\d.]+)/.exec(buf);
      if (m) {
        ok = Number(m[1]);
        resolve(ok);
      } else if (buf.includes("timeout")) resolve(null);
    });
    p.once("exit", () => resolve(ok));
  });
  await new Promise<void>((resolve, reject) => {
    const t = setInterval(() => {
      if (buf.includes("ready") || ok !== null) {
        clearInterval(t);
        resolve();
      }
    }, 2);
    p.once("exit", (code) => {
      clearInterval(t);
      if (!buf.includes("ready")) reject(new Error(`poller in ${ns} exited (${code})`));
    });
  });
  return { proc: p, connected: () => ok !== null, result };
}

function stop(...ps: ChildProcess[]): void {
  for (const p of ps) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
}

// ---- 1. convergence ------------------------------------------------------------------------------

interface Pair {
  peeringId: string;
  /** Source instance namespace and the target instance's namespace and address. */
  fromNs: string;
  toNs: string;
  toIp: string;
}

interface PassRecord {
  t0: number;
  t1: number;
  full: boolean;
  commands: number;
  errors: number;
}
const passLog: PassRecord[] = [];
let reconciler: Reconciler | null = null;
// serve() does not hand out its reconciler: take it (and time its passes) when it starts.
const originalStart = Reconciler.prototype.start;
Reconciler.prototype.start = function (this: Reconciler) {
  reconciler = this;
  this.onPass((r) => {
    const t1 = nowMs();
    passLog.push({ t0: t1 - r.ms, t1, full: r.full, commands: r.commands, errors: r.errors.length });
  });
  originalStart.call(this);
};

interface ApiSetup {
  url: string;
  bobToken: string;
  pairs: Pair[];
  seedS: number;
  firstPassMs: number;
  namespaces: number;
}

/** Seeds two accounts with N pending peerings (routes on both sides, instances present), then serves. */
async function setupApi(n: number): Promise<ApiSetup> {
  const dataDir = tempDir("vpcpeer-bench-dp-");
  const config = benchConfig();
  config.limits.pendingPeeringsPerAccount = 1_000_000;
  const t0 = performance.now();
  const rt = await openRuntime({ dataDir, config, masterKey: benchMasterKey() });
  const s = rt.services;
  const raw: { peeringId: string; aIns: string; bIns: string; bIp: string }[] = [];
  let bobToken = "";
  try {
    const alice = await s.accounts.create("alice");
    const bob = await s.accounts.create("bob");
    bobToken = bob.token;
    const A = { accountId: alice.accountId };
    const B = { accountId: bob.accountId };
    for (let k = 0; k < n; k++) {
      const va = await s.vpcs.create(A, { name: `a${k}`, region: BENCH_REGION, cidr: `10.${k}.0.0/16` });
      const vb = await s.vpcs.create(B, { name: `b${k}`, region: BENCH_REGION, cidr: `10.${128 + k}.0.0/16` });
      const sa = await s.subnets.create(A, { vpcId: va.id, cidr: `10.${k}.1.0/24` });
      const sb = await s.subnets.create(B, { vpcId: vb.id, cidr: `10.${128 + k}.1.0/24` });
      const ia = await s.instances.create(A, { subnetId: sa.id });
      const ib = await s.instances.create(B, { subnetId: sb.id });
      const p = await s.peerings.create(A, { vpcId: va.id, peerVpcId: vb.id, peerAccountId: bob.accountId });
      await s.routeTables.addRoute(A, va.defaultRouteTableId, { destinationCidr: vb.cidr, target: { type: "peering", id: p.id } });
      await s.routeTables.addRoute(B, vb.defaultRouteTableId, { destinationCidr: va.cidr, target: { type: "peering", id: p.id } });
      raw.push({ peeringId: p.id, aIns: ia.id, bIns: ib.id, bIp: ib.privateIp });
    }
  } finally {
    await rt.close();
  }
  const seedS = (performance.now() - t0) / 1000;
  server = await serve({ dataplane: "linux", netnsPrefix: PREFIX.server, dataDir, config, masterKey: benchMasterKey(), logLevel: "warn", host: "127.0.0.1", port: 0 });
  if (!reconciler) throw new Error("the reconciler did not start");
  // The first pass programs everything (full); wait for it and for anything it kicked.
  const deadline = performance.now() + 120_000;
  while (passLog.length === 0 || reconciler.busy) {
    if (performance.now() > deadline) throw new Error("the data plane did not program the seeded state in 120 s");
    await sleep(20);
  }
  const errors = passLog.reduce((a, p) => a + p.errors, 0);
  if (errors > 0) throw new Error(`the first data plane passes reported ${errors} errors: ${JSON.stringify(reconciler.last?.errors.slice(0, 3))}`);
  const pairs = raw.map((r) => ({ peeringId: r.peeringId, fromNs: nsName(PREFIX.server, "instance", r.aIns), toNs: nsName(PREFIX.server, "instance", r.bIns), toIp: r.bIp }));
  return { url: server.url, bobToken, pairs, seedS, firstPassMs: passLog[0]!.t1 - passLog[0]!.t0, namespaces: 4 * n };
}

interface Trial {
  ms: number | null;
  /** Accept: the HTTP round trip; raw: the two ip runs. */
  stepMs: number;
  /** The measured window (epoch ms), to find the reconciler passes that overlapped it afterwards. */
  t0: number;
  end: number;
}

/** Whether a full resync pass of the server overlapped the trial (call once the passes are over). */
const fullOverlap = (t: Trial) => passLog.some((p) => p.full && p.t0 < t.end && p.t1 > t.t0);

const PORT = 7000;

/** Responders that stay up across trials (the baseline pairs are reused), by namespace. */
const standingResponders = new Map<string, ChildProcess>();

async function measureFirstConnect(pair: { fromNs: string; toNs: string; toIp: string }, change: () => Promise<number>, standing = false): Promise<Trial> {
  const responder = async () => {
    if (!standing) return startResponder(pair.toNs, PORT);
    const have = standingResponders.get(pair.toNs);
    if (have && have.exitCode === null && have.signalCode === null) return null;
    standingResponders.set(pair.toNs, await startResponder(pair.toNs, PORT, 30 * 60_000));
    return null;
  };
  const [resp, poller] = await Promise.all([responder(), startPoller(pair.fromNs, pair.toIp, PORT)]);
  try {
    await reconciler?.idle();
    if (poller.connected()) throw new Error(`${pair.fromNs} reaches ${pair.toIp} before the change: the setup is wrong`);
    const t0 = nowMs();
    const stepMs = await change();
    const at = await poller.result;
    return { ms: at === null ? null : at - t0, stepMs, t0, end: at ?? nowMs() };
  } finally {
    stop(poller.proc, ...(resp ? [resp] : []));
  }
}

async function apiTrial(api: ApiSetup, pair: Pair): Promise<Trial> {
  return measureFirstConnect(pair, async () => {
    const t0 = nowMs();
    const res = await fetch(`${api.url}/api/v1/peerings/${pair.peeringId}/accept`, { method: "POST", headers: { authorization: `Bearer ${api.bobToken}` } });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`accept ${pair.peeringId}: HTTP ${res.status} ${body.slice(0, 300)}`);
    return nowMs() - t0;
  });
}

/**
 * Router pairs for the baselines, in their pre-accept state (routes present as blackholes),
 * programmed with apply(), and put back into that state after every trial. Pairs never connect
 * to each other, so they all use the same CIDRs.
 */
interface RawSetup {
  desired: DesiredState;
  pairs: { a: string; b: string; routerA: string; routerB: string; peeringId: string; fromNs: string; toNs: string; toIp: string }[];
}

function rawDesired(n: number): RawSetup {
  const d: DesiredState = { vpcs: [], subnets: [], routeTables: [], instances: [], vbrs: [], peerings: [] };
  const pairs: RawSetup["pairs"] = [];
  for (let j = 0; j < n; j++) {
    const side = (tag: string, cidrByte: number) => {
      const vpc = `vpc-${sid(`${tag}v`, j)}`;
      const subnet = `subnet-${sid(`${tag}s`, j)}`;
      const rtb = `rtb-${sid(`${tag}t`, j)}`;
      const ins = `ins-${sid(`${tag}i`, j)}`;
      d.vpcs.push({ id: vpc, cidr: `10.${cidrByte}.0.0/16` });
      d.subnets.push({ id: subnet, vpcId: vpc, cidr: `10.${cidrByte}.1.0/24`, routeTableId: rtb });
      d.instances.push({ id: ins, subnetId: subnet, privateIp: `10.${cidrByte}.1.10` });
      return { vpc, rtb, ins, ip: `10.${cidrByte}.1.10`, cidr: `10.${cidrByte}.0.0/16` };
    };
    const a = side("a", 1);
    const b = side("b", 2);
    const peeringId = `pcx-${sid("p", j)}`;
    d.routeTables.push({ id: a.rtb, vpcId: a.vpc, routes: [{ destinationCidr: b.cidr, peeringId: null }] });
    d.routeTables.push({ id: b.rtb, vpcId: b.vpc, routes: [{ destinationCidr: a.cidr, peeringId: null }] });
    pairs.push({
      a: a.vpc,
      b: b.vpc,
      routerA: nsName(PREFIX.raw, "router", a.vpc),
      routerB: nsName(PREFIX.raw, "router", b.vpc),
      peeringId,
      fromNs: nsName(PREFIX.raw, "instance", a.ins),
      toNs: nsName(PREFIX.raw, "instance", b.ins),
      toIp: b.ip,
    });
  }
  return { desired: d, pairs };
}

/** Pair j's accept as the reconciler sees it: its plan (the pair's four namespaces) and what observe() finds now. */
async function acceptOf(setup: RawSetup, j: number): Promise<{ plan: HostPlan; names: Set<string>; link: string }> {
  const pair = setup.pairs[j]!;
  const after: DesiredState = {
    ...setup.desired,
    routeTables: setup.desired.routeTables.map((t) =>
      t.vpcId === pair.a || t.vpcId === pair.b ? { ...t, routes: t.routes.map((r) => ({ ...r, peeringId: pair.peeringId })) } : t,
    ),
    peerings: [{ id: pair.peeringId, a: { routerType: "vpc", routerId: pair.a, cidrs: [] }, b: { routerType: "vpc", routerId: pair.b, cidrs: [] }, bandwidthMbps: null, delayMs: null }],
  };
  // Like the reconciler: the changed routers and the namespaces at the other end of their veths
  // (diff() redoes a veth whose other end it does not see).
  const names = new Set([pair.routerA, pair.routerB, pair.fromNs, pair.toNs]);
  const plan: HostPlan = { namespaces: new Map([...compile(after, PREFIX.raw).namespaces].filter(([n]) => names.has(n))) };
  return { plan, names, link: links.peering(pair.peeringId) };
}

/** The accept of raw pair j exactly as diff() emits it, re-ordered into 2 `ip -batch` runs. */
async function rawBatches(setup: RawSetup, j: number, proxyDelayZero: boolean): Promise<{ ns: string; lines: string[] }[]> {
  const pair = setup.pairs[j]!;
  const { plan, names, link } = await acceptOf(setup, j);
  const actions = diff(plan, await observe(PREFIX.raw, names));
  checkAccept(actions, pair, link);
  const lines = (ns: string, phase: number) => actions.batches.filter((b) => b.ns === ns && b.phase === phase).map((b) => b.cmd);
  // The reconciler creates the veth from A, sets both ends up (phase 2), then adds routes (phase 3).
  // In two runs, the end that is up first must create the pair: B creates it, sets its end up and
  // routes; A then sets its end up and routes (both ends are up before A's route draws traffic).
  // diff() now sets proxy_delay 0 itself (phase 2); without proxyDelayZero the baseline leaves those lines out.
  const z: string[] = [];
  const keep = (l: string) => proxyDelayZero || !l.startsWith("ntable change");
  return [
    { ns: pair.routerB, lines: [`link add ${link} type veth peer name ${link} netns ${pair.routerA}`, ...z, ...lines(pair.routerB, 2).filter(keep), ...lines(pair.routerB, 3)] },
    { ns: pair.routerA, lines: [...z, ...lines(pair.routerA, 2).filter(keep), ...lines(pair.routerA, 3)] },
  ];
}

async function runIpBatch(ns: string, lines: string[]): Promise<void> {
  const r = await sh("ip", ["-n", ns, "-batch", "-"], lines.join("\n") + "\n");
  if (r.code !== 0) throw new Error(`ip -n ${ns} -batch: ${r.stderr.trim()}`);
}

async function rawTrial(setup: RawSetup, j: number, proxyDelayZero: boolean): Promise<Trial> {
  const batches = await rawBatches(setup, j, proxyDelayZero);
  const trial = await measureFirstConnect(
    setup.pairs[j]!,
    async () => {
      const t0 = nowMs();
      for (const b of batches) await runIpBatch(b.ns, b.lines);
      return nowMs() - t0;
    },
    true,
  );
  await restore(setup, j);
  return trial;
}

let restoreRaces = 0;

/** Puts pair j back into its pre-accept state (no peering link, blackhole routes), checked. */
async function restore(setup: RawSetup, j: number): Promise<void> {
  const pair = setup.pairs[j]!;
  const names = new Set([pair.routerA, pair.routerB, pair.fromNs, pair.toNs]);
  const plan: HostPlan = { namespaces: new Map([...compile(setup.desired, PREFIX.raw).namespaces].filter(([n]) => names.has(n))) };
  // One round: the next trial's diff is checked to be exactly an accept, which checks this.
  // diff() deletes the peering veth from both routers at once; the slower `link del` can find the
  // device gone between its lookup and its delete ("No such device", which kernel.ts does not
  // count as benign).
  const r = await apply(diff(plan, await observe(PREFIX.raw, names)));
  const errors = r.errors.filter((e) => !/No such device/.test(e));
  if (errors.length > 0) throw new Error(`cannot restore ${pair.routerA}: ${errors.join("; ")}`);
  if (r.errors.length > 0) restoreRaces++;
}

/** Throws unless `actions` is exactly what accepting the pair's peering takes (so the pair was in its pre-accept state). */
function checkAccept(actions: Actions, pair: RawSetup["pairs"][number], link: string): void {
  const shape = actions.batches.map((b) => `${b.ns === pair.routerA ? "A" : b.ns === pair.routerB ? "B" : b.ns}/${b.phase}/${b.cmd.split(" ").slice(0, 2).join(" ")}`).sort().join(", ");
  const expected = ["A/1/link add", "A/2/link set", "A/2/ntable change", "A/3/route replace", "B/2/link set", "B/2/ntable change", "B/3/route replace"].join(", ");
  const first = actions.batches.find((b) => b.phase === 1);
  if (shape !== expected || actions.createNs.length > 0 || actions.deleteNs.length > 0 || first?.cmd !== `link add ${link} type veth peer name ${link} netns ${pair.routerB}`) {
    throw new Error(`unexpected diff for a peering accept: ${shape}`);
  }
}

/**
 * The kernel half of a reconciler pass, run directly with src/dataplane (observe the four
 * namespaces, diff, apply()), plus proxy_delay 0 on the new link: what the API path could reach
 * with the ARP fix and nothing else changed.
 */
async function libTrial(setup: RawSetup, j: number): Promise<Trial> {
  const { plan, names, link } = await acceptOf(setup, j);
  const pair = setup.pairs[j]!;
  return measureFirstConnect(pair, async () => {
    const t0 = nowMs();
    const actions = diff(plan, await observe(PREFIX.raw, names));
    checkAccept(actions, pair, link);
    // diff() itself sets proxy_delay 0 on the new link.
    const r = await apply(actions);
    if (r.errors.length > 0) throw new Error(`apply: ${r.errors.join("; ")}`);
    return nowMs() - t0;
  }, true).finally(() => restore(setup, j));
}

// ---- 2. scale ---------------------------------------------------------------------------------------

function scaleDesired(): { desired: DesiredState; routes: number; capped: number } {
  const d: DesiredState = { vpcs: [], subnets: [], routeTables: [], instances: [], vbrs: [], peerings: [] };
  const V = SCALE.vpcs;
  const vpc = (i: number) => `vpc-${sid("v", i)}`;
  const rtb = (i: number) => `rtb-${sid("t", i)}`;
  const routesOf: { destinationCidr: string; peeringId: string | null }[][] = Array.from({ length: V }, () => []);
  for (let i = 0; i < V; i++) {
    d.vpcs.push({ id: vpc(i), cidr: `10.${i}.0.0/16` });
    d.subnets.push({ id: `subnet-${sid("s", i)}`, vpcId: vpc(i), cidr: `10.${i}.1.0/24`, routeTableId: rtb(i) });
  }
  let capped = 0;
  let n = 0;
  for (let i = 0; i < V; i++) {
    for (const off of SCALE.peerOffsets) {
      const j = (i + off) % V;
      const id = `pcx-${sid("p", n)}`;
      const bandwidthMbps = n % 2 === 0 ? 100 : null;
      if (bandwidthMbps !== null) capped++;
      n++;
      d.peerings.push({ id, a: { routerType: "vpc", routerId: vpc(i), cidrs: [`10.${i}.0.0/16`] }, b: { routerType: "vpc", routerId: vpc(j), cidrs: [`10.${j}.0.0/16`] }, bandwidthMbps, delayMs: null });
      // Each side: the peer's /16 and more-specific /24s inside it, all over this peering.
      for (const [from, to] of [[i, j], [j, i]] as const) {
        routesOf[from]!.push({ destinationCidr: `10.${to}.0.0/16`, peeringId: id });
        for (let r = 1; r < SCALE.routesPerSide; r++) routesOf[from]!.push({ destinationCidr: `10.${to}.${1 + r}.0/24`, peeringId: id });
      }
    }
  }
  for (let i = 0; i < V; i++) d.routeTables.push({ id: rtb(i), vpcId: vpc(i), routes: routesOf[i]! });
  return { desired: d, routes: routesOf.reduce((a, r) => a + r.length, 0), capped };
}

/**
 * The command lines of `actions`, run without vpcpeer: the rounds apply() runs (removals, then
 * rounds() of kernel.ts), `ip`/`tc -batch` per namespace and round, `concurrency` at a time.
 */
async function rawProgram(actions: Actions, concurrency: number): Promise<{ processes: number; errors: string[] }> {
  const errors: string[] = [];
  let processes = 0;
  const check = (what: string, r: Ran) => {
    processes++;
    if (r.code !== 0 || r.stderr.trim()) errors.push(`${what}: ${r.stderr.trim().split("\n")[0]}`);
  };
  if (actions.createNs.length > 0) {
    check("netns add", await sh("ip", ["-batch", "-"], actions.createNs.map((n) => `netns add ${n.name}\n`).join("")));
    await pool(actions.createNs, concurrency, async (n) => {
      const writes = Object.entries(n.sysctls).map(([k, v]) => `echo ${v} > /proc/sys/${k.replace(/\./g, "/")}`);
      if (writes.length > 0) check(`${n.name} sysctl`, await sh("ip", ["netns", "exec", n.name, "sh", "-c", writes.join(" && ")]));
    });
  }
  const { first, then } = rounds(actions.batches.filter((b) => b.phase > 0));
  for (const round of [actions.batches.filter((b) => b.phase === 0), first, then]) {
    await pool(runsOf(round), concurrency, async (runs) => {
      for (const g of runs) check(`${g.ns} ${g.tool}`, await sh(g.tool, ["-n", g.ns, "-batch", "-"], g.lines.join("\n") + "\n"));
    });
  }
  if (actions.deleteNs.length > 0) check("netns del", await sh("ip", ["-batch", "-"], actions.deleteNs.map((n) => `netns del ${n}\n`).join("")));
  return { processes, errors };
}

/** The same facts observe() reads, read raw: per namespace one `ip -j -batch` (addr, route, rule) and one `tc -j`. */
async function rawRead(names: string[], concurrency: number): Promise<number> {
  let bytes = 0;
  await pool(names, concurrency, async (ns) => {
    const [i, t] = await Promise.all([sh("ip", ["-n", ns, "-j", "-d", "-s", "-batch", "-"], "addr show\nroute show table all\nrule show\n"), sh("tc", ["-n", ns, "-j", "qdisc", "show"])]);
    bytes += i.stdout.length + t.stdout.length;
  });
  return bytes;
}

interface ScaleFigures {
  namespaces: number;
  peerings: number;
  capped: number;
  routes: number;
  commands: number;
  compileDiffMs: number;
  applyMs: number[];
  rawMs: number[];
  noChangeMs: number[];
  rawReadMs: number[];
  teardownApplyMs: number[];
  teardownRawMs: number[];
  processesRaw: number;
}

async function benchScale(): Promise<ScaleFigures> {
  const { desired, routes, capped } = scaleDesired();
  const empty: HostState = { namespaces: new Map() };
  const t0 = performance.now();
  const first = diff(compile(desired, scalePrefix(0)), empty);
  const compileDiffMs = performance.now() - t0;
  const out: ScaleFigures = {
    namespaces: first.createNs.length,
    peerings: desired.peerings.length,
    capped,
    routes,
    commands: first.batches.length,
    compileDiffMs,
    applyMs: [],
    rawMs: [],
    noChangeMs: [],
    rawReadMs: [],
    teardownApplyMs: [],
    teardownRawMs: [],
    processesRaw: 0,
  };
  // Each round programs its own copy (its own prefix) and the copies are deleted together at the
  // end: the kernel tears namespaces down asynchronously, and that must not land in the next round.
  const programmed: { kind: string; prefix: string; observed: HostState }[] = [];
  for (const [i, kind] of SCALE_ROUNDS.entries()) {
    const prefix = scalePrefix(i);
    await settle(quick ? 1500 : 2000);
    log(`  scale: ${kind} …`);
    const plan = compile(desired, prefix);
    const names = [...plan.namespaces.keys()];
    const rawActions = kind === "raw" ? diff(plan, empty) : null;
    const t = performance.now();
    if (kind === "apply") {
      const r = await apply(diff(compile(desired, prefix), empty));
      if (r.errors.length > 0) throw new Error(`apply: ${r.errors.slice(0, 3).join("; ")}`);
      out.applyMs.push(performance.now() - t);
    } else {
      const r = await rawProgram(rawActions!, POOL);
      if (r.errors.length > 0) throw new Error(`raw: ${r.errors.slice(0, 3).join("; ")}`);
      out.rawMs.push(performance.now() - t);
      out.processesRaw = r.processes;
    }
    // A no-change pass must find nothing to do (else the two did not reach the same state).
    const tv = performance.now();
    const observed = await observe(prefix);
    const rest = diff(plan, observed);
    const noChange = performance.now() - tv;
    if (!isEmpty(rest)) throw new Error(`after ${kind}: a no-change pass still wants ${rest.batches.length} commands, e.g. ${rest.batches.slice(0, 3).map((b) => `${b.ns}: ${b.cmd}`).join("; ")}`);
    if (observed.namespaces.size !== names.length) throw new Error(`after ${kind}: ${observed.namespaces.size} namespaces, expected ${names.length}`);
    if (kind === "apply") {
      out.noChangeMs.push(noChange);
      // The same reads done raw, right after, on the same state.
      const tr = performance.now();
      await rawRead(names, POOL);
      out.rawReadMs.push(performance.now() - tr);
    }
    programmed.push({ kind, prefix, observed });
  }
  log("  scale: teardown …");
  for (const { kind, prefix, observed } of programmed) {
    const td = performance.now();
    if (kind === "apply") {
      const r = await apply(diff({ namespaces: new Map() }, observed));
      if (r.errors.length > 0) throw new Error(`teardown: ${r.errors.slice(0, 3).join("; ")}`);
      out.teardownApplyMs.push(performance.now() - td);
    } else {
      await rawProgram({ createNs: [], sysctls: [], deleteNs: [...observed.namespaces.keys()], batches: [] }, POOL);
      out.teardownRawMs.push(performance.now() - td);
    }
    const left = listAllNamespaces().filter((n) => n.startsWith(`${prefix}-`));
    if (left.length > 0) throw new Error(`teardown left ${left.length} namespaces`);
  }
  return out;
}

// ---- 3. throughput ------------------------------------------------------------------------------------

async function vethPair(): Promise<void> {
  const r = await sh("ip", ["-batch", "-"], `netns add ${VETH_A}\nnetns add ${VETH_B}\n`);
  if (r.code !== 0) throw new Error(`netns add: ${r.stderr}`);
  await runIpBatch(VETH_A, ["link set lo up", `link add eth0 type veth peer name eth0 netns ${VETH_B}`, "addr add 10.255.0.1/24 dev eth0", "link set eth0 up"]);
  await runIpBatch(VETH_B, ["link set lo up", "addr add 10.255.0.2/24 dev eth0", "link set eth0 up"]);
}

async function tcpMbps(from: string, to: string, ip: string): Promise<number> {
  const r = await throughput(from, [to], ip, 5201, TP_SECONDS);
  if (r.throughputMbps === null) throw new Error(`throughput ${from} → ${ip}: ${r.error}`);
  return r.throughputMbps;
}

// ---- main ---------------------------------------------------------------------------------------------

function machineFacts(): Record<string, string> {
  const ipV = execFileSync("ip", ["-V"], { encoding: "utf8" }).trim();
  const os = (() => {
    try {
      return /PRETTY_NAME="([^"]+)"/.exec(readFileSync("/etc/os-release", "utf8"))?.[1] ?? "?";
    } catch {
      return "?";
    }
  })();
  return {
    cpu: `${cpus().length} × ${cpus()[0]?.model ?? "?"}`,
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    kernel: readFileSync("/proc/sys/kernel/osrelease", "utf8").trim(),
    os,
    iproute2: ipV.replace(/^ip utility, /, ""),
    node: process.version,
    "other namespaces on the host": String(listAllNamespaces().filter((n) => !ours(n)).length),
  };
}

const ms = (x: number | null) => (x === null || !Number.isFinite(x) ? "-" : `${fmt(x, x < 100 ? 1 : 0)} ms`);
const ratio = (x: number, base: number) => (Number.isFinite(x) && Number.isFinite(base) && base > 0 ? `${fmt(x / base, 2)}×` : "-");
const yesNo = (ok: boolean) => (ok ? "yes" : "NO");

async function main(): Promise<void> {
  const started = performance.now();
  const busy0 = machineBusySeconds();
  const load0 = loadavg();
  const facts = machineFacts();
  log(`data plane benchmark: prefix ${P}${quick ? " (quick)" : ""}`);

  // 1. convergence first: the scale rounds leave the kernel tearing hundreds of namespaces down.
  log(`convergence: seeding ${PEERINGS} pending cross-account peerings and serving them …`);
  const api = await setupApi(PEERINGS);
  log(`  seeded in ${fmt(api.seedS, 1)} s; first data plane pass (${api.namespaces} namespaces) ${fmt(api.firstPassMs, 0)} ms`);
  const rawSetup = rawDesired(3);
  const rawApply = await apply(diff(compile(rawSetup.desired, PREFIX.raw), { namespaces: new Map() }));
  if (rawApply.errors.length > 0) throw new Error(`raw setup: ${rawApply.errors.slice(0, 3).join("; ")}`);
  await fetch(`${api.url}/readyz`).then((r) => r.text()); // opens the keep-alive connection
  const kinds = ["api", "raw", "raw0", "lib0"] as const;
  const trials: Record<(typeof kinds)[number], Trial[]> = { api: [], raw: [], raw0: [], lib0: [] };
  const passesBefore = passLog.length;
  for (let k = 0; k < PEERINGS; k++) {
    // Rotate the order so that none of them always goes first after a pause.
    for (const kind of kinds.map((_, i, a) => a[(i + k) % a.length]!)) {
      const t =
        kind === "api"
          ? await apiTrial(api, api.pairs[k]!)
          : kind === "raw"
            ? await rawTrial(rawSetup, 0, false)
            : kind === "raw0"
              ? await rawTrial(rawSetup, 1, true)
              : await libTrial(rawSetup, 2);
      trials[kind].push(t);
    }
    if ((k + 1) % 10 === 0 || k === PEERINGS - 1) {
      const last = (kind: keyof typeof trials) => ms(trials[kind].at(-1)?.ms ?? null);
      log(`  ${k + 1}/${PEERINGS}: api ${last("api")}, raw ${last("raw")}, raw+proxy_delay 0 ${last("raw0")}, kernel.ts+proxy_delay 0 ${last("lib0")}`);
    }
  }
  stop(...standingResponders.values());
  await reconciler?.idle();
  const trialPasses = passLog.slice(passesBefore);
  const incremental = trialPasses.filter((p) => !p.full && p.commands > 0).map((p) => p.t1 - p.t0);
  const fullPasses = passLog.filter((p, i) => p.full && i > 0).map((p) => p.t1 - p.t0);

  // 3. throughput: the first accepted pair (uncapped) against a plain veth pair. The server stops
  // first (its namespaces stay until the cleanup), so that no resync pass shares the CPUs.
  const overlapped = Object.fromEntries(kinds.map((k) => [k, trials[k].filter(fullOverlap).length])) as Record<(typeof kinds)[number], number>;
  const apiClean = trials.api.filter((t) => !fullOverlap(t) && t.ms !== null).map((t) => t.ms!);
  const stopping = server;
  server = null;
  await stopping?.close();
  log("throughput …");
  await vethPair();
  const sysctl = async (key: string) => (await sh("ip", ["netns", "exec", VETH_A, "cat", `/proc/sys/${key}`])).stdout.trim() || "?";
  facts["new link in a namespace: proxy_delay (1/100 s), bridge-nf-call-iptables"] =
    `${await sysctl("net/ipv4/neigh/eth0/proxy_delay")}, ${await sysctl("net/bridge/bridge-nf-call-iptables")}`;
  const tp = { peering: [] as number[], veth: [] as number[] };
  const p0 = api.pairs[0]!;
  for (let r = 0; r < TP_ROUNDS; r++) {
    for (const kind of r % 2 === 0 ? (["veth", "peering"] as const) : (["peering", "veth"] as const)) {
      const mbps = kind === "veth" ? await tcpMbps(VETH_A, VETH_B, "10.255.0.2") : await tcpMbps(p0.fromNs, p0.toNs, p0.toIp);
      tp[kind].push(mbps);
      log(`  ${kind}: ${fmt(mbps / 1000, 2)} Gbit/s`);
    }
  }

  // 2. scale (the namespaces above stay until the cleanup; nothing runs in them any more).
  log(`scale: ${SCALE.vpcs} VPCs …`);
  const scale = await benchScale();

  const busyCores = (machineBusySeconds() - busy0) / ((performance.now() - started) / 1000);
  const load1 = loadavg();

  // ---- figures ----
  const ok = (ts: Trial[]) => ts.filter((t) => t.ms !== null).map((t) => t.ms!);
  const failed = (ts: Trial[]) => ts.filter((t) => t.ms === null).length;
  const conv = { api: ok(trials.api), raw: ok(trials.raw), raw0: ok(trials.raw0), lib0: ok(trials.lib0) };
  const apiP50 = pct(conv.api, 50);
  const apiP99 = failed(trials.api) > 0 ? Infinity : pct(conv.api, 99);
  const rawP50 = pct(conv.raw, 50);
  const raw0P50 = pct(conv.raw0, 50);
  const applyMed = median(scale.applyMs);
  const rawMed = median(scale.rawMs);
  const tpPeer = median(tp.peering);
  const tpVeth = median(tp.veth);
  const n = PEERINGS;
  const rows: string[][] = [
    // The baseline is the same kernel change diff() makes (proxy_delay 0 included), in 2 ip runs.
    ["convergence p50: accept → first TCP connect", ms(apiP50), `raw 2× ip -batch: ${ms(raw0P50)}`, ratio(apiP50, raw0P50), "≤ 2× raw", yesNo(apiP50 <= 2 * raw0P50)],
    ["convergence p99", ms(apiP99), `raw: ${ms(pct(conv.raw0, 99))}`, ratio(apiP99, pct(conv.raw0, 99)), "< 150 ms", yesNo(apiP99 < 150)],
    ["  raw without proxy_delay 0 (the kernel's default ARP proxy delay; p50 / p99)", "", `${ms(rawP50)} / ${ms(pct(conv.raw, 99))}`, ratio(apiP50, rawP50), "(info)", ""],
    [
      "  kernel.ts observe+diff+apply() + proxy_delay 0 (p50 / p99)",
      "",
      `${ms(pct(conv.lib0, 50))} / ${ms(pct(conv.lib0, 99))}`,
      ratio(pct(conv.lib0, 50), raw0P50),
      "",
      "",
    ],
    [`  min / max (api; raw; raw without proxy_delay 0)`, `${ms(Math.min(...conv.api))} / ${ms(Math.max(...conv.api))}`, `${ms(Math.min(...conv.raw0))} / ${ms(Math.max(...conv.raw0))}; ${ms(Math.min(...conv.raw))} / ${ms(Math.max(...conv.raw))}`, "", "", ""],
    ["  accept HTTP round trip p50 / raw 2 ip runs p50", ms(median(trials.api.map((t) => t.stepMs))), ms(median(trials.raw.map((t) => t.stepMs))), "", "", ""],
    ["  reconciler pass applying an accept, p50 / p99", `${ms(median(incremental))} / ${ms(pct(incremental, 99))}`, "", "", "", ""],
    [
      "  trials overlapping a full resync pass (api / raw; raw0; lib0)",
      `${overlapped.api}/${n}`,
      `${overlapped.raw}/${n}; ${overlapped.raw0}/${n}; ${overlapped.lib0}/${n}`,
      "",
      "",
      "",
    ],
    ["  api without those trials (p50 / p99)", `${ms(pct(apiClean, 50))} / ${ms(pct(apiClean, 99))}`, "", "", "", ""],
    ["  baseline resets hitting the double `link del` race (ENODEV)", "", `${restoreRaces}/${3 * n}`, "", "", ""],
    ["  trials without a connect within 8 s (api / raw; raw0; lib0)", String(failed(trials.api)), `${failed(trials.raw)}; ${failed(trials.raw0)}; ${failed(trials.lib0)}`, "", "", ""],
    [
      `scale: program ${scale.namespaces} ns, ${scale.peerings} peerings (${scale.capped} capped), ${scale.routes} routes from empty`,
      ms(applyMed),
      `raw ip/tc -batch: ${ms(rawMed)}`,
      ratio(applyMed, rawMed),
      "≤ 1.5×",
      yesNo(applyMed <= 1.5 * rawMed),
    ],
    ["  runs (apply; raw)", scale.applyMs.map((x) => fmt(x, 0)).join(", "), scale.rawMs.map((x) => fmt(x, 0)).join(", "), "", "", ""],
    ["  compile + diff alone (cold; included above)", ms(scale.compileDiffMs), `${fmt(scale.commands, 0)} commands, ${fmt(scale.processesRaw, 0)} processes`, "", "", ""],
    ["  no-change pass (observe + diff), p50", ms(median(scale.noChangeMs)), `raw reads: ${ms(median(scale.rawReadMs))}`, ratio(median(scale.noChangeMs), median(scale.rawReadMs)), "", ""],
    ["  teardown (apply; raw netns del)", ms(median(scale.teardownApplyMs)), ms(median(scale.teardownRawMs)), "", "", ""],
    ["throughput, uncapped peering (2 router hops)", `${fmt(tpPeer / 1000, 2)} Gbit/s`, `veth pair: ${fmt(tpVeth / 1000, 2)} Gbit/s`, ratio(tpPeer, tpVeth), "≥ 0.8", yesNo(tpPeer >= 0.8 * tpVeth)],
    ["  runs (peering; veth), Gbit/s; ratio of the best runs", tp.peering.map((x) => fmt(x / 1000, 2)).join(", "), tp.veth.map((x) => fmt(x / 1000, 2)).join(", "), ratio(Math.max(...tp.peering), Math.max(...tp.veth)), "", ""],
    [`server: first pass (${api.namespaces} ns from empty); full resync p50`, ms(api.firstPassMs), ms(median(fullPasses)), "", "", ""],
  ];
  const out = [
    "",
    `vpcpeer data plane benchmark${quick ? " (--quick)" : ""}: ${n} peerings, prefix ${P}, ${fmt((performance.now() - started) / 1000, 0)} s`,
    ...Object.entries(facts).map(([k, v]) => `  ${k}: ${v}`),
    `  load average before / after: ${load0.map((x) => x.toFixed(2)).join(" ")} / ${load1.map((x) => x.toFixed(2)).join(" ")}; whole machine busy during the run: ${fmt(busyCores, 2)} cores`,
    "",
    table(["figure", "measured", "baseline (same run)", "ratio", "target", "met"], rows),
    "",
  ].join("\n");
  process.stdout.write(out);
  if (flags.json) {
    writeFileSync(
      flags.json,
      JSON.stringify({ prefix: P, quick, facts, convergence: { ...trials, incrementalPassMs: incremental, fullPassMs: fullPasses }, scale, throughputMbps: tp }, null, 2),
    );
  }
}

try {
  await main();
} finally {
  await cleanupAll();
  const left = listAllNamespaces().filter(ours);
  log(left.length === 0 ? `cleanup: every namespace under ${P} deleted` : `cleanup: ${left.length} namespaces left: ${left.join(" ")}`);
}
