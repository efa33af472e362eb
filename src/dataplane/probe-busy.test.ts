/**
 * A probe to a port something in the target already listens on: the responder cannot bind, and the
 * probe answers from the network rather than failing (it was a 500 through POST /api/v1/probes).
 */
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isRoot, testPrefix } from "../../test/support/netns.ts";
import { run } from "./kernel.ts";
import { probe } from "./probe.ts";

describe.skipIf(!isRoot)("probe to a port already taken in the target", () => {
  const prefix = testPrefix();
  const a = `${prefix}-pa`;
  const b = `${prefix}-pb`;
  let listener: { stop(): void } | undefined;

  beforeAll(async () => {
    for (const ns of [a, b]) await run("ip", ["netns", "add", ns]);
    const sh = async (ns: string, ...args: string[]) => {
      const r = await run("ip", ["-n", ns, ...args]);
      if (r.code !== 0) throw new Error(r.stderr);
    };
    const r = await run("ip", ["-n", a, "link", "add", "v0", "type", "veth", "peer", "name", "v1", "netns", b]);
    if (r.code !== 0) throw new Error(r.stderr);
    await sh(a, "addr", "add", "10.250.0.1/30", "dev", "v0");
    await sh(b, "addr", "add", "10.250.0.2/30", "dev", "v1");
    await sh(a, "link", "set", "v0", "up");
    await sh(b, "link", "set", "v1", "up");
    // A listener of someone else's (answers, then closes; resets are not its concern).
    const other = spawn("ip", ["netns", "exec", b, process.execPath, "-e", 'require("net").createServer((s) => { s.on("error", () => {}); s.end("hi"); }).listen(7007, "0.0.0.0", () => console.log("up"))'], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((res, rej) => {
      other.stdout!.once("data", () => res());
      other.once("exit", (c) => rej(new Error(`listener exited ${c}`)));
    });
    listener = { stop: () => other.kill("SIGKILL") };
  });

  afterAll(async () => {
    listener?.stop();
    // By exact name (removeNamespaces lists only names of vpcpeer's own shape).
    for (const ns of [a, b]) await run("ip", ["netns", "del", ns]);
  });

  it("reaches the existing TCP listener instead of failing", async () => {
    expect(await probe(a, [b], "10.250.0.2", "tcp", 7007)).toMatchObject({ reachable: true });
  });

  it("says the port is taken when the existing listener does not answer (UDP)", async () => {
    const silent = spawn("ip", ["netns", "exec", b, process.execPath, "-e", 'require("dgram").createSocket("udp4").bind(7008, "0.0.0.0", () => console.log("up"))'], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      await new Promise<void>((res, rej) => {
        silent.stdout!.once("data", () => res());
        silent.once("exit", (c) => rej(new Error(`udp listener exited ${c}`)));
      });
      const r = await probe(a, [b], "10.250.0.2", "udp", 7008, 500);
      expect(r.reachable).toBe(false);
      expect(r.error).toMatch(/udp\/7008 is taken by another listener in the target/);
    } finally {
      silent.kill("SIGKILL");
    }
  });
});
