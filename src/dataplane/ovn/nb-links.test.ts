import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LINK_SLOTS, allocateLinks, linkAddress, slotOfAddress } from "./nb-links.ts";

const links = fc.uniqueArray(fc.record({ n: fc.nat(60), a: fc.nat(5), b: fc.nat(5) }), { selector: (l) => l.n, maxLength: 40 }).map((ls) =>
  ls.filter((l) => l.a !== l.b).map((l) => ({ id: `pcx-${String(l.n).padStart(12, "0")}`, a: `vpc-${String(l.a).padStart(12, "0")}`, b: `vpc-${String(l.b).padStart(12, "0")}` })),
);

describe("peering link addresses", () => {
  it("never gives two links of one router the same /30, and keeps a held slot that does not clash", () => {
    fc.assert(
      fc.property(links, fc.array(fc.tuple(fc.nat(60), fc.nat(3)), { maxLength: 30 }), (ls, held) => {
        // Few distinct held slots, so that held slots often clash.
        const sticky = new Map(held.map(([n, s]) => [`pcx-${String(n).padStart(12, "0")}`, s]));
        const slots = allocateLinks(ls, sticky);
        expect([...slots.keys()].sort()).toEqual(ls.map((l) => l.id).sort());
        const perRouter = new Map<string, number[]>();
        for (const l of ls) for (const r of [l.a, l.b]) perRouter.set(r, [...(perRouter.get(r) ?? []), slots.get(l.id)!]);
        for (const used of perRouter.values()) expect(new Set(used).size).toBe(used.length);
        // A held slot is kept unless an earlier (by id) link of the same router kept it first.
        for (const l of [...ls].sort((x, y) => (x.id < y.id ? -1 : 1))) {
          const s = sticky.get(l.id);
          if (s === undefined) continue;
          const clash = ls.some((o) => o.id < l.id && sticky.get(o.id) === s && slots.get(o.id) === s && [o.a, o.b].some((r) => r === l.a || r === l.b));
          if (!clash) expect(slots.get(l.id)).toBe(s);
        }
      }),
    );
  });

  it("does not depend on the order links are listed in", () => {
    fc.assert(
      fc.property(links, (ls) => {
        expect(allocateLinks([...ls].reverse())).toEqual(allocateLinks(ls));
      }),
    );
  });

  it("maps slots to 169.254.0.0/16 /30s, side a .1 and side b .2, and back", () => {
    fc.assert(
      fc.property(fc.nat(LINK_SLOTS - 1), fc.constantFrom("a" as const, "b" as const), (slot, side) => {
        expect(slotOfAddress(linkAddress(slot, side).cidr)).toBe(slot);
      }),
    );
    expect(linkAddress(0, "a").cidr).toBe("169.254.0.1/30");
    expect(linkAddress(LINK_SLOTS - 1, "b").cidr).toBe("169.254.255.254/30");
    for (const foreign of ["169.254.0.0/30", "169.254.0.3/30", "169.254.0.1/24", "10.0.0.1/30", "junk"]) expect(slotOfAddress(foreign)).toBeNull();
  });
});
