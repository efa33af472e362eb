import { describe, expect, it } from "vitest";
import { LIVE_STATES, PEERING_STATES, TERMINAL_STATES } from "../../src/domain/peering.ts";
import { peeringCounts, plural, routerInterfaceCounts } from "./overview-counts.ts";

const NOW = new Date("2026-12-06T12:00:00Z");
const LATER = "2026-12-13T12:00:00Z";
const peering = (state: (typeof PEERING_STATES)[number], requester = "me", accepter = "other", expiresAt: string | null = state === "pending-acceptance" ? LATER : null) => ({
  state,
  expiresAt,
  requester: { accountId: requester },
  accepter: { accountId: accepter },
});

describe("the overview's counts", () => {
  it("count live peerings only, and say what they are", () => {
    const list = [
      peering("active"),
      peering("active", "other", "me"),
      peering("pending-acceptance", "other", "me"),
      peering("pending-acceptance"),
      peering("inactive"),
      ...TERMINAL_STATES.map((s) => peering(s)),
    ];
    expect(peeringCounts(list, "me", NOW)).toEqual({
      live: 5,
      parts: ["2 active", "1 waiting for you", "1 awaiting the other side", "1 inactive"],
      ended: TERMINAL_STATES.length,
    });
  });

  it("count a request past its deadline as ended, as the API does", () => {
    expect(peeringCounts([peering("pending-acceptance", "other", "me", "2026-12-06T11:00:00Z")], "me", NOW)).toEqual({ live: 0, parts: [], ended: 1 });
  });

  it("count every live state of the state machine, and no terminal one", () => {
    for (const state of PEERING_STATES) {
      const c = peeringCounts([peering(state)], "me", NOW);
      expect(c.live, state).toBe(LIVE_STATES.includes(state) ? 1 : 0);
      expect(c.live + c.ended, state).toBe(1);
    }
  });

  it("leave out router interfaces being deleted", () => {
    expect(routerInterfaceCounts([{ status: "Active" }, { status: "Idle" }, { status: "Active" }, { status: "Deleting" }])).toEqual({ live: 3, parts: ["1 Idle", "2 Active"] });
  });

  it("say one and many", () => {
    expect([plural(0, "VPC"), plural(1, "VPC"), plural(2, "VBR")]).toEqual(["0 VPCs", "1 VPC", "2 VBRs"]);
  });
});
