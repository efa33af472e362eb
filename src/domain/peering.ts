/**
 * The peering connection state machine, as data: one TRANSITIONS table and one decide().
 * Who may act is part of the table (requester, accepter, or the system's timers).
 */
import { DomainError } from "./errors.ts";
import type { Peering, StateReason } from "./resources.ts";

export const PEERING_STATES = ["pending-acceptance", "active", "inactive", "suspended", "rejected", "expired", "failed", "deleted"] as const;
export type PeeringState = (typeof PEERING_STATES)[number];

/** States in which a peering occupies its VPC pair and counts against quotas. */
export const LIVE_STATES: readonly PeeringState[] = ["pending-acceptance", "active", "inactive", "suspended"];
export const TERMINAL_STATES: readonly PeeringState[] = ["rejected", "expired", "failed", "deleted"];

/** A list's split of peerings as of now: live (LIVE_STATES, a request not past its expiry) or ended (the rest). */
export const PEERING_LIFECYCLES = ["live", "ended"] as const;
export type PeeringLifecycle = (typeof PEERING_LIFECYCLES)[number];

export const PEERING_COMMANDS = ["accept", "reject", "delete", "expire", "suspend", "renew", "deactivate", "activate", "fail", "purge"] as const;
export type PeeringCommand = (typeof PEERING_COMMANDS)[number];

export type Role = "requester" | "accepter" | "system";

interface Transition {
  to: PeeringState | "purged";
  by: readonly Role[];
}

const parties: Role[] = ["requester", "accepter"];
const purge: Transition = { to: "purged", by: parties };

/** The whole life cycle. A missing cell is an invalid command for that state. */
export const TRANSITIONS: Record<PeeringState, Partial<Record<PeeringCommand, Transition>>> = {
  "pending-acceptance": {
    accept: { to: "active", by: ["accepter"] },
    reject: { to: "rejected", by: ["accepter"] },
    delete: { to: "deleted", by: ["requester"] },
    expire: { to: "expired", by: ["system"] },
    fail: { to: "failed", by: ["system"] },
  },
  active: {
    delete: { to: "deleted", by: parties },
    deactivate: { to: "inactive", by: parties },
    suspend: { to: "suspended", by: ["system"] },
    renew: { to: "active", by: ["requester"] },
    fail: { to: "failed", by: ["system"] },
  },
  inactive: {
    activate: { to: "active", by: parties },
    delete: { to: "deleted", by: parties },
    suspend: { to: "suspended", by: ["system"] },
    renew: { to: "inactive", by: ["requester"] },
  },
  suspended: {
    renew: { to: "active", by: ["requester"] },
    delete: { to: "deleted", by: parties },
  },
  rejected: { purge },
  expired: { purge },
  failed: { purge },
  deleted: { purge },
};

export function isLive(state: PeeringState): boolean {
  return LIVE_STATES.includes(state);
}

/** The state a peering is really in at `now`: an unanswered request past its deadline has expired. */
export function effectiveState(state: PeeringState, expiresAt: string | null, now: Date): PeeringState {
  if (state === "pending-acceptance" && expiresAt !== null && now.getTime() >= Date.parse(expiresAt)) return "expired";
  return state;
}

/**
 * Decides a command. `roles` are the caller's roles on this peering (both, for a same-account
 * peering). Returns the next state, or throws InvalidPeeringState / PeeringActionForbidden.
 */
export function decide(state: PeeringState, command: PeeringCommand, roles: readonly Role[], id: string): PeeringState | "purged" {
  const t = TRANSITIONS[state][command];
  if (!t) {
    throw new DomainError("InvalidPeeringState", `peering ${id} is ${state}; it cannot be ${pastTense(command)}`, {
      id,
      state,
      command,
      allowed: Object.keys(TRANSITIONS[state]),
    });
  }
  if (!roles.some((r) => t.by.includes(r))) {
    const who = t.by.filter((r) => r !== "system").join(" or ") || "the system";
    throw new DomainError("PeeringActionForbidden", `only the ${who} of peering ${id} can ${command} it`, { id, command, allowedRoles: t.by });
  }
  return t.to;
}

function pastTense(command: PeeringCommand): string {
  const irregular: Partial<Record<PeeringCommand, string>> = { fail: "failed", purge: "cleaned up", delete: "deleted", expire: "expired", suspend: "suspended", renew: "renewed" };
  return irregular[command] ?? `${command}ed`;
}

/**
 * Why a peering is in the state a command moved it to (its stateReason): `by` is the acting
 * account's id, or "system" for the timers.
 */
export function stateReason(command: PeeringCommand, next: PeeringState, by: string, p: Pick<Peering, "state" | "expiresAt" | "termEndsAt">): StateReason {
  const who = by === "system" ? "the system" : `account ${by}`;
  switch (command) {
    case "expire":
      return { code: "RequestExpired", message: `the request was not accepted before ${p.expiresAt}` };
    case "suspend":
      return { code: "SubscriptionEnded", message: `the subscription ended at ${p.termEndsAt} without auto renew; renew to restore traffic`, termEndedAt: p.termEndsAt };
    case "reject":
      return { code: "Rejected", message: `rejected by ${who}`, by };
    case "delete":
      return { code: p.state === "pending-acceptance" ? "Cancelled" : "Deleted", message: `${p.state === "pending-acceptance" ? "cancelled" : "deleted"} by ${who}`, by };
    case "deactivate":
      return { code: "Deactivated", message: `deactivated by ${who}` };
    default:
      return { code: next === "active" ? "Active" : next, message: `${command} by ${who}` };
  }
}
