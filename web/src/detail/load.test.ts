import { describe, expect, it } from "vitest";
import { quoteQuery } from "./load.ts";

describe("the quote's query", () => {
  it("asks by bandwidth (peering) or spec (router interface); a period only for a subscription", () => {
    expect(quoteQuery({ bandwidthMbps: 10, crossRegion: false, chargeType: "pay-as-you-go", period: null })).toBe("crossRegion=false&chargeType=pay-as-you-go&bandwidthMbps=10");
    expect(quoteQuery({ bandwidthMbps: null, crossRegion: false, chargeType: "pay-as-you-go" })).toBe("crossRegion=false&chargeType=pay-as-you-go");
    expect(quoteQuery({ spec: "Small.1", crossRegion: true, chargeType: "subscription", period: 3 })).toBe("crossRegion=true&chargeType=subscription&spec=Small.1&period=3");
    expect(quoteQuery({ bandwidthMbps: 5, crossRegion: true, chargeType: "pay-as-you-go", period: 3 })).toBe("crossRegion=true&chargeType=pay-as-you-go&bandwidthMbps=5");
  });
});
