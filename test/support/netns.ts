/** Helpers for data plane tests: unique prefixes, TCP probes inside namespaces, exact-name cleanup. */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { listNamespaces, run } from "../../src/dataplane/kernel.ts";

export const isRoot = process.getuid?.() === 0;

/** A namespace prefix no other test run uses (all names under it belong to this test). */
export function testPrefix(): string {
  return `t${randomBytes(3).toString("hex")}`;
}

/** Deletes every namespace under `prefix`, by exact name. */
export async function removeNamespaces(prefix: string): Promise<void> {
  for (const name of await listNamespaces(prefix)) await run("ip", ["netns", "del", name]);
}

/** A TCP server answering "pong" inside a namespace; stop() kills it. */
export async function responder(ns: string, port: number): Promise<{ stop(): void }> {
  const p: ChildProcess = spawn("ip", ["netns", "exec", ns, process.execPath, "-e", `require("net").createServer((s) => s.end("pong")).listen(${port}, "0.0.0.0", () => console.log("up"))`], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((res, rej) => {
    p.stdout!.once("data", () => res());
    p.once("exit", (c) => rej(new Error(`responder in ${ns} exited ${c}`)));
  });
  return { stop: () => p.kill("SIGKILL") };
}

/** Whether a TCP connection from `ns` to ip:port gets "pong" within `timeoutMs`. */
export async function tcpReachable(ns: string, ip: string, port: number, timeoutMs = 1500): Promise<boolean> {
  const script = `const s=require("net").connect({host:${JSON.stringify(ip)},port:${port}});s.setTimeout(${timeoutMs},()=>process.exit(2));s.on("data",d=>process.exit(String(d)==="pong"?0:3));s.on("error",()=>process.exit(1));`;
  const r = await run("ip", ["netns", "exec", ns, process.execPath, "-e", script]);
  return r.code === 0;
}
