import { describe, expect, it } from "vitest";
import { PEERING_STATES, type PeeringState } from "./peering.ts";
import { ROUTER_INTERFACE_STATUSES } from "./resources.ts";
import { PEERING_TRANSITIONS, type PeeringFacts, type Realization, type Report, peeringTransition, routerInterfaceStatus, stateSince, vpcPending } from "./transition.ts";

const T0 = "2026-01-01T00:00:00.000Z";
const at = (ms: number) => new Date(Date.parse(T0) + ms);
const settled: Realization = { dataplane: false, settleMs: 1000, now: at(5000) };
const settling: Realization = { dataplane: false, settleMs: 1000, now: at(400) };
const withDp: Realization = { dataplane: true, settleMs: 1000, now: at(5000) };

/** A peering that entered `state` at T0 by `command` (null reason: inserted so). */
function peering(state: PeeringState, command: string | null, generation = 3): PeeringFacts {
  const reason = command === null ? null : { code: state === "deleted" && command === "delete-pending" ? "Cancelled" : "x", message: "m", at: T0, command: command === "delete-pending" ? "delete" : command };
  return { state, stateReason: reason, generation, createdAt: command === null ? T0 : "2025-12-01T00:00:00.000Z", updatedAt: T0 };
}
const programmed = (generation = 3): Report => ({ programmed: true, generation });

describe("peeringTransition without a data plane (settle time)", () => {
  it("active: provisioning when created or accepted within the settle time, activating when activated or renewed; settled after", () => {
    expect(peeringTransition(peering("active", null), null, settling)).toBe("provisioning");
    expect(peeringTransition(peering("active", "accept"), null, settling)).toBe("provisioning");
    expect(peeringTransition(peering("active", "activate"), null, settling)).toBe("activating");
    expect(peeringTransition(peering("active", "renew"), null, settling)).toBe("activating");
    for (const c of [null, "accept", "activate", "renew"]) expect(peeringTransition(peering("active", c), null, settled)).toBeNull();
  });
  it("the settle time is measured from the state change, its end is exclusive, and 0 means no transition", () => {
    expect(peeringTransition(peering("active", "accept"), null, { ...settled, now: at(999) })).toBe("provisioning");
    expect(peeringTransition(peering("active", "accept"), null, { ...settled, now: at(1000) })).toBeNull();
    expect(peeringTransition(peering("active", "accept"), null, { ...settling, settleMs: 0 })).toBeNull();
  });
  it("a stale data plane report is ignored when no data plane runs", () => {
    expect(peeringTransition(peering("active", "accept"), { programmed: false, generation: 1 }, settled)).toBeNull();
    expect(peeringTransition(peering("deleted", "delete"), programmed(), settled)).toBeNull();
  });
  it("inactive and suspended: deactivating within the settle time", () => {
    for (const s of ["inactive", "suspended"] as const) {
      expect(peeringTransition(peering(s, "deactivate"), null, settling)).toBe("deactivating");
      expect(peeringTransition(peering(s, "deactivate"), null, settled)).toBeNull();
    }
  });
  it("deleted: deleting within the settle time, except a cancelled request (it never carried traffic)", () => {
    expect(peeringTransition(peering("deleted", "delete"), null, settling)).toBe("deleting");
    expect(peeringTransition(peering("deleted", "delete-pending"), null, settling)).toBeNull();
    expect(peeringTransition(peering("deleted", "delete"), null, settled)).toBeNull();
  });
  it("pending, rejected, expired and failed have no transition", () => {
    for (const s of ["pending-acceptance", "rejected", "expired", "failed"] as const) expect(peeringTransition(peering(s, "x"), null, settling)).toBeNull();
  });
});

