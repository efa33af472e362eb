/**
 * Child processes and temp dirs of a benchmark run, and what /proc says about a child (RSS, CPU).
 * Everything made here is registered and removed by cleanup(), which run.ts calls in `finally`,
 * on SIGINT/SIGTERM and (synchronously, as a last resort) on exit.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { READY_MARKER } from "./common.ts";

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export interface ServerChild {
  kind: "api" | "bare" | "floor" | "insert";
  url: string;
  host: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/**
 * How the server children run, the same for the API and the bare baseline: `compiled` (default)
 * as `node dist/bench/server.js`, the JavaScript `npm start` runs (scripts/build.mjs, rebuilt here
 * when stale), or with BENCH_RUNTIME=source as `node --import tsx bench/server.ts`, the sources
 * through tsx's loader (what `vpcpeer serve` falls back to when dist/ is stale).
 */
export const CHILD_RUNTIME: "compiled" | "source" = process.env.BENCH_RUNTIME === "source" ? "source" : "compiled";
let built = false;

function childCommand(): string[] {
  if (CHILD_RUNTIME === "source") return ["--import", "tsx", join(PROJECT_ROOT, "bench", "server.ts")];
  if (!built) {
    execFileSync(process.execPath, [join(PROJECT_ROOT, "scripts", "build.mjs"), "--if-stale"], { stdio: "inherit" });
    built = true;
  }
  return [join(PROJECT_ROOT, "dist", "bench", "server.js")];
}

/** Starts a server child (`node [nodeArgs] <childCommand> --kind kind args`, see CHILD_RUNTIME). */
export async function startServer(kind: ServerChild["kind"], args: string[], nodeArgs: string[] = []): Promise<ServerChild> {
  const child = spawn(process.execPath, [...nodeArgs, ...childCommand(), "--kind", kind, ...args], {
    cwd: PROJECT_ROOT,
    // stdin stays open as a lifeline: the child shuts down when it closes (e.g. the driver died).
    stdio: ["pipe", "pipe", "inherit"],
    env: { ...process.env, NODE_ENV: "production" },
  });
  children.add(child);
  const exited = new Promise<void>((res) => child.once("exit", () => res()));
  exited.then(() => children.delete(child));

  const ready = await new Promise<{ url: string; pid: number }>((res, rej) => {
    let buffered = "";
    const timer = setTimeout(() => rej(new Error(`${kind} server did not start within 30 s`)), 30_000);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      rej(new Error(`${kind} server exited before it was ready (code ${code}, signal ${signal})`));
    });
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line.startsWith(READY_MARKER)) {
          clearTimeout(timer);
          res(JSON.parse(line.slice(READY_MARKER.length)) as { url: string; pid: number });
        } else if (line.trim()) {
          process.stderr.write(`[${kind} server] ${line}\n`);
        }
      }
    });
  });
  const u = new URL(ready.url);
  return {
    kind,
    url: ready.url,
    host: u.hostname,
    port: Number(u.port),
    pid: ready.pid,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Stops every child still running and removes every temp dir. Safe to call more than once. */
export async function cleanup(): Promise<void> {
  await Promise.all(
    [...children].map(
      (c) =>
        new Promise<void>((res) => {
          if (c.exitCode !== null || c.signalCode !== null) return res();
          const timer = setTimeout(() => c.kill("SIGKILL"), 5000);
          c.once("exit", () => {
            clearTimeout(timer);
            res();
          });
          c.kill("SIGTERM");
        }),
    ),
  );
  cleanupSync();
}

/** The synchronous last resort (process 'exit' handlers cannot wait). */
export function cleanupSync(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  children.clear();
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  tempDirs.clear();
}

/** Resident set size and its peak (VmRSS, VmHWM) of a process, in bytes. */
export function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb("VmRSS"), peak: kb("VmHWM") };
}

/** CPU time (user + system, all threads) a process has used so far, in seconds. */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the parenthesized command name; utime and stime are fields 14 and 15 (1-based).
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(rest[11]) + Number(rest[12]);
  return ticks / CLOCK_TICKS;
}

/** USER_HZ: 100 on every Linux architecture Node supports. */
const CLOCK_TICKS = 100;
