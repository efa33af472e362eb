/**
 * The overview's counts: live records only. A peering that ended (rejected, expired, failed,
 * deleted) stays listed until removed, but it is not a connection you have; a router interface
 * being deleted is on its way out. Pure, for unit tests.
 */
import { PEERING_STATES, effectiveState, isLive } from "../../src/domain/peering.ts";
import { ROUTER_INTERFACE_STATUSES } from "../../src/domain/resources.ts";
import type { Peering, RouterInterface } from "./types.ts";

type PeeringLike = Pick<Peering, "state" | "expiresAt"> & { requester: { accountId: string }; accepter: { accountId: string } };

export interface PeeringCounts {
  /** Live peerings. */
  live: number;
  /** What the live ones are, in words ("2 active", "1 waiting for you"), none of zero. */
  parts: string[];
  /** Ended records still listed (not counted in `live`). */
  ended: number;
}

/** Live peerings by what they mean to `me`: active, waiting for you, awaiting the other side, … */
export function peeringCounts(peerings: readonly PeeringLike[], me: string, now: Date): PeeringCounts {
  const by = new Map<string, number>();
  let ended = 0;
  for (const p of peerings) {
    const state = effectiveState(p.state, p.expiresAt, now);
    if (!isLive(state)) {
      ended++;
      continue;
    }
    const what =
      state !== "pending-acceptance" ? state : p.accepter.accountId === me && p.requester.accountId !== me ? "waiting for you" : "awaiting the other side";
    by.set(what, (by.get(what) ?? 0) + 1);
  }
  const order = ["active", "waiting for you", "awaiting the other side", ...PEERING_STATES];
  const parts = [...by.entries()].sort(([a], [b]) => order.indexOf(a) - order.indexOf(b)).map(([what, n]) => `${n} ${what}`);
  return { live: peerings.length - ended, parts, ended };
}

/** Router interfaces not being deleted, and how many of them are in each status ("2 Active"). */
export function routerInterfaceCounts(ris: ReadonlyArray<Pick<RouterInterface, "status">>): { live: number; parts: string[] } {
  const live = ris.filter((r) => r.status !== "Deleting");
  const parts = ROUTER_INTERFACE_STATUSES.map((s) => [s, live.filter((r) => r.status === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  return { live: live.length, parts };
}

/** "1 VPC", "3 VPCs". */
export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
