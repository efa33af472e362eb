/**
 * OVS never sets SO_RCVBUF on the AF_PACKET socket of a netdev port, so the socket gets
 * net.core.rmem_default (208 KiB), too small at Gbit/s (≈15% of packets dropped, measured). The
 * sysctl is global (not per namespace): raise it while the underlay ports are opened, then put it
 * back. Labs starting at once take turns through a lock directory that records the original
 * value, so the last one out never "restores" another lab's raised value.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { isAlive } from "./daemons.ts";

const SYSCTL = "/proc/sys/net/core/rmem_default";
const LOCK = "/run/vpcpeer-lab-rmem.lock";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function lock(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(`${LOCK}/owner`, `${process.pid} ${readFileSync(SYSCTL, "utf8").trim()}\n`);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    // A holder that died leaves its lock and the raised value: restore what it recorded.
    let owner: string[] = [];
    try {
      owner = readFileSync(`${LOCK}/owner`, "utf8").trim().split(" ");
    } catch {
      /* being written or removed */
    }
    const pid = Number(owner[0]);
    if (owner.length === 2 && Number.isInteger(pid) && !isAlive(pid)) {
      writeFileSync(SYSCTL, owner[1]!);
      rmSync(LOCK, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`${LOCK} held by pid ${owner[0] ?? "?"} for more than ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** Runs `fn` with net.core.rmem_default at `bytes`, restoring the value it had. */
export async function withRmemDefault<T>(bytes: number, fn: () => Promise<T>): Promise<T> {
  await lock(30_000);
  const original = readFileSync(SYSCTL, "utf8").trim();
  try {
    writeFileSync(SYSCTL, String(bytes));
    return await fn();
  } finally {
    writeFileSync(SYSCTL, original);
    rmSync(LOCK, { recursive: true, force: true });
  }
}
