import { describe, expect, it } from "vitest";
import { DEFAULT_PRICES, priceOf } from "../../../src/domain/billing.ts";
import { type Quote, money, priceText, quotePath, refusalText, termOf } from "./price.ts";

const quote = (q: Partial<Quote>): Quote => ({ currency: "CNY", chargeType: "pay-as-you-go", bandwidthMbps: 10, crossRegion: false, hourly: 20, monthly: 10_000, period: null, total: null, ...q });

describe("the price line", () => {
  it("asks the quote for exactly the choice", () => {
    expect(quotePath({ bandwidthMbps: 50, crossRegion: true, chargeType: "subscription", period: 3 })).toBe("/api/v1/billing/quote?bandwidthMbps=50&crossRegion=true&chargeType=subscription&period=3");
    expect(quotePath({ bandwidthMbps: null, crossRegion: false, chargeType: "pay-as-you-go" })).toBe("/api/v1/billing/quote?crossRegion=false&chargeType=pay-as-you-go");
    expect(quotePath({ spec: "Middle.1", crossRegion: false, chargeType: "pay-as-you-go", period: 3 })).toBe("/api/v1/billing/quote?spec=Middle.1&crossRegion=false&chargeType=pay-as-you-go");
  });

  it("words pay-as-you-go by the hour, a subscription by the month and for its term, and the free case", () => {
    const p = priceOf(DEFAULT_PRICES, 50, true);
    expect(priceText(quote({ hourly: p.hourly, monthly: p.monthly, bandwidthMbps: 50, crossRegion: true }))).toBe("3.00 CNY per hour");
    expect(priceText(quote({ chargeType: "subscription", hourly: 75, monthly: 37_500, period: 3, total: 112_500 }))).toBe("375.00 CNY per month, 1125.00 CNY for 3 months");
    expect(priceText(quote({ chargeType: "subscription", hourly: 75, monthly: 37_500, period: 1, total: 37_500 }))).toBe("375.00 CNY per month, 375.00 CNY for 1 month");
    expect(priceText(quote({ bandwidthMbps: null, hourly: 0, monthly: 0 }))).toBe("Free: a peering within one region without a bandwidth cap costs nothing.");
    expect(priceText(quote({ chargeType: "subscription", bandwidthMbps: null, hourly: 0, monthly: 0, period: 12, total: 0 }))).toMatch(/^Free/);
    expect(money(5, "CNY")).toBe("0.05 CNY");
  });

  it("puts a refusal in words", () => {
    expect(refusalText("BandwidthRequired", "bandwidthMbps: a cross-region peering needs a bandwidth")).toBe("A peering between two regions needs a bandwidth: choose one to see its price.");
    expect(refusalText("InvalidRequest", "spec: \"Huge.9\" is not a specification")).toBe("No price: \"Huge.9\" is not a specification");
  });
});

describe("termOf", () => {
  it("gives a period to a subscription only", () => {
    expect(termOf("pay-as-you-go", "3")).toEqual({ chargeType: "pay-as-you-go" });
    expect(termOf("subscription", "12")).toEqual({ chargeType: "subscription", period: 12 });
    expect(termOf("subscription", "")).toEqual({ chargeType: "subscription", period: 1 });
  });
});
