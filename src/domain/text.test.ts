import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hasUnpairedSurrogate, wellFormed } from "./text.ts";

describe("text", () => {
  it("finds unpaired surrogates, and only those", () => {
    expect(hasUnpairedSurrogate("plain")).toBe(false);
    expect(hasUnpairedSurrogate("rocket \ud83d\ude80")).toBe(false);
    expect(hasUnpairedSurrogate("\ud800")).toBe(true);
    expect(hasUnpairedSurrogate("x\udc00")).toBe(true);
    expect(hasUnpairedSurrogate("\ude80\ud83d")).toBe(true);
    expect(wellFormed("a\ud800b\ud83d\ude80\udc00")).toBe("a\ufffdb\ud83d\ude80\ufffd");
  });

  it("agrees with the platform's own check, for any code units", () => {
    const units = fc.array(fc.oneof(fc.integer({ min: 0xd800, max: 0xdfff }), fc.integer({ min: 0, max: 0xffff })), { maxLength: 8 }).map((u) => String.fromCharCode(...u));
    fc.assert(
      fc.property(units, (s) => {
        const platform = s as string & { isWellFormed(): boolean; toWellFormed(): string };
        expect(hasUnpairedSurrogate(s)).toBe(!platform.isWellFormed());
        expect(wellFormed(s)).toBe(platform.toWellFormed());
      }),
    );
  });
});
