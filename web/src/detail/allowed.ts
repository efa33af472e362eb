/** Who may do what to a peering or a router interface now, beside peering-actions.ts: pure, for unit tests. */
import type { Peering, RouterInterface } from "../types.ts";

/** Whether `me` may change the peering's bandwidth now: its requester, while active, for a peering made as one. */
export function canSetBandwidth(p: Pick<Peering, "state" | "origin"> & { requester: { accountId: string } }, me: string): boolean {
  return p.requester.accountId === me && p.state === "active" && p.origin === "peering";
}

/** While Idle and unconnected, either end may name (or correct) the interface at the other end. */
export function canSetPeerInterface(ri: Pick<RouterInterface, "status" | "peeringId">): boolean {
  return ri.status === "Idle" && !ri.peeringId;
}

export type RouterInterfaceAction = "connect" | "deactivate" | "activate" | "delete";

/** The router interface's actions allowed now: connect (an Idle initiator), deactivate, activate, delete (Idle or Inactive). */
export function routerInterfaceActions(ri: Pick<RouterInterface, "role" | "status">): RouterInterfaceAction[] {
  const out: RouterInterfaceAction[] = [];
  if (ri.role === "initiator" && ri.status === "Idle") out.push("connect");
  if (ri.status === "Active") out.push("deactivate");
  if (ri.status === "Inactive") out.push("activate");
  if (ri.status === "Idle" || ri.status === "Inactive") out.push("delete");
  return out;
}
