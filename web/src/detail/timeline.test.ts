import { describe, expect, it } from "vitest";
import type { EventItem } from "../types.ts";
import { buildTimeline, relatedPeerings, stateChanges, timelineEntry } from "./timeline.ts";

let seq = 0;
const ev = (type: string, resourceId: string, data: Record<string, unknown>, createdAt = `2026-01-01T00:00:${String(seq).padStart(2, "0")}.000Z`): EventItem => ({
  id: `evt-${++seq}`,
  seq,
  accountId: "me",
  type,
  resourceId,
  data,
  createdAt,
});

describe("a resource's timeline from its events", () => {
  it("says what happened in words: the state, its sentence, who, what it was, the routes it removed", () => {
    const e = ev("peering.deleted", "pcx-1", {
      peeringId: "pcx-1",
      previousState: "active",
      state: "deleted",
      command: "delete",
      by: "other",
      stateReason: { code: "Deleted", message: "deleted by other" },
      removedRoutes: [{ id: "r-1", routeTableId: "rtb-1", destinationCidr: "10.1.0.0/16" }],
      message: "peering pcx-1 is deleted (deleted by other)",
    });
    expect(timelineEntry(e, "me")).toEqual({
      id: e.id,
      resourceId: "pcx-1",
      at: e.createdAt,
      state: "deleted",
      label: "deleted",
      message: "peering pcx-1 is deleted (deleted by other)",
      details: ["was active", "deleted by account other", "your routes removed: 10.1.0.0/16 in rtb-1"],
    });
    expect(timelineEntry({ ...e, data: { ...e.data, by: "me" } }, "me").details[1]).toBe("deleted by you");
    expect(timelineEntry({ ...e, data: { ...e.data, by: "system", command: "expire" } }, "me").details[1]).toBe("expired by the system");
  });

  it("names events without a state by their kind, and never shows their raw data", () => {
    const bw = timelineEntry(ev("peering.bandwidth-changed", "pcx-1", { peeringId: "pcx-1", from: 10, to: 20, message: "bandwidth of pcx-1 changed to 20" }), "me");
    expect(bw).toMatchObject({ state: null, label: "bandwidth changed", message: "bandwidth of pcx-1 changed to 20", details: [] });
    const dp = (data: Record<string, unknown>) => timelineEntry(ev("dataplane.changed", "pcx-1", { resourceId: "pcx-1", ...data }), "me").label;
    expect(dp({ programmed: true, lastError: null })).toBe("data plane programmed");
    expect(dp({ programmed: false, lastError: null })).toBe("data plane pending");
    expect(dp({ programmed: false, lastError: "boom" })).toBe("data plane error");
    const bare = timelineEntry(ev("router-interface.connecting", "ri-1", { nested: { a: 1 } }), "me");
    expect(bare).toMatchObject({ label: "connecting", message: "connecting" });
    expect(JSON.stringify(bare)).not.toContain("nested");
    expect(timelineEntry(ev("router-interface.updated", "ri-1", { status: "Active", message: "m" }), "me").state).toBe("Active");
  });

  it("merges several resources' events, each once, in stream order; a resource's states entered, once each in a row", () => {
    const a = ev("peering.requested", "pcx-1", { state: "pending-acceptance", message: "asked" });
    const b = ev("router-interface.created", "ri-1", { message: "created" });
    const c = ev("peering.active", "pcx-1", { state: "active", message: "active" });
    const d = ev("peering.renewed", "pcx-1", { state: "active", message: "renewed" });
    const f = ev("peering.deleted", "pcx-1", { state: "deleted", message: "gone" });
    const t = buildTimeline([f, c, a, b, c, d], "me");
    expect(t.map((x) => x.message)).toEqual(["asked", "created", "active", "renewed", "gone"]);
    expect(stateChanges(t, "ri-1")).toEqual([]);
    expect(stateChanges(t, "pcx-1")).toEqual([
      { state: "pending-acceptance", at: a.createdAt },
      { state: "active", at: c.createdAt },
      { state: "deleted", at: f.createdAt },
    ]);
  });

  it("finds the peerings a router interface's events name", () => {
    const evs = [ev("router-interface.active", "ri-1", { peeringId: "pcx-2" }), ev("peering.active", "pcx-2", { peeringId: "pcx-2" }), ev("router-interface.x", "ri-1", { peeringId: "pcx-2" }), ev("router-interface.y", "ri-1", {})];
    expect(relatedPeerings(evs)).toEqual(["pcx-2"]);
  });
});
