/**
 * What `vpcpeer` runs: the compiled build in dist/ when it is current for the sources
 * (scripts/dist.mjs), the TypeScript sources through tsx otherwise or with VPCPEER_FROM_SOURCE=1.
 */
import { mkdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { compiledModule, distIsCurrent, sourceFingerprint } from "../../scripts/dist.mjs";
import { spawn } from "node:child_process";
import { ROOT } from "../../scripts/dist.mjs";
import { childEnv, startServer, tempDir } from "../support/process.ts";

describe("the compiled build's freshness (scripts/dist.mjs)", () => {
  const tree = tempDir("vpcpeer-dist-");
  const root = tree.path;
  const file = (rel: string, text = "export {};\n", mtime = 1_700_000_000) => {
    mkdirSync(join(root, rel, ".."), { recursive: true });
    writeFileSync(join(root, rel), text);
    utimesSync(join(root, rel), mtime, mtime);
  };
  const stamp = (fingerprint: string) => file("dist/build.json", JSON.stringify({ fingerprint, builtAt: "", ms: 0 }));
  file("src/a.ts");
  file("src/cli/main.ts");
  file("dist/src/cli/main.js");
  afterEach(() => {
    delete process.env.VPCPEER_FROM_SOURCE;
  });
  afterAll(() => tree.remove());

  it("changes with an edit, a new or a deleted source file, and not with a test file", () => {
    const f0 = sourceFingerprint(root);
    file("src/a.test.ts", "it();\n");
    expect(sourceFingerprint(root)).toBe(f0);
    file("src/a.ts", "export {};\n", 1_700_000_001);
    const f1 = sourceFingerprint(root);
    expect(f1).not.toBe(f0);
    file("src/a.ts", "export const x = 1;\n", 1_700_000_001);
    expect(sourceFingerprint(root)).not.toBe(f1);
    file("src/a.ts");
    expect(sourceFingerprint(root)).toBe(f0);
    file("src/deep/b.ts");
    expect(sourceFingerprint(root)).not.toBe(f0);
    rmSync(join(root, "src/deep"), { recursive: true });
    expect(sourceFingerprint(root)).toBe(f0);
    file("tsconfig.json", "{}");
    expect(sourceFingerprint(root)).not.toBe(f0);
    rmSync(join(root, "tsconfig.json"));
  });

  it("points at the compiled module only while the build is current and not overridden", () => {
    const main = pathToFileURL(join(root, "dist/src/cli/main.js")).href;
    rmSync(join(root, "dist/build.json"), { force: true });
    expect(compiledModule("src/cli/main.js", root)).toBeUndefined();
    stamp("not the fingerprint");
    expect(distIsCurrent(root)).toBe(false);
    expect(compiledModule("src/cli/main.js", root)).toBeUndefined();
    stamp(sourceFingerprint(root));
    expect(distIsCurrent(root)).toBe(true);
    expect(compiledModule("src/cli/main.js", root)).toBe(main);
    expect(compiledModule("src/missing.js", root)).toBeUndefined();
    process.env.VPCPEER_FROM_SOURCE = "1";
    expect(compiledModule("src/cli/main.js", root)).toBeUndefined();
    delete process.env.VPCPEER_FROM_SOURCE;
    file("src/a.ts", "export const edited = true;\n");
    expect(compiledModule("src/cli/main.js", root)).toBeUndefined();
  });
});

describe("vpcpeer serve's runtime", () => {
  const runtimeOf = (log: string) => /"runtime":"(\w+)"/.exec(log)?.[1];
  const data = tempDir("vpcpeer-runtime-");
  afterAll(() => data.remove());

  it("runs the compiled build when it is current (npm test builds it first), the sources on request", async () => {
    // `npm test` runs `scripts/build.mjs --if-stale` before vitest, so there the build is current.
    if (process.env.npm_lifecycle_event === "test") expect(distIsCurrent()).toBe(true);
    for (const [env, expected] of [
      [{}, distIsCurrent() ? "compiled" : "source"],
      [{ VPCPEER_FROM_SOURCE: "1" }, "source"],
    ] as const) {
      const server = await startServer(["--data", data.path], env);
      try {
        expect(runtimeOf(server.startLog)).toBe(expected);
        const health = await fetch(`${server.url}/healthz`);
        expect(health.status).toBe(200);
      } finally {
        expect(await server.stop()).toBe(0);
      }
    }
  });
});

describe("npm start (the README's quick start)", () => {
  const data = tempDir("vpcpeer-npm-start-");
  afterAll(() => data.remove());

  it("serves, and stops cleanly when npm itself gets SIGTERM (as a service manager sends it)", async () => {
    const npm = spawn("npm", ["start", "--silent", "--", "--port", "0", "--data", data.path, "--dataplane", "none"], { cwd: ROOT, env: childEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    npm.stdout.on("data", (c: Buffer) => (out += c.toString()));
    npm.stderr.on("data", (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((res) => npm.once("exit", (code) => res(code)));
    const listening = await new Promise<{ url: string; pid: number }>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`npm start did not listen in time:\n${out}`)), 60_000);
      const check = () => {
        const m = /"pid":(\d+)[^\n]*"url":"(http:\/\/[^"]+)"/.exec(out);
        if (m) {
          clearTimeout(timer);
          res({ url: m[2]!, pid: Number(m[1]) });
        }
      };
      npm.stdout.on("data", check);
      npm.stderr.on("data", check);
    });
    try {
      expect((await fetch(`${listening.url}/healthz`)).status).toBe(200);
      npm.kill("SIGTERM");
      await exited;
      // The server itself got the signal (npm's script runs it with exec), shut down, and is gone.
      for (const deadline = Date.now() + 10_000; Date.now() < deadline && alive(listening.pid); ) await new Promise((r) => setTimeout(r, 50));
      expect(alive(listening.pid)).toBe(false);
      expect(out).toContain('"msg":"shutting down"');
    } finally {
      if (alive(listening.pid)) process.kill(listening.pid, "SIGKILL");
    }
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
