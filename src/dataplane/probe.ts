/**
 * Probes with real sockets inside namespaces: a responder is started in the target's namespace for
 * the probe (so `reachable` reflects the network, not whether something listens), the client runs
 * in the source's namespace, and both are gone afterwards.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { run } from "./kernel.ts";

export type ProbeProtocol = "tcp" | "udp" | "icmp";

export interface ProbeResult {
  reachable: boolean;
  rttMs: number | null;
  error?: string;
}

const RESPONDER = `
const [proto, port, mode] = process.argv.slice(1);
// A port something in the namespace already listens on: that listener answers the probe.
const failed = (e) => { if (e && e.code === "EADDRINUSE") { console.log("busy"); process.exit(0); } console.error(String(e && e.message)); process.exit(1); };
if (proto === "udp") {
  const s = require("dgram").createSocket("udp4");
  s.on("error", failed);
  s.on("message", (m, r) => s.send(m, r.port, r.address));
  s.bind(Number(port), "0.0.0.0", () => console.log("ready"));
} else if (mode === "sink") {
  require("net").createServer((c) => {
    let bytes = 0, t0 = 0;
    c.on("data", (d) => { if (!t0) t0 = performance.now(); bytes += d.length; });
    c.on("end", () => c.end(JSON.stringify({ bytes, ms: performance.now() - t0 })));
    c.on("error", () => {});
  }).on("error", failed).listen(Number(port), "0.0.0.0", () => console.log("ready"));
} else {
  require("net").createServer((c) => { c.on("error", () => {}); c.end("pong"); }).on("error", failed).listen(Number(port), "0.0.0.0", () => console.log("ready"));
}
setTimeout(() => process.exit(0), Number(process.env.RESPONDER_TTL_MS || 60000));
`;

const CLIENT = `
const [proto, ip, port, timeoutMs, seconds] = process.argv.slice(1);
const done = (o) => { process.stdout.write(JSON.stringify(o)); process.exit(0); };
const t0 = performance.now();
setTimeout(() => done({ reachable: false, rttMs: null, error: "timed out after " + timeoutMs + " ms" }), Number(timeoutMs) + Number(seconds || 0) * 1000);
if (proto === "udp") {
  const s = require("dgram").createSocket("udp4");
  s.on("message", () => done({ reachable: true, rttMs: performance.now() - t0 }));
  s.on("error", (e) => done({ reachable: false, rttMs: null, error: e.code || e.message }));
  s.send(Buffer.from("probe"), Number(port), ip);
} else if (seconds) {
  const c = require("net").connect({ host: ip, port: Number(port) });
  const chunk = Buffer.alloc(64 * 1024);
  let sending = true, reply = "";
  c.on("connect", () => {
    setTimeout(() => { sending = false; c.end(); }, Number(seconds) * 1000);
    const pump = () => { while (sending && c.write(chunk)) {} if (sending) c.once("drain", pump); };
    pump();
  });
  c.on("data", (d) => (reply += d));
  c.on("end", () => { const r = JSON.parse(reply); done({ reachable: true, rttMs: null, bytes: r.bytes, ms: r.ms }); });
  c.on("error", (e) => done({ reachable: false, rttMs: null, error: e.code || e.message }));
} else {
  const c = require("net").connect({ host: ip, port: Number(port) });
  c.on("connect", () => { const rtt = performance.now() - t0; c.destroy(); done({ reachable: true, rttMs: rtt }); });
  c.on("error", (e) => done({ reachable: false, rttMs: null, error: e.code || e.message }));
}
`;

/** A responder listening on the port in `ns`; `busy` when another process there already listens on it (that one answers). */
async function startResponder(ns: string, protocol: "tcp" | "udp", port: number, mode: "pong" | "sink"): Promise<ChildProcess & { busy?: boolean }> {
  const p: ChildProcess & { busy?: boolean } = spawn("ip", ["netns", "exec", ns, process.execPath, "-e", RESPONDER, protocol, String(port), mode], { stdio: ["ignore", "pipe", "pipe"] });
  await new Promise<void>((resolve, reject) => {
    let err = "";
    p.stderr!.on("data", (c: Buffer) => (err += c.toString()));
    p.stdout!.once("data", (c: Buffer) => {
      if (c.toString().startsWith("busy")) p.busy = true;
      resolve();
    });
    p.once("exit", (code) => reject(new Error(`responder in ${ns} exited (${code}): ${err.trim().split("\n").pop()}`)));
  });
  return p;
}

function stopAll(ps: ChildProcess[]): void {
  for (const p of ps) if (p.exitCode === null) p.kill("SIGKILL");
}

/** Probes ip:port from namespace `from`; `targets` are the namespaces that may own the address. */
export async function probe(from: string, targets: string[], ip: string, protocol: ProbeProtocol, port: number, timeoutMs = 2000): Promise<ProbeResult> {
  if (protocol === "icmp") {
    const r = await run("ip", ["netns", "exec", from, "ping", "-c", "1", "-n", "-W", String(Math.max(1, Math.ceil(timeoutMs / 1000))), ip]).catch((e: Error) => ({ code: 127, stdout: "", stderr: e.message }));
    if (r.code === 127 || /not found|No such file/.test(r.stderr)) return { reachable: false, rttMs: null, error: "ping is not installed on this host (Debian package iputils-ping)" };
    const m = /time=([\d.]+) ms/.exec(r.stdout);
    return r.code === 0 && m ? { reachable: true, rttMs: Number(m[1]) } : { reachable: false, rttMs: null, error: "no echo reply" };
  }
  const responders: (ChildProcess & { busy?: boolean })[] = [];
  try {
    for (const t of targets) responders.push(await startResponder(t, protocol, port, "pong"));
    const r = await run("ip", ["netns", "exec", from, process.execPath, "-e", CLIENT, protocol, ip, String(port), String(timeoutMs)]);
    const result = JSON.parse(r.stdout || `{"reachable":false,"rttMs":null,"error":${JSON.stringify(r.stderr.trim() || "probe failed")}}`) as ProbeResult;
    if (!result.reachable && responders.some((x) => x.busy)) {
      result.error = `${result.error ?? "no answer"}; ${protocol}/${port} is taken by another listener in the target: the probe's responder could not listen there, and that listener did not answer`;
    }
    return result;
  } finally {
    stopAll(responders);
  }
}

/** Measures TCP throughput from `from` to ip:port for `seconds`, as counted by the receiver. */
export async function throughput(from: string, targets: string[], ip: string, port: number, seconds: number): Promise<{ throughputMbps: number | null; error?: string }> {
  const responders: ChildProcess[] = [];
  try {
    for (const t of targets) responders.push(await startResponder(t, "tcp", port, "sink"));
    const r = await run("ip", ["netns", "exec", from, process.execPath, "-e", CLIENT, "tcp", ip, String(port), "3000", String(seconds)]);
    const o = JSON.parse(r.stdout || "{}") as { reachable?: boolean; bytes?: number; ms?: number; error?: string };
    if (!o.reachable || !o.bytes || !o.ms) return { throughputMbps: null, error: o.error ?? "no data arrived" };
    return { throughputMbps: (o.bytes * 8) / (o.ms * 1000) };
  } finally {
    stopAll(responders);
  }
}
