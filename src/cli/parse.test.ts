import { InvalidArgumentError } from "commander";
import { describe, expect, it } from "vitest";
import { bandwidthOrUnlimited, boolean, decimal, integer, netnsPrefix, period, url } from "./parse.ts";

describe("CLI flag parsers", () => {
  it("read integers written as digits only, within their range", () => {
    const p = integer(1, 100);
    expect(p("1")).toBe(1);
    expect(p("100")).toBe(100);
    for (const bad of ["0", "101", "1e2", "10M", "5.0", "-1", " 5", "5 ", "", "0x10", "٣"]) expect(() => p(bad), bad).toThrow(InvalidArgumentError);
  });

  it("read decimals, periods, booleans, URLs and prefixes exactly", () => {
    expect(decimal(0, 10)("2.5")).toBe(2.5);
    expect(() => decimal(0, 10)("10.5")).toThrow(/from 0 to 10/);
    expect(period("12")).toBe(12);
    expect(() => period("10")).toThrow(/one of 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 24 or 36/);
    expect([boolean("true"), boolean("false")]).toEqual([true, false]);
    expect(() => boolean("yes")).toThrow(/true or false/);
    expect(url("http://127.0.0.1:8080")).toBe("http://127.0.0.1:8080");
    expect(() => url("127.0.0.1:8080")).toThrow(/http/);
    expect(netnsPrefix("vpcpeer")).toBe("vpcpeer");
    expect(() => netnsPrefix("Vpc-peer")).toThrow(/lowercase letter/);
  });

  it("remove a bandwidth cap only when told `unlimited`", () => {
    expect(bandwidthOrUnlimited("unlimited")).toBe("unlimited");
    expect(bandwidthOrUnlimited("50")).toBe(50);
    for (const bad of ["fast", "10M", "50mbit", "0", "10001", "Unlimited", "none"]) expect(() => bandwidthOrUnlimited(bad), bad).toThrow(/"unlimited" to remove the cap/);
  });
});