describe("peeringTransition with a data plane (its report decides, not the clock)", () => {
  it("active: not reported or not programmed → provisioning/activating; an older generation applied → updating; programmed at this generation → none", () => {
    expect(peeringTransition(peering("active", "accept"), null, withDp)).toBe("provisioning");
    expect(peeringTransition(peering("active", null), { programmed: false, generation: 3 }, withDp)).toBe("provisioning");
    expect(peeringTransition(peering("active", "activate"), null, withDp)).toBe("activating");
    expect(peeringTransition(peering("active", "accept"), programmed(2), withDp)).toBe("updating");
    expect(peeringTransition(peering("active", "accept"), programmed(3), withDp)).toBeNull();
    expect(peeringTransition(peering("active", "accept"), programmed(4), withDp)).toBeNull();
    // Within the settle time makes no difference when the data plane has reported.
    expect(peeringTransition(peering("active", "accept"), programmed(3), { ...withDp, now: at(1) })).toBeNull();
  });
  it("inactive, suspended, deleted, failed: in transition while the data plane still holds the peering", () => {
    expect(peeringTransition(peering("inactive", "deactivate"), programmed(), withDp)).toBe("deactivating");
    expect(peeringTransition(peering("suspended", "suspend"), programmed(), withDp)).toBe("deactivating");
    expect(peeringTransition(peering("deleted", "delete"), programmed(), withDp)).toBe("deleting");
    expect(peeringTransition(peering("failed", "fail"), programmed(), withDp)).toBe("deleting");
    for (const s of ["inactive", "suspended", "deleted", "failed", "rejected", "expired", "pending-acceptance"] as const) {
      expect(peeringTransition(peering(s, "x"), null, withDp)).toBeNull();
    }
  });
  it("every state has an answer in every mode, from the list of transitions", () => {
    for (const s of PEERING_STATES) {
      for (const r of [settled, settling, withDp]) {
        for (const rep of [null, programmed(), { programmed: false, generation: 1 }]) {
          const t = peeringTransition(peering(s, "accept"), rep, r);
          expect(t === null || PEERING_TRANSITIONS.includes(t)).toBe(true);
        }
      }
    }
  });
});

describe("stateSince", () => {
  it("is the reason's time, the creation when the state was set at insert, else the last update", () => {
    expect(stateSince({ stateReason: { code: "c", message: "m", at: "2026-02-01T00:00:00.000Z" }, createdAt: T0, updatedAt: "2026-03-01T00:00:00.000Z" })).toBe("2026-02-01T00:00:00.000Z");
    expect(stateSince({ stateReason: null, createdAt: T0, updatedAt: "2026-03-01T00:00:00.000Z" })).toBe(T0);
    expect(stateSince({ stateReason: { code: "c", message: "m" }, createdAt: T0, updatedAt: "2026-03-01T00:00:00.000Z" })).toBe("2026-03-01T00:00:00.000Z");
  });
});

describe("vpcPending", () => {
  it("with a data plane: until its router is programmed", () => {
    expect(vpcPending(T0, null, withDp)).toBe(true);
    expect(vpcPending(T0, { programmed: false, generation: 0 }, withDp)).toBe(true);
    expect(vpcPending(T0, { programmed: true, generation: 0 }, withDp)).toBe(false);
  });
  it("without: for the settle time after its creation", () => {
    expect(vpcPending(T0, null, settling)).toBe(true);
    expect(vpcPending(T0, null, settled)).toBe(false);
    expect(vpcPending(T0, null, { ...settling, settleMs: 0 })).toBe(false);
  });
  it("an unused default VPC: never (nothing to build), with or without a data plane", () => {
    for (const r of [withDp, settling]) {
      expect(vpcPending(T0, null, r, true)).toBe(false);
      expect(vpcPending(T0, { programmed: false, generation: 0 }, r, true)).toBe(false);
      // Once used, the usual rule.
      expect(vpcPending(T0, null, r, false)).toBe(true);
    }
  });
});

describe("routerInterfaceStatus", () => {
  const expected: Record<string, Record<string, string>> = {
    provisioning: { Active: "Connecting/AcceptingConnecting" },
    activating: { Active: "Activating" },
    updating: { Active: "Activating" },
    deactivating: { Inactive: "Deactivating" },
  };
  for (const stored of ROUTER_INTERFACE_STATUSES) {
    for (const t of [null, ...PEERING_TRANSITIONS]) {
      it(`${stored} × ${t ?? "settled"}`, () => {
        const want = (t && expected[t]?.[stored]) ?? stored;
        const [initiator, acceptor] = want.includes("/") ? want.split("/") : [want, want];
        expect(routerInterfaceStatus(stored, "initiator", t)).toBe(initiator);
        expect(routerInterfaceStatus(stored, "acceptor", t)).toBe(acceptor);
      });
    }
  }
});
