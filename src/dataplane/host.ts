/** What this host can do for the data plane: privileges, iproute2, and optional qdiscs (netem). */
import { run } from "./kernel.ts";

export interface HostInfo {
  root: boolean;
  iproute2: boolean;
  netem: boolean;
}

/**
 * Probes the host. The netem check adds a scratch namespace `<prefix>-probe-netem` (a name the
 * reconciler never parses as its own), tries a netem qdisc there, and deletes it by exact name.
 */
export async function detectHost(prefix: string): Promise<HostInfo> {
  const root = process.getuid?.() === 0;
  const iproute2 = await run("ip", ["-V"]).then((r) => r.code === 0, () => false);
  if (!root || !iproute2) return { root, iproute2, netem: false };
  const ns = `${prefix}-probe-netem`;
  await run("ip", ["netns", "del", ns]).catch(() => undefined);
  let netem = false;
  try {
    await run("ip", ["netns", "add", ns]);
    await run("ip", ["-n", ns, "link", "add", "d0", "type", "veth", "peer", "name", "d1"]);
    netem = (await run("tc", ["-n", ns, "qdisc", "add", "dev", "d0", "root", "netem", "delay", "1ms"])).code === 0;
  } finally {
    await run("ip", ["netns", "del", ns]);
  }
  return { root, iproute2, netem };
}
