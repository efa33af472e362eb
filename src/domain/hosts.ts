/**
 * Placing an instance, or a VBR's on-premises host, on a host. Pure: the store supplies every
 * known host with how many instances and VBRs it holds (read under a lock in the creating transaction, so concurrent creates see
 * each other's choices).
 */
import { DomainError } from "./errors.ts";

export interface HostLoad {
  name: string;
  /** Instances and VBRs placed there. */
  instances: number;
  /** Whether what runs there beat recently (absent: yes). */
  live?: boolean;
}

/**
 * The host a new instance (or VBR) goes on: the one asked for, when it is known (else InvalidHost
 * naming the known hosts); by default the live host with the fewest instances and VBRs, ties by name
 * (among all known hosts when none is live); null when the deployment knows no host yet (no data
 * plane or agent has registered one).
 */
export function placeInstance(hosts: readonly HostLoad[], requested: string | undefined): string | null {
  if (requested !== undefined) {
    if (hosts.some((h) => h.name === requested)) return requested;
    const known = hosts.map((h) => h.name).sort();
    const shown = requested.length <= 64 && /^[\x20-\x7e]*$/.test(requested) ? JSON.stringify(requested) : "the value given";
    throw new DomainError(
      "InvalidHost",
      known.length ? `host: ${shown} is not a host of this deployment (known hosts: ${known.join(", ")})` : `host: ${shown} is not a host of this deployment (it knows no host yet: none has registered)`,
      { field: "host", knownHosts: known },
    );
  }
  const live = hosts.filter((h) => h.live !== false);
  let best: HostLoad | null = null;
  for (const h of live.length ? live : hosts) {
    if (!best || h.instances < best.instances || (h.instances === best.instances && h.name < best.name)) best = h;
  }
  return best?.name ?? null;
}

/** The one host of the Linux data plane (everything runs in namespaces of the machine itself). */
export const LINUX_HOST = "local";
