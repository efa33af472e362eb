import { InvalidArgumentError } from "commander";
import { describe, expect, it } from "vitest";
import { portRange } from "./security-group.ts";

describe("--ports", () => {
  it("takes a port or an ascending range within 1-65535", () => {
    expect(portRange("80")).toEqual([80, 80]);
    expect(portRange("80-443")).toEqual([80, 443]);
    expect(portRange("1-65535")).toEqual([1, 65535]);
    expect(portRange("22-22")).toEqual([22, 22]);
  });

  it("refuses anything else before a request is made", () => {
    for (const bad of ["0", "65536", "443-80", "80-", "-80", "1e3", " 80", "80 - 443", "80,443", "", "all", "0-80", "80-99999"]) {
      expect(() => portRange(bad), bad).toThrow(InvalidArgumentError);
    }
  });
});
