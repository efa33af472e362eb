import { describe, expect, it } from "vitest";
import { isAccountId, isId } from "../../../src/domain/ids.ts";
import { accountIdProblem, bandwidthProblem, idProblem } from "./checks.ts";

describe("idProblem", () => {
  it("accepts what the API accepts, and says what is wrong with the rest", () => {
    expect(idProblem("vpc-abc123def456", ["vpc"])).toBeUndefined();
    expect(idProblem("  vpc-abc123def456 ", ["vpc"])).toBeUndefined();
    expect(idProblem("vbr-abc123def456", ["vpc", "vbr"])).toBeUndefined();
    expect(idProblem("", ["vpc"])).toBe("Enter a VPC id (vpc-…).");
    expect(idProblem("", ["routerInterface"], false)).toBeUndefined();
    expect(idProblem("pcx-abc123def456", ["vpc"])).toBe("A VPC id starts with “vpc-” (this starts with “pcx-”).");
    expect(idProblem("vbr-abc123def456", ["vpc"])).toMatch(/starts with “vpc-”/);
    expect(idProblem("VPC-abc123def456", ["vpc"])).toBe("Ids are lowercase: vpc-abc123def456?");
    expect(idProblem("vpc-ABC123def456", ["vpc"])).toBe("After “vpc-” come only lowercase letters and digits; found “A”, “B”, “C”.");
    expect(idProblem("vpc-abc 23def456", ["vpc"])).toMatch(/found a space/);
    expect(idProblem("vpc-abc", ["vpc"])).toBe("After “vpc-” come 12 letters and digits; this has 3.");
    expect(idProblem("ri-", ["routerInterface"])).toMatch(/^After “ri-” come 12/);
    expect(idProblem("x", ["vpc", "vbr"])).toBe("A VPC or VBR id starts with “vpc-” or “vbr-” (this starts with “x”).");
  });

  it("agrees with the domain's id pattern on every string it passes", () => {
    for (const s of ["vpc-abc123def456", "vpc-abc123def45", "vpc-abc123def4567", "vpc-abc123def45_", "vpc--bc123def456", "vpc-abc123déf456"]) {
      expect(idProblem(s, ["vpc"]) === undefined, s).toBe(isId("vpc", s));
    }
  });
});

describe("accountIdProblem", () => {
  it("accepts account ids, refuses others in words, and points at this account", () => {
    expect(accountIdProblem("123456789012")).toBeUndefined();
    expect(accountIdProblem("")).toMatch(/^Enter the other account's id/);
    expect(accountIdProblem("12345a")).toBe("An account id has digits only.");
    expect(accountIdProblem("12345")).toBe("An account id has 12 to 16 digits and does not start with 0; this has 5.");
    expect(accountIdProblem("012345678901")).toMatch(/starts with 0/);
    expect(accountIdProblem("123456789012", "123456789012")).toMatch(/^That is this account/);
    for (const s of ["123456789012", "1234567890123456", "12345678901234567", "9999999999999999"]) expect(accountIdProblem(s) === undefined, s).toBe(isAccountId(s));
  });
});

describe("bandwidthProblem", () => {
  it("needs a bandwidth only across regions, and a whole number in range", () => {
    expect(bandwidthProblem("", false)).toBeUndefined();
    expect(bandwidthProblem("", true)).toMatch(/between two regions needs a bandwidth/);
    expect(bandwidthProblem("50", true)).toBeUndefined();
    expect(bandwidthProblem("10000", false)).toBeUndefined();
    for (const bad of ["0", "1.5", "10001", "abc", "-3"]) expect(bandwidthProblem(bad, false), bad).toBe("Bandwidth is a whole number of Mbps from 1 to 10000.");
  });
});
