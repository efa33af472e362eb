/**
 * Transitional states: what a change looks like while it is not yet applied. The store holds the
 * state a command decided (a peering is `active` the moment it is accepted); the data plane says
 * whether the network already carries it. A resource is in transition between the two, and every
 * face shows that transition in its own words (Alibaba's Connecting/Activating/Deactivating,
 * Tencent's PENDING, the native `transition` field).
 *
 * With a data plane running, its report decides. Without one there is nothing to wait for but the
 * operator's settle time (`settleMs`, 0 for none), counted from the change.
 */
import { type PeeringState, TERMINAL_STATES } from "./peering.ts";
import type { RouterInterfaceStatus, StateReason } from "./resources.ts";

/**
 * - `provisioning`: active for the first time (created same-account, connected, or accepted), not yet carrying traffic;
 * - `activating`: active again (activated, renewed after a suspension), not yet carrying traffic;
 * - `updating`: active and carrying traffic, but a newer change (bandwidth) is not applied yet;
 * - `deactivating`: inactive or suspended, still carried by the network;
 * - `deleting`: deleted, still carried by the network.
 */
export const PEERING_TRANSITIONS = ["provisioning", "activating", "updating", "deactivating", "deleting"] as const;
export type PeeringTransition = (typeof PEERING_TRANSITIONS)[number];

/** What is known about the network's side of things at `now`. */
export interface Realization {
  /** A data plane runs against this store; when false, `settleMs` stands in for its report. */
  dataplane: boolean;
  settleMs: number;
  now: Date;
}

/** The data plane's report on one resource: null when it holds nothing for it. */
export interface Report {
  programmed: boolean;
  generation: number;
}

/** What the transition of a peering is derived from. */
export interface PeeringFacts {
  state: PeeringState;
  stateReason: StateReason | null;
  generation: number;
  createdAt: string;
  updatedAt: string;
}

/** When the stored state was entered: the reason's `at`, else the creation (state set at insert), else the last update (rows older than `at`). */
export function stateSince(p: Pick<PeeringFacts, "stateReason" | "createdAt" | "updatedAt">): string {
  if (p.stateReason === null) return p.createdAt;
  return typeof p.stateReason.at === "string" ? p.stateReason.at : p.updatedAt;
}

const within = (since: string, r: Realization) => r.now.getTime() - Date.parse(since) < r.settleMs;

/** How an active peering became active: its first time (no reason: created so; or accepted), or again. */
function activation(p: PeeringFacts): "provisioning" | "activating" {
  const command = p.stateReason?.command;
  return p.stateReason === null || command === "accept" || command === undefined ? "provisioning" : "activating";
}

/** The transition a peering is in, or null when the network matches its stored state. */
export function peeringTransition(p: PeeringFacts, report: Report | null, r: Realization): PeeringTransition | null {
  if (p.state === "active") {
    if (!r.dataplane) return within(stateSince(p), r) ? activation(p) : null;
    if (report === null) return activation(p);
    // Programmed at an older generation: it carries traffic, a newer change is on its way.
    if (report.generation < p.generation) return "updating";
    return report.programmed ? null : activation(p);
  }
  if (p.state === "inactive" || p.state === "suspended") {
    if (r.dataplane) return report !== null ? "deactivating" : null;
    return within(stateSince(p), r) ? "deactivating" : null;
  }
  if (p.state === "deleted") {
    if (r.dataplane) return report !== null ? "deleting" : null;
    // A cancelled request never carried traffic: nothing to take down.
    return within(stateSince(p), r) && p.stateReason?.code !== "Cancelled" ? "deleting" : null;
  }
  // Waiting for a person (pending) or ended without ever carrying traffic, or taken down by the
  // data plane already: rejected, expired and failed peerings have no transition of their own,
  // unless the data plane still holds one (a failure of an active peering).
  if (TERMINAL_STATES.includes(p.state) && r.dataplane && report !== null) return "deleting";
  return null;
}

/**
 * A VPC is pending until the data plane has built its router (or, without one, for the settle time
 * after its creation). An unused default VPC (`unusedDefault`: nothing placed in it, nothing peered
 * with it) has no router to build, the data plane leaves it out until something uses it: it is
 * available at once; once used, the rule above applies.
 */
export function vpcPending(createdAt: string, report: Report | null, r: Realization, unusedDefault = false): boolean {
  if (unusedDefault) return false;
  if (r.dataplane) return report === null || !report.programmed;
  return within(createdAt, r);
}

/**
 * A router interface's status as Alibaba shows it: the stored status (Idle, Active, Inactive),
 * or the step towards it while its connection is in transition. Connecting a pair is the
 * connection's first activation; a spec change is applied as an activation (Alibaba's docs).
 */
export function routerInterfaceStatus(stored: RouterInterfaceStatus, role: "initiator" | "acceptor", t: PeeringTransition | null): RouterInterfaceStatus {
  if (stored === "Active" && t === "provisioning") return role === "initiator" ? "Connecting" : "AcceptingConnecting";
  if (stored === "Active" && (t === "activating" || t === "updating")) return "Activating";
  if (stored === "Inactive" && t === "deactivating") return "Deactivating";
  return stored;
}
