/**
 * The next ephemeral start's clean-up of earlier runs: a run whose process is gone loses its
 * directory, namespaces (real ones, as root) and state file; a live run and a state file naming a
 * prefix this code does not make are left alone.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listNamespaces, run } from "./dataplane/kernel.ts";
import { removeStaleEphemeralRuns } from "./ephemeral.ts";

const ROOT = process.getuid?.() === 0;

describe("removeStaleEphemeralRuns", () => {
  const state = mkdtempSync(join(tmpdir(), "vpcpeer-eph-unit-"));
  const before = process.env.VPCPEER_STATE_DIR;
  let live: ChildProcess;
  const suffix = () => Math.random().toString(36).slice(2, 8).padEnd(6, "0");
  const dead = `eph${suffix()}`;
  const alive = `eph${suffix()}`;
  const deadNs = `${dead}-r-000000000001`;
  const dirs = { dead: mkdtempSync(join(tmpdir(), "vpcpeer-ephemeral-")), alive: mkdtempSync(join(tmpdir(), "vpcpeer-ephemeral-")), foreign: mkdtempSync(join(tmpdir(), "vpcpeer-ephemeral-")) };

  beforeAll(async () => {
    process.env.VPCPEER_STATE_DIR = state;
    // A process that is gone: one that ran and exited.
    const gone = spawn(process.execPath, ["-e", ""]);
    await new Promise((r) => gone.once("exit", r));
    live = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)", "--", "--ephemeral"]);
    const write = (file: string, body: object) => writeFileSync(join(state, file), JSON.stringify(body));
    write(`ephemeral-${dead}.json`, { pid: gone.pid, prefix: dead, dir: dirs.dead, startedAt: "" });
    write(`ephemeral-${alive}.json`, { pid: live.pid, prefix: alive, dir: dirs.alive, startedAt: "" });
    write("ephemeral-vpcpeer.json", { pid: gone.pid, prefix: "vpcpeer", dir: dirs.foreign, startedAt: "" });
    if (ROOT) expect((await run("ip", ["netns", "add", deadNs])).code).toBe(0);
  });
  afterAll(async () => {
    live?.kill("SIGKILL");
    if (ROOT) await run("ip", ["netns", "delete", deadNs]);
    for (const d of [...Object.values(dirs), state]) rmSync(d, { recursive: true, force: true });
    if (before === undefined) delete process.env.VPCPEER_STATE_DIR;
    else process.env.VPCPEER_STATE_DIR = before;
  });

  it("removes only the runs whose process is gone, and only what they recorded", async () => {
    expect(await removeStaleEphemeralRuns()).toEqual([dead]);
    expect(existsSync(dirs.dead)).toBe(false);
    if (ROOT) expect(await listNamespaces(dead)).toEqual([]);
    expect(existsSync(dirs.alive)).toBe(true);
    expect(existsSync(dirs.foreign)).toBe(true);
    expect(readdirSync(state).sort()).toEqual([`ephemeral-${alive}.json`, "ephemeral-vpcpeer.json"].sort());
  });
});
