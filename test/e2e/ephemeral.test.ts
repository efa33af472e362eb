/**
 * `vpcpeer serve --ephemeral` as a CI step uses it: start, read the one JSON line, create through
 * it, stop; afterwards nothing of the run is left (its store directory, its state file, its
 * namespaces by exact prefix). A run killed with -9 is removed by the next ephemeral start.
 * As root the Linux data plane runs, so the namespaces are real; otherwise only the store is.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { CreateVpcCommand, EC2Client } from "@aws-sdk/client-ec2";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "../../src/dataplane/kernel.ts";
import { BIN, childEnv, tempDir } from "../support/process.ts";

const ROOT = process.getuid?.() === 0;
const FIXED = { id: "123456789012", accessKeyId: "AKIAIOSFODNN7EXAMPLE", accessKeySecret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };

interface Line {
  endpoint: string;
  accounts: { name: string; id: string; accessKeyId: string; accessKeySecret: string; token: string }[];
  netnsPrefix: string;
  pid: number;
}

interface Ephemeral {
  line: Line;
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

describe("serve --ephemeral", () => {
  const state = tempDir("vpcpeer-eph-state-");
  const started: Ephemeral[] = [];
  afterAll(async () => {
    for (const s of started) if (s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill("SIGTERM");
    await Promise.all(started.map((s) => s.exited));
    state.remove();
  });

  async function start(extra: string[] = []): Promise<Ephemeral> {
    const args = [BIN, "serve", "--ephemeral", "--port", "0", "--dataplane", ROOT ? "linux" : "none", "--settle-ms", "0", ...extra];
    const proc = spawn(process.execPath, args, { env: childEnv({ VPCPEER_STATE_DIR: state.path }), stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    proc.stderr!.on("data", (c: Buffer) => (err += c.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => proc.once("exit", (code, signal) => res({ code, signal })));
    const line = await new Promise<Line>((res, rej) => {
      proc.stdout!.on("data", (c: Buffer) => {
        out += c.toString();
        if (out.includes("\n")) res(JSON.parse(out.slice(0, out.indexOf("\n"))) as Line);
      });
      void exited.then(({ code }) => rej(new Error(`ephemeral server exited with ${code} before its line:\n${err}`)));
    });
    const e = { line, proc, stdout: () => out, stderr: () => err, exited };
    started.push(e);
    return e;
  }

  const stateFiles = () => readdirSync(state.path).filter((f) => f.startsWith("ephemeral-"));
  const storeDirOf = (prefix: string) => (JSON.parse(readFileSync(join(state.path, `ephemeral-${prefix}.json`), "utf8")) as { dir: string }).dir;
  /** Links of the host's own namespace that name the run (none should: its links live in its namespaces). */
  const hostLinks = async (prefix: string) => ((JSON.parse((await run("ip", ["-j", "link", "show"])).stdout || "[]") as { ifname: string }[]).map((l) => l.ifname)).filter((n) => n.includes(prefix));
  const namespaces = async (prefix: string) => {
    const r = await run("ip", ["-j", "netns", "list"]);
    return (r.stdout.trim() ? (JSON.parse(r.stdout) as { name: string }[]) : []).map((n) => n.name).filter((n) => n.startsWith(`${prefix}-`));
  };
  /** A VPC, a subnet and an instance through the native API with the line's token; resolves once the data plane built them. */
  async function populate(e: Ephemeral): Promise<void> {
    const token = e.line.accounts[0]!.token;
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${e.line.endpoint}/api/v1/${path}`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });
      expect(res.status, path).toBe(201);
      return (await res.json()) as { id: string };
    };
    const vpc = await post("vpcs", { name: "ci", region: "us-east-1", cidr: "10.0.0.0/16" });
    const subnet = await post("subnets", { vpcId: vpc.id, cidr: "10.0.1.0/24" });
    await post("instances", { subnetId: subnet.id });
    if (!ROOT) return;
    for (const deadline = Date.now() + 20_000; (await namespaces(e.line.netnsPrefix)).length < 2; ) {
      if (Date.now() > deadline) throw new Error(`the data plane did not build ${e.line.netnsPrefix}'s namespaces:\n${e.stderr()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it("prints one JSON line with the endpoint and a default account (or the accounts file's); SIGTERM leaves nothing; a run killed with -9 is removed by the next start", async () => {
    const [a, b] = await Promise.all([start(), start()]);
    for (const e of [a, b]) {
      expect(e.line).toMatchObject({ endpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), netnsPrefix: expect.stringMatching(/^eph[a-z0-9]{6}$/), pid: e.proc.pid });
      expect(e.line.accounts).toEqual([{ name: "default", id: expect.stringMatching(/^\d{12}$/), accessKeyId: expect.stringMatching(/^AKID/), accessKeySecret: expect.any(String), token: expect.stringMatching(/^vpt_/) }]);
      // Logs go to stderr: the line is stdout's only content, and no log holds the secret.
      expect(e.stdout().trim().split("\n")).toHaveLength(1);
      expect(e.stderr()).not.toContain(e.line.accounts[0]!.accessKeySecret);
    }
    expect(a.line.netnsPrefix).not.toBe(b.line.netnsPrefix);
    const dirs = { a: storeDirOf(a.line.netnsPrefix), b: storeDirOf(b.line.netnsPrefix) };
    expect(readdirSync(dirs.a)).toContain("vpcpeer.db");
    await Promise.all([populate(a), populate(b)]);

    // A: SIGTERM. Exit 0, and its store, state file and namespaces are gone.
    a.proc.kill("SIGTERM");
    expect(await a.exited).toEqual({ code: 0, signal: null });
    expect(existsSync(dirs.a)).toBe(false);
    expect(stateFiles()).toEqual([`ephemeral-${b.line.netnsPrefix}.json`]);
    expect(await namespaces(a.line.netnsPrefix)).toEqual([]);
    expect(await hostLinks(a.line.netnsPrefix)).toEqual([]);

    // B: killed with -9, it leaves everything; the next ephemeral start removes it, and only it.
    b.proc.kill("SIGKILL");
    await b.exited;
    expect(existsSync(dirs.b)).toBe(true);
    if (ROOT) expect(await namespaces(b.line.netnsPrefix)).toHaveLength(2);
    // With an accounts file, the line lists its accounts, with their fixed credentials.
    const file = join(state.path, "accounts.json");
    writeFileSync(file, JSON.stringify([{ name: "ci", ...FIXED }]));
    const c = await start(["--accounts", file]);
    expect(c.stderr()).toContain("removed an earlier ephemeral run that was killed");
    expect(existsSync(dirs.b)).toBe(false);
    expect(await namespaces(b.line.netnsPrefix)).toEqual([]);
    expect(await hostLinks(b.line.netnsPrefix)).toEqual([]);
    expect(stateFiles()).toEqual([`ephemeral-${c.line.netnsPrefix}.json`]);
    expect(c.line.accounts).toEqual([{ name: "ci", ...FIXED, token: expect.stringMatching(/^vpt_/) }]);
    const ec2 = new EC2Client({ endpoint: c.line.endpoint, region: "us-east-1", credentials: { accessKeyId: FIXED.accessKeyId, secretAccessKey: FIXED.accessKeySecret }, maxAttempts: 1 });
    const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: "10.9.0.0/16" }));
    expect(vpc.Vpc!.OwnerId).toBe(FIXED.id);
    c.proc.kill("SIGINT");
    expect(await c.exited).toEqual({ code: 0, signal: null });
    expect(stateFiles()).toEqual([]);
  });
});
