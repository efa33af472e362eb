/**
 * `vpcpeer serve --ephemeral`: a server whose store and data plane live only as long as the process.
 * Each run gets a private temporary directory (mode 0700) for its SQLite store and a namespace
 * prefix of its own (`eph` + 6 random characters), and records both, with its pid, in a state file
 * (`ephemeral-<prefix>.json` under $VPCPEER_STATE_DIR, else $XDG_RUNTIME_DIR/vpcpeer, else
 * /run/vpcpeer as root, else ~/.cache/vpcpeer). At exit it removes exactly what that prefix owns
 * (its namespaces, and with them their links; on OVN, the northbound rows whose vpcpeer-owner is
 * the prefix), the directory and the state file. A run killed before it could is removed by the
 * next ephemeral start, which reads the state files whose process is gone.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { Logger } from "pino";
import { PREFIX_PATTERN } from "./dataplane/naming.ts";
import type { DesiredRows } from "./store/repos/dataplane.ts";

/** What a run leaves to remove, as its state file records it. */
export interface EphemeralRun {
  pid: number;
  /** Its namespace prefix (and OVN owner). */
  prefix: string;
  /** Its temporary directory (the SQLite store). */
  dir: string;
  /** The OVN northbound database it wrote to, if any. */
  ovnNb?: string | undefined;
  startedAt: string;
}

const DIR_PREFIX = "vpcpeer-ephemeral-";
/** Only prefixes this code makes: a state file never names another deployment's (`vpcpeer`, a test's). */
const EPHEMERAL_PREFIX = /^eph[a-z0-9]{6}$/;
const STATE_FILE = /^ephemeral-(eph[a-z0-9]{6})\.json$/;

export function ephemeralStateDir(): string {
  if (process.env.VPCPEER_STATE_DIR) return process.env.VPCPEER_STATE_DIR;
  if (process.env.XDG_RUNTIME_DIR) return join(process.env.XDG_RUNTIME_DIR, "vpcpeer");
  if (process.getuid?.() === 0) return "/run/vpcpeer";
  return join(homedir(), ".cache", "vpcpeer");
}

const stateFileOf = (prefix: string) => join(ephemeralStateDir(), `ephemeral-${prefix}.json`);

/** Starts a run: its prefix, its directory and its state file (written before anything is made). */
export function beginEphemeralRun(ovnNb?: string): EphemeralRun {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  const prefix = `eph${[...randomBytes(6)].map((b) => alphabet[b % alphabet.length]).join("")}`;
  const dir = mkdtempSync(join(tmpdir(), DIR_PREFIX));
  const run: EphemeralRun = { pid: process.pid, prefix, dir, ovnNb, startedAt: new Date().toISOString() };
  mkdirSync(ephemeralStateDir(), { recursive: true, mode: 0o700 });
  writeFileSync(stateFileOf(prefix), `${JSON.stringify(run)}\n`, { mode: 0o600 });
  return run;
}

const NO_ROWS: DesiredRows = { fingerprint: "", vpcs: [], subnets: [], routeTables: [], routes: [], instances: [], securityGroups: [], securityGroupRules: [], vbrs: [], peerings: [], activeInterfaces: [] };

/**
 * Removes what a run made: its namespaces (by exact prefix; their links go with them), its OVN rows,
 * its directory, then its state file. Answers what could not be removed (the state file is then
 * kept, so a later start tries again).
 */
export async function removeEphemeralRun(run: EphemeralRun): Promise<string[]> {
  const problems: string[] = [];
  if (!EPHEMERAL_PREFIX.test(run.prefix) || !PREFIX_PATTERN.test(run.prefix)) return [`state file of ${run.prefix}: not an ephemeral run's prefix`];
  try {
    const { listNamespaces, run: exec } = await import("./dataplane/kernel.ts");
    for (const ns of await listNamespaces(run.prefix)) {
      const r = await exec("ip", ["netns", "delete", ns]);
      if (r.code !== 0 && !/No such file/.test(r.stderr)) problems.push(`namespace ${ns}: ${r.stderr.trim()}`);
    }
  } catch (e) {
    // No iproute2 here: then no namespace was made either.
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") problems.push(`namespaces of ${run.prefix}: ${(e as Error).message}`);
  }
  if (run.ovnNb) {
    try {
      const { OvnDriver } = await import("./dataplane/ovn/driver.ts");
      const driver = await OvnDriver.open({ nb: run.ovnNb, prefix: run.prefix, connectTimeoutMs: 5000 });
      try {
        const pass = await driver.pass(NO_ROWS);
        problems.push(...pass.errors);
      } finally {
        await driver.close();
      }
    } catch (e) {
      problems.push(`OVN rows of ${run.prefix} in ${run.ovnNb}: ${(e as Error).message}`);
    }
  }
  // Only a directory this code made: a state file never makes us remove anything else.
  if (basename(run.dir).startsWith(DIR_PREFIX)) rmSync(run.dir, { recursive: true, force: true });
  if (problems.length === 0) rmSync(stateFileOf(run.prefix), { force: true });
  return problems;
}

/** Whether the run's process still runs (a pid reused by another program does not count). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("--ephemeral");
  } catch {
    return true;
  }
}

/** Removes the runs whose process is gone (killed before it could clean up); answers their prefixes. */
export async function removeStaleEphemeralRuns(logger?: Logger): Promise<string[]> {
  let files: string[];
  try {
    files = readdirSync(ephemeralStateDir());
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const file of files) {
    const m = STATE_FILE.exec(file);
    if (!m) continue;
    let run: EphemeralRun;
    try {
      run = JSON.parse(readFileSync(join(ephemeralStateDir(), file), "utf8")) as EphemeralRun;
    } catch {
      continue;
    }
    if (run.prefix !== m[1] || typeof run.dir !== "string" || !Number.isInteger(run.pid) || alive(run.pid)) continue;
    const problems = await removeEphemeralRun(run);
    if (problems.length > 0) logger?.warn({ prefix: run.prefix, problems }, "could not remove all of an earlier ephemeral run");
    else logger?.info({ prefix: run.prefix, pid: run.pid, dir: run.dir }, "removed an earlier ephemeral run that was killed");
    removed.push(run.prefix);
  }
  return removed;
}
