/**
 * What the OVN benchmarks over the API (bench/ovn-api.ts, bench/ovn-scale.ts) share: a 2-host lab
 * whose agents run on the benchmark's store, a store seeded through the services, a
 * `vpcpeer serve --dataplane ovn --lab D` child, its data plane passes read from /readyz, and a
 * cleanup that stops what the run started (server, lab by its records) and deletes the run's
 * namespaces by exact name, also on failure and Ctrl-C.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { listNamespaces, run } from "../src/dataplane/kernel.ts";
import { type LabInfo, labDown, labUp } from "../src/dataplane/ovn/lab/lab.ts";
import { type Runtime, openRuntime } from "../src/main.ts";
import { TEST_MASTER_KEY, TEST_MASTER_KEY_B64 } from "../test/support/keys.ts";
import { BIN, type ServerProcess, startServer, tempDir } from "../test/support/process.ts";
import { benchConfig } from "./common.ts";
import { sleep } from "./load.ts";

/** A deployment prefix no other run uses (`--netns-prefix`; every namespace of the run starts with it). */
export const runPrefix = (letter: string) => `b${letter}${randomBytes(3).toString("hex")}`;

export const load = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
export const commit = async () => (await run("git", ["rev-parse", "--short", "HEAD"])).stdout.trim();
export const log = (s: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);

export function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

export interface Readyz {
  passes: number;
  busy: boolean;
  lastPass: { ms: number; commands: number; errors: string[]; full: boolean } | null;
  hvCfg?: number;
  nbCfg?: number;
}

export async function readyz(url: string): Promise<Readyz> {
  return ((await (await fetch(`${url}/readyz`)).json()) as { dataplane: Readyz }).dataplane;
}

/** Waits until the server has completed more than `after` passes and is not busy; returns its state. */
export async function passDone(url: string, after: number, timeoutMs: number): Promise<Readyz> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(10)) {
    const d = await readyz(url);
    if (d.passes > after && !d.busy) return d;
  }
  throw new Error(`no data plane pass completed in ${timeoutMs} ms: ${JSON.stringify(await readyz(url))}`);
}

export interface Bench {
  prefix: string;
  labDir: string;
  lab: LabInfo;
  data: string;
  /** The benchmark's own namespaces (deleted by exact name at the end). */
  made: string[];
  server: ServerProcess | null;
  /** Opens the store (the benchmark's master key and raised quotas) for seeding through the services. */
  runtime(): Promise<Runtime>;
  /** Starts `vpcpeer serve --dataplane ovn --lab D` on the store. */
  serve(): Promise<ServerProcess>;
  cleanup(): Promise<void>;
}

export function benchLimits() {
  const config = benchConfig();
  config.limits.pendingPeeringsPerAccount = 1_000_000;
  config.limits.peeringsPerVpc = 1_000;
  config.limits.routesPerTable = 1_000;
  config.limits.instancesPerSubnet = 1_000;
  return config;
}

/** Brings a 2-host lab up with one agent per host on a fresh SQLite store, under a fresh prefix. */
export async function benchLab(letter: string): Promise<Bench> {
  const prefix = runPrefix(letter);
  const labDir = tempDir("vpcpeer-ovnbench-lab-");
  const data = tempDir("vpcpeer-ovnbench-data-");
  // The agents lab up starts read the store with the key of this process's environment.
  process.env.VPCPEER_MASTER_KEY = TEST_MASTER_KEY_B64;
  const made: string[] = [];
  let lab: LabInfo | undefined;
  const b: Bench = {
    prefix,
    labDir: labDir.path,
    get lab() {
      return lab!;
    },
    data: data.path,
    made,
    server: null,
    runtime: () => openRuntime({ dataDir: data.path, config: benchLimits(), masterKey: TEST_MASTER_KEY }),
    async serve() {
      b.server = await startServer(["--data", data.path, "--dataplane", "ovn", "--lab", labDir.path, "--netns-prefix", prefix]);
      return b.server;
    },
    async cleanup() {
      await b.server?.stop();
      b.server = null;
      for (const n of made.reverse()) await run("ip", ["netns", "del", n]);
      if (existsSync(join(labDir.path, "lab.json"))) await labDown(labDir.path).catch((e: Error) => log(`lab down: ${e.message}`));
      for (const n of await listNamespaces(prefix)) await run("ip", ["netns", "del", n]);
      labDir.remove();
      data.remove();
    },
  };
  // Create the store first (the agents open it), then the lab with its agents.
  await (await b.runtime()).close();
  const onSignal = () => void b.cleanup().finally(() => process.exit(130));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    lab = await labUp(labDir.path, { hosts: 2, agents: { bin: BIN, store: ["--data", data.path], prefix } });
  } catch (e) {
    await b.cleanup();
    throw e;
  }
  return b;
}

/** Waits until both lab hosts' agents have registered (instances can then be placed on them). */
export async function hostsRegistered(rt: Runtime, timeoutMs = 30_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(200)) {
    const names = (await rt.services.instances.hosts()).map((h) => h.name);
    if (names.includes("h1") && names.includes("h2")) return;
  }
  throw new Error("the lab's agents did not register h1 and h2 in time");
}
