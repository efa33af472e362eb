import { describe, expect, it } from "vitest";
import { PEERING_STATES, TRANSITIONS, type Role } from "../../src/domain/peering.ts";
import { type PeeringAction, peeringActions } from "./peering-actions.ts";

const COMMAND: Record<PeeringAction, string> = { accept: "accept", reject: "reject", cancel: "delete", delete: "delete", renew: "renew", purge: "purge" };
/** The commands the native API has a route for (deactivate/activate exist for router interfaces only). */
const ROUTED = ["accept", "reject", "delete", "renew", "purge"];

describe("the console's peering actions", () => {
  it("are exactly the routed commands the state machine allows the viewer, in every state", () => {
    const viewers: Array<{ roles: Role[]; requester: string; accepter: string }> = [
      { roles: ["requester"], requester: "me", accepter: "other" },
      { roles: ["accepter"], requester: "other", accepter: "me" },
      { roles: ["requester", "accepter"], requester: "me", accepter: "me" },
    ];
    for (const state of PEERING_STATES)
      for (const v of viewers)
        for (const chargeType of ["pay-as-you-go", "subscription"] as const) {
          const offered = peeringActions({ state, origin: "peering", chargeType, requester: { accountId: v.requester }, accepter: { accountId: v.accepter } }, "me").map((a) => COMMAND[a]);
          const allowed = ROUTED.filter((c) => {
            const t = TRANSITIONS[state][c as keyof (typeof TRANSITIONS)[typeof state]];
            return t !== undefined && t.by.some((r) => v.roles.includes(r)) && (c !== "renew" || chargeType === "subscription");
          });
          expect([...new Set(offered)].sort(), `${state} as ${v.roles.join("+")} (${chargeType})`).toEqual(allowed.sort());
        }
  });
});
