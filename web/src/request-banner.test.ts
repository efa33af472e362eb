import { describe, expect, it } from "vitest";
import { PEERING_STATES } from "../../src/domain/peering.ts";
import { type ReceivedRequest, type StreamEvent, bannerLines, followRequests } from "./request-banner.ts";

const NOW = new Date("2026-12-06T12:00:00Z");
const received = (id: string, expiresAt = "2026-12-13T12:00:00Z"): StreamEvent => ({
  type: "peering.request-received",
  resourceId: id,
  data: { peeringId: id, state: "pending-acceptance", requesterAccountId: "111", expiresAt },
});
const changed = (id: string, state: string): StreamEvent => ({
  type: `peering.${state}`,
  resourceId: id,
  data: { peeringId: id, previousState: "pending-acceptance", state, command: "x", by: "222" },
});
const run = (events: StreamEvent[]): ReceivedRequest[] => events.reduce<ReceivedRequest[]>(followRequests, []);

describe("the banner of peering requests sent to you", () => {
  it("announces a request while it waits", () => {
    expect(bannerLines(run([received("pcx-1")]), NOW)).toEqual([{ id: "pcx-1", waiting: true, text: "Peering request pcx-1 is waiting for you." }]);
  });

  it("stops saying a request waits once it left pending-acceptance, whatever state it went to", () => {
    for (const state of PEERING_STATES.filter((s) => s !== "pending-acceptance")) {
      const [line] = bannerLines(run([received("pcx-1"), changed("pcx-1", state)]), NOW);
      expect(line!.waiting, state).toBe(false);
      expect(line!.text, state).not.toContain("waiting for you");
      expect(line!.text, state).toContain("pcx-1");
    }
    expect(bannerLines(run([received("pcx-1"), changed("pcx-1", "rejected")]), NOW)[0]!.text).toBe("Peering request pcx-1 was rejected.");
    expect(bannerLines(run([received("pcx-1"), changed("pcx-1", "active")]), NOW)[0]!.text).toBe("Peering request pcx-1 was accepted: the peering is active.");
    expect(bannerLines(run([received("pcx-1"), changed("pcx-1", "deleted")]), NOW)[0]!.text).toBe("Peering request pcx-1 was cancelled by the requester.");
  });

  it("keeps the first outcome: a request accepted, then deleted, was accepted", () => {
    expect(bannerLines(run([received("pcx-1"), changed("pcx-1", "active"), changed("pcx-1", "deleted")]), NOW)[0]!.text).toContain("was accepted");
  });

  it("follows each request on its own, and ignores other events", () => {
    const events: StreamEvent[] = [
      received("pcx-1"),
      received("pcx-2"),
      { type: "peering.bandwidth-changed", resourceId: "pcx-2", data: { peeringId: "pcx-2", from: 10, to: 20 } },
      { type: "vpc.created", resourceId: "vpc-1", data: { state: "available" } },
      changed("pcx-3", "active"), // not one sent to this account
      changed("pcx-1", "rejected"),
    ];
    expect(bannerLines(run(events), NOW).map((l) => [l.id, l.waiting])).toEqual([
      ["pcx-1", false],
      ["pcx-2", true],
    ]);
  });

  it("says a request expired once its deadline passed, even before the expiry event", () => {
    const requests = run([received("pcx-1", "2026-12-06T11:59:59Z")]);
    expect(bannerLines(requests, NOW)[0]).toEqual({ id: "pcx-1", waiting: false, text: "Peering request pcx-1 expired unanswered." });
    expect(bannerLines(run([received("pcx-1"), changed("pcx-1", "expired")]), NOW)[0]!.text).toBe("Peering request pcx-1 expired unanswered.");
  });

  it("announces a request received again (a replayed event) once", () => {
    expect(run([received("pcx-1"), received("pcx-1")])).toHaveLength(1);
  });
});
