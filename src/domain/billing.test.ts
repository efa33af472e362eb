import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { DEFAULT_PRICES, addMonths, checkPeriod, priceOf, proratedChange, usageCharge, usageIntervals } from "./billing.ts";

describe("billing rules", () => {
  it("prices by tier, region scope and cap", () => {
    expect(priceOf(DEFAULT_PRICES, null, false)).toEqual({ hourly: 0, monthly: 0 });
    expect(() => priceOf(DEFAULT_PRICES, null, true)).toThrow(/needs a bandwidth/);
    expect(priceOf(DEFAULT_PRICES, 10, true)).toEqual({ hourly: 80, monthly: 40_000 });
    expect(priceOf(DEFAULT_PRICES, 11, true).hourly).toBe(300);
    expect(priceOf(DEFAULT_PRICES, 10, false).hourly).toBe(20);
  });
  it("accepts only the documented periods", () => {
    expect(checkPeriod("subscription", 9)).toBe(9);
    expect(checkPeriod("subscription", 36)).toBe(36);
    expect(() => checkPeriod("subscription", 10)).toThrow(/1-9 months/);
    expect(() => checkPeriod("subscription", undefined)).toThrow();
    expect(() => checkPeriod("pay-as-you-go", 1)).toThrow(/only subscriptions/);
  });
  it("adds calendar months, clamping month ends", () => {
    expect(addMonths("2026-01-31T10:00:00.000Z", 1)).toBe("2026-02-28T10:00:00.000Z");
    expect(addMonths("2028-01-31T00:00:00.000Z", 1)).toBe("2028-02-29T00:00:00.000Z");
    expect(addMonths("2026-11-22T06:00:00.000Z", 12)).toBe("2027-11-22T06:00:00.000Z");
  });
  it("splits usage on whole hours and never counts time twice", () => {
    expect(usageIntervals("2026-01-01T00:30:00.000Z", "2026-01-01T02:10:00.000Z", false)).toEqual([
      ["2026-01-01T00:30:00.000Z", "2026-01-01T01:00:00.000Z"],
      ["2026-01-01T01:00:00.000Z", "2026-01-01T02:00:00.000Z"],
    ]);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: 500_000 }), (a, len) => {
        const from = new Date(Date.UTC(2026, 0, 1) + a * 1000).toISOString();
        const to = new Date(Date.parse(from) + len * 1000).toISOString();
        const parts = usageIntervals(from, to, true);
        let cursor = from;
        for (const [s, e] of parts) {
          expect(s).toBe(cursor);
          expect(Date.parse(e)).toBeGreaterThan(Date.parse(s));
          cursor = e;
        }
        if (len > 0) expect(cursor).toBe(to);
      }),
    );
    expect(usageCharge(80, "2026-01-01T00:30:00.000Z", "2026-01-01T01:00:00.000Z")).toBe(40);
  });
  it("prorates a subscription change over the remaining term", () => {
    expect(proratedChange(40_000, 150_000, "2026-01-01T00:00:00.000Z", "2026-01-16T00:00:00.000Z")).toBe(55_000);
    expect(proratedChange(150_000, 40_000, "2026-01-01T00:00:00.000Z", "2026-01-16T00:00:00.000Z")).toBe(-55_000);
  });
});
