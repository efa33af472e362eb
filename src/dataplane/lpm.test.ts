import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatCidr } from "../domain/cidr.ts";
import { Lpm, linearLookup, linearTable } from "./lpm.ts";

const ip = (t: string) => t.split(".").reduce((v, o) => v * 256 + Number(o), 0);

describe("Lpm", () => {
  it("answers the longest prefix, -1 outside every prefix", () => {
    const t = new Lpm(["10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "172.16.0.0/12", "0.0.0.0/0"]);
    expect(t.lookup(ip("10.1.2.3"))).toBe(2);
    expect(t.lookup(ip("10.1.3.3"))).toBe(1);
    expect(t.lookup(ip("10.200.0.1"))).toBe(0);
    expect(t.lookup(ip("172.31.255.255"))).toBe(3);
    expect(t.lookup(ip("192.168.0.1"))).toBe(4);
    expect(new Lpm(["10.0.0.0/8"]).lookup(ip("11.0.0.0"))).toBe(-1);
    expect(new Lpm([]).lookup(ip("1.2.3.4"))).toBe(-1);
  });

  it("covers the ends of the address space and keeps the first of equal prefixes", () => {
    const t = new Lpm(["255.255.255.255/32", "0.0.0.0/32", "10.0.0.0/8", "10.0.0.0/8"]);
    expect(t.lookup(0xffffffff)).toBe(0);
    expect(t.lookup(0)).toBe(1);
    expect(t.lookup(1)).toBe(-1);
    expect(t.lookup(ip("10.9.9.9"))).toBe(2);
  });

  it("agrees with a linear scan on random tables (property)", () => {
    const prefix = fc.record({ base: fc.integer({ min: 0, max: 0xffffffff }), len: fc.integer({ min: 0, max: 32 }) }).map(({ base, len }) => formatCidr({ base: len === 0 ? 0 : base - (base % 2 ** (32 - len)), prefix: len }));
    fc.assert(
      fc.property(fc.array(prefix, { maxLength: 60 }), fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 1, maxLength: 40 }), (cidrs, ips) => {
        const t = new Lpm(cidrs);
        const lin = linearTable(cidrs);
        // Probe the edges of every prefix too, where off-by-one mistakes live.
        const edges = lin.flatMap((e) => [e.base, e.end, e.base - 1, e.end + 1]).filter((x) => x >= 0 && x <= 0xffffffff);
        for (const x of [...ips, ...edges]) {
          const want = linearLookup(lin, x);
          const got = t.lookup(x);
          // Equal prefixes: both answer the first one listed.
          expect(got).toBe(want);
        }
      }),
      { numRuns: 300 },
    );
  });
});
