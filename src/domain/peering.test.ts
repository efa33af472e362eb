import { describe, expect, it } from "vitest";
import { DomainError } from "./errors.ts";
import { PEERING_COMMANDS, PEERING_STATES, type Role, TRANSITIONS, decide, effectiveState } from "./peering.ts";

/** Every cell: state × command × actor. Strangers never reach decide() (the service answers NotFound). */
const ACTORS: Role[][] = [["requester"], ["accepter"], ["requester", "accepter"], ["system"]];

describe("peering TRANSITIONS", () => {
  for (const state of PEERING_STATES) {
    for (const command of PEERING_COMMANDS) {
      for (const roles of ACTORS) {
        it(`${state} × ${command} × ${roles.join("+")}`, () => {
          const t = TRANSITIONS[state][command];
          let result: string;
          try {
            result = decide(state, command, roles, "pcx-000000000001");
          } catch (e) {
            expect(e).toBeInstanceOf(DomainError);
            result = (e as DomainError).code;
          }
          if (!t) expect(result).toBe("InvalidPeeringState");
          else if (roles.some((r) => t.by.includes(r))) expect(result).toBe(t.to);
          else expect(result).toBe("PeeringActionForbidden");
        });
      }
    }
  }

  it("encodes the rules of the issue", () => {
    expect(decide("pending-acceptance", "accept", ["accepter"], "p")).toBe("active");
    expect(() => decide("pending-acceptance", "accept", ["requester"], "p")).toThrow(/only the accepter/);
    expect(decide("pending-acceptance", "delete", ["requester"], "p")).toBe("deleted");
    expect(() => decide("pending-acceptance", "delete", ["accepter"], "p")).toThrow(/only the requester/);
    expect(decide("active", "delete", ["accepter"], "p")).toBe("deleted");
    expect(decide("suspended", "renew", ["requester"], "p")).toBe("active");
    expect(() => decide("rejected", "accept", ["accepter"], "p")).toThrow(/rejected; it cannot be accepted/);
    expect(decide("expired", "purge", ["accepter"], "p")).toBe("purged");
  });

  it("treats an unanswered request past its deadline as expired", () => {
    const deadline = "2026-01-08T00:00:00.000Z";
    expect(effectiveState("pending-acceptance", deadline, new Date("2026-01-07T23:59:59Z"))).toBe("pending-acceptance");
    expect(effectiveState("pending-acceptance", deadline, new Date(deadline))).toBe("expired");
    expect(effectiveState("active", deadline, new Date("2027-01-01T00:00:00Z"))).toBe("active");
  });
});
