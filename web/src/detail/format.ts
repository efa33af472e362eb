/** How the detail pages put numbers, money, durations and the data plane's report into words. Pure. */
import type { PeeringTransition } from "../../../src/domain/transition.ts";
import type { Peering } from "../types.ts";

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

/** A byte count in binary units: 512 B, 1.5 KiB, 12.3 MiB (one decimal below 100, none above). */
export function bytes(n: number): string {
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  if (u === 0) return `${n} B`;
  return `${Math.abs(v) >= 100 ? Math.round(v) : v.toFixed(1).replace(/\.0$/, "")} ${UNITS[u]}`;
}

/** A count with thousands separators and its noun, singular for one: "1 packet", "12,345 packets". */
export function count(n: number, noun: string): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? noun : `${noun}s`}`;
}

/** An amount in the currency's minor unit, as the ledger keeps it (the price line's own words). */
export { money } from "../forms/price.ts";

/**
 * What is left until `deadline` at `now`, to the second: "2 d 03:04:05", "03:04:05", or null once
 * it has passed.
 */
export function countdown(deadline: string, now: Date): string | null {
  const ms = Date.parse(deadline) - now.getTime();
  if (!(ms > 0)) return null;
  const s = Math.ceil(ms / 1000);
  const days = Math.floor(s / 86_400);
  const pad = (x: number) => String(x).padStart(2, "0");
  const hms = `${pad(Math.floor((s % 86_400) / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
  return days > 0 ? `${days} d ${hms}` : hms;
}

export type DataplaneStatus = "programmed" | "pending" | "error" | "not reported";

/** The data plane's report on a peering in one word and a sentence. */
export function dataplaneStatus(dp: Peering["dataplane"]): { status: DataplaneStatus; text: string } {
  if (!dp) return { status: "not reported", text: "No data plane has reported on it: the server runs without one, or it has not been realized yet." };
  if (dp.lastError) return { status: "error", text: `The data plane failed to program it: ${dp.lastError}` };
  if (dp.programmed) return { status: "programmed", text: "The network carries it as it is now." };
  return { status: "pending", text: "The data plane has not yet applied the latest change." };
}

const TRANSITIONS: Record<PeeringTransition, string> = {
  provisioning: "provisioning: active, the network does not carry it yet",
  activating: "activating: active again, the network does not carry it yet",
  updating: "updating: a newer change (bandwidth) is on its way to the network",
  deactivating: "deactivating: the network still carries it",
  deleting: "deleting: the network still carries it",
};

/** The change on its way to the network, in words; null when the network carries what the state says. */
export function transitionText(t: PeeringTransition | null | undefined): string | null {
  return t ? TRANSITIONS[t] : null;
}

/** A bandwidth in words: null is no cap. */
export function bandwidth(mbps: number | null): string {
  return mbps === null ? "no cap" : `${mbps.toLocaleString("en-US")} Mbps`;
}
