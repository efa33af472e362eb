/**
 * Starting and stopping OVS/OVN daemons by pid: every daemon runs detached with its own pidfile,
 * log file and control socket in a directory of ours (and, for a chassis, inside its network
 * namespace); it is stopped by the pid it wrote, after checking that the pid is still that
 * daemon, started for that directory (a pid may have been reused since).
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { run } from "../../kernel.ts";

/** A process the lab started. */
export interface DaemonRecord {
  /** What it is, e.g. "nb", "h1/ovs-vswitchd". */
  name: string;
  pid: number;
  /** Its executable's name (as /proc/PID/comm shows it). */
  comm: string;
  /** A string its command line contains (the directory it was started for). */
  mark: string;
  netns?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs a tool to completion (with extra environment variables, through env(1), and `input` on its
 * stdin); throws with its stderr unless it exits 0.
 */
export async function tool(cmd: string, args: string[], env: Record<string, string> = {}, input?: string): Promise<string> {
  const vars = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  const r = vars.length ? await run("env", [...vars, cmd, ...args], input) : await run(cmd, args, input);
  if (r.code !== 0) {
    const line = `${cmd} ${args.join(" ")}`;
    throw new Error(`${line.length > 200 ? `${line.slice(0, 197)}...` : line}: exit ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
  }
  return r.stdout;
}

export interface DaemonSpec {
  name: string;
  /** Executable: ovsdb-server, ovs-vswitchd, ovn-northd, ovn-controller. */
  bin: string;
  args: string[];
  /** Directory for its pidfile, log and run files. */
  dir: string;
  /** File stem of its pidfile and log (default: bin). */
  stem?: string;
  netns?: string;
  env?: Record<string, string>;
  /** Add --unixctl=DIR/STEM.ctl (ovn-controller 23.03 has no such option). */
  unixctl?: boolean;
  /** Marks it as ours in its command line (default: dir). */
  mark?: string;
}

/**
 * Starts a daemon with --detach and returns its record once its pidfile names a live process.
 * OVS daemons close their standard streams when they detach, so the parent's exit means "ready".
 */
export async function startDaemon(spec: DaemonSpec): Promise<DaemonRecord> {
  const stem = spec.stem ?? spec.bin;
  const pidfile = join(spec.dir, `${stem}.pid`);
  const args = [
    ...spec.args,
    ...(spec.unixctl === false ? [] : [`--unixctl=${join(spec.dir, `${stem}.ctl`)}`]),
    `--pidfile=${pidfile}`,
    `--log-file=${join(spec.dir, `${stem}.log`)}`,
    "--detach",
    "--no-chdir",
    "-vconsole:off",
  ];
  const [cmd, argv] = spec.netns ? ["ip", ["netns", "exec", spec.netns, spec.bin, ...args]] : [spec.bin, args];
  const env = { OVS_RUNDIR: spec.dir, OVN_RUNDIR: spec.dir, OVS_DBDIR: spec.dir, OVN_DBDIR: spec.dir, OVS_LOGDIR: spec.dir, OVN_LOGDIR: spec.dir, ...spec.env };
  const code = await new Promise<number | null>((resolve, reject) => {
    const p = spawn(cmd, argv as string[], { stdio: "ignore", env: { ...process.env, ...env } });
    p.on("error", reject);
    p.on("exit", (c) => resolve(c));
  });
  if (code !== 0) throw new Error(`${spec.name}: ${spec.bin} exited ${code} while starting: ${await logTail(join(spec.dir, `${stem}.log`))}`);
  const pid = Number((await readFile(pidfile, "utf8")).trim());
  if (!Number.isInteger(pid) || !isAlive(pid)) throw new Error(`${spec.name}: no live pid in ${pidfile}: ${await logTail(join(spec.dir, `${stem}.log`))}`);
  return { name: spec.name, pid, comm: spec.bin.slice(0, 15), mark: spec.mark ?? spec.dir, ...(spec.netns ? { netns: spec.netns } : {}) };
}

export async function logTail(file: string, lines = 5): Promise<string> {
  try {
    return (await readFile(file, "utf8")).trim().split("\n").slice(-lines).join(" | ");
  } catch {
    return "(no log)";
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Whether `pid` is still the process the record describes (same executable, our directory in its command line). */
export function isOurs(d: DaemonRecord): boolean {
  try {
    const comm = readFileSync(`/proc/${d.pid}/comm`, "utf8").trim();
    const cmdline = readFileSync(`/proc/${d.pid}/cmdline`, "utf8");
    return comm === d.comm && cmdline.includes(d.mark);
  } catch {
    return false;
  }
}

/** Stops a daemon by pid (TERM, then KILL after `graceMs`); a pid that is gone or no longer ours is left alone. */
export async function stopDaemon(d: DaemonRecord, graceMs = 3000): Promise<"stopped" | "gone"> {
  if (!isOurs(d)) return "gone";
  try {
    process.kill(d.pid, "SIGTERM");
  } catch {
    return "gone";
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isOurs(d)) return "stopped";
    await sleep(20);
  }
  try {
    process.kill(d.pid, "SIGKILL");
  } catch {
    /* exited meanwhile */
  }
  for (let i = 0; i < 100 && isOurs(d); i++) await sleep(20);
  return "stopped";
}

/** Waits until `file` (from byte `from` on) contains a match of `re`; returns the match. */
export async function waitForLog(file: string, re: RegExp, timeoutMs: number, from = 0): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const m = re.exec((await readFile(file)).subarray(from).toString("utf8"));
      if (m) return m;
    } catch {
      /* not written yet */
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${re} in ${file}: ${await logTail(file)}`);
    await sleep(10);
  }
}
