import { describe, expect, it } from "vitest";
import { bandwidth, bytes, count, countdown, dataplaneStatus, money, transitionText } from "./format.ts";

describe("detail page formatters", () => {
  it("bytes in binary units, one decimal below 100", () => {
    expect(bytes(0)).toBe("0 B");
    expect(bytes(1023)).toBe("1023 B");
    expect(bytes(1024)).toBe("1 KiB");
    expect(bytes(1536)).toBe("1.5 KiB");
    expect(bytes(5 * 1024 * 1024 + 300 * 1024)).toBe("5.3 MiB");
    expect(bytes(150 * 1024 ** 3)).toBe("150 GiB");
    expect(bytes(2 * 1024 ** 6)).toBe("2048 PiB");
  });

  it("counts with separators and the noun's number", () => {
    expect(count(1, "packet")).toBe("1 packet");
    expect(count(0, "packet")).toBe("0 packets");
    expect(count(1234567, "packet")).toBe("1,234,567 packets");
  });

  it("money from minor units", () => {
    expect(money(1234, "CNY")).toBe("12.34 CNY");
    expect(money(5, "USD")).toBe("0.05 USD");
    expect(money(-250, "CNY")).toBe("-2.50 CNY");
  });

  it("a countdown to the second, with days; null once past", () => {
    const now = new Date("2026-01-01T00:00:00.000Z");
    expect(countdown("2026-01-01T00:00:05.000Z", now)).toBe("00:00:05");
    expect(countdown("2026-01-01T00:00:04.200Z", now)).toBe("00:00:05");
    expect(countdown("2026-01-03T03:04:05.000Z", now)).toBe("2 d 03:04:05");
    expect(countdown("2026-01-01T00:00:00.000Z", now)).toBeNull();
    expect(countdown("2025-12-31T23:00:00.000Z", now)).toBeNull();
    expect(countdown("not a time", now)).toBeNull();
  });

  it("the data plane's report in a word: error wins over programmed", () => {
    const dp = { programmed: true, appliedGeneration: 1, lastError: null, note: null, counters: null, updatedAt: "2026-01-01T00:00:00Z" };
    expect(dataplaneStatus(undefined).status).toBe("not reported");
    expect(dataplaneStatus(null).status).toBe("not reported");
    expect(dataplaneStatus(dp).status).toBe("programmed");
    expect(dataplaneStatus({ ...dp, programmed: false }).status).toBe("pending");
    const failed = dataplaneStatus({ ...dp, lastError: "ovs-vsctl exited 1" });
    expect(failed).toEqual({ status: "error", text: "The data plane failed to program it: ovs-vsctl exited 1" });
  });

  it("transitions and bandwidth in words", () => {
    expect(transitionText(null)).toBeNull();
    expect(transitionText(undefined)).toBeNull();
    expect(transitionText("deleting")).toBe("deleting: the network still carries it");
    expect(bandwidth(null)).toBe("no cap");
    expect(bandwidth(10000)).toBe("10,000 Mbps");
  });
});
