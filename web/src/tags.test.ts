import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { tagsToText, textToTags } from "./tags.ts";

describe("tags as text", () => {
  it("round-trips any tags the API accepts whose keys hold no '=' and no line break", () => {
    const key = fc.string({ minLength: 1, maxLength: 20 }).filter((k) => k.trim() === k && !/[=\r\n]/.test(k));
    const value = fc.string({ maxLength: 30 }).filter((v) => v.trim() === v && !/[\r\n]/.test(v));
    fc.assert(
      fc.property(fc.dictionary(key, value, { noNullPrototype: true }), (tags) => {
        expect(textToTags(tagsToText(tags))).toEqual(tags);
      }),
    );
  });

  it("keeps keys that are Object.prototype's names", () => {
    expect(Object.keys(textToTags("__proto__=x\nconstructor=y"))).toEqual(["__proto__", "constructor"]);
  });

  it("reads values with commas and '=', skips blank lines, trims around the pair", () => {
    expect(textToTags(" env = prod \n\nnote=a=b, c\nflag\r\n")).toEqual({ env: "prod", note: "a=b, c", flag: "" });
  });
});
