/** What the console offers for a peering: pure, so it can be checked against the state machine. */
import type { Peering, PeeringSide } from "./types.ts";

export type PeeringAction = "accept" | "reject" | "cancel" | "delete" | "renew" | "purge";

/** The actions the viewer (account `me`) may take now, as the native API allows them. */
export function peeringActions(p: Pick<Peering, "state" | "origin" | "chargeType"> & { requester: { accountId: string }; accepter: { accountId: string } }, me: string): PeeringAction[] {
  const requester = p.requester.accountId === me;
  const accepter = p.accepter.accountId === me;
  const out: PeeringAction[] = [];
  if (p.state === "pending-acceptance") {
    if (accepter) out.push("accept", "reject");
    if (requester) out.push("cancel");
  } else if (p.state === "active" || p.state === "inactive" || p.state === "suspended") {
    out.push("delete");
    if (requester && p.chargeType === "subscription") out.push("renew");
  } else if (["rejected", "expired", "failed", "deleted"].includes(p.state)) {
    out.push("purge");
  }
  return out;
}

/** One side of a peering in a line: its router, networks, region and whose it is. */
export function sideText(side: PeeringSide, me: string): string {
  const who = side.accountId === me ? "you" : `account ${side.accountId}`;
  return `${side.vpcId ?? side.vbrId} (${side.cidrs.join(", ") || side.cidr}, ${side.region}, ${who})`;
}
