/** Which data-plane status changes are announced (dataplane.changed): programmed flips and new errors, never counters. */
import { describe, expect, it } from "vitest";
import type { DataplaneStatus } from "../store/repos/dataplane.ts";
import { meaningfulChanges } from "./reconciler.ts";

const status = (resourceId: string, programmed: boolean, error: string | null, rest: Partial<DataplaneStatus> = {}): DataplaneStatus => ({
  resourceId,
  programmed,
  generation: 1,
  error,
  note: null,
  counters: null,
  updatedAt: "2026-01-01T00:00:00.000Z",
  ...rest,
});

describe("meaningfulChanges", () => {
  const before = new Map<string, DataplaneStatus>([
    ["pcx-counters", status("pcx-counters", true, null, { counters: { rxBytes: 1, txBytes: 1, rxPackets: 1, txPackets: 1 } })],
    ["pcx-flip", status("pcx-flip", true, null)],
    ["vpc-error", status("vpc-error", false, "first error")],
    ["vpc-fixed", status("vpc-fixed", false, "broken")],
    ["ins-note", status("ins-note", true, null, { note: "port not bound" })],
  ]);
  const changes = meaningfulChanges(
    [
      status("pcx-counters", true, null, { counters: { rxBytes: 9, txBytes: 9, rxPackets: 9, txPackets: 9 }, generation: 2, updatedAt: "2026-01-02T00:00:00.000Z" }),
      status("pcx-flip", false, "RTNETLINK answers: File exists"),
      status("vpc-error", false, "another error"),
      status("vpc-fixed", true, null),
      status("ins-note", true, null, { note: null }),
      status("ins-new", true, null),
      status("ins-new-failing", false, "cannot create namespace"),
    ],
    (id) => before.get(id),
  );

  it("ignores counters, generations, times and notes", () => {
    expect(changes.map((c) => c.resourceId)).not.toContain("pcx-counters");
    expect(changes.map((c) => c.resourceId)).not.toContain("ins-note");
  });

  it("announces flips of programmed, changed errors, and first reports", () => {
    expect(changes).toEqual([
      { resourceId: "pcx-flip", programmed: false, lastError: "RTNETLINK answers: File exists", before: { programmed: true, lastError: null } },
      { resourceId: "vpc-error", programmed: false, lastError: "another error", before: { programmed: false, lastError: "first error" } },
      { resourceId: "vpc-fixed", programmed: true, lastError: null, before: { programmed: false, lastError: "broken" } },
      { resourceId: "ins-new", programmed: true, lastError: null, before: null },
      { resourceId: "ins-new-failing", programmed: false, lastError: "cannot create namespace", before: null },
    ]);
  });
});
