import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { contains, firstOverlap, formatCidr, formatIp, overlaps, parseCidr, parseIp, parsePrivateCidr } from "./cidr.ts";
import { DomainError } from "./errors.ts";

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as DomainError).code;
  }
  return "no error";
};

describe("parseIp", () => {
  it("accepts dotted quads and rejects everything else", () => {
    expect(parseIp("10.0.0.1")).toBe(0x0a000001);
    expect(parseIp("255.255.255.255")).toBe(0xffffffff);
    for (const bad of ["10.0.0", "10.0.0.256", "010.0.0.1", "1.2.3.4.5", "a.b.c.d", "", " 1.2.3.4", "1..2.3"]) {
      expect(parseIp(bad), bad).toBeNull();
    }
  });
});

describe("parseCidr", () => {
  it("parses aligned blocks", () => {
    expect(parseCidr("10.0.0.0/16", "cidr")).toEqual({ base: 0x0a000000, prefix: 16 });
    expect(parseCidr("0.0.0.0/0", "cidr")).toEqual({ base: 0, prefix: 0 });
  });
  it("refuses misaligned blocks and names the aligned network", () => {
    try {
      parseCidr("10.0.0.1/16", "cidr");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DomainError);
      expect((e as DomainError).code).toBe("InvalidCidr");
      expect((e as DomainError).message).toContain("10.0.0.0/16");
      expect((e as DomainError).details).toMatchObject({ field: "cidr", suggestion: "10.0.0.0/16" });
    }
  });
  it("refuses malformed text", () => {
    for (const bad of ["10.0.0.0", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/08", "10.0.0.0/", "/16", "x/16", "10.0.0.0/16 "]) {
      expect(code(() => parseCidr(bad, "cidr")), bad).toBe("InvalidCidr");
    }
  });
});

describe("parsePrivateCidr", () => {
  it("enforces the prefix range and the private ranges", () => {
    expect(code(() => parsePrivateCidr("10.0.0.0/7", "cidr", 8, 28))).toBe("CidrNotAllowed");
    expect(code(() => parsePrivateCidr("10.0.0.0/29", "cidr", 8, 28))).toBe("CidrNotAllowed");
    expect(code(() => parsePrivateCidr("8.8.8.0/24", "cidr", 8, 28))).toBe("CidrNotAllowed");
    expect(code(() => parsePrivateCidr("172.32.0.0/16", "cidr", 8, 28))).toBe("CidrNotAllowed");
    expect(parsePrivateCidr("100.64.0.0/10", "cidr", 8, 28).prefix).toBe(10);
    expect(parsePrivateCidr("192.168.1.0/28", "cidr", 8, 28).prefix).toBe(28);
  });
});

const cidrArb = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 })).map(([ip, prefix]) => {
  const blockSize = 2 ** (32 - prefix);
  return { base: ip - (ip % blockSize), prefix };
});

describe("properties", () => {
  it("format/parse round-trips", () => {
    fc.assert(fc.property(cidrArb, (c) => {
      expect(parseCidr(formatCidr(c), "c")).toEqual(c);
    }));
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), (ip) => {
      expect(parseIp(formatIp(ip))).toBe(ip);
    }));
  });
  it("overlap is symmetric and equals containment one way or the other (blocks nest or are disjoint)", () => {
    fc.assert(
      fc.property(cidrArb, cidrArb, (a, b) => {
        expect(overlaps(a, b)).toBe(overlaps(b, a));
        expect(overlaps(a, b)).toBe(contains(a, b) || contains(b, a));
      }),
    );
  });
  it("firstOverlap finds a pair exactly when one exists", () => {
    fc.assert(
      fc.property(fc.array(cidrArb, { maxLength: 5 }), fc.array(cidrArb, { maxLength: 5 }), (as, bs) => {
        const found = firstOverlap(as.map(formatCidr), bs.map(formatCidr));
        const exists = as.some((a) => bs.some((b) => overlaps(a, b)));
        expect(found !== null).toBe(exists);
      }),
    );
  });
});
