/** Real `vpcpeer` processes for front-door tests: servers on ephemeral ports and CLI runs. */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { TEST_MASTER_KEY_B64 } from "./keys.ts";

export const BIN = resolve(import.meta.dirname, "../../bin/vpcpeer.js");

/** Environment for child processes: the test master key, an isolated config dir, no proxies. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, VPCPEER_MASTER_KEY: TEST_MASTER_KEY_B64, ...extra };
  for (const k of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "VPCPEER_TOKEN", "VPCPEER_ENDPOINT", "VPCPEER_PROFILE"]) {
    if (!(k in extra)) delete env[k];
  }
  return env;
}

export interface ServerProcess {
  url: string;
  proc: ChildProcess;
  /** Everything the server wrote to stdout and stderr until it listened. */
  startLog: string;
  /** SIGTERM and wait; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait. */
  kill(): Promise<void>;
}

/** Starts `vpcpeer serve --port 0 …` and resolves once it logs its URL. */
export async function startServer(args: string[], env: Record<string, string> = {}): Promise<ServerProcess> {
  // Servers of tests run without a data plane unless the test asks for one (with its own prefix).
  const dataplane = args.includes("--dataplane") ? [] : ["--dataplane", "none"];
  // Changes read as applied at once unless the test asks for a settle time (transitional states).
  const settle = args.includes("--settle-ms") ? [] : ["--settle-ms", "0"];
  const proc = spawn(process.execPath, [BIN, "serve", "--port", "0", ...dataplane, ...settle, ...args], { env: childEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const exited = new Promise<number | null>((res) => proc.once("exit", (code) => res(code)));
  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => {
      // A server that never said where it listens is not left running behind the failed test.
      proc.kill("SIGKILL");
      rej(new Error(`server did not start in time:\n${out}`));
    }, 30_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (m) {
        clearTimeout(timer);
        res(m[1]!);
      }
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      rej(new Error(`server exited with ${code} before listening:\n${out}`));
    });
  });
  return {
    url,
    proc,
    startLog: out,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
      return exited;
    },
    async kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
      await exited;
    },
  };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to completion (in `cwd`, default this process's). */
export function runCli(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<CliResult> {
  return new Promise((res) => {
    const proc = spawn(process.execPath, [BIN, ...args], { env: childEnv(env), stdio: ["ignore", "pipe", "pipe"], ...(cwd ? { cwd } : {}) });
    let stdout = "";
    let stderr = "";
    proc.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    proc.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    proc.on("exit", (code) => res({ code, stdout, stderr }));
  });
}

export function tempDir(prefix = "vpcpeer-"): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
